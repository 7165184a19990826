package host_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

func goPool(b testing.TB, guest string) *host.Pool {
	b.Helper()
	pool, err := loadPool(b, newEngine(b), testwasm.GoPluginBytes(b, guest), host.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	return pool
}

// BenchmarkHookNoop is one call of a Go guest's request hook that does
// nothing, with the timeout armed: the floor of every plugin call.
func BenchmarkHookNoop(b *testing.B) {
	pool := goPool(b, "testguests/noop")
	in, err := pool.Acquire(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Release(in)
	ex := &host.Exchange{Request: []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHookNoopPooled adds taking the instance from its pool and giving
// it back, as a request does.
func BenchmarkHookNoopPooled(b *testing.B) {
	pool := goPool(b, "testguests/noop")
	ex := &host.Exchange{Request: []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		in, err := pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
			b.Fatal(err)
		}
		pool.Release(in)
	}
}

// BenchmarkHookRewrite reads the last user message of a 2 KB request and
// writes back a changed copy.
func BenchmarkHookRewrite(b *testing.B) {
	pool := goPool(b, "testguests/rewrite")
	in, err := pool.Acquire(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Release(in)
	body, err := os.ReadFile("testdata/chat-2k.json")
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, len(body), len(body)+256)
	ex := &host.Exchange{}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf = append(buf[:0], body...)
		ex.Request = buf
		if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !bytes.Contains(ex.Request, []byte("[rewritten] Last question")) {
		b.Fatalf("request not rewritten: %s", ex.Request)
	}
}

func TestRewriteGuest(t *testing.T) {
	pool := goPool(t, "testguests/rewrite")
	in, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Release(in)
	body, _ := os.ReadFile("testdata/chat-2k.json")
	ex := &host.Exchange{Request: append([]byte(nil), body...)}
	if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(ex.Request, []byte(`"[rewritten] Last question`)) || bytes.Count(ex.Request, []byte("[rewritten]")) != 1 {
		t.Fatalf("want exactly the last user message rewritten, got %s", ex.Request)
	}
}

// BenchmarkFirstPartyPlugins is the request hook of each quickstart plugin on
// a 2 KB request.
func BenchmarkFirstPartyPlugins(b *testing.B) {
	body, err := os.ReadFile("testdata/chat-2k.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, config string
		adapter      bool
	}{
		{"openai", `{}`, true},
		{"system-prompt", `{"prompt":"You are a helpful assistant. Answer briefly."}`, false},
		{"request-guard", `{"max_tokens":4096,"max_messages":200,"max_prompt_bytes":1000000}`, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			p, err := newEngine(b).Load(ctx, tc.name, testwasm.GoPluginBytes(b, tc.name), host.Limits{}, host.Capabilities{})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(ctx)
			pool, err := p.NewPool(ctx, []byte(tc.config), host.PoolOptions{Size: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			in, err := pool.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Release(in)
			ex := &host.Exchange{}
			ex.SetAttr(abi.AttrProviderURL, "http://127.0.0.1:9099/v1")
			ex.SetAttr(abi.AttrProviderModel, "gpt-4o-mini")
			// The gateway indexes each request once, before any plugin. These
			// hooks leave this request as it is (checked below), so one index
			// serves every iteration.
			ex.SetRequest(append([]byte(nil), body...))
			if _, err := ex.IndexRequest(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				ex.UpBody, ex.UpURL, ex.UpHeader = nil, "", ex.UpHeader[:0]
				if act, err := in.Call(abi.PhaseRequest, ex, tc.adapter); err != nil || act != abi.ActionContinue {
					b.Fatal(act, err)
				}
			}
			if !bytes.Equal(ex.Request, body) {
				b.Fatalf("%s changed the request; the benchmark assumes it does not", tc.name)
			}
		})
	}
}
