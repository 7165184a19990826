package host_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// grants is a SecretSource: name -> value; a nil value is granted but not
// read yet.
type grants map[string]*string

func (g grants) Secret(name string) (string, bool, bool) {
	v, ok := g[name]
	if !ok {
		return "", false, false
	}
	if v == nil {
		return "", true, false
	}
	return *v, true, true
}

// TestSecretCapability: secret_get serves only the names granted to the
// plugin; any other name, and every name for a plugin granted none, is
// refused and logged (by name, never by value).
func TestSecretCapability(t *testing.T) {
	wasm := testwasm.GoPluginBytes(t, "testguests/secretprobe")
	value := "hmac-signing-value"
	granted := grants{"signing_key": &value, "not_yet": nil}
	tests := []struct {
		name    string
		secrets host.SecretSource
		config  string
		want    string
	}{
		{"granted", granted, `{"name":"signing_key"}`, `{"value":"hmac-signing-value"}`},
		{"granted, read in wasmgate_init", granted, `{"name":"signing_key","init":true}`, `{"value":"hmac-signing-value"}`},
		{"another name", granted, `{"name":"provider_key"}`, `{"error":"wasmgate: denied"}`},
		{"a reference instead of a name", granted, `{"name":"vault://secret/openai#api_key"}`, `{"error":"wasmgate: denied"}`},
		{"granted, source never reached", granted, `{"name":"not_yet"}`, `{"error":"wasmgate: not available"}`},
		{"nothing granted", nil, `{"name":"signing_key"}`, `{"error":"wasmgate: denied"}`},
	}
	cache := t.TempDir() // compiled once for all cases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &lockedBuffer{}
			e, err := host.NewEngine(cache, slog.New(slog.NewTextHandler(logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			p, err := e.Load(ctx, "secretprobe", wasm, host.Limits{}, host.Capabilities{Secrets: tc.secrets})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctx)
			pool, err := p.NewPool(ctx, []byte(tc.config), host.PoolOptions{Size: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			in, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ex := &host.Exchange{Request: []byte(`{}`)}
			act, err := in.Call(abi.PhaseRequest, ex, false)
			pool.Release(in)
			if err != nil || act != abi.ActionRespond {
				t.Fatalf("action %v, error %v", act, err)
			}
			if got := string(ex.ShortBody); got != tc.want {
				t.Fatalf("plugin got %s, want %s", got, tc.want)
			}
			denied := strings.Contains(tc.want, "denied")
			if got := strings.Contains(logs.String(), "secret refused"); got != denied {
				t.Fatalf("refusal logged: %v, want %v:\n%s", got, denied, logs.String())
			}
			if strings.Contains(logs.String(), value) {
				t.Fatalf("the secret's value is in the log:\n%s", logs.String())
			}
		})
	}
}
