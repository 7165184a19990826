package registry_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/registry"
)

// A package's manifest supplies the limits its config entry leaves out.
func TestLoaderLimits(t *testing.T) {
	s := newSigner(t)
	dir := t.TempDir()
	man := string(manifest("demo", "1.0.0")) + "limits: {memory_pages: 64, timeout: 50ms}\n"
	p, err := registry.NewPackage([]byte(man), fakeWasm("x"))
	if err != nil {
		t.Fatal(err)
	}
	p.AddSignature(registry.Sign(s.priv, p.Digest()))
	os.WriteFile(filepath.Join(dir, "demo.wgpkg"), p.Bytes(), 0o644)
	cfg := &config.Config{Dir: dir, Registry: config.Registry{TrustedKeys: []string{s.pubFile(t)}, Store: t.TempDir()}}
	l, err := registry.NewLoader(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		limits config.Limits
		want   config.Limits
	}{
		{"from the manifest", config.Limits{}, config.Limits{MemoryPages: 64, Timeout: 50 * time.Millisecond, MaxOutputBytes: config.DefaultPluginMaxOutputSize}},
		{"the config wins", config.Limits{MemoryPages: 128}, config.Limits{MemoryPages: 128, Timeout: 50 * time.Millisecond, MaxOutputBytes: config.DefaultPluginMaxOutputSize}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ld, err := l.Load("demo", config.PluginDef{Source: "demo.wgpkg", Limits: tt.limits})
			if err != nil {
				t.Fatal(err)
			}
			if ld.Limits != tt.want || ld.Manifest.Name != "demo" {
				t.Fatalf("limits %+v, want %+v", ld.Limits, tt.want)
			}
		})
	}
	// A manifest's suggestion out of range is an error naming the key.
	bad, _ := registry.NewPackage([]byte(strings.Replace(man, "memory_pages: 64", "memory_pages: 70000", 1)), fakeWasm("x"))
	bad.AddSignature(registry.Sign(s.priv, bad.Digest()))
	os.WriteFile(filepath.Join(dir, "bad.wgpkg"), bad.Bytes(), 0o644)
	if _, err := l.Load("bad", config.PluginDef{Source: "bad.wgpkg"}); err == nil || !strings.Contains(err.Error(), "plugins.bad.limits.memory_pages") {
		t.Fatalf("error %v", err)
	}
}
