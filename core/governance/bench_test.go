package governance_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/governance"
	"github.com/wasmgate/wasmgate/core/keys"
	"github.com/wasmgate/wasmgate/core/pricing"
	"github.com/wasmgate/wasmgate/core/state"
	"github.com/wasmgate/wasmgate/core/state/redistest"
)

// BenchmarkKeyedRequest is what governance adds to a request with a key
// that has rate limits and a budget: authenticate, admit, settle, record.
func BenchmarkKeyedRequest(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchKeyed(b, state.NewMemory()) })
	b.Run("redis", func(b *testing.B) {
		st, err := state.Open(redistest.Start(b).URL())
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchKeyed(b, st)
	})
}

func benchKeyed(b *testing.B, st state.Store) {
	ctx := context.Background()
	gov := governance.New(governance.Options{Store: st, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Registry: prometheus.NewRegistry()})
	gov.Apply(&config.Config{Governance: config.Governance{Auth: true, OnStateError: config.FailClosed, DefaultCompletionTokens: 256}})
	_, secret, err := gov.Keys().Create(ctx, keys.Spec{Team: "t",
		Limits: config.RateLimits{RequestsPerMinute: 1 << 40, TokensPerMinute: 1 << 40, RequestsPerDay: 1 << 40},
		Budget: config.Budget{Amount: 1e9, Period: config.Monthly}})
	if err != nil {
		b.Fatal(err)
	}
	header := func(string) (string, bool) { return "Bearer " + secret, true }
	u := &pricing.Usage{Prompt: 9, Completion: 6}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		k, err := gov.Authenticate(ctx, header)
		if err != nil {
			b.Fatal(err)
		}
		t, err := gov.Admit(ctx, governance.Admission{Key: k, Model: "gpt-4o-mini", Provider: "p", PromptTokens: 13})
		if err != nil {
			b.Fatal(err)
		}
		t.Settle(ctx, governance.Outcome{Status: 200, Usage: u})
	}
}
