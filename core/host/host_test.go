package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

func newEngine(t testing.TB) *host.Engine {
	t.Helper()
	e, err := host.NewEngine(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func loadPool(t testing.TB, e *host.Engine, wasm []byte, lim host.Limits) (*host.Pool, error) {
	t.Helper()
	ctx := context.Background()
	p, err := e.Load(ctx, "fixture", wasm, lim, host.Capabilities{})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = p.Close(ctx) })
	pool, err := p.NewPool(ctx, nil, host.PoolOptions{Size: 2})
	if err != nil {
		return nil, err
	}
	t.Cleanup(pool.Close)
	return pool, nil
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		fixture string
		want    string
	}{
		{"noinit", "does not export wasmgate_init"},
		{"nohook", "declares the response hook but does not export wasmgate_on_response"},
		{"badversion", "speaks ABI version 2, this host speaks version 1"},
		{"badimport", `imports env.open_socket from module "env"`},
		{"badsig", "imports wasmgate.body_get with signature (i32) -> (i32), want (i32, i32, i32) -> (i32)"},
		{"nomemory", `does not export its memory as "memory"`},
		{"bigmemory", "min 1000 pages (62 Mi) over limit of 512 pages"},
		{"initfail", "refused to start: missing option: prompt"},
	}
	e := newEngine(t)
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			_, err := loadPool(t, e, testwasm.WAT(t, "testdata/"+tc.fixture+".wat"), host.Limits{})
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			var le *host.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v, want *host.LoadError", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `plugin "fixture"`) {
				t.Fatalf("error %q, want it to name the plugin and say %q", err, tc.want)
			}
		})
	}
}

func TestLoadNotWasm(t *testing.T) {
	_, err := loadPool(t, newEngine(t), []byte("this is not wasm"), host.Limits{})
	if err == nil || !strings.Contains(err.Error(), "cannot be instrumented") {
		t.Fatalf("err = %v", err)
	}
}

func TestHostileGuests(t *testing.T) {
	tests := []struct {
		fixture string
		reason  host.Reason
		limits  host.Limits
	}{
		{"loop", host.ReasonTimeout, host.Limits{Timeout: 50 * time.Millisecond}},
		{"recurse", host.ReasonTimeout, host.Limits{Timeout: 50 * time.Millisecond}},
		{"membomb", host.ReasonTrap, host.Limits{MemoryPages: 64}},
		{"trap", host.ReasonTrap, host.Limits{}},
		{"huge", host.ReasonOutputLimit, host.Limits{MaxOutputBytes: 1 << 20}},
		{"garbage", host.ReasonMalformed, host.Limits{}},
		{"respond-unsent", host.ReasonMalformed, host.Limits{}},
		{"badptr", host.ReasonBadPointer, host.Limits{}},
	}
	e := newEngine(t)
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			pool, err := loadPool(t, e, testwasm.WAT(t, "testdata/"+tc.fixture+".wat"), tc.limits)
			if err != nil {
				t.Fatal(err)
			}
			for round := range 2 { // the second round runs on a fresh instance
				in, err := pool.Acquire(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				ex := &host.Exchange{Request: []byte(`{"model":"m","messages":[]}`)}
				start := time.Now()
				_, err = in.Call(abi.PhaseRequest, ex, false)
				elapsed := time.Since(start)
				var f *host.Failure
				if !errors.As(err, &f) || f.Reason != tc.reason {
					t.Fatalf("round %d: err = %v, want a failure with reason %s", round, err, tc.reason)
				}
				if !in.Dead() {
					t.Fatal("failed instance not marked dead")
				}
				if elapsed > 2*time.Second {
					t.Fatalf("failure took %s", elapsed)
				}
				// The plugin's duration metric comes from Elapsed: a call
				// stopped at its time limit ran at least that long.
				if got := in.Elapsed(); got > elapsed || tc.limits.Timeout > 0 && got < tc.limits.Timeout {
					t.Fatalf("Elapsed %s; the call took %s with a limit of %s", got, elapsed, tc.limits.Timeout)
				}
				pool.Release(in)
			}
			if st := pool.Stats(); st.Discarded != 2 || st.Started != 2 {
				t.Fatalf("stats %+v: want 2 started, 2 discarded", st)
			}
		})
	}
}

func TestMemoryCapHolds(t *testing.T) {
	pool, err := loadPool(t, newEngine(t), testwasm.WAT(t, "testdata/membomb.wat"), host.Limits{MemoryPages: 16})
	if err != nil {
		t.Fatal(err)
	}
	in, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Release(in)
	if _, err := in.Call(abi.PhaseRequest, &host.Exchange{}, false); err == nil {
		t.Fatal("membomb returned normally")
	}
	if got := in.MemoryPages(); got != 16 {
		t.Fatalf("memory grew to %d pages, cap 16", got)
	}
}

func TestOKGuestSetsAttr(t *testing.T) {
	pool, err := loadPool(t, newEngine(t), testwasm.WAT(t, "testdata/ok.wat"), host.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if pool.Mask() != abi.HookRequest {
		t.Fatalf("mask %d", pool.Mask())
	}
	in, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ex := &host.Exchange{}
	act, err := in.Call(abi.PhaseRequest, ex, false)
	if err != nil || act != abi.ActionContinue {
		t.Fatalf("act %d err %v", act, err)
	}
	if v, _ := ex.Attr("wat.seen"); v != "1" {
		t.Fatalf("attr wat.seen = %q", v)
	}
	pool.Release(in)
	if st := pool.Stats(); st.Discarded != 0 || st.Idle != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPoolBounded(t *testing.T) {
	pool, err := loadPool(t, newEngine(t), testwasm.WAT(t, "testdata/ok.wat"), host.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := pool.Acquire(context.Background())
	b, _ := pool.Acquire(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := pool.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third acquire of a pool of 2: %v", err)
	}
	pool.Release(a)
	c, err := pool.Acquire(context.Background())
	if err != nil || c != a {
		t.Fatalf("acquire after release: %v (same instance: %v)", err, c == a)
	}
	pool.Release(b)
	pool.Release(c)
}

// TestInstrumentedCalls: the preemption instrumentation renumbers function
// indices; calls, tables, the start function and exports still land right.
func TestInstrumentedCalls(t *testing.T) {
	pool, err := loadPool(t, newEngine(t), testwasm.WAT(t, "testdata/calls.wat"), host.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Release(in)
	if act, err := in.Call(abi.PhaseRequest, &host.Exchange{}, false); err != nil || act != abi.ActionContinue {
		t.Fatalf("act %d, err %v: a call went astray after instrumentation", act, err)
	}
}
