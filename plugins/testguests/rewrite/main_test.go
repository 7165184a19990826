package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		name, body, path, want string
	}{
		{"last user message", `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c \"q\""}]}`,
			"messages.2.content", `[rewritten] c "q"`},
		{"earlier user message", `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`,
			"messages.0.content", "[rewritten] a"},
		{"text parts flattened", `{"messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]}]}`,
			"messages.0.content", "[rewritten] xy"},
		{"no user message", `{"messages":[{"role":"system","content":"s"}]}`, "messages.0.content", "s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := pdktest.Request(t, rewrite{}, tt.body)
			if res.Action != pdk.Continue || res.Failure != "" {
				t.Fatalf("action %d failure %q", res.Action, res.Failure)
			}
			if got := res.RequestPath(tt.path); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}
