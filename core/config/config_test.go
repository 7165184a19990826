package config_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/wasmgate/wasmgate/core/config"
)

func TestLoadValid(t *testing.T) {
	c, err := config.Load("testdata/valid.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Plugins["p"]
	if p.Limits.MemoryPages != config.DefaultPluginMemoryPages || p.Limits.Timeout != config.DefaultPluginTimeout || p.Pool.Size != config.DefaultPoolSize {
		t.Fatalf("plugin defaults not applied: %+v", p)
	}
	if c.Server.MaxBodyBytes != 4<<20 || c.Server.ReadTimeout != 30*time.Second {
		t.Fatalf("server defaults: %+v", c.Server)
	}
	if c.Pipelines["main"][0].OnError != config.FailClosed || c.Routes[0].Paths[0] != config.ChatPath || c.Models[0].UpstreamModel != "m1" {
		t.Fatalf("defaults: %+v %+v %+v", c.Pipelines, c.Routes, c.Models)
	}
	if got := c.PluginPath(p); !strings.HasSuffix(got, "/testdata/p.wasm") {
		t.Fatalf("plugin path %s not resolved against the config's folder", got)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	c, err := config.Load("testdata/valid.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(c.Providers), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c.Providers["up"].APIKey), c.Providers["up"].APIKey.String()} {
		if strings.Contains(s, "sk-secret-value") {
			t.Fatalf("secret printed: %s", s)
		}
	}
	if c.Providers["up"].APIKey.Reveal() != "sk-secret-value" {
		t.Fatal("Reveal lost the value")
	}
}

func TestStrictErrors(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid.yaml")
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown top key", "server:", "sever: {}\nserver:", []string{"sever: unknown key"}},
		{"unknown nested key", `listen: "127.0.0.1:8080"`, `lisen: "x", listen: "127.0.0.1:8080"`, []string{"server.lisen: unknown key"}},
		{"unknown slot key", "{plugin: p,", "{plugin: p, onerror: x,", []string{"pipelines.main[0].onerror: unknown key"}},
		{"unknown plugin", "[{plugin: p,", "[{plugin: q,", []string{`pipelines.main[0].plugin: unknown plugin "q"`}},
		{"bad policy", "{plugin: p,", "{plugin: p, on_error: maybe,", []string{"pipelines.main[0].on_error: must be fail_closed or fail_open"}},
		{"bad memory", "p: {source: p.wasm}", "p: {source: p.wasm, limits: {memory_pages: 70000}}", []string{"plugins.p.limits.memory_pages: must be between 1 and 65536"}},
		{"bad timeout", "p: {source: p.wasm}", "p: {source: p.wasm, limits: {timeout: 5m}}", []string{"plugins.p.limits.timeout: must be more than 0 and at most 1m"}},
		{"bad size", "p: {source: p.wasm}", "p: {source: p.wasm, limits: {max_output_bytes: lots}}", []string{"lots"}},
		{"bad prewarm", "p: {source: p.wasm}", "p: {source: p.wasm, pool: {size: 2, prewarm: 3}}", []string{"plugins.p.pool.prewarm"}},
		{"bad kind", "p: {source: p.wasm}", "p: {source: p.wasm, kind: wasi}", []string{`plugins.p.kind: must be wasmgate or extism, got "wasi"`}},
		{"allowed hosts for a native plugin", "p: {source: p.wasm}", "p: {source: p.wasm, capabilities: {allowed_hosts: [api.example.com]}}", []string{"plugins.p.capabilities.allowed_hosts: is for kind: extism only"}},
		{"cache for an Extism plugin", "p: {source: p.wasm}", "p: {source: p.wasm, kind: extism, capabilities: {cache: true}}", []string{"plugins.p.capabilities.cache: is for kind: wasmgate only"}},
		{"missing file", "p: {source: p.wasm}", "p: {source: gone.wasm}", []string{"plugins.p.source: no plugin file at"}},
		{"unknown provider", "{id: m1, provider: up}", "{id: m1, provider: nope}", []string{`models[0].provider: unknown provider "nope"`}},
		{"bad url", `base_url: "http://127.0.0.1:9099/v1"`, `base_url: "ftp:/x"`, []string{"providers.up.base_url: must be an http(s) URL"}},
		{"unknown pipeline", "{pipeline: main}", "{pipeline: other}", []string{`routes[0].pipeline: unknown pipeline "other"`}},
		{"unknown preset", `base_url: "http://127.0.0.1:9099/v1"`, `preset: bedrok`, []string{`providers.up.preset: unknown preset "bedrok" (known: anthropic, azure,`}},
		{"preset needs adapter", `base_url: "http://127.0.0.1:9099/v1", api_key: "sk-secret-value", adapter: p`, `preset: anthropic`, []string{`providers.up.adapter: preset anthropic needs an adapter`}},
		{"several at once", "{pipeline: main}", "{pipeline: other, paths: [/v2/x]}", []string{`routes[0].pipeline`, `routes[0].paths[0]: unknown path "/v2/x"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(string(valid), tc.from, tc.to, 1)
			if src == string(valid) {
				t.Fatalf("fixture: %q not found", tc.from)
			}
			_, err := config.Parse([]byte(src), "testdata")
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q, want %q", err, w)
				}
			}
		})
	}
}

func TestEnvAndFlags(t *testing.T) {
	t.Setenv("WASMGATE_PROVIDERS__UP__BASE_URL", "https://api.example.com/v1")
	t.Setenv("WASMGATE_SERVER__MAX_BODY_BYTES", "1MiB")
	t.Setenv("WASMGATE_UNRELATED_THING", "ignored") // not a config section
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.Flags(fs)
	if err := fs.Parse([]string{"--listen", "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load("testdata/valid.yaml", fs)
	if err != nil {
		t.Fatal(err)
	}
	if c.Providers["up"].BaseURL != "https://api.example.com/v1" || c.Server.MaxBodyBytes != 1<<20 || c.Server.Listen != "127.0.0.1:9999" {
		t.Fatalf("overrides not applied: %+v %+v", c.Providers["up"], c.Server)
	}
	t.Setenv("WASMGATE_SERVER__LISTNE", "x")
	if _, err := config.Load("testdata/valid.yaml", nil); err == nil || !strings.Contains(err.Error(), "server.listne: unknown key") {
		t.Fatalf("a typo in an env override: %v", err)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]config.ByteSize{"10": 10, "1KiB": 1024, "4MiB": 4 << 20, "2GB": 2e9, "1 MiB": 1 << 20} {
		if got, err := config.ParseByteSize(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1XB", "MiB"} {
		if _, err := config.ParseByteSize(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// Packaged sources are not looked for on disk (the lockfile and the store
// hold them), keep the limits they leave out for the manifest to fill, and
// --allow-unsigned sets registry.allow_unsigned.
func TestRegistrySources(t *testing.T) {
	raw := []byte(`
registry: {index: https://plugins.example/index.json, trusted_keys: [keys/a.pub]}
plugins:
  a: {source: "registry://a@^1.2"}
  b: {source: "oci://127.0.0.1:5000/plugins/b:1.0.0", limits: {timeout: 2s}}
  c: {source: p.wasm}
providers: {up: {base_url: "http://127.0.0.1:1/v1"}}
models: [{id: m, provider: up}]
pipelines: {main: [{plugin: a}, {plugin: b}, {plugin: c}]}
routes: [{pipeline: main}]
`)
	c, err := config.Parse(raw, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Plugins["a"].Limits; l != (config.Limits{}) {
		t.Fatalf("a package's unset limits were filled: %+v", l)
	}
	if l := c.Plugins["b"].Limits; l.Timeout != 2*time.Second || l.MemoryPages != 0 {
		t.Fatalf("b: %+v", l)
	}
	if l := c.Plugins["c"].Limits; l.MemoryPages != config.DefaultPluginMemoryPages {
		t.Fatalf("a bare module's limits need the defaults: %+v", l)
	}
	if c.Registry.Index != "https://plugins.example/index.json" || !strings.HasSuffix(c.Path(c.Registry.TrustedKeys[0]), "testdata/keys/a.pub") {
		t.Fatalf("registry: %+v", c.Registry)
	}
	bad := strings.Replace(string(raw), "timeout: 2s", "timeout: 2m", 1)
	if _, err := config.Parse([]byte(bad), "testdata"); err == nil || !strings.Contains(err.Error(), "plugins.b.limits.timeout: must be more than 0 and at most 1m") {
		t.Fatalf("bad limit on a package: %v", err)
	}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.Flags(fs)
	if err := fs.Parse([]string{"--allow-unsigned"}); err != nil {
		t.Fatal(err)
	}
	c, err = config.Load("testdata/valid.yaml", fs)
	if err != nil || !c.Registry.AllowUnsigned {
		t.Fatalf("--allow-unsigned: %v %+v", err, c.Registry)
	}
}

// Every preset of the OpenAI-compatible family fills in its provider's
// public base URL; a base_url in the file wins; Azure's adapter settings are
// merged under the file's.
func TestPresets(t *testing.T) {
	want := map[string]string{
		"openai": "https://api.openai.com/v1", "mistral": "https://api.mistral.ai/v1", "groq": "https://api.groq.com/openai/v1",
		"together": "https://api.together.xyz/v1", "deepseek": "https://api.deepseek.com/v1", "openrouter": "https://openrouter.ai/api/v1",
		"xai": "https://api.x.ai/v1", "fireworks": "https://api.fireworks.ai/inference/v1", "ollama": "http://127.0.0.1:11434/v1",
		"vllm": "http://127.0.0.1:8000/v1", "anthropic": "https://api.anthropic.com",
	}
	var src strings.Builder
	src.WriteString("plugins: {openai: {source: p.wasm}, anthropic: {source: p.wasm}}\nproviders:\n")
	for name := range want {
		adapter := "openai"
		if name == "anthropic" {
			adapter = "anthropic"
		}
		fmt.Fprintf(&src, "  %s: {preset: %s, adapter: %s}\n", name, name, adapter)
	}
	src.WriteString("  own: {preset: groq, base_url: \"http://127.0.0.1:1/v1\"}\n")
	src.WriteString("  az: {preset: azure, base_url: \"https://r.openai.azure.com\", adapter: openai, adapter_config: {api_version: \"2025-01-01-preview\"}}\n")
	src.WriteString("models: [{id: m, provider: openai}]\npipelines: {main: []}\nroutes: [{pipeline: main}]\n")
	c, err := config.Parse([]byte(src.String()), "testdata")
	if err != nil {
		t.Fatalf("%v\n%s", err, src.String())
	}
	if len(want) != len(config.Presets)-1 {
		t.Fatalf("test covers %d presets of %d", len(want), len(config.Presets))
	}
	for name, url := range want {
		if got := c.Providers[name].BaseURL; got != url {
			t.Errorf("%s: base_url %q, want %q", name, got, url)
		}
	}
	if c.Providers["own"].BaseURL != "http://127.0.0.1:1/v1" {
		t.Errorf("the file's base_url lost: %q", c.Providers["own"].BaseURL)
	}
	if ac := c.Providers["az"].AdapterConfig; ac["preset"] != "azure" || ac["api_version"] != "2025-01-01-preview" {
		t.Errorf("azure adapter_config %v", ac)
	}
	if got := c.Routes[0].Paths; len(got) != 3 {
		t.Errorf("default route paths %v", got)
	}
}
