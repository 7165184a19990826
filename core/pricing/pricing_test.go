package pricing_test

import (
	"testing"

	"github.com/wasmgate/wasmgate/core/pricing"
)

func TestDefaultTable(t *testing.T) {
	tab := pricing.Default()
	if len(tab) < 10 {
		t.Fatalf("only %d prices", len(tab))
	}
	for name, p := range tab {
		if p.Input <= 0 || p.Output <= 0 || p.Cached < 0 || p.Cached > p.Input {
			t.Errorf("%s: implausible price %+v", name, p)
		}
	}
}

func TestCost(t *testing.T) {
	tab := pricing.Default().With(map[string]pricing.Price{"mine": {Input: 1, Output: 2}})
	for _, tc := range []struct {
		model string
		u     pricing.Usage
		want  pricing.Micros
	}{
		{"gpt-4o", pricing.Usage{Prompt: 1000, Completion: 100}, 2500 + 1000},
		{"gpt-4o", pricing.Usage{Prompt: 1000, Cached: 400, Completion: 0}, 600*2.5 + 400*1.25},
		{"gpt-4o-mini", pricing.Usage{Prompt: 7, Completion: 3}, 3},         // 1.05 + 1.8 = 2.85, rounded up
		{"mine", pricing.Usage{Prompt: 10, Cached: 10, Completion: 10}, 30}, // no cached price: input price
		{"mine", pricing.Usage{}, 0},
	} {
		p, ok := tab.Lookup("nope", tc.model)
		if !ok {
			t.Fatalf("%s: no price", tc.model)
		}
		if got := p.Cost(tc.u); got != tc.want {
			t.Errorf("%s %+v: %d, want %d", tc.model, tc.u, got, tc.want)
		}
	}
	if _, ok := tab.Lookup("unknown"); ok {
		t.Fatal("unknown model priced")
	}
	if tab2 := pricing.Default(); tab2["mine"] != (pricing.Price{}) {
		t.Fatal("With changed the default table")
	}
	if pricing.Dollars(1.5) != 1_500_000 || pricing.Micros(2_500_000).String() != "$2.500000" {
		t.Fatal("dollar conversion")
	}
}
