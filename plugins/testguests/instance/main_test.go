package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

const completion = `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}]}`

func TestSameInstance(t *testing.T) {
	s := pdktest.New(t, instance{})
	if s.Mask() != pdk.HookAll {
		t.Fatalf("mask = %d", s.Mask())
	}
	req := s.Request(`{"model":"m"}`)
	tok := req.Attr("instance.token")
	if tok == "" || tok != token {
		t.Fatalf("token attr %q, global %q", tok, token)
	}
	res := s.Response(completion)
	if res.Action != pdk.Continue || res.ResponseHeaders["x-instance-check"] != "ok" {
		t.Errorf("response: action %d headers %v error %v", res.Action, res.ResponseHeaders, res.Error)
	}
	if next := s.Request(`{"model":"m"}`).Attr("instance.token"); next == tok {
		t.Error("token not renewed per request")
	}
}

func TestInstanceChanged(t *testing.T) {
	s := pdktest.New(t, instance{})
	s.Request(`{}`)
	res := s.Response(completion, pdktest.WithAttr("instance.token", "from-another-instance"))
	if res.Error == nil || res.Error.Status != 500 || res.Error.Message != "instance changed" {
		t.Errorf("error = %v", res.Error)
	}
}

func TestChunkUppercase(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"choices":[{"delta":{"content":"héllo"}}]}`, "HÉLLO"},
		{`{"choices":[{"delta":{"role":"assistant"}}]}`, ""},
	}
	for _, tt := range tests {
		res := pdktest.Chunk(t, instance{}, tt.in)
		if got := res.ChunkPath("choices.0.delta.content"); got != tt.want || res.Action != pdk.Continue {
			t.Errorf("%s: content %q action %d", tt.in, got, res.Action)
		}
	}
}
