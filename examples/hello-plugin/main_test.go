package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestHello(t *testing.T) {
	const cfg = `{"prefix":"Please answer in French: "}`
	tests := []struct {
		name, body string
		wantMsg    string
		wantErr    int
	}{
		{"last user message", `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"how are you?"}]}`,
			"Please answer in French: how are you?", 0},
		{"no user message", `{"model":"m","messages":[{"role":"system","content":"x"}]}`, "", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := pdktest.Request(t, &Hello{}, tc.body, pdktest.WithConfig(cfg), pdktest.WithHeader("x-tenant", "acme"))
			if tc.wantErr != 0 {
				if res.Error == nil || res.Error.Status != tc.wantErr {
					t.Fatalf("want error %d, got %+v", tc.wantErr, res.Error)
				}
				return
			}
			if got := res.RequestPath("messages.2.content"); got != tc.wantMsg {
				t.Fatalf("last user message %q, want %q", got, tc.wantMsg)
			}
			if got := res.RequestPath("messages.0.content"); got != "hi" {
				t.Fatalf("an earlier message changed: %q", got)
			}
			if res.Attr("hello.tenant") != "acme" {
				t.Fatalf("tenant attribute %q", res.Attr("hello.tenant"))
			}
		})
	}
}

func TestHelloNeedsPrefix(t *testing.T) {
	if _, refused := pdktest.Init(t, &Hello{}, pdktest.WithConfig(`{}`)); refused == nil {
		t.Fatal("started without a prefix")
	}
}
