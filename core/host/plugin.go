// Package host runs wasmgate plugins (ABI v1, see pdk/ABI.md) on wazero.
//
// An Engine compiles plugins once (with an on-disk compilation cache). A
// Plugin is one compiled module with its limits and capabilities, in a wazero
// runtime of its own so that its memory cap is its own. A Pool is a bounded
// set of pre-warmed instances of a plugin for one pipeline slot (one slot, one
// config). An Instance runs hooks against an Exchange.
package host

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmgate/wasmgate/core/abi"
)

// Limits bound what one plugin may use.
type Limits struct {
	MemoryPages    uint32        // 64 KiB pages
	Timeout        time.Duration // per hook call
	MaxOutputBytes int           // per hook call, through *_set and send_*
}

// DefaultLimits are used for zero fields.
var DefaultLimits = Limits{MemoryPages: 512, Timeout: 100 * time.Millisecond, MaxOutputBytes: 1 << 20}

// Capabilities a plugin is granted. Everything else is denied: no files, no
// network, no environment.
type Capabilities struct {
	Env   []string // environment variables passed through
	Stdio bool     // stdout/stderr go to the log instead of nowhere
	Cache Cache    // cache_call reaches it; nil denies it
	// Secrets the plugin may read through secret_get (nil: none).
	Secrets SecretSource
	// Events counts the plugin's metric_add calls (metric.go; nil: the
	// calls are checked and not kept).
	Events Events
}

// SecretSource gives a plugin the secrets granted to it, by the names its
// config gives them.
type SecretSource interface {
	// Secret returns a secret's current value; granted is false for a name
	// the plugin was not given, ok is false for a granted secret that has
	// no value yet (its source was never reachable).
	Secret(name string) (value string, granted, ok bool)
}

// Engine compiles plugins. It is safe for concurrent use.
type Engine struct {
	cache  wazero.CompilationCache
	logger *slog.Logger
	live   atomic.Int64 // instances running, across all plugins
}

// LiveInstances is the number of plugin instances running now: a reload
// that leaked the old pipeline's instances would show here.
func (e *Engine) LiveInstances() int64 { return e.live.Load() }

// NewEngine makes an engine. cacheDir, when not empty, keeps compiled code on
// disk so that restarts and reloads skip compilation.
func NewEngine(cacheDir string, logger *slog.Logger) (*Engine, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{logger: logger}
	if cacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(cacheDir)
		if err != nil {
			return nil, fmt.Errorf("compilation cache %q: %w", cacheDir, err)
		}
		e.cache = c
	} else {
		e.cache = wazero.NewCompilationCache()
	}
	return e, nil
}

// CompilationCache is the engine's cache of compiled code, for other
// runtimes of the same process (core/extism) to share.
func (e *Engine) CompilationCache() wazero.CompilationCache { return e.cache }

// Close releases the compilation cache.
func (e *Engine) Close(ctx context.Context) error { return e.cache.Close(ctx) }

// Plugin is a compiled, validated plugin.
type Plugin struct {
	name     string
	limits   Limits
	caps     Capabilities
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	hasInit  bool // exports _initialize
	logger   *slog.Logger
	live     *atomic.Int64
	closeMu  sync.Once
}

// Name is the plugin's name in config.
func (p *Plugin) Name() string { return p.name }

// LoadError is a plugin that cannot be loaded; Reason says precisely why.
type LoadError struct {
	Plugin string
	Reason string
	Err    error
}

func (e *LoadError) Error() string {
	s := fmt.Sprintf("plugin %q: %s", e.Plugin, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *LoadError) Unwrap() error { return e.Err }

var hookSig = []api.ValueType{api.ValueTypeI32}

// Load compiles and checks a plugin. It checks imports and exports precisely;
// the ABI version and hook mask are checked when its first instance starts
// (see NewPool).
func (e *Engine) Load(ctx context.Context, name string, wasm []byte, lim Limits, caps Capabilities) (*Plugin, error) {
	lim = withDefaults(lim)
	if lim.MemoryPages > 65536 {
		return nil, &LoadError{Plugin: name, Reason: fmt.Sprintf("memory_pages %d is over 65536 (4 GiB)", lim.MemoryPages)}
	}
	// No WithCloseOnContextDone: the yield instrumentation (instrument.go)
	// enforces timeouts at a fraction of its cost.
	cfg := wazero.NewRuntimeConfig().
		WithCompilationCache(e.cache).
		WithMemoryLimitPages(lim.MemoryPages)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	p := &Plugin{name: name, limits: lim, caps: caps, rt: rt, logger: e.logger.With("plugin", name), live: &e.live}
	fail := func(reason string, err error) (*Plugin, error) {
		_ = rt.Close(ctx)
		return nil, &LoadError{Plugin: name, Reason: reason, Err: err}
	}
	wasm, err := instrument(wasm)
	if err != nil {
		return fail("cannot be instrumented (is it a valid WebAssembly module?)", err)
	}
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return fail("cannot be compiled (is it a valid WebAssembly module within its limits?)", err)
	}
	p.compiled = compiled
	if reason := checkModule(compiled, lim); reason != "" {
		return fail(reason, nil)
	}
	_, p.hasInit = compiled.ExportedFunctions()[abi.ExportInitialize]
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return fail("WASI", err)
	}
	if err := instantiateHostModule(ctx, rt); err != nil {
		return fail("host functions", err)
	}
	return p, nil
}

func withDefaults(l Limits) Limits {
	if l.MemoryPages == 0 {
		l.MemoryPages = DefaultLimits.MemoryPages
	}
	if l.Timeout == 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.MaxOutputBytes == 0 {
		l.MaxOutputBytes = DefaultLimits.MaxOutputBytes
	}
	return l
}

// checkModule validates imports and exports against ABI v1 and returns a
// precise reason, or "".
func checkModule(m wazero.CompiledModule, lim Limits) string {
	for _, imp := range m.ImportedFunctions() {
		mod, fn, _ := imp.Import()
		switch mod {
		case wasi_snapshot_preview1.ModuleName:
		case abi.ImportModule:
			if fn == yieldImport {
				continue // added by instrument
			}
			want, ok := importSignature(fn)
			if !ok {
				return fmt.Sprintf("imports unknown host function %s.%s (ABI v%d has: %s)", mod, fn, abi.Version, strings.Join(hostFunctionNames(), ", "))
			}
			if !sameTypes(imp.ParamTypes(), want.params) || !sameTypes(imp.ResultTypes(), want.results) {
				return fmt.Sprintf("imports %s.%s with signature %s, want %s", mod, fn, sigString(imp.ParamTypes(), imp.ResultTypes()), sigString(want.params, want.results))
			}
		default:
			return fmt.Sprintf("imports %s.%s from module %q: only %q and %q are provided", mod, fn, mod, abi.ImportModule, wasi_snapshot_preview1.ModuleName)
		}
	}
	mems := m.ExportedMemories()
	mem, ok := mems[abi.ExportMemory]
	if !ok {
		return `does not export its memory as "memory"`
	}
	if mem.Min() > lim.MemoryPages {
		return fmt.Sprintf("memory starts at %d pages, over its memory_pages limit of %d", mem.Min(), lim.MemoryPages)
	}
	exports := m.ExportedFunctions()
	for _, name := range []string{abi.ExportABIVersion, abi.ExportInit} {
		def, ok := exports[name]
		if !ok {
			return fmt.Sprintf("does not export %s (is it built with a wasmgate PDK for ABI v%d?)", name, abi.Version)
		}
		if len(def.ParamTypes()) != 0 || !sameTypes(def.ResultTypes(), hookSig) {
			return fmt.Sprintf("exports %s with signature %s, want () -> i32", name, sigString(def.ParamTypes(), def.ResultTypes()))
		}
	}
	for _, ph := range []abi.Phase{abi.PhaseRequest, abi.PhaseResponse, abi.PhaseChunk} {
		if def, ok := exports[ph.Export()]; ok && (len(def.ParamTypes()) != 0 || !sameTypes(def.ResultTypes(), hookSig)) {
			return fmt.Sprintf("exports %s with signature %s, want () -> i32", ph.Export(), sigString(def.ParamTypes(), def.ResultTypes()))
		}
	}
	if def, ok := exports[abi.ExportInitialize]; ok && (len(def.ParamTypes()) != 0 || len(def.ResultTypes()) != 0) {
		return fmt.Sprintf("exports %s with signature %s, want () -> ()", abi.ExportInitialize, sigString(def.ParamTypes(), def.ResultTypes()))
	}
	return ""
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sigString(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return strings.Join(s, ", ")
	}
	return "(" + names(params) + ") -> (" + names(results) + ")"
}

func hostFunctionNames() []string {
	names := make([]string, 0, len(hostFuncs)+1)
	names = append(names, abi.FnLog)
	for n := range hostFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Close frees the plugin's runtime and every instance still in it.
func (p *Plugin) Close(ctx context.Context) error {
	var err error
	p.closeMu.Do(func() { err = p.rt.Close(ctx) })
	return err
}
