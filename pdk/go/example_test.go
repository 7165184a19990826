package pdk_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// prefixer puts a configured text in front of the last user message.
type prefixer struct {
	Prefix string `json:"prefix"`
}

func (p *prefixer) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(p); err != nil {
		return err
	}
	if p.Prefix == "" {
		return errors.New("prefix is required")
	}
	return nil
}

func (p *prefixer) OnRequest(req *pdk.Request) pdk.Action {
	i, text, ok := req.LastUserMessage()
	if !ok {
		return pdk.Error(400, "invalid_request_error", "no user message")
	}
	if err := req.SetMessageContent(i, p.Prefix+text); err != nil {
		return pdk.Error(500, "plugin_error", err.Error())
	}
	return pdk.Continue
}

// A complete plugin: a package main that registers its value in init. Build
// it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o prefixer.wasm .
//
// and test it with package pdktest:
//
//	res := pdktest.Request(t, &prefixer{}, `{"messages":[{"role":"user","content":"hi"}]}`,
//		pdktest.WithConfig(`{"prefix":"> "}`))
//	// res.RequestPath("messages.0.content") == "> hi"
func Example() {
	// In package main:
	//
	//	func init() { pdk.Register(&prefixer{}) }
	//	func main() {}
	pdk.Register(&prefixer{})
}

// Read and change one value by path; the host does the JSON work.
func ExampleObject_GetString() {
	hook := func(req *pdk.Request) pdk.Action {
		if model, _ := req.GetString("model"); strings.HasPrefix(model, "gpt-") {
			req.SetString("metadata.family", "openai")
		}
		if n, ok := req.GetInt("max_tokens"); ok && n > 1024 {
			req.SetInt("max_tokens", 1024)
		}
		return pdk.Continue
	}
	pdk.Register(pdk.RequestFunc(hook))
}

// Short-circuit the request with a canonical chat completion.
func ExampleRespond() {
	cached := []byte(`{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"cached"},"finish_reason":"stop"}]}`)
	pdk.Register(pdk.RequestFunc(func(req *pdk.Request) pdk.Action {
		if tenant, _ := req.Header("x-tenant"); tenant == "demo" {
			return pdk.Respond(200, cached)
		}
		return pdk.Continue
	}))
}

// An adapter sets the provider URL and headers on the upstream request.
func ExampleUpstream() {
	pdk.Register(pdk.RequestFunc(func(req *pdk.Request) pdk.Action {
		base, _ := pdk.Attr(pdk.AttrProviderURL)
		up := pdk.Upstream()
		up.SetURL(strings.TrimRight(base, "/") + "/chat/completions")
		up.SetHeader("content-type", "application/json")
		return pdk.Continue
	}))
}

func ExampleAppendJSONString() {
	b := []byte(`{"role":"system","content":`)
	b = pdk.AppendJSONString(b, "Say \"hi\"\n")
	b = append(b, '}')
	fmt.Println(string(b))
	// Output: {"role":"system","content":"Say \"hi\"\n"}
}
