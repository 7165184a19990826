package extism_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/extism"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

var buildProbe sync.Once

// probeWasm is the Extism test guest written with @extism/as-pdk
// (testdata/probe), built by `make extism-probe` (run here once if missing).
func probeWasm(t testing.TB) []byte {
	t.Helper()
	file := filepath.Join("testdata", "probe.wasm")
	if _, err := os.Stat(file); err != nil {
		buildProbe.Do(func() {
			testwasm.Make(t, "extism-probe")
		})
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// callOnce runs the request hook of a fresh pool of wasm with these limits,
// capabilities and slot config, and returns the user message it left.
func callOnce(t *testing.T, wasm []byte, lim host.Limits, caps extism.Capabilities, config any, logger *slog.Logger) (string, error) {
	t.Helper()
	ctx := context.Background()
	p, err := extism.Load(ctx, "probe", wasm, lim, caps, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(config)
	pl, err := p.NewPool(ctx, cfg, host.PoolOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	in, err := pl.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex := exchange(abi.PhaseRequest)
	done := make(chan error, 1)
	go func() { _, err := in.Call(abi.PhaseRequest, ex, false); done <- err }()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the call did not end: no limit stopped the guest")
	}
	pl.Release(in)
	if err != nil {
		// A failed call costs its instance only: the pool starts another.
		if _, aerr := pl.Acquire(ctx); aerr != nil {
			t.Fatalf("after the failure %v: %v", err, aerr)
		}
	}
	return gjson.GetBytes(ex.Request, "messages.1.content").Str, err
}

func wantFailure(t *testing.T, err error, reason host.Reason, text string) {
	t.Helper()
	var f *host.Failure
	if !errors.As(err, &f) || f.Reason != reason || !strings.Contains(err.Error(), text) {
		t.Fatalf("err %v, want a %s failure mentioning %q", err, reason, text)
	}
}

// TestAllowedHosts reaches a loopback server through Extism's http_request
// with the hosts capabilities.allowed_hosts lists, and nothing else.
func TestAllowedHosts(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect": // to the same server under a name that is not listed
			http.Redirect(w, r, strings.Replace(srvURL(r), "127.0.0.1", "localhost", 1)+"/hello", http.StatusFound)
		case "/big":
			w.Write(bytes.Repeat([]byte("x"), 2<<20))
		case "/slow": // answers after the plugin's timeout, or never
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		default:
			hits.Add(1)
			fmt.Fprint(w, "hello-from-loopback")
		}
	}))
	defer srv.Close()
	tests := []struct {
		name   string
		hosts  []string
		path   string
		pages  uint32
		limit  time.Duration // timeout
		want   string        // the user message after the call
		fail   host.Reason   // or this failure
		errHas string
		hits   int32 // requests that reached the server's /hello
	}{
		{name: "listed host", hosts: []string{"127.0.0.1"}, path: "/hello", want: "fetched 200 hello-from-loopback", hits: 1},
		{name: "listed glob", hosts: []string{"api.example.com", "127.0.0.*"}, path: "/hello", want: "fetched 200 hello-from-loopback", hits: 1},
		{name: "no hosts by default", path: "/hello", fail: host.ReasonNotAllowed, errHas: "is not allowed"},
		{name: "host not listed", hosts: []string{"api.example.com", "localhost"}, path: "/hello", fail: host.ReasonNotAllowed, errHas: "is not allowed"},
		{name: "redirect to a host not listed", hosts: []string{"127.0.0.1"}, path: "/redirect", fail: host.ReasonNotAllowed, errHas: `redirect to "localhost" is not allowed`},
		{name: "response over the memory limit", hosts: []string{"127.0.0.1"}, path: "/big", pages: 16, fail: host.ReasonTrap, errHas: "too large"},
		{name: "timeout ends a slow request", hosts: []string{"127.0.0.1"}, path: "/slow", limit: 200 * time.Millisecond, fail: host.ReasonTimeout, errHas: "deadline exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			got, err := callOnce(t, probeWasm(t), host.Limits{MemoryPages: tc.pages, Timeout: tc.limit}, extism.Capabilities{AllowedHosts: tc.hosts},
				map[string]string{"mode": "fetch", "url": srv.URL + tc.path}, nil)
			if tc.fail != "" {
				wantFailure(t, err, tc.fail, tc.errHas)
			} else if err != nil || got != tc.want {
				t.Fatalf("message %q, err %v; want %q", got, err, tc.want)
			}
			if hits.Load() != tc.hits {
				t.Errorf("%d requests reached the server, want %d", hits.Load(), tc.hits)
			}
		})
	}
}

func srvURL(r *http.Request) string { return "http://" + r.Host }

// TestConfigReachesGuest reads the slot's config with the PDK's Config.get.
func TestConfigReachesGuest(t *testing.T) {
	tests := []struct {
		key, want string
	}{
		{"greeting", "greeting=hello there"},
		{"limit", "limit=3"}, // not a string: its JSON text
		{"flags", `flags=[1,2]`},
		{"missing", "missing=(unset)"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			cfg := map[string]any{"mode": "config", "key": tc.key, "greeting": "hello there", "limit": 3, "flags": []int{1, 2}}
			got, err := callOnce(t, probeWasm(t), host.Limits{}, extism.Capabilities{}, cfg, nil)
			if err != nil || got != tc.want {
				t.Fatalf("message %q, err %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestLimitsStopRunawayGuest: timeout and memory_pages end a guest that
// loops or allocates without end, as a failure of its call.
func TestLimitsStopRunawayGuest(t *testing.T) {
	tests := []struct {
		name string
		lim  host.Limits
		cfg  map[string]string
		fail host.Reason // "" for success
	}{
		{"timeout stops a loop", host.Limits{Timeout: 100 * time.Millisecond}, map[string]string{"mode": "spin"}, host.ReasonTimeout},
		// Under a millisecond must not round down to Extism's "no timeout".
		{"sub-millisecond timeout", host.Limits{Timeout: 300 * time.Microsecond}, map[string]string{"mode": "spin"}, host.ReasonTimeout},
		{"memory_pages stops an allocation", host.Limits{MemoryPages: 32}, map[string]string{"mode": "alloc", "bytes": "4194304"}, host.ReasonTrap},
		{"the same allocation fits a larger memory", host.Limits{MemoryPages: 128}, map[string]string{"mode": "alloc", "bytes": "4194304"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := callOnce(t, probeWasm(t), tc.lim, extism.Capabilities{}, tc.cfg, nil)
			if tc.fail == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantFailure(t, err, tc.fail, "")
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("stopped after %s", d)
			}
		})
	}
}

// TestWASICapabilities: a plugin sees only the environment variables
// capabilities.env names, and its stdout/stderr reach the log only with
// capabilities.stdio.
func TestWASICapabilities(t *testing.T) {
	t.Setenv("WG_EXTISM_GRANTED", "yes")
	t.Setenv("WG_EXTISM_OTHER", "no")
	wasm := testwasm.WAT(t, "testdata/wasi.wat")
	tests := []struct {
		name   string
		caps   extism.Capabilities
		env    string
		logged bool
	}{
		{"nothing by default", extism.Capabilities{}, "", false},
		{"env lists one variable", extism.Capabilities{Env: []string{"WG_EXTISM_GRANTED", "WG_EXTISM_UNSET"}}, "WG_EXTISM_GRANTED=yes;", false},
		{"stdio to the log", extism.Capabilities{Stdio: true}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			got, err := callOnce(t, wasm, host.Limits{}, tc.caps, nil, slog.New(slog.NewTextHandler(&log, nil)))
			if err != nil || got != tc.env {
				t.Fatalf("environment %q, err %v; want %q", got, err, tc.env)
			}
			if n := strings.Count(log.String(), "stdio from the plugin"); n != map[bool]int{true: 2}[tc.logged] {
				t.Errorf("stdout and stderr logged %d times (logged: %v); log:\n%s", n, tc.logged, log.String())
			}
		})
	}
}

func TestLoadRefusesCapabilities(t *testing.T) {
	ctx := context.Background()
	wasm := testwasm.WAT(t, "testdata/echo.wat")
	tests := []struct {
		hosts []string
		env   string // EXTISM_ENABLE_WASI_OUTPUT
		want  string
	}{
		{hosts: []string{"https://api.example.com"}, want: "without scheme, port or path"},
		{hosts: []string{"api.example.com:443"}, want: "without scheme, port or path"},
		{hosts: []string{"api.example.com/v1"}, want: "without scheme, port or path"},
		{hosts: []string{"[api"}, want: `allowed_hosts "[api"`},
		{env: "1", want: "EXTISM_ENABLE_WASI_OUTPUT is set"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("EXTISM_ENABLE_WASI_OUTPUT", tc.env)
			}
			_, err := extism.Load(ctx, "x", wasm, host.Limits{}, extism.Capabilities{AllowedHosts: tc.hosts}, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	// An IPv6 literal is a host, not a host with a port.
	if _, err := extism.Load(ctx, "x", wasm, host.Limits{}, extism.Capabilities{AllowedHosts: []string{"::1"}}, nil, nil); err != nil {
		t.Errorf("::1: %v", err)
	}
}
