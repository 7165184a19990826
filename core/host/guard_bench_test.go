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

// pluginInstance starts one warm instance of a first-party plugin with config.
func pluginInstance(b testing.TB, name, config string, lim host.Limits) *host.Instance {
	b.Helper()
	ctx := context.Background()
	p, err := newEngine(b).Load(ctx, name, testwasm.GoPluginBytes(b, name), lim, host.Capabilities{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close(ctx) })
	pool, err := p.NewPool(ctx, []byte(config), host.PoolOptions{Size: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	in, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pool.Release(in) })
	return in
}

// Configs of the benchmarks: every PII type on (reversible), and a
// guardrails policy with every kind of input check.
const (
	benchPII        = `{"reversible":true,"custom":[{"name":"booking","regex":"LH ?[0-9]{3,4}"}]}`
	benchGuardrails = `{"input":[
 {"name":"models","models":["gpt-4o*"]},
 {"name":"size","max_prompt_bytes":100000,"max_messages":100},
 {"name":"injection","injection":true},
 {"name":"competitors","deny":{"words":["Acme Corp","Globex","Initech"]}},
 {"name":"tickets","deny":{"regex":["TKT-[0-9]{6}"]},"action":"redact"},
 {"name":"secrets","deny":{"builtin":["jwt"]},"action":"warn"}],
 "output":[{"name":"codenames","deny":{"words":["Project Falcon"]},"action":"redact"},{"name":"keys","deny":{"builtin":["api_key"]}}]}`
	benchResponse = `{"id":"r","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant",` +
		`"content":"Done, [EMAIL_1]: your return moves to March 21. The fare difference of 84 EUR goes on [CARD_1]; we will call [PHONE_1] if anything changes."},"finish_reason":"stop"}]}`
)

// BenchmarkGuardPlugins is the request hook of pii (every type on, a 2 KB
// request with every type in it) and guardrails (every input check, a clean
// 2 KB request), and their response hooks.
func BenchmarkGuardPlugins(b *testing.B) {
	withPII, err := os.ReadFile("testdata/chat-2k-pii.json")
	if err != nil {
		b.Fatal(err)
	}
	clean, err := os.ReadFile("testdata/chat-2k.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, plugin, config string
		body                 []byte
	}{
		{"pii/request", "pii", benchPII, withPII},
		{"guardrails/request", "guardrails", benchGuardrails, clean},
	} {
		b.Run(tc.name, func(b *testing.B) {
			in := pluginInstance(b, tc.plugin, tc.config, host.Limits{MemoryPages: 512})
			buf := make([]byte, 0, len(tc.body)+512)
			ex := &host.Exchange{}
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				buf = append(buf[:0], tc.body...)
				ex.Request = buf
				if act, err := in.Call(abi.PhaseRequest, ex, false); err != nil || act != abi.ActionContinue {
					b.Fatal(act, err, ex.ErrMessage)
				}
			}
			b.StopTimer()
			reportCPU(b, cpu)
			if tc.name == "pii/request" && (bytes.Contains(ex.Request, []byte("4111")) || !bytes.Contains(ex.Request, []byte("[SSN_1]"))) {
				b.Fatalf("request not masked: %s", ex.Request)
			}
		})
	}
	for _, tc := range []struct{ name, plugin, config string }{
		{"pii/response", "pii", benchPII},
		{"guardrails/response", "guardrails", benchGuardrails},
	} {
		b.Run(tc.name, func(b *testing.B) {
			in := pluginInstance(b, tc.plugin, tc.config, host.Limits{MemoryPages: 512})
			ex := &host.Exchange{Request: append([]byte(nil), withPII...)}
			if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				ex.Response = []byte(benchResponse)
				if act, err := in.Call(abi.PhaseResponse, ex, false); err != nil || act != abi.ActionContinue {
					b.Fatal(act, err, ex.ErrMessage)
				}
			}
			b.StopTimer()
			if tc.plugin == "pii" && !bytes.Contains(ex.FinalResponse(), []byte("maria.gonzalez@example.com")) {
				b.Fatalf("response not restored: %s", ex.FinalResponse())
			}
		})
	}
}
