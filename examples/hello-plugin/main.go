// Command hello-plugin is the plugin of the "write your first plugin" walk
// through: it puts a prefix in front of the last user message and tags the
// request with the tenant named in the x-tenant header.
package main

import (
	"errors"

	pdk "github.com/wasmgate/wasmgate/pdk/go"
)

// Hello is the plugin. Its fields are its config.
type Hello struct {
	Prefix string `json:"prefix"`
}

// Init runs once per instance with the slot's config.
func (h *Hello) Init(cfg pdk.Config) error {
	if err := cfg.Unmarshal(h); err != nil {
		return err
	}
	if h.Prefix == "" {
		return errors.New("config: prefix is required")
	}
	return nil
}

// OnRequest runs for every request, before the provider is called.
func (h *Hello) OnRequest(req *pdk.Request) pdk.Action {
	if tenant, ok := req.Header("x-tenant"); ok {
		_ = pdk.SetAttr("hello.tenant", tenant) // later plugins can read it
	}
	i, content, ok := req.LastUserMessage()
	if !ok {
		return pdk.Error(400, "invalid_request_error", "hello-plugin: the request has no user message")
	}
	if err := req.SetMessageContent(i, h.Prefix+content); err != nil {
		return pdk.Error(500, "plugin_error", "hello-plugin: "+err.Error())
	}
	return pdk.Continue
}

func init() { pdk.Register(&Hello{}) }

func main() {}
