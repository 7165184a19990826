package host_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// metricGuest loads testdata/metric.wat as plugin "counter", counting into
// m, and returns a function that runs one metric_add and gives its result.
func metricGuest(t *testing.T, m *metrics.Metrics) func(event, label, delta string) string {
	t.Helper()
	ctx := context.Background()
	p, err := newEngine(t).Load(ctx, "counter", testwasm.WAT(t, "testdata/metric.wat"), host.Limits{},
		host.Capabilities{Events: m.PluginEvents.For("counter")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(ctx) })
	pool, err := p.NewPool(ctx, nil, host.PoolOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return func(event, label, delta string) string {
		t.Helper()
		in, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Release(in)
		ex := &host.Exchange{}
		ex.SetRequest([]byte(`{}`))
		ex.SetAttr("m.event", event)
		ex.SetAttr("m.label", label)
		ex.SetAttr("m.delta", delta)
		if _, err := in.Call(abi.PhaseRequest, ex, false); err != nil {
			t.Fatal(err)
		}
		r, _ := ex.Attr("m.result")
		return r
	}
}

// Events reports what the conformance guest counted (tck.EventCounts).
func (i *tckInstance) Events() (map[string]float64, float64) {
	return pluginEvents(i.m, "tck")
}

// pluginEvents is wasmgate_plugin_events_total of a plugin by
// "event/label", and its dropped calls.
func pluginEvents(m *metrics.Metrics, plugin string) (map[string]float64, float64) {
	mfs, err := m.Registry.Gather()
	if err != nil {
		panic(err) // the registry holds only the gateway's own collectors
	}
	series, dropped := map[string]float64{}, 0.0
	for _, mf := range mfs {
		for _, s := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range s.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["plugin"] != plugin {
				continue
			}
			switch mf.GetName() {
			case "wasmgate_plugin_events_total":
				series[l["event"]+"/"+l["label"]] = s.GetCounter().GetValue()
			case "wasmgate_plugin_events_dropped_total":
				dropped = s.GetCounter().GetValue()
			}
		}
	}
	return series, dropped
}

// TestMetricAdd: metric_add counts by event and label, refuses names and
// labels outside their alphabets and lengths, and stops a plugin at
// abi.MetricSeriesMax pairs, counting what it dropped, across reloads.
func TestMetricAdd(t *testing.T) {
	m := metrics.New()
	add := metricGuest(t, m)
	for _, tc := range []struct{ event, label, delta, want string }{
		{"warn", "secrets", "1", "0"},
		{"warn", "secrets", "4", "0"},
		{"warn", "", "0", "0"}, // a series at zero
		{"hit", "openai/gpt-4o:exact", "1", "0"},
		{"Warn", "secrets", "1", "4"},                   // upper case
		{"", "secrets", "1", "4"},                       // no name
		{"9lives", "", "1", "4"},                        // not a letter first
		{strings.Repeat("a", 65), "", "1", "4"},         // too long
		{"warn", "sk-ant secret", "1", "4"},             // a space: request text
		{"warn", `a"b`, "1", "4"},                       // a quote
		{"warn", strings.Repeat("x", 65), "1", "4"},     // too long
		{"warn", "secrets", "-", "4"},                   // negative
		{"warn", strings.Repeat("x", 64), "1", "0"},     // the longest label
		{strings.Repeat("a", 64), "ok.label", "1", "0"}, // the longest name
	} {
		if got := add(tc.event, tc.label, tc.delta); got != tc.want {
			t.Errorf("metric_add(%q, %q, %s) = -%s, want -%s", tc.event, tc.label, tc.delta, got, tc.want)
		}
	}
	series, dropped := pluginEvents(m, "counter")
	if series["warn/secrets"] != 5 || series["hit/openai/gpt-4o:exact"] != 1 || len(series) != 5 || dropped != 0 {
		t.Fatalf("series %v, dropped %v", series, dropped)
	}
	if v, ok := series["warn/"]; !ok || v != 0 {
		t.Errorf("a zero delta made no series at zero: %v", series)
	}

	// Up to the cap, then every new pair is dropped; known pairs still count.
	for i := len(series); i < abi.MetricSeriesMax; i++ {
		if got := add("rule", fmt.Sprint("r", i), "1"); got != "0" {
			t.Fatalf("series %d: -%s", i, got)
		}
	}
	for i := range 3 {
		if got := add("rule", fmt.Sprint("over", i), "1"); got != "3" {
			t.Errorf("a pair over the cap: -%s, want -3", got)
		}
	}
	if got := add("warn", "secrets", "1"); got != "0" {
		t.Errorf("a known pair at the cap: -%s", got)
	}
	// A reload loads the plugin again under the same name: same budget.
	if got := metricGuest(t, m)("rule", "after-reload", "1"); got != "3" {
		t.Errorf("a new pair after a reload: -%s, want -3", got)
	}
	series, dropped = pluginEvents(m, "counter")
	if len(series) != abi.MetricSeriesMax || dropped != 4 || series["warn/secrets"] != 6 {
		t.Errorf("%d series (want %d), %v dropped (want 4), warn/secrets %v", len(series), abi.MetricSeriesMax, dropped, series["warn/secrets"])
	}
}
