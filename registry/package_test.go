package registry_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/registry"
)

func TestParseManifest(t *testing.T) {
	tests := []struct {
		file, wantErr string
	}{
		{"good.yaml", ""},
		{"bad-version.yaml", `version: "1.2" is not a semantic version`},
		{"bad-abi.yaml", "abi: 2 is not supported"},
		{"bad-hook.yaml", `unknown hook "body"`},
		{"unknown-key.yaml", "field permissions not found"},
		{"bad-schema.yaml", "config_schema:"},
		{"bad-example-config.yaml", "config: config does not match the schema of demo 1.0.0: at /: missing property 'prompt'"},
		{"bad-name.yaml", `name: "Demo Plugin" must be lower-case`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata/manifests", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = registry.ParseManifest(raw)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// Every first-party plugin ships a manifest that parses and names its folder.
func TestFirstPartyManifests(t *testing.T) {
	mains, _ := filepath.Glob("../plugins/*/main.go")
	for _, m := range mains {
		if _, err := os.Stat(filepath.Join(filepath.Dir(m), "plugin.yaml")); err != nil {
			t.Errorf("%s has no plugin.yaml: every first-party plugin needs a manifest (registry/README.md)", filepath.Dir(m))
		}
	}
	dirs, _ := filepath.Glob("../plugins/*/plugin.yaml")
	if len(dirs) < 3 {
		t.Fatalf("found %d first-party manifests, want at least 3", len(dirs))
	}
	for _, f := range dirs {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := registry.ParseManifest(raw)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if want := filepath.Base(filepath.Dir(f)); m.Name != want {
			t.Errorf("%s: name %q, want %q", f, m.Name, want)
		}
	}
}

func TestValidateConfig(t *testing.T) {
	raw, _ := os.ReadFile("testdata/manifests/good.yaml")
	m, err := registry.ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		config, wantErr string
	}{
		{`{"level": 2}`, ""},
		{`{}`, "missing property 'level'"},
		{`{"level": 0}`, "at /level"},
		{`{"level": 2, "extra": true}`, "additional properties 'extra'"},
		{`{"level": "high"}`, "want integer"},
	}
	for _, tt := range tests {
		err := m.ValidateConfig([]byte(tt.config))
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.config, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "demo 1.2.3") {
			t.Errorf("%s: error %v, want one naming demo 1.2.3 and containing %q", tt.config, err, tt.wantErr)
		}
	}
}

func TestCheckGrants(t *testing.T) {
	raw, _ := os.ReadFile("testdata/manifests/good.yaml")
	m, _ := registry.ParseManifest(raw)
	if err := m.CheckGrants(config.Capabilities{}); err == nil || !strings.Contains(err.Error(), "env DEMO_TOKEN") {
		t.Fatalf("missing grant: %v", err)
	}
	if err := m.CheckGrants(config.Capabilities{Env: []string{"DEMO_TOKEN"}}); err == nil || !strings.Contains(err.Error(), "secret api_key") {
		t.Fatalf("missing secret grant: %v", err)
	}
	granted := config.Capabilities{Env: []string{"DEMO_TOKEN"}, Secrets: map[string]config.Secret{"api_key": "vault://kv/demo#key"}}
	if err := m.CheckGrants(granted); err != nil {
		t.Fatal(err)
	}
	m.Capabilities.Cache = true
	if err := m.CheckGrants(granted); err == nil || !strings.Contains(err.Error(), "cache") {
		t.Fatalf("missing cache grant: %v", err)
	}
	granted.Cache = true
	if err := m.CheckGrants(granted); err != nil {
		t.Fatal(err)
	}
}

func TestPackageRoundTrip(t *testing.T) {
	s := newSigner(t)
	p := s.pkg(t, "demo", "1.0.0", "payload")
	a, b := p.Bytes(), p.Bytes()
	if !bytes.Equal(a, b) {
		t.Fatal("the same package gave different archives")
	}
	q, err := registry.ReadPackage(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if q.Digest() != p.Digest() || len(q.Signatures) != 1 || q.FileName() != "demo-1.0.0.wgpkg" {
		t.Fatalf("round trip: digest %s vs %s, %d signatures, file %s", q.Digest(), p.Digest(), len(q.Signatures), q.FileName())
	}
	if _, err := s.keys.Verify(q.Digest(), q.Signatures); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.NewPackage(manifest("demo", "1.0.0"), []byte("not wasm")); err == nil {
		t.Fatal("a module without the Wasm header was packed")
	}
}

func TestVerifySignatures(t *testing.T) {
	s, other := newSigner(t), newSigner(t)
	good := s.pkg(t, "demo", "1.0.0", "payload")
	tampered := s.pkg(t, "demo", "1.0.0", "payload")
	tampered.Wasm = fakeWasm("payload with a backdoor")
	tests := []struct {
		name string
		p    *registry.Package
		want error
	}{
		{"signed by a trusted key", good, nil},
		{"unsigned", (*signer)(nil).pkg(t, "demo", "1.0.0", "x"), registry.ErrUnsigned},
		{"signed by an unknown key", other.pkg(t, "demo", "1.0.0", "x"), registry.ErrUntrusted},
		{"changed after signing", tampered, registry.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := s.keys.Verify(tt.p.Digest(), tt.p.Signatures)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if tt.want == nil && id == "" {
				t.Fatal("no key id")
			}
		})
	}
}

// The config_schema of every first-party plugin accepts the configs its
// README documents, and refuses a key the plugin does not know.
func TestFirstPartySchemasAcceptREADMEExamples(t *testing.T) {
	manifests, _ := filepath.Glob("../plugins/*/plugin.yaml")
	for _, f := range manifests {
		dir := filepath.Dir(f)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			raw, _ := os.ReadFile(f)
			m, err := registry.ParseManifest(raw)
			if err != nil {
				t.Fatal(err)
			}
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			_, examples, _ := strings.Cut(string(readme), "\n## Examples\n")
			_, block, ok := strings.Cut(examples, "```yaml\n")
			if !ok {
				t.Fatal("README has no example config")
			}
			block, _, _ = strings.Cut(block, "```")
			var doc struct {
				Plugins   map[string]struct{ Source string }
				Providers map[string]struct {
					Adapter       string
					AdapterConfig map[string]any `yaml:"adapter_config"`
				}
				Pipelines map[string][]struct {
					Plugin string
					Config map[string]any
				}
			}
			if err := yaml.Unmarshal([]byte(block), &doc); err != nil {
				t.Fatal(err)
			}
			ours := func(plugin string) bool { return strings.HasSuffix(doc.Plugins[plugin].Source, "/"+name+".wasm") }
			var configs []map[string]any
			for _, p := range doc.Providers {
				if ours(p.Adapter) {
					configs = append(configs, p.AdapterConfig)
				}
			}
			for _, slots := range doc.Pipelines {
				for _, s := range slots {
					if ours(s.Plugin) {
						configs = append(configs, s.Config)
					}
				}
			}
			if len(configs) == 0 {
				t.Fatal("the README's example uses the plugin nowhere")
			}
			for _, c := range configs {
				if c == nil {
					c = map[string]any{}
				}
				raw, _ := json.Marshal(c)
				if err := m.ValidateConfig(raw); err != nil {
					t.Errorf("README example config %s: %v", raw, err)
				}
				c["no_such_key"] = 1
				raw, _ = json.Marshal(c)
				if err := m.ValidateConfig(raw); err == nil {
					t.Errorf("config %s with an unknown key passed the schema", raw)
				}
			}
		})
	}
}
