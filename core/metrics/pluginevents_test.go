package metrics_test

import (
	"testing"

	"github.com/wasmgate/wasmgate/core/metrics"
)

// TestPluginEventsAllocs: counting a known pair allocates nothing, whatever
// the strings' backing memory (a plugin's memory, in the host).
func TestPluginEventsAllocs(t *testing.T) {
	c := metrics.New().PluginEvents.For("guardrails")
	name, label := []byte("warn"), []byte("secrets")
	if !c.Add(string(name), string(label), 1) {
		t.Fatal("first pair refused")
	}
	allocs := testing.AllocsPerRun(1000, func() {
		c.Add(string(name), string(label), 1)
	})
	if allocs != 0 {
		t.Errorf("Add of a known pair: %v allocations, want 0", allocs)
	}
}

func BenchmarkPluginEventsAdd(b *testing.B) {
	c := metrics.New().PluginEvents.For("guardrails")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Add("warn", "secrets", 1)
		}
	})
}
