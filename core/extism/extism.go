// Package extism runs plugins built with an Extism PDK in a wasmgate
// pipeline, through github.com/extism/go-sdk. Such a plugin exports
// on_request, on_response and/or on_chunk; each gets the exchange as JSON
// and returns what to change as JSON (the contract is in docs/extism.md).
//
// Limits and capabilities map onto Extism's manifest, denying by default:
// memory_pages is memory.max_pages and also bounds an HTTP response
// (memory.max_http_response_bytes), timeout is timeout_ms, and
// capabilities.allowed_hosts is allowed_hosts (Extism's http_request; no
// host, nor a redirect to one, unless listed). capabilities.env and stdio
// go to the WASI module config (no variable and no output unless granted);
// allowed_paths (files) is never granted. The slot's config becomes
// Extism's config (strings as they are, other values as JSON).
// max_output_bytes bounds the plugin's output.
//
// Extism's call path costs tens of microseconds more than the native ABI
// (docs/benchmarks.md): it is for compatibility, not the hot path.
package extism

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
)

// The exports of an Extism plugin, one per hook.
const (
	FnRequest  = "on_request"
	FnResponse = "on_response"
	FnChunk    = "on_chunk"
)

var phaseFn = [3]string{FnRequest, FnResponse, FnChunk}

// Capabilities an Extism plugin is granted.
type Capabilities struct {
	Env          []string
	Stdio        bool
	AllowedHosts []string // hosts for Extism's http_request (globs)
}

// Plugin is an Extism module with its limits and capabilities. Each slot
// compiles it with its own config (Extism config is part of the manifest);
// the compilation cache makes the second compile cheap.
type Plugin struct {
	name   string
	wasm   []byte
	lim    host.Limits
	caps   Capabilities
	hosts  *hostList
	cache  wazero.CompilationCache
	logger *slog.Logger
}

// Load checks an Extism module and returns the plugin. cache may be nil.
func Load(ctx context.Context, name string, wasm []byte, lim host.Limits, caps Capabilities, cache wazero.CompilationCache, logger *slog.Logger) (*Plugin, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if lim.MemoryPages == 0 {
		lim.MemoryPages = host.DefaultLimits.MemoryPages
	}
	if lim.Timeout == 0 {
		lim.Timeout = host.DefaultLimits.Timeout
	}
	if lim.MaxOutputBytes == 0 {
		lim.MaxOutputBytes = host.DefaultLimits.MaxOutputBytes
	}
	if _, on := os.LookupEnv("EXTISM_ENABLE_WASI_OUTPUT"); on {
		return nil, &host.LoadError{Plugin: name, Reason: "EXTISM_ENABLE_WASI_OUTPUT is set: the Extism SDK would send every Extism plugin's stdout and stderr " +
			"to the gateway's own; unset it (capabilities.stdio sends a plugin's output to the log)"}
	}
	hosts, err := compileHosts(caps.AllowedHosts)
	if err != nil {
		return nil, &host.LoadError{Plugin: name, Reason: "capabilities", Err: err}
	}
	p := &Plugin{name: name, wasm: wasm, lim: lim, caps: caps, hosts: hosts, cache: cache, logger: logger.With("plugin", name)}
	if err := p.Probe(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Name is the plugin's name in config.
func (p *Plugin) Name() string { return p.name }

// Close releases nothing: the pools own the compiled modules.
func (p *Plugin) Close(context.Context) error { return nil }

// Probe compiles and starts the plugin once with an empty config, so that a
// broken module is reported at load.
func (p *Plugin) Probe(ctx context.Context) error {
	cp, err := p.compile(ctx, nil)
	if err != nil {
		return err
	}
	defer cp.Close(ctx)
	in, err := p.instance(ctx, cp)
	if err != nil {
		return err
	}
	defer in.Close(ctx)
	if mask(in) == 0 {
		return &host.LoadError{Plugin: p.name, Reason: fmt.Sprintf("an Extism plugin must export %s, %s or %s", FnRequest, FnResponse, FnChunk)}
	}
	return nil
}

func mask(in *extism.Plugin) uint32 {
	var m uint32
	for ph, fn := range phaseFn {
		if in.FunctionExists(fn) {
			m |= abi.Phase(ph).Bit()
		}
	}
	return m
}

// extismConfig turns a slot config (JSON object) into Extism's string map.
func extismConfig(config []byte) (map[string]string, error) {
	if len(config) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(config, &m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out, nil
}

func (p *Plugin) compile(ctx context.Context, config []byte) (*extism.CompiledPlugin, error) {
	cfg, err := extismConfig(config)
	if err != nil {
		return nil, &host.LoadError{Plugin: p.name, Reason: "config is not a JSON object", Err: err}
	}
	rc := wazero.NewRuntimeConfig()
	if p.cache != nil {
		rc = rc.WithCompilationCache(p.cache)
	}
	memBytes := int64(p.lim.MemoryPages) * 65536
	m := extism.Manifest{
		Wasm: []extism.Wasm{extism.WasmData{Data: p.wasm, Name: "main"}},
		// A response larger than the plugin's memory could not be handed to
		// it anyway; without a bound the SDK reads up to 50 MB per call.
		Memory:       &extism.ManifestMemory{MaxPages: p.lim.MemoryPages, MaxHttpResponseBytes: memBytes, MaxVarBytes: min(memBytes, 1<<20)},
		Config:       cfg,
		AllowedHosts: append([]string{}, p.hosts.names...),
		AllowedPaths: nil, // never: Extism plugins get no files
		// Rounded up: a timeout under 1ms would become 0, which is none.
		Timeout: uint64((p.lim.Timeout + time.Millisecond - 1) / time.Millisecond),
	}
	cp, err := extism.NewCompiledPlugin(ctx, m, extism.PluginConfig{RuntimeConfig: rc, EnableWasi: true}, nil)
	if err != nil {
		return nil, &host.LoadError{Plugin: p.name, Reason: "cannot be loaded as an Extism plugin", Err: err}
	}
	return cp, nil
}

func (p *Plugin) instance(ctx context.Context, cp *extism.CompiledPlugin) (*extism.Plugin, error) {
	mc := wazero.NewModuleConfig().WithSysWalltime().WithSysNanotime()
	for _, name := range p.caps.Env {
		if v, ok := os.LookupEnv(name); ok {
			mc = mc.WithEnv(name, v)
		}
	}
	if p.caps.Stdio {
		w := logWriter{p.logger}
		mc = mc.WithStdout(w).WithStderr(w)
	}
	in, err := cp.Instance(ctx, extism.PluginInstanceConfig{ModuleConfig: mc})
	if err != nil {
		return nil, &host.LoadError{Plugin: p.name, Reason: "instance failed to start", Err: err}
	}
	in.SetLogger(func(level extism.LogLevel, msg string) {
		p.logger.Log(ctx, extismLevel(level), msg)
	})
	return in, nil
}

func extismLevel(l extism.LogLevel) slog.Level {
	switch l {
	case extism.LogLevelError:
		return slog.LevelError
	case extism.LogLevelWarn:
		return slog.LevelWarn
	case extism.LogLevelInfo:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

type logWriter struct{ logger *slog.Logger }

func (w logWriter) Write(b []byte) (int, error) {
	w.logger.Info("plugin output", "text", string(b))
	return len(b), nil
}

// ErrPoolExhausted is returned when no instance frees up in time.
var ErrPoolExhausted = errors.New("no Extism plugin instance free in time")

// Pool is a bounded set of instances of one plugin with one slot config.
type Pool struct {
	plugin *Plugin
	cp     *extism.CompiledPlugin
	mask   uint32
	idle   chan *Instance
	tokens chan struct{}
	wait   time.Duration
}

// NewPool compiles the plugin with the slot's config and starts prewarmed
// instances.
func (p *Plugin) NewPool(ctx context.Context, config []byte, opts host.PoolOptions) (*Pool, error) {
	if opts.Size <= 0 {
		opts.Size = 16
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 5 * time.Second
	}
	cp, err := p.compile(ctx, config)
	if err != nil {
		return nil, err
	}
	pl := &Pool{plugin: p, cp: cp, idle: make(chan *Instance, opts.Size), tokens: make(chan struct{}, opts.Size), wait: opts.MaxWait}
	for range opts.Size {
		pl.tokens <- struct{}{}
	}
	for i := range max(1, min(opts.Prewarm, opts.Size)) {
		<-pl.tokens
		in, err := pl.start(ctx)
		if err != nil {
			pl.Close()
			return nil, err
		}
		if i == 0 {
			pl.mask = mask(in.p)
		}
		pl.idle <- in
	}
	return pl, nil
}

func (pl *Pool) start(ctx context.Context) (*Instance, error) {
	p, err := pl.plugin.instance(ctx, pl.cp)
	if err != nil {
		pl.tokens <- struct{}{}
		return nil, err
	}
	return &Instance{plugin: pl.plugin, p: p}, nil
}

// Mask is the hooks the plugin exports.
func (pl *Pool) Mask() uint32 { return pl.mask }

// Acquire takes an idle instance, starts one if the pool has room, or waits.
func (pl *Pool) Acquire(ctx context.Context) (*Instance, error) {
	select {
	case in := <-pl.idle:
		return in, nil
	default:
	}
	t := time.NewTimer(pl.wait)
	defer t.Stop()
	select {
	case in := <-pl.idle:
		return in, nil
	case <-pl.tokens:
		return pl.start(ctx)
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, ErrPoolExhausted
	}
}

// Release gives an instance back; a dead one is closed and its place freed.
func (pl *Pool) Release(in *Instance) {
	if in.dead {
		_ = in.p.Close(context.Background())
		pl.tokens <- struct{}{}
		return
	}
	pl.idle <- in
}

// Close closes the idle instances and the compiled module; instances in use
// are closed with it.
func (pl *Pool) Close() {
	ctx := context.Background()
	for {
		select {
		case in := <-pl.idle:
			_ = in.p.Close(ctx)
		default:
			_ = pl.cp.Close(ctx)
			return
		}
	}
}
