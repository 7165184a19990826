package gateway

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmgate/wasmgate/core/breaker"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/health"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/providerstats"
	"github.com/wasmgate/wasmgate/core/secrets"
	"github.com/wasmgate/wasmgate/core/upstream"
)

// The routing state of a runtime: providers' keys, breakers, statistics and
// health checks. Breakers and statistics live in the gateway (routingState)
// and survive reloads while their provider's settings stay the same.

// provKey is one API key of a provider.
type provKey struct {
	id      string
	src     *secrets.Secret // nil: no key
	weight  int
	breaker *breaker.Breaker
	// okAttempts is the attempts counter of this key's successful
	// attempts, looked up once rather than by label values per request.
	okAttempts prometheus.Counter
}

// value is the key's current value; ok is false when it could not be read
// yet (a secret reference).
func (k *provKey) value() (string, bool) {
	if k.src == nil {
		return "", true
	}
	return k.src.Value()
}

// providerRouting is a provider's routing state in one runtime.
type providerRouting struct {
	keys      []*provKey
	total     int // sum of the keys' weights
	stats     *providerstats.Stats
	health    health.Thresholds
	checkOn   bool // thresholds set: the provider may leave rotation
	healthy   func(now time.Time) bool
	healthGau prometheus.Gauge
}

// runtimeRouting is the runtime's part.
type runtimeRouting struct {
	fallbackOn []config.Trigger
	stop       context.CancelFunc // ends the health checkers
	statsText  atomic.Pointer[statsText]
}

type statsText struct {
	at   time.Time
	text []byte
}

// routingState is what survives reloads.
type routingState struct {
	mu       sync.Mutex
	breakers map[string]stateEntry[*breaker.Breaker]
	stats    map[string]stateEntry[*providerstats.Stats]
}

type stateEntry[T any] struct {
	conf string // the settings it was made with
	v    T
}

// routingMetrics count attempts, retries and fallbacks and show breakers.
type routingMetrics struct {
	attempts  *prometheus.CounterVec // provider, key, result
	retries   *prometheus.CounterVec // provider
	fallbacks *prometheus.CounterVec // from, to
	breaker   *prometheus.GaugeVec   // provider, key: 0 closed, 1 half-open, 2 open
	trips     *prometheus.CounterVec // provider, key, to
	healthy   *prometheus.GaugeVec   // provider
}

func newRoutingMetrics(m *metrics.Metrics) *routingMetrics {
	rm := &routingMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_upstream_attempts_total", Help: "Provider requests sent, by provider, key id and result (ok, 4xx, 401, 403, 429, 5xx, timeout, connect, canceled).",
		}, []string{"provider", "key", "result"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_upstream_retries_total", Help: "Retries of the same provider after a backoff.",
		}, []string{"provider"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_upstream_fallbacks_total", Help: "Requests moved from one provider to the next.",
		}, []string{"from", "to"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wasmgate_breaker_state", Help: "Circuit breaker state per provider key: 0 closed, 1 half-open, 2 open.",
		}, []string{"provider", "key"}),
		trips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_breaker_transitions_total", Help: "Circuit breaker state changes, by the state entered.",
		}, []string{"provider", "key", "to"}),
		healthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wasmgate_provider_healthy", Help: "1 while a provider with a health check is in rotation, 0 while it is out.",
		}, []string{"provider"}),
	}
	m.Registry.MustRegister(rm.attempts, rm.retries, rm.fallbacks, rm.breaker, rm.trips, rm.healthy)
	return rm
}

// buildRouting sets up keys, breakers, statistics and health checks of the
// runtime's providers.
func (g *Gateway) buildRouting(ctx context.Context, rt *runtime, providers map[string]*provider) error {
	rt.providers = providers
	for _, s := range rt.cfg.Dispatch.FallbackOn {
		t, err := config.ParseTrigger(s)
		if err != nil {
			return fmt.Errorf("dispatch.fallback_on: %w", err)
		}
		rt.routing.fallbackOn = append(rt.routing.fallbackOn, t)
	}
	hctx, cancel := context.WithCancel(context.Background())
	rt.routing.stop = cancel
	st := &g.routingState
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.breakers == nil {
		st.breakers = map[string]stateEntry[*breaker.Breaker]{}
		st.stats = map[string]stateEntry[*providerstats.Stats]{}
	}
	for name, p := range providers {
		pc := p.cfg
		r := &p.routing
		keys := pc.Keys
		if len(keys) == 0 {
			keys = []config.Key{{ID: "default", Weight: 1}} // api_key, read in build.go
		}
		bconf := fmt.Sprintf("%+v", pc.Breaker)
		for _, k := range keys {
			name, id := name, k.ID
			bk := name + "/" + id
			e, ok := st.breakers[bk]
			if !ok || e.conf != bconf {
				gauge := g.routingMetrics.breaker.WithLabelValues(name, id)
				gauge.Set(0)
				e = stateEntry[*breaker.Breaker]{conf: bconf, v: breaker.New(bk, breaker.Config{
					Failures: pc.Breaker.Failures, OpenFor: pc.Breaker.OpenFor, HalfOpenProbes: pc.Breaker.HalfOpenProbes,
				}, func(_ string, from, to breaker.State) {
					gauge.Set(float64(to))
					g.routingMetrics.trips.WithLabelValues(name, id, to.String()).Inc()
					g.logger.Warn("circuit breaker", "provider", name, "key", id, "from", from.String(), "to", to.String())
				})}
				st.breakers[bk] = e
			}
			pk := &provKey{id: id, src: p.key, weight: k.Weight, breaker: e.v,
				okAttempts: g.routingMetrics.attempts.WithLabelValues(name, id, "ok")}
			if len(pc.Keys) > 0 {
				// A key, like api_key, may be a secret reference.
				src, err := g.secrets.Get(ctx, k.Key.Reveal())
				if err != nil {
					return fmt.Errorf("providers.%s.keys.%s.key: %w", name, id, err)
				}
				pk.src = src
			}
			r.keys = append(r.keys, pk)
			r.total += k.Weight
		}
		h := pc.Health
		sconf := h.Window.String()
		se, ok := st.stats[name]
		if !ok || se.conf != sconf {
			se = stateEntry[*providerstats.Stats]{conf: sconf, v: providerstats.New(h.Window)}
			st.stats[name] = se
		}
		r.stats = se.v
		r.health = health.Thresholds{MaxLatency: h.MaxLatency, MaxErrorRate: h.MaxErrorRate, MinSamples: int64(h.MinSamples)}
		r.checkOn = h.Enabled()
		if r.checkOn {
			r.healthGau = g.routingMetrics.healthy.WithLabelValues(name)
			r.healthGau.Set(1) // in rotation until the window says otherwise
		}
		r.healthy = r.judge
		if h.Interval > 0 {
			c := &health.Checker{Interval: h.Interval, Timeout: h.Timeout, Stats: r.stats, Probe: g.prober(rt, p)}
			go c.Run(hctx)
		}
	}
	return nil
}

// judge says whether the provider is in rotation now.
func (r *providerRouting) judge(now time.Time) bool {
	if !r.checkOn {
		return true
	}
	ok := r.health.Healthy(r.stats.Snapshot(now))
	if ok {
		r.healthGau.Set(1)
	} else {
		r.healthGau.Set(0)
	}
	return ok
}

// pick chooses a key: the pinned one, or one by weight among those whose
// breaker is not open and that have not refused this request. done reports
// the outcome to the key's breaker. A nil key means none is available.
func (r *providerRouting) pick(pinned *provKey, refused []*provKey) (*provKey, breaker.Done) {
	if pinned != nil {
		if len(refused) > 0 {
			return nil, nil
		}
		if done, ok := pinned.breaker.Allow(); ok {
			return pinned, done
		}
		return nil, nil
	}
	if len(r.keys) == 1 {
		if len(refused) > 0 {
			return nil, nil
		}
		if done, ok := r.keys[0].breaker.Allow(); ok {
			return r.keys[0], done
		}
		return nil, nil
	}
	// Weighted choice; a key that cannot be used is left out and the draw
	// repeated among the rest.
	var skip [8]bool
	out := skip[:0]
	for range r.keys {
		out = append(out, false)
	}
	for i, k := range r.keys {
		for _, x := range refused {
			if x == k {
				out[i] = true
			}
		}
	}
	for {
		total := 0
		for i, k := range r.keys {
			if !out[i] {
				total += k.weight
			}
		}
		if total == 0 {
			return nil, nil
		}
		n := rand.IntN(total)
		for i, k := range r.keys {
			if out[i] {
				continue
			}
			if n -= k.weight; n < 0 {
				if done, ok := k.breaker.Allow(); ok {
					return k, done
				}
				out[i] = true
				break
			}
		}
	}
}

// prober makes the health probe of a provider: a small chat request (or the
// configured one) to its base URL with its first key.
func (g *Gateway) prober(rt *runtime, p *provider) health.Prober {
	h := p.cfg.Health
	body := h.Body
	if body == "" {
		model := "health-check"
		for _, m := range rt.cfg.Models {
			if m.Provider == p.name {
				model = m.UpstreamModel
				break
			}
		}
		body = fmt.Sprintf(`{"model":%s,"messages":[{"role":"user","content":"ping"}],"max_tokens":1}`, strconv.Quote(model))
	}
	url := p.baseURL + h.Path
	key := p.routing.keys[0]
	return func(ctx context.Context) error {
		var hdr [][2]string
		if k, _ := key.value(); k != "" {
			hdr = [][2]string{{"Authorization", "Bearer " + k}}
		}
		dl, _ := ctx.Deadline()
		resp, err := g.client.Do(ctx, &upstream.Request{URL: url, Header: hdr, Body: []byte(body), MaxResponseBytes: 1 << 20, Deadline: dl})
		if err != nil {
			return err
		}
		if resp.Status >= 500 {
			return fmt.Errorf("probe answered %d", resp.Status)
		}
		return nil
	}
}

// renderStats is the provider_stats text, rebuilt at most every 50 ms.
func (r *runtime) renderStats() []byte {
	now := time.Now()
	if t := r.routing.statsText.Load(); t != nil && now.Sub(t.at) < 50*time.Millisecond {
		return t.text
	}
	var b []byte
	for _, name := range r.providerNames {
		p := r.providers[name]
		s := p.routing.stats.Snapshot(now)
		healthy := p.routing.healthy(now)
		for _, k := range p.routing.keys {
			b = append(b, name...)
			b = append(b, ' ')
			b = append(b, k.id...)
			if healthy {
				b = append(b, " 1 "...)
			} else {
				b = append(b, " 0 "...)
			}
			b = append(b, k.breaker.State().String()...)
			b = append(b, ' ')
			b = strconv.AppendInt(b, s.Latency.Microseconds(), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(s.ErrorRate*1e6), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, s.Requests, 10)
			b = append(b, '\n')
		}
	}
	r.routing.statsText.Store(&statsText{at: now, text: b})
	return b
}
