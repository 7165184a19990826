package pdktest

import "github.com/wasmgate/wasmgate/pdk/go/internal/fakehost"

// Metric is one counter a plugin adds to with pdk.MetricAdd.
type Metric = fakehost.MetricKey

// Metrics returns what the session's plugin counted with pdk.MetricAdd so
// far (Init and every hook), by event and label, and how many calls were
// dropped over the limit of series.
func (s *Session) Metrics() (counts map[Metric]int64, dropped int64) {
	mu.Lock()
	defer mu.Unlock()
	counts = make(map[Metric]int64, len(s.host.Metrics))
	for k, v := range s.host.Metrics {
		counts[k] = v
	}
	return counts, s.host.MetricsDropped
}
