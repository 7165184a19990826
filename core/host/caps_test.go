package host_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCapabilitiesDenyByDefault: a plugin sees no environment variable and
// its stdout goes nowhere unless its config grants them.
func TestCapabilitiesDenyByDefault(t *testing.T) {
	t.Setenv("PROBE_SECRET", "s3cr3t")
	wasm := testwasm.GoPluginBytes(t, "testguests/envprobe")
	tests := []struct {
		name    string
		caps    host.Capabilities
		wantEnv string
		stdout  bool
	}{
		{"nothing granted", host.Capabilities{}, "", false},
		{"another variable granted", host.Capabilities{Env: []string{"HOME"}}, "", false},
		{"granted", host.Capabilities{Env: []string{"PROBE_SECRET"}, Stdio: true}, "s3cr3t", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &lockedBuffer{}
			e, err := host.NewEngine(t.TempDir(), slog.New(slog.NewTextHandler(logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			p, err := e.Load(ctx, "envprobe", wasm, host.Limits{}, tc.caps)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctx)
			pool, err := p.NewPool(ctx, []byte(`{"env":"PROBE_SECRET"}`), host.PoolOptions{Size: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			in, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ex := &host.Exchange{Request: []byte(`{}`)}
			if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
				t.Fatal(err)
			}
			pool.Release(in)
			if got, _ := ex.Attr("probe.env"); got != tc.wantEnv {
				t.Fatalf("plugin read %q from the environment, want %q", got, tc.wantEnv)
			}
			if got := strings.Contains(logs.String(), "probe-stdout"); got != tc.stdout {
				t.Fatalf("stdout reached the log: %v, want %v", got, tc.stdout)
			}
		})
	}
}

// TestReservedAttributes: plugins cannot forge host attributes, and only the
// adapter reads the provider key.
func TestReservedAttributes(t *testing.T) {
	pool, err := loadPool(t, newEngine(t), testwasm.WAT(t, "testdata/attrs.wat"), host.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, adapter := range []bool{false, true} {
		in, err := pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ex := &host.Exchange{APIKey: "sk-provider"}
		ex.SetAttr(abi.AttrModel, "m")
		if _, err := in.Call(abi.PhaseRequest, ex, adapter); err != nil {
			t.Fatalf("adapter=%v: %v (a forged host attribute was accepted?)", adapter, err)
		}
		pool.Release(in)
		want := "denied"
		if adapter {
			want = "sk-provider"
		}
		if got, _ := ex.Attr("r.key"); got != want {
			t.Fatalf("adapter=%v: plugin read the key as %q, want %q", adapter, got, want)
		}
		if v, _ := ex.Attr(abi.AttrModel); v != "m" {
			t.Fatalf("host attribute changed to %q", v)
		}
	}
}
