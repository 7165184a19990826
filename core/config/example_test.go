package config_test

import (
	"fmt"

	"github.com/wasmgate/wasmgate/core/config"
)

func ExampleParse() {
	_, err := config.Parse([]byte(`
server: {listen: "127.0.0.1:8080", max_body_bytes: 1MiB}
providers:
  up: {base_url: "https://api.example.com/v1"}
models:
  - {id: m1, provider: up}
pipelines:
  main: [{plugin: guard, on_eror: fail_open}]
routes:
  - {pipeline: main}
`), "testdata")
	fmt.Println(err)
	// Output:
	// invalid config:
	//   pipelines.main[0].on_eror: unknown key
}
