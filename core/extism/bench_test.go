package extism_test

import (
	"context"
	"os"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// BenchmarkCall compares one request hook that sets an attribute, on a 2 KB
// chat request, through the native ABI and through Extism's JSON contract
// (docs/benchmarks.md).
func BenchmarkCall(b *testing.B) {
	req, err := os.ReadFile("../host/testdata/chat-2k.json")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	type caller interface {
		Call(abi.Phase, *host.Exchange, bool) (abi.Action, error)
	}
	run := func(b *testing.B, in caller) {
		ex := &host.Exchange{}
		b.ReportAllocs()
		for b.Loop() {
			ex.Reset()
			ex.SetRequest(req)
			if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
				b.Fatal(err)
			}
		}
		if v, _ := ex.Attr("wat.seen"); v != "1" {
			b.Fatalf("attribute %q, want 1", v)
		}
	}
	b.Run("native-abi", func(b *testing.B) {
		e, err := host.NewEngine("", nil)
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close(ctx)
		p, err := e.Load(ctx, "native", testwasm.WAT(b, "../host/testdata/ok.wat"), host.Limits{}, host.Capabilities{})
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close(ctx)
		pl, err := p.NewPool(ctx, nil, host.PoolOptions{Size: 1})
		if err != nil {
			b.Fatal(err)
		}
		defer pl.Close()
		in, _ := pl.Acquire(ctx)
		defer pl.Release(in)
		run(b, in)
	})
	b.Run("extism", func(b *testing.B) {
		pl := pool(b, "echo", host.Limits{}, map[string]string{"out": `{"attrs":{"wat.seen":"1"}}`})
		in, _ := pl.Acquire(ctx)
		defer pl.Release(in)
		run(b, in)
	})
}
