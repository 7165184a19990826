// Package metrics defines the gateway's Prometheus metrics. Label values
// are plugin, pipeline, model and provider names from config: never request
// content, never secrets. The events plugins count (metric_add) carry names
// and labels the host checked against a small alphabet, bounded per plugin.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wasmgate/wasmgate/core/abi"
)

// Metrics holds every collector; one registry per gateway process.
type Metrics struct {
	Registry *prometheus.Registry

	Requests        *prometheus.CounterVec   // route, model, status
	RequestDuration *prometheus.HistogramVec // route, model
	PluginCall      *prometheus.HistogramVec // plugin, phase
	PluginFailures  *prometheus.CounterVec   // plugin, phase, reason, policy
	Upstream        *prometheus.HistogramVec // provider, status
	UpstreamErrors  *prometheus.CounterVec   // provider, reason
	Reloads         *prometheus.CounterVec   // result
	InFlight        prometheus.Gauge
	// PluginEvents are what plugins count with metric_add (pluginevents.go).
	PluginEvents *PluginEvents
}

// InstancesFunc registers wasmgate_plugin_instances, read from f at scrape
// time.
func (m *Metrics) InstancesFunc(f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wasmgate_plugin_instances", Help: "Plugin instances running (busy and idle, all pipelines).",
	}, f))
}

// New registers the collectors on a fresh registry.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	fast := []float64{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2, 0.1, 1}
	m := &Metrics{
		Registry: r,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_requests_total", Help: "Requests answered, by route, model and HTTP status.",
		}, []string{"route", "model", "status"}),
		RequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wasmgate_request_duration_seconds", Help: "Time from request to the end of the response.",
			Buckets: []float64{1e-4, 5e-4, 1e-3, 5e-3, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route", "model"}),
		PluginCall: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wasmgate_plugin_call_duration_seconds", Help: "Time of one plugin hook call.", Buckets: fast,
		}, []string{"plugin", "phase"}),
		PluginFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_plugin_failures_total", Help: "Plugin hook failures (trap, timeout, malformed output, ...).",
		}, []string{"plugin", "phase", "reason", "policy"}),
		Upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wasmgate_upstream_duration_seconds", Help: "Time to the provider's response headers.",
			Buckets: []float64{1e-4, 5e-4, 1e-3, 5e-3, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"provider", "status"}),
		UpstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_upstream_errors_total", Help: "Provider requests that got no answer.",
		}, []string{"provider", "reason"}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_config_reloads_total", Help: "Config reloads, by result.",
		}, []string{"result"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wasmgate_requests_in_flight", Help: "Requests being served.",
		}),
	}
	r.MustRegister(m.Requests, m.RequestDuration, m.PluginCall, m.PluginFailures, m.Upstream, m.UpstreamErrors, m.Reloads, m.InFlight)
	m.PluginEvents = newPluginEvents(r, abi.MetricSeriesMax)
	return m
}
