// Package plugincheck checks one plugin, in any language, against ABI v1 and
// what its package declares: exports and ABI version, agreement with its
// manifest (plugin.yaml), survival of malformed inputs, its declared
// capabilities and limits, and the golden cases it ships. It runs the plugin
// on the real host (core/host). `wasmgate plugin test` is its command line.
package plugincheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/registry"
)

// Options say what to check.
type Options struct {
	// Wasm is the plugin file.
	Wasm string
	// Manifest is its plugin.yaml; empty means plugin.yaml beside Wasm, if
	// there is one.
	Manifest string
	// Cases is the folder of golden cases; empty means cases/ beside Wasm.
	Cases string
	// Config is the slot config (JSON) for every check but the golden cases
	// that bring their own; empty means the manifest's, or {}.
	Config string
	// Calls is how many calls the limits check makes (default 300).
	Calls int
	// CacheDir keeps compiled code between runs; empty compiles in memory.
	CacheDir string
}

// Result is one check.
type Result struct {
	Check  string
	OK     bool
	Detail string
}

// Report is every check of one plugin.
type Report struct {
	Plugin  string
	Results []Result
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, c := range r.Results {
		if !c.OK {
			return false
		}
	}
	return len(r.Results) > 0
}

// String is the report as the command prints it.
func (r *Report) String() string {
	var b strings.Builder
	for _, c := range r.Results {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "%s %s", mark, c.Check)
		if c.Detail != "" {
			fmt.Fprintf(&b, ": %s", c.Detail)
		}
		b.WriteByte('\n')
	}
	if r.OK() {
		fmt.Fprintf(&b, "PASS %s\n", r.Plugin)
	} else {
		fmt.Fprintf(&b, "FAIL %s\n", r.Plugin)
	}
	return b.String()
}

func (r *Report) add(check string, ok bool, format string, args ...any) {
	r.Results = append(r.Results, Result{Check: check, OK: ok, Detail: fmt.Sprintf(format, args...)})
}

// Manifest is the part of a plugin package's plugin.yaml this check reads;
// other keys are left to the tools that use them.
type Manifest struct {
	Name         string   `yaml:"name"`
	Kind         string   `yaml:"kind"` // wasmgate (default) or extism
	Version      string   `yaml:"version"`
	ABI          int      `yaml:"abi"`
	Hooks        []string `yaml:"hooks"`
	Capabilities struct {
		Env          []string `yaml:"env"`
		Stdio        bool     `yaml:"stdio"`
		AllowedHosts []string `yaml:"allowed_hosts"`
	} `yaml:"capabilities"`
	Limits struct {
		MemoryPages    uint32 `yaml:"memory_pages"`
		Timeout        string `yaml:"timeout"`
		MaxOutputBytes string `yaml:"max_output_bytes"` // a size: 1048576 or 1MiB
	} `yaml:"limits"`
	Config map[string]any `yaml:"config"`
}

// Run checks a plugin. An error is returned only when the check itself
// cannot run (a file that cannot be read); everything about the plugin is in
// the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	wasm, err := os.ReadFile(opts.Wasm)
	if err != nil {
		return nil, err
	}
	rep := &Report{Plugin: opts.Wasm}
	dir := filepath.Dir(opts.Wasm)

	man, manPath, err := readManifest(opts.Manifest, dir)
	if err != nil {
		rep.add("manifest", false, "%v", err)
		return rep, nil
	}
	lim := host.Limits{MemoryPages: man.Limits.MemoryPages}
	if man.Limits.MaxOutputBytes != "" {
		n, err := config.ParseByteSize(man.Limits.MaxOutputBytes)
		if err != nil {
			rep.add("manifest", false, "%s: limits.max_output_bytes: %v", manPath, err)
			return rep, nil
		}
		lim.MaxOutputBytes = int(n)
	}
	if man.Limits.Timeout != "" {
		if lim.Timeout, err = time.ParseDuration(man.Limits.Timeout); err != nil {
			rep.add("manifest", false, "%s: limits.timeout %q: %v", manPath, man.Limits.Timeout, err)
			return rep, nil
		}
	}
	config := []byte(opts.Config)
	if len(config) == 0 {
		config = []byte("{}")
		if man.Config != nil {
			config, _ = json.Marshal(man.Config)
		}
	}

	out := &outputLog{}
	engine, err := host.NewEngine(opts.CacheDir, slog.New(out))
	if err != nil {
		return nil, err
	}
	defer engine.Close(ctx)
	// stdio is granted to see whether the plugin writes there; the check
	// below fails it if it does without declaring so.
	plugin, err := load(ctx, engine, man, wasm, lim, slog.New(out))
	if err != nil {
		rep.add("exports and ABI version", false, "%v", err)
		return rep, nil
	}
	defer plugin.Close(ctx)
	pool, err := plugin.newPool(ctx, config)
	if err != nil {
		rep.add("exports and ABI version", false, "%v", err)
		return rep, nil
	}
	defer pool.Close()
	mask := pool.Mask()
	if man.Kind == "extism" {
		rep.add("exports and ABI version", true, "an Extism plugin (JSON contract), hooks: %s", strings.Join(hookNames(mask), ", "))
	} else {
		rep.add("exports and ABI version", true, "ABI v%d, hooks: %s", abi.Version, strings.Join(hookNames(mask), ", "))
	}

	if manPath != "" {
		checkManifest(rep, man, manPath, mask, config)
	}
	r := &runner{pool: pool, mask: mask}
	checkMalformed(ctx, rep, r)
	checkLimits(ctx, rep, r, lim, opts.Calls)
	if out.count() > 0 && !man.Capabilities.Stdio {
		rep.add("capabilities", false, "writes to stdout/stderr (%q) without declaring capabilities.stdio", out.first())
	} else {
		rep.add("capabilities", true, "runs with only what it declares (env %v, stdio %v); no files, no network", man.Capabilities.Env, man.Capabilities.Stdio)
	}
	casesDir := opts.Cases
	if casesDir == "" {
		casesDir = filepath.Join(dir, "cases")
	}
	checkCases(ctx, rep, plugin, config, casesDir, opts.Cases != "")
	return rep, nil
}

func readManifest(path, dir string) (Manifest, string, error) {
	var m Manifest
	if path == "" {
		p := filepath.Join(dir, "plugin.yaml")
		if _, err := os.Stat(p); err != nil {
			return m, "", nil
		}
		path = p
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return m, "", err
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return m, "", fmt.Errorf("%s: %w", path, err)
	}
	return m, path, nil
}

func hookNames(mask uint32) []string {
	var names []string
	for _, ph := range []abi.Phase{abi.PhaseRequest, abi.PhaseResponse, abi.PhaseChunk} {
		if mask&ph.Bit() != 0 {
			names = append(names, ph.String())
		}
	}
	if names == nil {
		names = []string{"none"}
	}
	return names
}

func checkManifest(rep *Report, m Manifest, path string, mask uint32, config []byte) {
	var problems []string
	if m.Kind != "extism" {
		// A wasmgate plugin's manifest is a package manifest: the registry's
		// rules apply (names, semver, license, config_schema and config).
		raw, _ := os.ReadFile(path)
		if rm, err := registry.ParseManifest(raw); err != nil {
			problems = append(problems, err.Error())
		} else if err := rm.ValidateConfig(config); err != nil {
			problems = append(problems, "the config under test: "+err.Error())
		}
	}
	if m.Name == "" {
		problems = append(problems, "no name")
	}
	if m.Kind != "extism" && m.ABI != abi.Version {
		problems = append(problems, fmt.Sprintf("abi is %d, the plugin speaks %d", m.ABI, abi.Version))
	}
	declared := append([]string(nil), m.Hooks...)
	sort.Strings(declared)
	actual := hookNames(mask)
	sort.Strings(actual)
	if strings.Join(declared, ",") != strings.Join(actual, ",") {
		problems = append(problems, fmt.Sprintf("hooks %v, the plugin has %v", m.Hooks, hookNames(mask)))
	}
	if len(problems) > 0 {
		rep.add("manifest", false, "%s: %s", path, strings.Join(problems, "; "))
		return
	}
	rep.add("manifest", true, "%s agrees (%s %s)", filepath.Base(path), m.Name, m.Version)
}

// outputLog is a slog handler that keeps what the plugin wrote to stdio.
type outputLog struct {
	mu    sync.Mutex
	texts []string
}

func (o *outputLog) Enabled(context.Context, slog.Level) bool { return true }
func (o *outputLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "plugin output" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "text" {
			o.mu.Lock()
			o.texts = append(o.texts, a.Value.String())
			o.mu.Unlock()
		}
		return true
	})
	return nil
}
func (o *outputLog) WithAttrs([]slog.Attr) slog.Handler { return o }
func (o *outputLog) WithGroup(string) slog.Handler      { return o }
func (o *outputLog) count() int                         { o.mu.Lock(); defer o.mu.Unlock(); return len(o.texts) }
func (o *outputLog) first() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := strings.TrimSpace(o.texts[0])
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// runner calls hooks on pooled instances, as the gateway does.
type runner struct {
	pool hookPool
	mask uint32
}

// call runs one hook on a fresh exchange; a plugin failure is the error.
func (r *runner) call(ctx context.Context, ph abi.Phase, ex *host.Exchange) (abi.Action, error) {
	call, _, release, err := r.pool.pin(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	return call(ph, ex)
}

var errNoHook = errors.New("no hook")

// exchange builds the exchange a hook of phase ph sees.
func exchange(ph abi.Phase, request, response, chunk []byte, headers, attrs map[string]string) *host.Exchange {
	ex := &host.Exchange{}
	ex.SetRequest(request)
	for k, v := range headers {
		ex.ReqHeader.Add(k, v)
	}
	ex.SetAttr(abi.AttrRequestID, "plugin-test")
	ex.SetAttr(abi.AttrModel, "test-model")
	ex.SetAttr(abi.AttrStream, fmt.Sprint(ph == abi.PhaseChunk))
	for k, v := range attrs {
		ex.SetAttr(k, v)
	}
	switch ph {
	case abi.PhaseResponse:
		ex.Response = response
	case abi.PhaseChunk:
		ex.Chunk, ex.ChunkSet = chunk, true
	}
	return ex
}

// compact makes JSON one line, for messages.
func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	s := buf.String()
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// firstLine is an error without the engine's stack trace.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
