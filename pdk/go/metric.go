package pdk

// Limits of MetricAdd (pdk/ABI.md, "Plugin metrics").
const (
	MetricNameMax   = 64 // bytes of an event name
	MetricLabelMax  = 64 // bytes of a label value
	MetricSeriesMax = 64 // distinct (event, label) pairs per plugin
)

// MetricAdd adds delta (>= 0) to this plugin's counter of an event and a
// label value, which the gateway exports as
// wasmgate_plugin_events_total{plugin="<name in config>",event,label}:
//
//	pdk.MetricAdd("warn", rule.Name, 1)
//
// event is snake_case (lower-case letters, digits, '_', a letter first, up
// to 64 bytes); label is up to 64 bytes of letters, digits and "_.-:/", or
// empty. Labels must be names from the plugin's config (a rule, a model, an
// outcome), never request text or a secret: metrics are not secret. A bad
// name, label or delta is ErrInvalid. A plugin may count at most
// MetricSeriesMax distinct pairs; a new pair past that is ErrTooLarge and
// is counted in wasmgate_plugin_events_dropped_total instead. A delta of 0
// makes the series show at zero. Callable from Init too.
func MetricAdd(event, label string, delta int) error {
	if delta < 0 || delta > 1<<31-1 {
		return ErrInvalid
	}
	return errorFor(hMetricAdd(event, label, int32(delta)))
}
