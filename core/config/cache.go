package config

import (
	"net/url"
	"path/filepath"
	"time"
)

// Cache configures the cache service that plugins with the "cache"
// capability reach (exact and semantic entries, see plugins/cache).
type Cache struct {
	// Store is "embedded" (the default: in-process, persisted to Path) or
	// "weaviate".
	Store string `koanf:"store"`
	// Path of the embedded store's file, relative to the config file; empty
	// keeps entries in memory only.
	Path          string        `koanf:"path"`
	MaxEntries    int           `koanf:"max_entries"`
	MaxBytes      ByteSize      `koanf:"max_bytes"`
	MaxEntryBytes ByteSize      `koanf:"max_entry_bytes"`
	DefaultTTL    time.Duration `koanf:"default_ttl"`
	MaxTTL        time.Duration `koanf:"max_ttl"`
	Weaviate      Weaviate      `koanf:"weaviate"`
	Embedder      Embedder      `koanf:"embedder"`
}

// Weaviate is the production vector store.
type Weaviate struct {
	URL    string `koanf:"url"`
	APIKey Secret `koanf:"api_key"`
	// Class is the prefix of the collections (one per namespace).
	Class   string        `koanf:"class"`
	Timeout time.Duration `koanf:"timeout"`
}

// Embedder turns conversations into vectors for the semantic tier.
type Embedder struct {
	// Kind is "offline" (the default, built in, no network) or "provider".
	Kind string `koanf:"kind"`
	// Provider and Model name the embeddings endpoint for kind provider.
	Provider string `koanf:"provider"`
	Model    string `koanf:"model"`
	// Dim is the offline embedder's dimension (512 when 0).
	Dim int `koanf:"dim"`
}

// Cache defaults.
const (
	DefaultCacheMaxEntries    = 100_000
	DefaultCacheMaxBytes      = 256 << 20
	DefaultCacheMaxEntryBytes = 1 << 20
	DefaultCacheTTL           = time.Hour
	DefaultCacheMaxTTL        = 7 * 24 * time.Hour
)

func (c *Cache) applyDefaults() {
	if c.Store == "" {
		c.Store = "embedded"
	}
	if c.MaxEntries == 0 {
		c.MaxEntries = DefaultCacheMaxEntries
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultCacheMaxBytes
	}
	if c.MaxEntryBytes == 0 {
		c.MaxEntryBytes = DefaultCacheMaxEntryBytes
	}
	if c.DefaultTTL == 0 {
		c.DefaultTTL = DefaultCacheTTL
	}
	if c.MaxTTL == 0 {
		c.MaxTTL = DefaultCacheMaxTTL
	}
	if c.Embedder.Kind == "" {
		c.Embedder.Kind = "offline"
	}
	if c.Weaviate.Class == "" {
		c.Weaviate.Class = "Wasmgate"
	}
	if c.Weaviate.Timeout == 0 {
		c.Weaviate.Timeout = 2 * time.Second
	}
}

// CachePath is the embedded store's file ("" in memory).
func (c *Config) CachePath() string {
	p := c.Cache.Path
	if p != "" && !filepath.IsAbs(p) {
		p = filepath.Join(c.Dir, p)
	}
	return p
}

func (c *Config) validateCache(e *Errors) {
	cc := &c.Cache
	switch cc.Store {
	case "embedded":
	case "weaviate":
		if u, err := url.Parse(cc.Weaviate.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.add("cache.weaviate.url", "must be an http(s) URL when cache.store is weaviate, got %q", cc.Weaviate.URL)
		}
	default:
		e.add("cache.store", `must be "embedded" or "weaviate", got %q`, cc.Store)
	}
	if cc.MaxEntries < 0 {
		e.add("cache.max_entries", "must not be negative")
	}
	if cc.MaxBytes < 0 || cc.MaxEntryBytes < 0 {
		e.add("cache.max_bytes", "sizes must not be negative")
	}
	if cc.DefaultTTL < 0 || cc.MaxTTL < 0 || cc.DefaultTTL > cc.MaxTTL {
		e.add("cache.default_ttl", "must be positive and at most cache.max_ttl (%s)", cc.MaxTTL)
	}
	switch cc.Embedder.Kind {
	case "offline":
		if cc.Embedder.Dim < 0 || cc.Embedder.Dim > 8192 {
			e.add("cache.embedder.dim", "must be between 0 (default 512) and 8192")
		}
	case "provider":
		if _, ok := c.Providers[cc.Embedder.Provider]; !ok {
			e.add("cache.embedder.provider", "unknown provider %q", cc.Embedder.Provider)
		}
		if cc.Embedder.Model == "" {
			e.add("cache.embedder.model", "is required when cache.embedder.kind is provider")
		}
	default:
		e.add("cache.embedder.kind", `must be "offline" or "provider", got %q`, cc.Embedder.Kind)
	}
}
