// Package config loads and validates wasmgate's configuration: a YAML file,
// then WASMGATE_* environment overrides, then command-line flags (koanf v2).
// Loading is strict: an unknown key, an unknown plugin or a bad limit is an
// error that names its key path.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"

	"github.com/wasmgate/wasmgate/core/pricing"
	"github.com/wasmgate/wasmgate/core/secrets"
)

// Config is the whole configuration.
type Config struct {
	Server       Server               `koanf:"server"`
	Log          Log                  `koanf:"log"`
	CacheDir     string               `koanf:"cache_dir"`
	MockProvider MockProvider         `koanf:"mock_provider"`
	Debug        Debug                `koanf:"debug"`
	Providers    map[string]Provider  `koanf:"providers"`
	Models       []Model              `koanf:"models"`
	Routes       []Route              `koanf:"routes"`
	Pipelines    map[string][]Slot    `koanf:"pipelines"`
	Plugins      map[string]PluginDef `koanf:"plugins"`
	Cache        Cache                `koanf:"cache"`
	Secrets      Secrets              `koanf:"secrets"`
	Registry     Registry             `koanf:"registry"`
	Dispatch     Dispatch             `koanf:"dispatch"` // routing.go
	// Governance, State, Pricing and Tracing: see governance.go.
	Governance Governance               `koanf:"governance"`
	State      string                   `koanf:"state"`
	Pricing    map[string]pricing.Price `koanf:"pricing"`
	Tracing    Tracing                  `koanf:"tracing"`

	// Dir is the folder of the config file: plugin sources are relative to it.
	Dir string `koanf:"-"`
}

// Server is the HTTP listener.
type Server struct {
	Listen          string        `koanf:"listen"`
	MaxBodyBytes    ByteSize      `koanf:"max_body_bytes"`
	ReadTimeout     time.Duration `koanf:"read_timeout"`
	WriteTimeout    time.Duration `koanf:"write_timeout"`
	IdleTimeout     time.Duration `koanf:"idle_timeout"`
	RequestTimeout  time.Duration `koanf:"request_timeout"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
}

// Log is the logger's setting.
type Log struct {
	Level  string `koanf:"level"`
	Format string `koanf:"format"`
}

// MockProvider runs the built-in deterministic mock provider in-process
// (quickstart and development only) when Listen is set.
type MockProvider struct {
	Listen string `koanf:"listen"`
}

// Debug holds diagnostics that are off by default.
type Debug struct {
	// PprofListen serves Go's net/http/pprof profiles on a separate
	// listener (keep it on loopback).
	PprofListen string `koanf:"pprof_listen"`
}

// Provider is one model provider.
type Provider struct {
	// Preset names a known provider (see Presets): it fills base_url and
	// the adapter settings the config leaves empty.
	Preset        string         `koanf:"preset"`
	BaseURL       string         `koanf:"base_url"`
	APIKey        Secret         `koanf:"api_key"`
	Adapter       string         `koanf:"adapter"`
	AdapterConfig map[string]any `koanf:"adapter_config"`
	Timeout       time.Duration  `koanf:"timeout"`
	// MaxResponseBytes bounds a non-streamed provider response.
	MaxResponseBytes ByteSize `koanf:"max_response_bytes"`
	// Keys, Breaker and Health: see routing.go.
	Keys    []Key       `koanf:"keys"`
	Breaker Breaker     `koanf:"breaker"`
	Health  HealthCheck `koanf:"health"`
}

// Model is one model clients may ask for.
type Model struct {
	ID            string `koanf:"id"`
	Provider      string `koanf:"provider"`
	UpstreamModel string `koanf:"upstream_model"`
}

// Route maps models (globs) and paths to a pipeline. The first match wins.
type Route struct {
	Pipeline string   `koanf:"pipeline"`
	Models   []string `koanf:"models"`
	Paths    []string `koanf:"paths"`
}

// Slot is one plugin in a pipeline.
type Slot struct {
	Plugin  string         `koanf:"plugin"`
	OnError string         `koanf:"on_error"`
	Config  map[string]any `koanf:"config"`
}

// On-error policies.
const (
	FailClosed = "fail_closed"
	FailOpen   = "fail_open"
)

// PluginDef is where a plugin comes from and what it may use.
type PluginDef struct {
	Source string `koanf:"source"`
	// Kind is "wasmgate" (ABI v1, the default) or "extism" (a plugin built
	// with an Extism PDK, run through the Extism SDK; see docs/extism.md).
	Kind         string       `koanf:"kind"`
	Limits       Limits       `koanf:"limits"`
	Pool         Pool         `koanf:"pool"`
	Capabilities Capabilities `koanf:"capabilities"`
}

// Registry is where packaged plugins come from and whom to trust.
// Relative paths are relative to the config file.
type Registry struct {
	// Index is the static registry (URL or folder) behind registry:// sources.
	Index string `koanf:"index"`
	// Lockfile pins installed packages; default wasmgate.lock beside the config.
	Lockfile string `koanf:"lockfile"`
	// Store keeps installed packages; default the user cache folder/wasmgate/plugins.
	Store string `koanf:"store"`
	// TrustedKeys are ed25519 public keys: PEM files or "ed25519:BASE64".
	TrustedKeys []string `koanf:"trusted_keys"`
	// AllowUnsigned loads unsigned or untrusted packages (development only).
	AllowUnsigned bool `koanf:"allow_unsigned"`
}

// Limits of one plugin.
type Limits struct {
	MemoryPages    uint32        `koanf:"memory_pages"`
	Timeout        time.Duration `koanf:"timeout"`
	MaxOutputBytes ByteSize      `koanf:"max_output_bytes"`
}

// WithDefaults fills the limits left at zero with the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MemoryPages == 0 {
		l.MemoryPages = DefaultPluginMemoryPages
	}
	if l.Timeout == 0 {
		l.Timeout = DefaultPluginTimeout
	}
	if l.MaxOutputBytes == 0 {
		l.MaxOutputBytes = DefaultPluginMaxOutputSize
	}
	return l
}

// Pool sizes a plugin's instance pool.
type Pool struct {
	Size    int `koanf:"size"`
	Prewarm int `koanf:"prewarm"`
}

// Capabilities granted to a plugin.
type Capabilities struct {
	Env   []string `koanf:"env"`
	Stdio bool     `koanf:"stdio"`
	// Cache lets the plugin reach the cache service (cache_call).
	Cache bool `koanf:"cache"`
	// Secrets the plugin may read, by the name it asks for.
	Secrets map[string]Secret `koanf:"secrets"`
	// AllowedHosts are the hosts an Extism plugin may call with Extism's
	// http_request (globs); native plugins never do network I/O.
	AllowedHosts []string `koanf:"allowed_hosts"`
}

// Plugin kinds.
const (
	KindWasmgate = "wasmgate"
	KindExtism   = "extism"
)

// Secret is a value that must never be printed: a literal, or a reference
// (vault://, env://, file://) resolved by package secrets. Printing one
// shows a reference as written and a literal as [redacted].
type Secret string

func (s Secret) String() string {
	if secrets.IsRef(string(s)) {
		return string(s)
	}
	return "[redacted]"
}

// LogValue keeps secrets out of structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText keeps secrets out of JSON and YAML dumps.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Format keeps secrets out of %v and friends.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// Reveal returns the secret's value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// ByteSize is a size in bytes; config accepts 1048576, "1MiB", "512KiB", "4MB".
type ByteSize int64

// ParseByteSize parses a size.
func ParseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size (like 1048576 or 1MiB)", s)
	}
	return ByteSize(n * mult), nil
}

// Defaults are applied before the file.
var Defaults = map[string]any{
	"server.listen":           "127.0.0.1:8080",
	"server.max_body_bytes":   "4MiB",
	"server.read_timeout":     "30s",
	"server.write_timeout":    "0s",
	"server.idle_timeout":     "120s",
	"server.request_timeout":  "10m",
	"server.shutdown_timeout": "15s",
	"log.level":               "info",
	"log.format":              "text",
}

// Provider and plugin defaults, applied per entry after unmarshalling.
const (
	DefaultProviderTimeout     = 10 * time.Minute
	DefaultMaxResponseBytes    = 32 << 20
	DefaultPoolSize            = 16
	DefaultPoolPrewarm         = 1
	DefaultPluginMemoryPages   = 512
	DefaultPluginTimeout       = 100 * time.Millisecond
	DefaultPluginMaxOutputSize = 1 << 20
)

// EnvPrefix starts every environment override. A double underscore
// separates key levels: WASMGATE_PROVIDERS__UPSTREAM__BASE_URL sets
// providers.upstream.base_url.
const EnvPrefix = "WASMGATE_"

// Flags binds the command-line flags that override config keys.
func Flags(fs *pflag.FlagSet) {
	fs.String("listen", "", "address to listen on (server.listen)")
	fs.String("log-level", "", "debug, info, warn or error (log.level)")
	fs.Bool("start-degraded", false, "start even if a secret cannot be read (secrets.start_degraded)")
	fs.Bool("allow-unsigned", false, "load unsigned or untrusted plugin packages, for development (registry.allow_unsigned)")
}

var flagKeys = map[string]string{"listen": "server.listen", "log-level": "log.level", "start-degraded": "secrets.start_degraded",
	"allow-unsigned": "registry.allow_unsigned"}

// Load reads a config file, applies environment and flag overrides, and
// validates the result. fs may be nil.
func Load(file string, fs *pflag.FlagSet) (*Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmapProvider(Defaults), nil); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return load(k, raw, file, fs)
}

// Parse is Load for config already in memory (dir resolves plugin paths).
func Parse(raw []byte, dir string) (*Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmapProvider(Defaults), nil); err != nil {
		return nil, err
	}
	return load(k, raw, filepath.Join(dir, "wasmgate.yaml"), nil)
}

func load(k *koanf.Koanf, raw []byte, file string, fs *pflag.FlagSet) (*Config, error) {
	if err := k.Load(rawBytes(raw), yaml.Parser()); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := k.Load(env.Provider(".", env.Opt{Prefix: EnvPrefix, TransformFunc: envKey}), nil); err != nil {
		return nil, err
	}
	if fs != nil {
		err := k.Load(posflag.ProviderWithFlag(fs, ".", k, func(f *pflag.Flag) (string, any) {
			key, ok := flagKeys[f.Name]
			if !ok || !f.Changed {
				return "", nil
			}
			return key, f.Value.String()
		}), nil)
		if err != nil {
			return nil, err
		}
	}
	var errs Errors
	errs.unknownKeys("", k.Raw(), reflect.TypeOf(Config{}))
	if len(errs) > 0 {
		return nil, errs.sorted()
	}
	var c Config
	err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(), byteSizeHook, mapstructure.StringToSliceHookFunc(",")),
		WeaklyTypedInput: true,
		Result:           &c,
		TagName:          "koanf",
	}})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, _ := filepath.Abs(file)
	c.Dir = filepath.Dir(abs)
	c.applyDefaults()
	c.applyRoutingDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// envKey maps WASMGATE_A__B_C to a.b_c, and ignores variables whose first
// level is not a config section (so unrelated WASMGATE_* variables are not
// mistaken for typos).
func envKey(k, v string) (string, any) {
	key := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, EnvPrefix), "__", "."))
	top, _, _ := strings.Cut(key, ".")
	if _, ok := topKeys[top]; !ok {
		return "", nil
	}
	return key, v
}

var topKeys = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(Config{})
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("koanf"); tag != "-" {
			m[tag] = true
		}
	}
	return m
}()

func byteSizeHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeOf(ByteSize(0)) {
		return data, nil
	}
	switch v := data.(type) {
	case string:
		return ParseByteSize(v)
	case int:
		return ByteSize(v), nil
	case int64:
		return ByteSize(v), nil
	case uint64:
		return ByteSize(v), nil
	case float64:
		return ByteSize(v), nil
	}
	return data, nil
}

func (c *Config) applyDefaults() {
	c.Cache.applyDefaults()
	c.governanceDefaults()
	for name, p := range c.Providers {
		p.applyPreset()
		if p.Timeout == 0 {
			p.Timeout = DefaultProviderTimeout
		}
		if p.MaxResponseBytes == 0 {
			p.MaxResponseBytes = DefaultMaxResponseBytes
		}
		c.Providers[name] = p
	}
	for name, p := range c.Plugins {
		if !PackagedSource(p.Source) { // a package's manifest may suggest limits: the gateway fills them in
			p.Limits = p.Limits.WithDefaults()
		}
		if p.Pool.Size == 0 {
			p.Pool.Size = DefaultPoolSize
		}
		if p.Pool.Prewarm == 0 {
			p.Pool.Prewarm = DefaultPoolPrewarm
		}
		c.Plugins[name] = p
	}
	for pi, slots := range c.Pipelines {
		for i := range slots {
			if slots[i].OnError == "" {
				slots[i].OnError = FailClosed
			}
		}
		c.Pipelines[pi] = slots
	}
	for i := range c.Models {
		if c.Models[i].UpstreamModel == "" {
			c.Models[i].UpstreamModel = c.Models[i].ID
		}
	}
	for i := range c.Routes {
		if len(c.Routes[i].Paths) == 0 {
			c.Routes[i].Paths = []string{ChatPath, MessagesPath, EmbeddingsPath}
		}
		if len(c.Routes[i].Models) == 0 {
			c.Routes[i].Models = []string{"*"}
		}
	}
}

// Endpoints a route may name.
const (
	ChatPath       = "/v1/chat/completions"
	MessagesPath   = "/v1/messages" // Anthropic's Messages API, translated to chat
	EmbeddingsPath = "/v1/embeddings"
)

// Paths a route may name.
var routePaths = map[string]bool{ChatPath: true, MessagesPath: true, EmbeddingsPath: true}

// PackagedSource reports whether a source is a plugin package (installed
// from a registry, or a local .wgpkg file) rather than a bare .wasm file.
func PackagedSource(s string) bool {
	return remoteSource(s) || strings.HasSuffix(s, ".wgpkg")
}

// remoteSource reports whether a source is installed from a registry.
func remoteSource(s string) bool {
	return strings.HasPrefix(s, "registry://") || strings.HasPrefix(s, "oci://")
}

// Path resolves a path of the config (a plugin, a key, the lockfile)
// relative to the config file.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// PluginPath resolves a plugin's source to a file path.
func (c *Config) PluginPath(def PluginDef) string {
	p := strings.TrimPrefix(def.Source, "file://")
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.Dir, p)
	}
	return p
}

// Validate checks everything that can be checked without loading plugins.
func (c *Config) Validate() error {
	var e Errors
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		e.add("server.listen", "must be host:port, got %q", c.Server.Listen)
	}
	if c.Server.MaxBodyBytes <= 0 {
		e.add("server.max_body_bytes", "must be positive")
	}
	for key, d := range map[string]time.Duration{"server.read_timeout": c.Server.ReadTimeout, "server.write_timeout": c.Server.WriteTimeout,
		"server.idle_timeout": c.Server.IdleTimeout, "server.request_timeout": c.Server.RequestTimeout, "server.shutdown_timeout": c.Server.ShutdownTimeout} {
		if d < 0 {
			e.add(key, "must not be negative")
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		e.add("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		e.add("log.format", "must be text or json, got %q", c.Log.Format)
	}
	if l := c.MockProvider.Listen; l != "" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			e.add("mock_provider.listen", "must be host:port, got %q", l)
		}
	}
	if l := c.Debug.PprofListen; l != "" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			e.add("debug.pprof_listen", "must be host:port, got %q", l)
		}
	}
	if len(c.Providers) == 0 {
		e.add("providers", "at least one provider is needed")
	}
	for name, p := range c.Providers {
		key := "providers." + name
		if pr, ok := Presets[p.Preset]; p.Preset != "" && !ok {
			e.add(key+".preset", "unknown preset %q (known: %s)", p.Preset, PresetNames())
		} else if ok && pr.AdapterRequired && p.Adapter == "" {
			e.add(key+".adapter", "preset %s needs an adapter (the first-party %q plugin)", p.Preset, pr.Adapter)
		}
		u, err := url.Parse(p.BaseURL)
		if p.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.add(key+".base_url", "must be an http(s) URL, got %q", p.BaseURL)
		}
		if p.Adapter != "" {
			if _, ok := c.Plugins[p.Adapter]; !ok {
				e.add(key+".adapter", "unknown plugin %q (define it under plugins)", p.Adapter)
			}
		} else if len(p.AdapterConfig) > 0 {
			e.add(key+".adapter_config", "set without an adapter")
		}
		if p.Timeout < 0 {
			e.add(key+".timeout", "must not be negative")
		}
		if p.MaxResponseBytes < 0 {
			e.add(key+".max_response_bytes", "must not be negative")
		}
	}
	if len(c.Models) == 0 {
		e.add("models", "at least one model is needed")
	}
	seen := map[string]bool{}
	for i, m := range c.Models {
		key := fmt.Sprintf("models[%d]", i)
		if m.ID == "" {
			e.add(key+".id", "must not be empty")
		} else if seen[m.ID] {
			e.add(key+".id", "duplicate model %q", m.ID)
		}
		seen[m.ID] = true
		if _, ok := c.Providers[m.Provider]; !ok {
			e.add(key+".provider", "unknown provider %q", m.Provider)
		}
	}
	if len(c.Routes) == 0 {
		e.add("routes", "at least one route is needed")
	}
	for i, r := range c.Routes {
		key := fmt.Sprintf("routes[%d]", i)
		if _, ok := c.Pipelines[r.Pipeline]; !ok {
			e.add(key+".pipeline", "unknown pipeline %q", r.Pipeline)
		}
		for j, m := range r.Models {
			if _, err := path.Match(m, ""); err != nil {
				e.add(fmt.Sprintf("%s.models[%d]", key, j), "bad pattern %q", m)
			}
		}
		for j, p := range r.Paths {
			if !routePaths[p] {
				e.add(fmt.Sprintf("%s.paths[%d]", key, j), "unknown path %q (known: %s, %s, %s)", p, ChatPath, MessagesPath, EmbeddingsPath)
			}
		}
	}
	for name, slots := range c.Pipelines {
		for i, s := range slots {
			key := fmt.Sprintf("pipelines.%s[%d]", name, i)
			if _, ok := c.Plugins[s.Plugin]; !ok {
				e.add(key+".plugin", "unknown plugin %q (define it under plugins)", s.Plugin)
			}
			if s.OnError != FailClosed && s.OnError != FailOpen {
				e.add(key+".on_error", "must be fail_closed or fail_open, got %q", s.OnError)
			}
		}
	}
	for name, p := range c.Plugins {
		key := "plugins." + name
		if p.Source == "" {
			e.add(key+".source", "must not be empty")
		} else if remoteSource(p.Source) {
			// fetched by `wasmgate plugin install`; checked against the lockfile at load
		} else if st, err := os.Stat(c.PluginPath(p)); err != nil || st.IsDir() {
			e.add(key+".source", "no plugin file at %s (run `make plugins`?)", c.PluginPath(p))
		}
		switch p.Kind {
		case "", KindWasmgate:
			if len(p.Capabilities.AllowedHosts) > 0 {
				e.add(key+".capabilities.allowed_hosts", "is for kind: extism only (wasmgate plugins never do network I/O)")
			}
		case KindExtism:
			if len(p.Capabilities.Secrets) > 0 {
				e.add(key+".capabilities.secrets", "is for kind: wasmgate only (Extism plugins have no secret_get)")
			}
			if p.Capabilities.Cache {
				e.add(key+".capabilities.cache", "is for kind: wasmgate only (Extism plugins have no cache_call)")
			}
		default:
			e.add(key+".kind", "must be wasmgate or extism, got %q", p.Kind)
		}
		// A package's limits left out here come from its manifest at load.
		e = append(e, limitErrors(key+".limits", p.Limits.WithDefaults())...)
		if p.Pool.Size < 1 || p.Pool.Size > 4096 {
			e.add(key+".pool.size", "must be between 1 and 4096, got %d", p.Pool.Size)
		}
		if p.Pool.Prewarm < 0 || p.Pool.Prewarm > p.Pool.Size {
			e.add(key+".pool.prewarm", "must be between 0 and pool.size, got %d", p.Pool.Prewarm)
		}
	}
	c.validateCache(&e)
	c.validateSecrets(&e)
	c.validateRouting(&e)
	c.validateGovernance(&e)
	return e.err()
}

// CheckLimits checks limits (key is their key path for the messages).
func CheckLimits(key string, l Limits) error { return limitErrors(key, l).err() }

func limitErrors(key string, l Limits) Errors {
	var e Errors
	if l.MemoryPages < 1 || l.MemoryPages > 65536 {
		e.add(key+".memory_pages", "must be between 1 and 65536 (64 KiB pages), got %d", l.MemoryPages)
	}
	if l.Timeout <= 0 || l.Timeout > time.Minute {
		e.add(key+".timeout", "must be more than 0 and at most 1m, got %s", l.Timeout)
	}
	if l.MaxOutputBytes <= 0 || l.MaxOutputBytes > 256<<20 {
		e.add(key+".max_output_bytes", "must be more than 0 and at most 256MiB")
	}
	return e
}

// Errors is a list of problems, each with its key path.
type Errors []error

// KeyError is one problem at one key.
type KeyError struct{ Key, Msg string }

func (e *KeyError) Error() string { return e.Key + ": " + e.Msg }

func (e *Errors) add(key, format string, args ...any) {
	*e = append(*e, &KeyError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (e Errors) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return "invalid config:\n  " + strings.Join(s, "\n  ")
}

func (e Errors) sorted() Errors {
	sort.Slice(e, func(i, j int) bool { return e[i].Error() < e[j].Error() })
	return e
}

func (e Errors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e.sorted()
}

// unknownKeys walks the raw config against the Config type.
func (e *Errors) unknownKeys(prefix string, v any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return // a type error: unmarshalling reports it
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			if tag := f.Tag.Get("koanf"); tag != "" && tag != "-" {
				fields[tag] = f.Type
			}
		}
		for key, val := range m {
			ft, ok := fields[key]
			if !ok {
				e.add(join(prefix, key), "unknown key")
				continue
			}
			e.unknownKeys(join(prefix, key), val, ft)
		}
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return // free-form (plugin config)
		}
		if m, ok := v.(map[string]any); ok {
			for key, val := range m {
				e.unknownKeys(join(prefix, key), val, t.Elem())
			}
		}
	case reflect.Slice:
		if s, ok := v.([]any); ok {
			for i, val := range s {
				e.unknownKeys(fmt.Sprintf("%s[%d]", prefix, i), val, t.Elem())
			}
		}
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// Watch calls fn after the config file changes. The returned func stops it.
func Watch(file string, fn func()) (stop func(), err error) {
	f := fileProvider(file)
	if err := f.Watch(func(_ any, err error) {
		if err == nil {
			fn()
		}
	}); err != nil {
		return nil, err
	}
	return func() { _ = f.Unwatch() }, nil
}
