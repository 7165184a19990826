package server

import (
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/wasmgate/wasmgate/core/host"
)

// copyHeader keeps every name and value after fasthttp reuses its header,
// repeated names included, in two allocations.
func TestCopyHeader(t *testing.T) {
	var h fasthttp.RequestHeader
	h.SetMethod("POST")
	h.SetRequestURI("/v1/chat/completions")
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Bearer sk-client")
	h.Set("X-Wasmgate-Cache", "off")
	h.Add("X-Tag", "one")
	h.Add("X-Tag", "two")
	var got host.Header
	copyHeader(&got, &h)
	h.Reset()
	h.Set("X-Wasmgate-Cache", "XXX")
	h.Set("X-Tag", "XXX")
	want := map[string][]string{
		"Content-Type":     {"application/json"},
		"Authorization":    {"Bearer sk-client"},
		"X-Wasmgate-Cache": {"off"},
		"X-Tag":            {"one", "two"},
	}
	seen := map[string][]string{}
	for _, f := range got {
		seen[f.Name] = append(seen[f.Name], f.Value)
	}
	for name, vals := range want {
		if g := seen[name]; len(g) != len(vals) || g[0] != vals[0] || g[len(g)-1] != vals[len(vals)-1] {
			t.Errorf("%s: %q, want %q", name, g, vals)
		}
	}

	h.Reset()
	h.Set("Content-Type", "application/json")
	h.Set("X-Stainless-Lang", "python")
	h.Set("X-Stainless-Arch", "x64")
	if n := testing.AllocsPerRun(100, func() { copyHeader(&got, &h) }); n != 2 {
		t.Errorf("%v allocations per copy, want 2 (the list and one buffer)", n)
	}
}
