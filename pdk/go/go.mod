module github.com/wasmgate/wasmgate/pdk/go

go 1.24

require (
	github.com/tidwall/gjson v1.20.2
	github.com/tidwall/sjson v1.2.9
)

require (
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
)
