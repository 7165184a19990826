package abi

// Plugin metrics (pdk/ABI.md, "Plugin metrics"): a plugin counts its own
// events, which the host exports as one Prometheus family with the plugin's
// name as a label.

// FnMetricAdd is the host function that adds to a plugin's event counter:
// metric_add(name_ptr, name_len, label_ptr, label_len, delta) -> status.
const FnMetricAdd = "metric_add"

// Limits of metric_add.
const (
	// MetricNameMax is the longest event name, in bytes.
	MetricNameMax = 64
	// MetricLabelMax is the longest label value, in bytes.
	MetricLabelMax = 64
	// MetricSeriesMax is the most distinct (name, label) pairs one plugin
	// may count; calls for further pairs are dropped (and counted as such).
	MetricSeriesMax = 64
)

// ValidMetricName reports whether s may name an event: 1 to MetricNameMax
// bytes of lower-case letters, digits and '_', starting with a letter.
func ValidMetricName(s string) bool {
	if s == "" || len(s) > MetricNameMax || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ValidMetricLabel reports whether s may be a label value: at most
// MetricLabelMax bytes of letters, digits and "_.-:/" (a name from config
// such as a rule or a model, never request text). Empty is allowed.
func ValidMetricLabel(s string) bool {
	if len(s) > MetricLabelMax {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == '-' || c == ':' || c == '/') {
			return false
		}
	}
	return true
}
