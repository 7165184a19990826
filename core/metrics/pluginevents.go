package metrics

import (
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// PluginEvents is what plugins count through the metric_add host function:
// wasmgate_plugin_events_total{plugin, event, label}. Each plugin (by its
// name in config, across reloads) may have at most maxSeries distinct
// event and label pairs; calls for more are counted in
// wasmgate_plugin_events_dropped_total{plugin} instead, so a plugin cannot
// blow up the gateway's metrics.
type PluginEvents struct {
	events, dropped *prometheus.CounterVec
	maxSeries       int

	mu      sync.Mutex
	plugins map[string]*PluginCounters
}

func newPluginEvents(r prometheus.Registerer, maxSeries int) *PluginEvents {
	e := &PluginEvents{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_plugin_events_total", Help: "Events plugins counted (metric_add), by plugin, event and label.",
		}, []string{"plugin", "event", "label"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_plugin_events_dropped_total", Help: "metric_add calls dropped because the plugin was at its limit of series.",
		}, []string{"plugin"}),
		maxSeries: maxSeries,
		plugins:   map[string]*PluginCounters{},
	}
	r.MustRegister(e.events, e.dropped)
	return e
}

// For returns the counters of one plugin; the same plugin name gets the same
// counters (and the same series budget) across reloads.
func (e *PluginEvents) For(plugin string) *PluginCounters {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.plugins[plugin]
	if c == nil {
		c = &PluginCounters{e: e, plugin: plugin, dropped: e.dropped.WithLabelValues(plugin),
			series: map[string]map[string]prometheus.Counter{}}
		e.plugins[plugin] = c
	}
	return c
}

// PluginCounters are one plugin's event counters (host.Events).
type PluginCounters struct {
	e       *PluginEvents
	plugin  string
	dropped prometheus.Counter

	mu     sync.RWMutex
	series map[string]map[string]prometheus.Counter // event -> label -> counter
	n      int
}

// Add adds delta to the counter of event and label. A known pair costs a
// read lock and two map lookups, without allocating (name and label may be
// views of a plugin's memory: they are copied only for a new pair). It
// reports false, and counts a drop, for a new pair over the plugin's limit.
func (c *PluginCounters) Add(event, label string, delta float64) bool {
	c.mu.RLock()
	ctr, ok := c.series[event][label]
	c.mu.RUnlock()
	if !ok {
		if ctr, ok = c.add(event, label); !ok {
			c.dropped.Inc()
			return false
		}
	}
	ctr.Add(delta)
	return true
}

func (c *PluginCounters) add(event, label string) (prometheus.Counter, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctr, ok := c.series[event][label]; ok {
		return ctr, true
	}
	if c.n >= c.e.maxSeries {
		return nil, false
	}
	// Copies under new names: the parameters must not escape, or every
	// caller's conversion to string would allocate.
	ev, lb := strings.Clone(event), strings.Clone(label)
	labels := c.series[ev]
	if labels == nil {
		labels = map[string]prometheus.Counter{}
		c.series[ev] = labels
	}
	ctr := c.e.events.WithLabelValues(c.plugin, ev, lb)
	labels[lb] = ctr
	c.n++
	return ctr, true
}
