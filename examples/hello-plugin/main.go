// Command hello is a small wasmgate plugin: it puts a configured prefix in
// front of the last user message and tags each request with its tenant, taken
// from the x-tenant request header, which it echoes back in the
// x-hello-tenant response header.
package main

import (
	"errors"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// TenantAttr is the request attribute that carries the tenant to later
// plugins and to the response hook.
const TenantAttr = "hello.tenant"

// hello is the plugin. Its exported fields are its configuration.
type hello struct {
	Prefix string `json:"prefix"`
}

// Init runs once per instance with the pipeline slot's config.
func (h *hello) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(h); err != nil {
		return err
	}
	if h.Prefix == "" {
		return errors.New("hello: config: prefix is required")
	}
	return nil
}

// OnRequest runs for every chat request, before the provider is called.
func (h *hello) OnRequest(req *pdk.Request) pdk.Action {
	tenant, ok := req.Header("x-tenant")
	if !ok || tenant == "" {
		tenant = "anonymous"
	}
	if err := pdk.SetAttr(TenantAttr, tenant); err != nil {
		return pdk.Error(500, "plugin_error", "hello: "+err.Error())
	}

	i, text, ok := req.LastUserMessage()
	if !ok {
		return pdk.Error(400, "invalid_request_error", "hello: the request has no user message")
	}
	if err := req.SetMessageContent(i, h.Prefix+text); err != nil {
		return pdk.Error(500, "plugin_error", "hello: "+err.Error())
	}
	return pdk.Continue
}

// OnResponse runs for every non-streamed response, before the client gets it.
func (h *hello) OnResponse(resp *pdk.Response) pdk.Action {
	tenant, _ := pdk.Attr(TenantAttr)
	if err := resp.SetHeader("x-hello-tenant", tenant); err != nil {
		return pdk.Error(500, "plugin_error", "hello: "+err.Error())
	}
	return pdk.Continue
}

// A Wasm reactor runs init functions but never main: register the plugin here.
func init() { pdk.Register(&hello{}) }

func main() {}
