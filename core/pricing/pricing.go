// Package pricing turns a request's token usage into money, from a price
// table per model kept in this package (prices.yaml) and overridable in
// config. Money is counted in integer micro-dollars so that budgets are
// exact counters in shared state.
package pricing

import (
	_ "embed"
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"
)

//go:embed prices.yaml
var pricesYAML []byte

// Price is a model's price in dollars per million tokens.
type Price struct {
	Input  float64 `yaml:"input" koanf:"input" json:"input"`
	Output float64 `yaml:"output" koanf:"output" json:"output"`
	// Cached prompt tokens (0: charged as input).
	Cached float64 `yaml:"cached" koanf:"cached" json:"cached"`
}

// Usage is a request's token counts as providers report them: Cached is
// the part of Prompt served from the provider's prompt cache.
type Usage struct {
	Prompt     int64
	Completion int64
	Cached     int64
}

// Micros is an amount of US dollars in millionths.
type Micros int64

// Dollars converts a dollar amount, rounding up.
func Dollars(d float64) Micros { return Micros(math.Ceil(d * 1e6)) }

// Dollars is the amount as dollars.
func (m Micros) Dollars() float64 { return float64(m) / 1e6 }

func (m Micros) String() string { return fmt.Sprintf("$%.6f", m.Dollars()) }

// Table maps model names to prices.
type Table map[string]Price

// Default is the table shipped in prices.yaml.
func Default() Table {
	var t Table
	if err := yaml.Unmarshal(pricesYAML, &t); err != nil {
		panic("pricing: prices.yaml: " + err.Error()) // a build-time file, tested
	}
	return t
}

// With is the table with overrides applied (a new table).
func (t Table) With(over map[string]Price) Table {
	out := make(Table, len(t)+len(over))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// Lookup finds the price of the first name that has one (a gateway model
// id, then the provider's model name).
func (t Table) Lookup(names ...string) (Price, bool) {
	for _, n := range names {
		if p, ok := t[n]; ok {
			return p, true
		}
	}
	return Price{}, false
}

// Cost is what usage costs at price p, rounded up to a micro-dollar. A
// price per million tokens times tokens is micro-dollars.
func (p Price) Cost(u Usage) Micros {
	cached := min(max(u.Cached, 0), u.Prompt)
	cachedPrice := p.Cached
	if cachedPrice == 0 {
		cachedPrice = p.Input
	}
	c := float64(u.Prompt-cached)*p.Input + float64(cached)*cachedPrice + float64(u.Completion)*p.Output
	return Micros(math.Ceil(c - 1e-9))
}
