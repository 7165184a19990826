package gateway

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/wasmgate/wasmgate/core/cache"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/embed"
	"github.com/wasmgate/wasmgate/core/pricing"
	"github.com/wasmgate/wasmgate/core/vectorstore"
	"github.com/wasmgate/wasmgate/core/vectorstore/weaviate"
)

// openCache is the cache service of one cache configuration. It outlives
// reloads that keep the configuration, and is shared by their runtimes:
// the last runtime to use it closes it.
type openCache struct {
	settings cacheSettings
	svc      *cache.Service
	stop     chan struct{}

	mu   sync.Mutex
	refs int
}

// cacheSettings is what a cache service is made from: a change reopens it.
type cacheSettings struct {
	Cache    config.Cache
	Pricing  map[string]pricing.Price
	Path     string
	Embedder config.Provider // the embeddings provider, if any
}

func (c *openCache) acquire() {
	c.mu.Lock()
	c.refs++
	c.mu.Unlock()
}

func (c *openCache) release() {
	c.mu.Lock()
	c.refs--
	last := c.refs == 0
	c.mu.Unlock()
	if last {
		close(c.stop)
		_ = c.svc.Close()
	}
}

// cacheFor returns the cache service for cfg, opening it on first use,
// with a reference the runtime releases when it closes. Called under
// reloadMu.
func (g *Gateway) cacheFor(cfg *config.Config) (*openCache, error) {
	set := cacheSettings{Cache: cfg.Cache, Path: cfg.CachePath(), Pricing: cfg.Pricing}
	if cfg.Cache.Embedder.Kind == "provider" {
		set.Embedder = cfg.Providers[cfg.Cache.Embedder.Provider]
	}
	if c := g.cache; c != nil && reflect.DeepEqual(c.settings, set) {
		c.acquire()
		return c, nil
	}
	svc, err := g.openCacheService(set)
	if err != nil {
		return nil, err
	}
	c := &openCache{settings: set, svc: svc, stop: make(chan struct{}), refs: 2} // the runtime's and the gateway's
	if old := g.cache; old != nil {
		old.release() // the gateway's reference; runtimes still using it keep it open
	}
	g.cache = c
	if sw, ok := svc.Store().(interface{ Sweep() int }); ok {
		go func() {
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for {
				select {
				case <-c.stop:
					return
				case <-t.C:
					sw.Sweep()
				}
			}
		}()
	}
	return c, nil
}

func (g *Gateway) openCacheService(set cacheSettings) (*cache.Service, error) {
	cc := set.Cache
	var emb embed.Embedder
	switch cc.Embedder.Kind {
	case "provider":
		emb = &embed.Provider{BaseURL: set.Embedder.BaseURL, APIKey: set.Embedder.APIKey.Reveal(), Model: cc.Embedder.Model}
	default:
		emb = embed.NewOffline(cc.Embedder.Dim)
	}
	var store vectorstore.Store
	var err error
	switch cc.Store {
	case "weaviate":
		store, err = weaviate.Open(context.Background(), weaviate.Options{URL: cc.Weaviate.URL, APIKey: cc.Weaviate.APIKey.Reveal(),
			Class: cc.Weaviate.Class, Timeout: cc.Weaviate.Timeout})
	default:
		store, err = vectorstore.OpenEmbedded(vectorstore.EmbeddedOptions{Path: set.Path, MaxEntries: cc.MaxEntries, MaxBytes: int64(cc.MaxBytes)})
	}
	if err != nil {
		return nil, fmt.Errorf("cache.store: %w", err)
	}
	svc, err := cache.New(cache.Options{Store: store, Embedder: emb, StoreName: cc.Store, DefaultTTL: cc.DefaultTTL, MaxTTL: cc.MaxTTL,
		MaxEntryBytes: int(cc.MaxEntryBytes), Logger: g.logger, Registerer: g.metrics.Registry,
		Prices: pricing.Default().With(set.Pricing)})
	if err != nil {
		store.Close()
		return nil, err
	}
	return svc, nil
}
