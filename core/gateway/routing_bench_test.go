package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// BenchmarkRoutingDecision is the cost of one routing decision: the router
// plugin's request hook (alias, rule match, ordering, with the provider
// statistics when the strategy reads them) and the host reading the targets
// it wrote. The target is 5 µs (docs/benchmarks.md).
func BenchmarkRoutingDecision(b *testing.B) {
	conf := map[string]any{
		"aliases": map[string]string{"fast": "gpt-4o-mini", "gpt-4o-2024*": "gpt-4o"},
		"rules": []map[string]any{
			{"match": map[string]any{"headers": map[string]string{"x-tier": "premium"}}, "strategy": "ordered",
				"targets": []map[string]any{{"provider": "azure"}}},
			{"match": map[string]any{"requested_models": []string{"quick"}}, "strategy": "least_latency",
				"targets": []map[string]any{{"provider": "openai"}, {"provider": "azure"}, {"provider": "local"}}},
			{"match": map[string]any{"models": []string{"gpt-4o*"}}, "strategy": "weighted",
				"targets":   []map[string]any{{"provider": "openai", "weight": 9}, {"provider": "azure", "weight": 1}},
				"fallbacks": []map[string]any{{"provider": "local", "model": "llama3"}}},
		},
	}
	raw, _ := json.Marshal(conf)
	eng, err := host.NewEngine("", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	defer eng.Close(ctx)
	p, err := eng.Load(ctx, "router", testwasm.GoPluginBytes(b, "router"), host.Limits{MemoryPages: 512, Timeout: 1e9, MaxOutputBytes: 1 << 20}, host.Capabilities{})
	if err != nil {
		b.Fatal(err)
	}
	pool, err := p.NewPool(ctx, raw, host.PoolOptions{Size: 1, Prewarm: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	stats := []byte("azure default 1 closed 250000 0 120\nlocal default 1 closed 90000 0 40\nopenai main 1 closed 180000 0 300\nopenai spare 1 open 0 1000000 9\n")
	rt := &runtime{providers: map[string]*provider{}}
	for _, name := range []string{"openai", "azure", "local"} {
		rt.providers[name] = &provider{name: name}
	}
	// The floor of any plugin call, measured alongside: on a shared machine
	// the ratio to it says more than the absolute figure.
	b.Run("noop-hook", func(b *testing.B) {
		np, err := eng.Load(ctx, "noop", testwasm.GoPluginBytes(b, "testguests/noop"), host.Limits{MemoryPages: 512, Timeout: 1e9, MaxOutputBytes: 1 << 20}, host.Capabilities{})
		if err != nil {
			b.Fatal(err)
		}
		npool, err := np.NewPool(ctx, []byte("{}"), host.PoolOptions{Size: 1, Prewarm: 1})
		if err != nil {
			b.Fatal(err)
		}
		defer npool.Close()
		in, err := npool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer npool.Release(in)
		ex := &host.Exchange{Request: []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)}
		for b.Loop() {
			if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, model := range []string{"gpt-4o-2024-08-06", "quick"} {
		b.Run(model, func(b *testing.B) {
			in, err := pool.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Release(in)
			body := []byte(`{"model":"` + model + `","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is the capital of France?"}]}`)
			ex := &host.Exchange{ProviderStats: func() []byte { return stats }}
			var n int
			b.ReportAllocs()
			for b.Loop() {
				ex.SetRequest(body)
				if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
					b.Fatal(err)
				}
				c := &call{rt: rt, ex: host.Exchange{}}
				c.ex.SetAttr(abi.AttrTargets, attr(ex, abi.AttrTargets))
				ts, err := c.targets()
				if err != nil {
					b.Fatal(err)
				}
				n += len(ts)
			}
			if n == 0 {
				b.Fatal("no targets")
			}
		})
	}
}

func attr(ex *host.Exchange, name string) string {
	v, _ := ex.Attr(name)
	return v
}
