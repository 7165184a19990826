package plugincheck_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/conformance/plugincheck"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// pkg lays out a plugin package in a temporary folder: the module, and the
// files given (plugin.yaml, cases/*.yaml).
func pkg(t *testing.T, guest string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	wasm := filepath.Join(dir, "plugin.wasm")
	if err := os.WriteFile(wasm, testwasm.GoPluginBytes(t, guest), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return wasm
}

const rewriteManifest = "name: rewrite\nversion: 1.0.0\nabi: 1\ndescription: d\nlicense: MIT\nhooks: [request]\nlimits: {memory_pages: 256, timeout: 200ms}\n"

const rewriteCase = `name: prefixes the last user message
request: {model: m, messages: [{role: system, content: s}, {role: user, content: hi}]}
expect:
  action: continue
  request: {messages.1.content: "[rewritten] hi", messages.0.content: s}
`

func TestRun(t *testing.T) {
	tests := []struct {
		name  string
		guest string
		files map[string]string
		// want maps a check to whether it passes; the checks not named
		// must pass.
		want map[string]bool
	}{
		{"a good plugin with a manifest and a case", "testguests/rewrite",
			map[string]string{"plugin.yaml": rewriteManifest, "cases/prefix.yaml": rewriteCase},
			map[string]bool{"manifest": true, "case prefix.yaml (prefixes the last user message)": true}},
		{"a golden case that does not hold", "testguests/rewrite",
			map[string]string{"cases/wrong.yaml": strings.Replace(rewriteCase, `"[rewritten] hi"`, `"hi"`, 1)},
			map[string]bool{"case wrong.yaml (prefixes the last user message)": false}},
		{"a manifest that declares other hooks", "testguests/rewrite",
			map[string]string{"plugin.yaml": strings.Replace(rewriteManifest, "[request]", "[request, response]", 1)},
			map[string]bool{"manifest": false}},
		{"a manifest without a license", "testguests/rewrite",
			map[string]string{"plugin.yaml": strings.Replace(rewriteManifest, "license: MIT\n", "", 1)},
			map[string]bool{"manifest": false}},
		{"a config its schema refuses", "testguests/rewrite",
			map[string]string{"plugin.yaml": rewriteManifest + "config_schema: {type: object, required: [prefix]}\n"},
			map[string]bool{"manifest": false}},
		{"a manifest of another ABI version", "testguests/rewrite",
			map[string]string{"plugin.yaml": strings.Replace(rewriteManifest, "abi: 1", "abi: 2", 1)},
			map[string]bool{"manifest": false}},
		{"a plugin that panics on every request", "testguests/panic", nil,
			map[string]bool{"malformed inputs": false, "limits": false, "capabilities": false}},
		{"a plugin that writes to stdout without declaring stdio", "testguests/envprobe", nil,
			map[string]bool{"capabilities": false}},
		{"the same plugin declaring stdio", "testguests/envprobe",
			map[string]string{"plugin.yaml": "name: envprobe\nversion: 1.0.0\nabi: 1\ndescription: d\nlicense: MIT\nhooks: [request]\ncapabilities: {stdio: true}\n"},
			map[string]bool{"capabilities": true, "manifest": true}},
	}
	cache := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := plugincheck.Run(context.Background(), plugincheck.Options{Wasm: pkg(t, tc.guest, tc.files), Calls: 50, CacheDir: cache})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, r := range rep.Results {
				want, named := tc.want[r.Check]
				if !named {
					want = true
				}
				seen[r.Check] = true
				if r.OK != want {
					t.Errorf("%s: ok=%v, want %v (%s)", r.Check, r.OK, want, r.Detail)
				}
			}
			for check := range tc.want {
				if !seen[check] {
					t.Errorf("check %q not run; report:\n%s", check, rep)
				}
			}
			allOK := true
			for _, ok := range tc.want {
				allOK = allOK && ok
			}
			if rep.OK() != allOK {
				t.Errorf("report OK = %v, want %v:\n%s", rep.OK(), allOK, rep)
			}
		})
	}
}

func TestRunNotAPlugin(t *testing.T) {
	dir := t.TempDir()
	wasm := filepath.Join(dir, "x.wasm")
	if err := os.WriteFile(wasm, []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := plugincheck.Run(context.Background(), plugincheck.Options{Wasm: wasm})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Results) != 1 || !strings.Contains(rep.Results[0].Detail, "cannot be instrumented") {
		t.Fatalf("report:\n%s", rep)
	}
}

// TestRunExtism checks an Extism plugin (kind: extism) the same way.
func TestRunExtism(t *testing.T) {
	dir := t.TempDir()
	wasm := filepath.Join(dir, "echo.wasm")
	files := map[string]string{
		"echo.wasm":       string(testwasm.WAT(t, filepath.Join("..", "..", "core", "extism", "testdata", "echo.wat"))),
		"plugin.yaml":     "name: echo\nkind: extism\nhooks: [request, response, chunk]\nconfig: {out: '{\"attrs\":{\"seen\":\"1\"}}'}\n",
		"cases/seen.yaml": "name: sets the attribute\nexpect: {attrs: {seen: \"1\"}}\n",
		"cases/bad.yaml":  "name: expects what it does not do\nexpect: {attrs: {seen: \"2\"}}\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := plugincheck.Run(context.Background(), plugincheck.Options{Wasm: wasm, Calls: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		wantOK := !strings.HasPrefix(r.Check, "case bad.yaml")
		if r.OK != wantOK {
			t.Errorf("%s: ok=%v, want %v (%s)", r.Check, r.OK, wantOK, r.Detail)
		}
	}
	if len(rep.Results) != 7 || !strings.Contains(rep.Results[0].Detail, "an Extism plugin") {
		t.Fatalf("report:\n%s", rep)
	}
}
