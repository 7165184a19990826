package host

import "github.com/wasmgate/wasmgate/core/abi"

// Events counts what a plugin reports through metric_add. core/metrics
// keeps them as one Prometheus family, wasmgate_plugin_events_total, with
// the plugin's name as a label.
type Events interface {
	// Add adds delta to the plugin's counter of an event and label value.
	// name and label may be views of guest memory: an implementation copies
	// what it keeps. It reports false when the pair is new and the plugin
	// already has abi.MetricSeriesMax of them: the call is dropped (and
	// counted as dropped).
	Add(name, label string, delta float64) bool
}

// metric_add(name_ptr, name_len, label_ptr, label_len, delta) -> status: a
// plugin counts an event (a guardrail's warning by rule, a cache's outcome).
// Names and labels are checked against small alphabets and lengths so that
// request text cannot become a label; the series cap bounds what a plugin
// can add to the gateway's metrics.
func init() {
	registerHostFunc(abi.FnMetricAdd, hostFunc{sig: signature{i32s(5), i32s(1)}, fn: hMetricAdd, atInit: true})
}

func hMetricAdd(in *Instance, s []uint64) int32 {
	name, label, delta := in.readString(s[0], s[1]), in.readString(s[2], s[3]), int32(s[4])
	if delta < 0 || !abi.ValidMetricName(name) || !abi.ValidMetricLabel(label) {
		return abi.ErrInvalid
	}
	ev := in.plugin.caps.Events
	if ev == nil {
		return 0 // a host that keeps no metrics (wasmgate plugin test)
	}
	if !ev.Add(name, label, float64(delta)) {
		return abi.ErrTooLarge
	}
	return 0
}
