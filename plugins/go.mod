module github.com/wasmgate/wasmgate/plugins

go 1.24

require (
	github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream v1.7.27
	github.com/aws/smithy-go/aws-http-auth v1.2.2
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/tidwall/gjson v1.20.2
	github.com/tidwall/sjson v1.2.9
	github.com/wasmgate/wasmgate/pdk/go v0.0.0
)

require (
	github.com/aws/smithy-go v1.28.9 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
	golang.org/x/text v0.14.0 // indirect
)

replace github.com/wasmgate/wasmgate/pdk/go => ../pdk/go
