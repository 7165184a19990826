package fakehost

// Limits of metric_add (pdk/ABI.md, "Plugin metrics").
const (
	metricNameMax   = 64
	metricLabelMax  = 64
	metricSeriesMax = 64
)

// MetricKey is one counter of metric_add: an event and a label value.
type MetricKey struct{ Event, Label string }

// MetricAdd is metric_add: it checks the name, label and delta as the host
// does and counts into Metrics, at most metricSeriesMax pairs (further
// pairs are counted in MetricsDropped). Totals live as long as the host.
func (h *Host) MetricAdd(name, label string, delta int32) int32 {
	if delta < 0 || !metricName(name) || !metricLabel(label) {
		return Invalid
	}
	if h.Metrics == nil {
		h.Metrics = map[MetricKey]int64{}
	}
	k := MetricKey{name, label}
	if _, ok := h.Metrics[k]; !ok && len(h.Metrics) >= metricSeriesMax {
		h.MetricsDropped++
		return TooLarge
	}
	h.Metrics[k] += int64(delta)
	return 0
}

// metricName: snake_case, a letter first, 1 to 64 bytes.
func metricName(s string) bool {
	if len(s) == 0 || len(s) > metricNameMax || !('a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// metricLabel: letters, digits and "_.-:/", at most 64 bytes.
func metricLabel(s string) bool {
	if len(s) > metricLabelMax {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '.', c == '-', c == ':', c == '/':
		default:
			return false
		}
	}
	return true
}
