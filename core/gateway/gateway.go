package gateway

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/governance"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/secrets"
	"github.com/wasmgate/wasmgate/core/upstream"
)

// Gateway serves chat requests through the current runtime.
type Gateway struct {
	logger  *slog.Logger
	metrics *metrics.Metrics
	engine  *host.Engine
	client  *upstream.Client
	secrets *secrets.Store

	// Routing (routing.go): metrics, and breakers and statistics that
	// outlive a reload.
	routingMetrics *routingMetrics
	routingState   routingState

	cur      atomic.Pointer[runtime]
	reloadMu sync.Mutex
	timeout  time.Duration
	cache    *openCache           // the latest cache service opened (under reloadMu)
	gov      *governance.Governor // nil: no keys, limits or usage records
	tracer   trace.Tracer         // nil: no spans
}

// Options for New.
type Options struct {
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// CacheDir keeps compiled plugins on disk ("" keeps them in memory).
	CacheDir string
	// RequestTimeout bounds a whole request, streams included (default 10m).
	RequestTimeout time.Duration
	// Secrets resolves provider keys and plugin secrets (default: a store
	// without Vault, for env:// and file:// references and literals).
	Secrets *secrets.Store
	// Governor authenticates keys and enforces limits (nil: off).
	Governor *governance.Governor
	// Tracer makes spans per request, plugin call and upstream attempt
	// (nil: off).
	Tracer trace.Tracer
}

// New makes a gateway with no runtime; call Reload with a config.
func New(opts Options) (*Gateway, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	eng, err := host.NewEngine(opts.CacheDir, opts.Logger)
	if err != nil {
		return nil, err
	}
	opts.Metrics.InstancesFunc(func() float64 { return float64(eng.LiveInstances()) })
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Minute
	}
	if opts.Secrets == nil {
		if opts.Secrets, err = secrets.New(context.Background(), secrets.Options{Logger: opts.Logger}); err != nil {
			return nil, err
		}
	}
	return &Gateway{logger: opts.Logger, metrics: opts.Metrics, engine: eng, client: upstream.New(), secrets: opts.Secrets, timeout: opts.RequestTimeout,
		routingMetrics: newRoutingMetrics(opts.Metrics), gov: opts.Governor, tracer: opts.Tracer}, nil
}

// Reload builds a whole new runtime from cfg and swaps it in. Requests in
// flight finish on the old runtime, which is closed after the last one. When
// building fails, the running runtime stays and the error says why.
func (g *Gateway) Reload(ctx context.Context, cfg *config.Config) error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	rt, err := g.build(ctx, cfg)
	if err != nil {
		g.metrics.Reloads.WithLabelValues("failed").Inc()
		return err
	}
	old := g.cur.Swap(rt)
	if old != nil {
		old.retire()
	}
	g.secrets.Retain(cfg.SecretRefList())
	g.metrics.Reloads.WithLabelValues("ok").Inc()
	return nil
}

// LiveInstances is the number of plugin instances running.
func (g *Gateway) LiveInstances() int64 { return g.engine.LiveInstances() }

// Ready reports whether a runtime is loaded.
func (g *Gateway) Ready() bool { return g.cur.Load() != nil }

// Config is the running configuration (nil before the first Reload).
func (g *Gateway) Config() *config.Config {
	if rt := g.cur.Load(); rt != nil {
		return rt.cfg
	}
	return nil
}

// runtime returns the current runtime, held; the caller releases it.
func (g *Gateway) runtime() *runtime {
	for {
		rt := g.cur.Load()
		if rt == nil {
			return nil
		}
		if rt.acquire() {
			return rt
		}
		// Retired between Load and acquire: the next Load sees its successor.
	}
}

// Models is the /v1/models answer for the running config.
func (g *Gateway) Models() []byte {
	if rt := g.cur.Load(); rt != nil {
		return rt.modelList
	}
	return []byte(`{"object":"list","data":[]}`)
}

// Close closes the runtime and the engine.
func (g *Gateway) Close(ctx context.Context) error {
	if rt := g.cur.Swap(nil); rt != nil {
		rt.retire()
	}
	g.client.CloseIdle()
	g.reloadMu.Lock()
	if g.cache != nil {
		g.cache.release()
		g.cache = nil
	}
	g.reloadMu.Unlock()
	return g.engine.Close(ctx)
}
