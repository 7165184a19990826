//go:build wasip1

package main

import (
	"strconv"
	"strings"
	"unsafe"
)

// metric_add (pdk/ABI.md, "Plugin metrics").

//go:wasmimport wasmgate metric_add
func wgMetricAdd(name unsafe.Pointer, nameLen int32, label unsafe.Pointer, labelLen int32, delta int32) int32

func metricAdd(name, label string, delta int32) int32 {
	return wgMetricAdd(sp(name), int32(len(name)), sp(label), int32(len(label)), delta)
}

// metricSeriesMax is the ABI's limit of distinct pairs per plugin.
const metricSeriesMax = 64

// requestMetrics counts tck_event/a 2+1+1, tck_event/ at zero and
// s2…s63 once each (64 pairs), is refused bad names, labels and deltas,
// and a 65th pair. The runner checks the host's counts.
func requestMetrics() {
	code("metric_add", metricAdd("tck_event", "a", 2), 0)
	code("metric_add again", metricAdd("tck_event", "a", 1), 0)
	code("metric_add at zero, no label", metricAdd("tck_event", "", 0), 0)
	code("metric_add of an upper-case name", metricAdd("Tck_event", "a", 1), errInvalid)
	code("metric_add of an empty name", metricAdd("", "a", 1), errInvalid)
	code("metric_add of a 65-byte name", metricAdd(strings.Repeat("e", 65), "", 1), errInvalid)
	code("metric_add of a label with a space", metricAdd("tck_event", "a b", 1), errInvalid)
	code("metric_add of a 65-byte label", metricAdd("tck_event", strings.Repeat("l", 65), 1), errInvalid)
	code("metric_add of a negative delta", metricAdd("tck_event", "a", -1), errInvalid)
	for i := 2; i < metricSeriesMax; i++ {
		code("metric_add of pair "+strconv.Itoa(i), metricAdd("tck_event", "s"+strconv.Itoa(i), 1), 0)
	}
	code("metric_add of a pair over the limit", metricAdd("tck_event", "over", 1), errTooLarge)
	code("metric_add of a known pair at the limit", metricAdd("tck_event", "a", 1), 0)
}
