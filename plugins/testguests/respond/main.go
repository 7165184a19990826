// Command respond is a test guest: its request hook short-circuits with a
// canonical chat.completion whose content is "short-circuit", so the provider
// is never called.
package main

import "github.com/wasmgate/wasmgate/pdk/go"

// Body is the response it sends.
var Body = []byte(`{"id":"chatcmpl-short-circuit","object":"chat.completion","created":0,"model":"short-circuit",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":"short-circuit"},"finish_reason":"stop"}],` +
	`"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}`)

type respond struct{}

func (respond) OnRequest(*pdk.Request) pdk.Action { return pdk.Respond(200, Body) }

func init() { pdk.Register(respond{}) }

func main() {}
