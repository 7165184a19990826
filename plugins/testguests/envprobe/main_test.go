package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestEnvprobe(t *testing.T) {
	t.Setenv("WASMGATE_PROBE_TEST", "granted")
	tests := []struct{ config, want string }{
		{`{"env":"WASMGATE_PROBE_TEST"}`, "granted"},
		{`{"env":"WASMGATE_PROBE_UNSET"}`, ""},
		{`{}`, ""},
	}
	for _, tt := range tests {
		res := pdktest.Request(t, &envprobe{}, `{}`, pdktest.WithConfig(tt.config))
		if v, ok := res.Attrs["probe.env"]; !ok || v != tt.want {
			t.Errorf("%s: probe.env = %q (set %v), want %q", tt.config, v, ok, tt.want)
		}
	}
}
