package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

const config = `{"prefix":"Hello from wasmgate! "}`

func TestRequest(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		header     string // x-tenant
		wantText   string // the last user message after the hook
		wantTenant string
	}{
		{
			name:       "prefix and tenant",
			body:       `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is WebAssembly?"}]}`,
			header:     "acme",
			wantText:   "Hello from wasmgate! What is WebAssembly?",
			wantTenant: "acme",
		},
		{
			name: "only the last user message",
			body: `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},` +
				`{"role":"user","content":"c"},{"role":"tool","content":"d"}]}`,
			wantText:   "Hello from wasmgate! c",
			wantTenant: "anonymous",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []pdktest.Option{pdktest.WithConfig(config)}
			if tt.header != "" {
				opts = append(opts, pdktest.WithHeader("X-Tenant", tt.header))
			}
			res := pdktest.Request(t, &hello{}, tt.body, opts...)
			if res.Action != pdk.Continue {
				t.Fatalf("action %d, error %v, failure %q", res.Action, res.Error, res.Failure)
			}
			if got := lastUser(res); got != tt.wantText {
				t.Errorf("last user message = %q, want %q", got, tt.wantText)
			}
			if got := res.Attr(TenantAttr); got != tt.wantTenant {
				t.Errorf("tenant = %q, want %q", got, tt.wantTenant)
			}
		})
	}
}

// lastUser returns the content of the last user message of the final request.
func lastUser(res *pdktest.Result) string {
	n, _ := strconv.Atoi(res.RequestPath("messages.#"))
	for i := n - 1; i >= 0; i-- {
		msg := "messages." + strconv.Itoa(i)
		if res.RequestPath(msg+".role") == "user" {
			return res.RequestPath(msg + ".content")
		}
	}
	return ""
}

func TestNoUserMessage(t *testing.T) {
	res := pdktest.Request(t, &hello{}, `{"messages":[{"role":"system","content":"s"}]}`, pdktest.WithConfig(config))
	if res.Error == nil || res.Error.Status != 400 || res.Error.Type != "invalid_request_error" {
		t.Errorf("error = %v, want 400 invalid_request_error", res.Error)
	}
}

// The request and the response of one exchange run on one instance; the
// tenant travels between them as an attribute.
func TestResponseHeader(t *testing.T) {
	s := pdktest.New(t, &hello{}, pdktest.WithConfig(config), pdktest.WithHeader("x-tenant", "acme"))
	s.Request(`{"messages":[{"role":"user","content":"hi"}]}`)
	res := s.Response(`{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hey"}}]}`)
	if got := res.ResponseHeaders["x-hello-tenant"]; got != "acme" {
		t.Errorf("x-hello-tenant = %q, want acme", got)
	}
}

func TestConfig(t *testing.T) {
	for _, tt := range []struct{ config, want string }{
		{`{}`, "prefix is required"},
		{`{"prefix":"x","tenant":"y"}`, "unknown field"},
	} {
		_, refused := pdktest.Init(t, &hello{}, pdktest.WithConfig(tt.config))
		if refused == nil || !strings.Contains(refused.Message, tt.want) {
			t.Errorf("%s: refused = %v, want %q", tt.config, refused, tt.want)
		}
	}
	if mask, _ := pdktest.Init(t, &hello{}, pdktest.WithConfig(config)); mask != pdk.HookRequest|pdk.HookResponse {
		t.Errorf("mask = %d, want request and response", mask)
	}
}
