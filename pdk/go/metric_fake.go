//go:build !wasip1

package pdk

import "github.com/wasmgate/wasmgate/pdk/go/internal/fakehost"

func hMetricAdd(name, label string, delta int32) int32 {
	if h := fakehost.Current; h != nil {
		return h.MetricAdd(name, label, delta)
	}
	return ResultNotAvailable
}
