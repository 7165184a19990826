// Package gateway is the request flow of wasmgate, independent of any HTTP
// server: it builds a runtime (plugins, pipelines, providers, routes) from a
// config, runs each chat request through its pipeline and the provider, and
// swaps in a new runtime when the config changes.
package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/extism"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/secrets"
	"github.com/wasmgate/wasmgate/registry"
)

// runtime is everything built from one config. Requests hold it (inflight)
// so that a reload can close it only when the last of them is done.
type runtime struct {
	cfg       *config.Config
	statsFunc func() []byte // renderStats, for the exchanges
	models    map[string]*model
	modelList []byte
	routes    []route
	pipelines map[string]*pipeline
	plugins   []loadedPlugin
	pools     []slotPool
	cache     *openCache // when a plugin has the cache capability

	// Routing (routing.go): providers by name for the router's targets.
	providers     map[string]*provider
	providerNames []string
	routing       runtimeRouting

	inflight  atomic.Int64
	retired   atomic.Bool
	closeOnce sync.Once

	metrics sync.Map // routeModel -> *routeMetrics
}

type routeModel struct {
	r *route
	m *model
}

// routeMetrics are the series of one route and model, looked up once.
type routeMetrics struct {
	ok  prometheus.Counter  // requests answered 200
	dur prometheus.Observer // request duration
}

func (r *runtime) routeMetrics(g *Gateway, rt *route, m *model) *routeMetrics {
	key := routeModel{rt, m}
	if v, ok := r.metrics.Load(key); ok {
		return v.(*routeMetrics)
	}
	v, _ := r.metrics.LoadOrStore(key, &routeMetrics{
		ok:  g.metrics.Requests.WithLabelValues(rt.name, m.id, "200"),
		dur: g.metrics.RequestDuration.WithLabelValues(rt.name, m.id),
	})
	return v.(*routeMetrics)
}

type model struct {
	id       string
	provider *provider
	upstream string
}

type route struct {
	name     string
	pipeline *pipeline
	models   []string
	anyModel bool
	paths    []string
}

type pipeline struct {
	name  string
	slots []*slot
}

// slot is one plugin in one place (a pipeline position or a provider's
// adapter) with its own config and so its own instance pool.
type slot struct {
	plugin   string
	pool     slotPool
	mask     uint32
	failOpen bool
	adapter  bool
	calls    [3]prometheus.Observer
}

type provider struct {
	name    string
	baseURL string
	chatURL string
	key     *secrets.Secret // nil: no key
	adapter *slot
	cfg     config.Provider
	up200   prometheus.Observer // provider latency of 200 answers
	routing providerRouting     // keys, breakers, statistics (routing.go)
}

func (r *runtime) acquire() bool {
	r.inflight.Add(1)
	if r.retired.Load() {
		r.release()
		return false
	}
	return true
}

func (r *runtime) release() {
	if r.inflight.Add(-1) == 0 && r.retired.Load() {
		r.close()
	}
}

func (r *runtime) retire() {
	r.retired.Store(true)
	if r.inflight.Load() == 0 {
		r.close()
	}
}

func (r *runtime) close() {
	r.closeOnce.Do(func() {
		if r.routing.stop != nil {
			r.routing.stop() // health checkers (routing.go)
		}
		for _, p := range r.pools {
			p.Close()
		}
		for _, p := range r.plugins {
			_ = p.Close(context.Background())
		}
		if r.cache != nil {
			r.cache.release()
		}
	})
}

// build makes a runtime from a validated config: every plugin compiled and
// every pool started, or an error and nothing left running.
func (g *Gateway) build(ctx context.Context, cfg *config.Config) (_ *runtime, err error) {
	rt := &runtime{cfg: cfg, models: map[string]*model{}, pipelines: map[string]*pipeline{}}
	rt.statsFunc = rt.renderStats // one method value, not one per request
	defer func() {
		if err != nil {
			rt.close()
		}
	}()
	loader, err := registry.NewLoader(cfg, g.logger)
	if err != nil {
		return nil, err
	}
	plugins := map[string]loadedPlugin{}
	manifests := map[string]*registry.Manifest{} // packaged plugins only
	names := make([]string, 0, len(cfg.Plugins))
	for name := range cfg.Plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		def := cfg.Plugins[name]
		ld, err := loader.Load(name, def)
		if err != nil {
			return nil, err
		}
		caps := host.Capabilities{Env: def.Capabilities.Env, Stdio: def.Capabilities.Stdio,
			Events: g.metrics.PluginEvents.For(name)} // metric_add
		if def.Capabilities.Cache {
			if rt.cache == nil {
				if rt.cache, err = g.cacheFor(cfg); err != nil {
					return nil, err
				}
			}
			caps.Cache = rt.cache.svc
		}
		if caps.Secrets, err = g.grant(ctx, name, def.Capabilities.Secrets); err != nil {
			return nil, err
		}
		manifests[name] = ld.Manifest
		p, err := g.load(ctx, name, def, ld.Wasm, host.Limits{
			MemoryPages:    ld.Limits.MemoryPages,
			Timeout:        ld.Limits.Timeout,
			MaxOutputBytes: int(ld.Limits.MaxOutputBytes),
		}, caps)
		if err != nil {
			return nil, err
		}
		plugins[name] = p
		rt.plugins = append(rt.plugins, p)
	}
	newSlot := func(key, plugin string, conf map[string]any, failOpen, adapter bool) (*slot, error) {
		raw := []byte("{}")
		if len(conf) > 0 {
			if raw, err = json.Marshal(conf); err != nil {
				return nil, fmt.Errorf("%s: config: %w", key, err)
			}
		}
		if man := manifests[plugin]; man != nil {
			if err := man.ValidateConfig(raw); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		}
		def := cfg.Plugins[plugin]
		pool, err := plugins[plugin].newPool(ctx, raw, host.PoolOptions{Size: def.Pool.Size, Prewarm: def.Pool.Prewarm})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		rt.pools = append(rt.pools, pool)
		if man := manifests[plugin]; man != nil && pool.Mask()&^man.Mask() != 0 {
			return nil, fmt.Errorf("%s: %s %s runs hooks its plugin.yaml does not declare (mask %d, declared %v)", key, man.Name, man.Version, pool.Mask(), man.Hooks)
		}
		s := &slot{plugin: plugin, pool: pool, mask: pool.Mask(), failOpen: failOpen, adapter: adapter}
		for _, ph := range []abi.Phase{abi.PhaseRequest, abi.PhaseResponse, abi.PhaseChunk} {
			if s.mask&ph.Bit() != 0 { // a hook that never runs gets no series
				s.calls[ph] = g.metrics.PluginCall.WithLabelValues(plugin, ph.String())
			}
		}
		return s, nil
	}
	providers := map[string]*provider{}
	for name, pc := range cfg.Providers {
		base := strings.TrimRight(pc.BaseURL, "/")
		p := &provider{name: name, baseURL: base, chatURL: base + "/chat/completions", cfg: pc,
			up200: g.metrics.Upstream.WithLabelValues(name, "200")}
		if pc.APIKey != "" {
			if p.key, err = g.secrets.Get(ctx, pc.APIKey.Reveal()); err != nil {
				return nil, fmt.Errorf("providers.%s.api_key: %w", name, err)
			}
		}
		if pc.Adapter != "" {
			if p.adapter, err = newSlot("providers."+name+".adapter", pc.Adapter, pc.AdapterConfig, false, true); err != nil {
				return nil, err
			}
		}
		providers[name] = p
		rt.providerNames = append(rt.providerNames, name)
	}
	sort.Strings(rt.providerNames)
	if err := g.buildRouting(ctx, rt, providers); err != nil {
		return nil, err
	}
	for name, slots := range cfg.Pipelines {
		pl := &pipeline{name: name}
		for i, sc := range slots {
			s, err := newSlot(fmt.Sprintf("pipelines.%s[%d]", name, i), sc.Plugin, sc.Config, sc.OnError == config.FailOpen, false)
			if err != nil {
				return nil, err
			}
			pl.slots = append(pl.slots, s)
		}
		rt.pipelines[name] = pl
	}
	used := map[string]bool{}
	for _, s := range cfg.Pipelines {
		for _, sc := range s {
			used[sc.Plugin] = true
		}
	}
	for _, pc := range cfg.Providers {
		used[pc.Adapter] = true
	}
	for _, name := range names {
		if !used[name] {
			if err := plugins[name].Probe(ctx); err != nil {
				return nil, err
			}
		}
	}
	type entry struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []entry `json:"data"`
	}{Object: "list", Data: []entry{}}
	for _, m := range cfg.Models {
		rt.models[m.ID] = &model{id: m.ID, provider: providers[m.Provider], upstream: m.UpstreamModel}
		list.Data = append(list.Data, entry{ID: m.ID, Object: "model", OwnedBy: m.Provider})
	}
	rt.modelList, _ = json.Marshal(list)
	for i, rc := range cfg.Routes {
		r := route{name: fmt.Sprintf("%d:%s", i, rc.Pipeline), pipeline: rt.pipelines[rc.Pipeline], models: rc.Models, paths: rc.Paths}
		for _, m := range rc.Models {
			if m == "*" {
				r.anyModel = true
			}
		}
		rt.routes = append(rt.routes, r)
	}
	return rt, nil
}

// grant resolves the secrets a plugin's config grants it.
func (g *Gateway) grant(ctx context.Context, plugin string, refs map[string]config.Secret) (host.SecretSource, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	granted := secrets.Granted{}
	for name, ref := range refs {
		h, err := g.secrets.Get(ctx, ref.Reveal())
		if err != nil {
			return nil, fmt.Errorf("plugins.%s.capabilities.secrets.%s: %w", plugin, name, err)
		}
		granted[name] = h
	}
	return granted, nil
}

// apiKey is the provider's current key ("" for none); ok is false when it
// has a key that could not be read yet.
func (p *provider) apiKey() (key string, ok bool) {
	if p.key == nil {
		return "", true
	}
	return p.key.Value()
}

// match finds the route of a path and model.
func (r *runtime) match(p, modelID string) *route {
	for i := range r.routes {
		rt := &r.routes[i]
		if !contains(rt.paths, p) {
			continue
		}
		if rt.anyModel {
			return rt
		}
		for _, pat := range rt.models {
			if ok, _ := path.Match(pat, modelID); ok {
				return rt
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The kinds of plugins a slot can hold: wasmgate's own (ABI v1, core/host)
// and Extism's (core/extism). The request flow sees only these interfaces.
type (
	loadedPlugin interface {
		newPool(ctx context.Context, config []byte, opts host.PoolOptions) (slotPool, error)
		Probe(ctx context.Context) error
		Close(ctx context.Context) error
	}
	slotPool interface {
		Acquire(ctx context.Context) (hookInstance, error)
		Release(in hookInstance)
		Mask() uint32
		Close()
	}
	hookInstance interface {
		Call(ph abi.Phase, ex *host.Exchange, adapter bool) (abi.Action, error)
		Elapsed() time.Duration // how long the last Call ran
	}
)

// load compiles a plugin of its kind.
func (g *Gateway) load(ctx context.Context, name string, def config.PluginDef, wasm []byte, lim host.Limits, caps host.Capabilities) (loadedPlugin, error) {
	if def.Kind == config.KindExtism {
		// Extism plugins have no secret_get; config validation refuses secrets for them.
		p, err := extism.Load(ctx, name, wasm, lim, extism.Capabilities{Env: def.Capabilities.Env, Stdio: def.Capabilities.Stdio,
			AllowedHosts: def.Capabilities.AllowedHosts}, g.engine.CompilationCache(), g.logger)
		if err != nil {
			return nil, err
		}
		return pluginOf[*extism.Instance, *extism.Pool]{p}, nil
	}
	p, err := g.engine.Load(ctx, name, wasm, lim, caps)
	if err != nil {
		return nil, err
	}
	return pluginOf[*host.Instance, *host.Pool]{p}, nil
}

// kindPool is the pool of one kind of plugin, with instances of type I.
type kindPool[I hookInstance] interface {
	Acquire(ctx context.Context) (I, error)
	Release(in I)
	Mask() uint32
	Close()
}

// pluginOf makes a plugin of any kind a loadedPlugin.
type pluginOf[I hookInstance, P kindPool[I]] struct {
	inner interface {
		NewPool(ctx context.Context, config []byte, opts host.PoolOptions) (P, error)
		Probe(ctx context.Context) error
		Close(ctx context.Context) error
	}
}

func (p pluginOf[I, P]) Probe(ctx context.Context) error { return p.inner.Probe(ctx) }
func (p pluginOf[I, P]) Close(ctx context.Context) error { return p.inner.Close(ctx) }

func (p pluginOf[I, P]) newPool(ctx context.Context, config []byte, opts host.PoolOptions) (slotPool, error) {
	pl, err := p.inner.NewPool(ctx, config, opts)
	if err != nil {
		return nil, err
	}
	return poolOf[I]{pl}, nil
}

// poolOf makes a pool of any kind a slotPool.
type poolOf[I hookInstance] struct{ inner kindPool[I] }

func (p poolOf[I]) Mask() uint32 { return p.inner.Mask() }
func (p poolOf[I]) Close()       { p.inner.Close() }

func (p poolOf[I]) Acquire(ctx context.Context) (hookInstance, error) {
	in, err := p.inner.Acquire(ctx)
	if err != nil {
		return nil, err // not a typed nil in an interface
	}
	return in, nil
}

func (p poolOf[I]) Release(in hookInstance) { p.inner.Release(in.(I)) }
