package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestNoop(t *testing.T) {
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	s := pdktest.New(t, noop{})
	if s.Mask() != pdk.HookRequest {
		t.Errorf("mask = %d, want request only", s.Mask())
	}
	res := s.Request(body)
	if res.Action != pdk.Continue || string(res.Request) != body || len(res.Attrs) != 0 {
		t.Errorf("noop changed something: %+v", res)
	}
}
