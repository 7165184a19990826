package main

import (
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestSecretprobe(t *testing.T) {
	tests := []struct{ config, want string }{
		{`{"name":"granted"}`, `{"value":"s3cret"}`},
		{`{"name":"other"}`, `{"error":"wasmgate: denied"}`},
	}
	for _, tt := range tests {
		res := pdktest.Request(t, &secretprobe{}, `{}`, pdktest.WithConfig(tt.config), pdktest.WithSecret("granted", "s3cret"))
		if res.Respond == nil || strings.TrimSpace(string(res.Respond.Body)) != tt.want {
			t.Errorf("%s: reply %+v, want %s", tt.config, res.Respond, tt.want)
		}
	}
}
