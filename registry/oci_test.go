package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/registry"
)

// ociRegistryBin is the distribution registry `make oci-registry` builds.
// Without it the OCI tests fail: they are what shows push and pull work.
func ociRegistryBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("WASMGATE_TEST_OCI_REGISTRY")
	if bin == "" {
		cache, _ := os.UserCacheDir()
		bin = filepath.Join(cache, "wasmgate", "distribution-v3.0.0", "registry")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no OCI registry at %s: run `make oci-registry` (or `make test`), or set WASMGATE_TEST_OCI_REGISTRY", bin)
	}
	return bin
}

// startOCIRegistry runs a real distribution registry on loopback and
// returns its host:port.
func startOCIRegistry(t *testing.T) string {
	t.Helper()
	bin := ociRegistryBin(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	err = os.WriteFile(cfg, fmt.Appendf(nil, `version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}
http: {addr: %s}
`, filepath.Join(dir, "data"), addr), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfg)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		select {
		case <-exited:
			t.Fatalf("OCI registry exited: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("OCI registry not ready at %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOCIPushPull(t *testing.T) {
	addr := startOCIRegistry(t)
	s := newSigner(t)
	p := s.pkg(t, "demo", "1.0.0", "module")
	ctx := context.Background()
	ref := "oci://" + addr + "/plugins/demo:1.0.0"
	manifestDigest, err := registry.PushOCI(ctx, ref, p)
	if err != nil {
		t.Fatal(err)
	}

	// The artifact has the CNCF Wasm layout.
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v2/plugins/demo/manifests/1.0.0", nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Config struct{ MediaType string }   `json:"config"`
		Layers []struct{ MediaType string } `json:"layers"`
	}
	err = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != registry.MediaTypeWasmConfig || len(m.Layers) != 2 || m.Layers[0].MediaType != registry.MediaTypeWasmLayer {
		t.Fatalf("manifest %+v, want the CNCF Wasm artifact media types", m)
	}

	in := installer(t, "", s.keys, t.TempDir(), t.TempDir())
	var progressed int
	in.Progress = func(_ string, size int64) io.Writer { return writerFunc(func(b []byte) { progressed += len(b) }) }
	e, err := in.Install(ctx, ref, registry.InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Digest != p.Digest() || e.Name != "demo" || e.Resolved != "oci://"+addr+"/plugins/demo@"+manifestDigest {
		t.Fatalf("installed %+v (manifest %s)", e, manifestDigest)
	}
	if progressed != len(p.Wasm) {
		t.Fatalf("progress saw %d bytes, want %d", progressed, len(p.Wasm))
	}
	got, err := in.Store.Get(e.Digest)
	if err != nil || string(got.Wasm) != string(p.Wasm) {
		t.Fatalf("stored module differs: %v", err)
	}
}

func TestOCITamperedArtifactRefused(t *testing.T) {
	addr := startOCIRegistry(t)
	s := newSigner(t)
	ctx := context.Background()
	evil := s.pkg(t, "demo", "1.0.0", "original")
	evil.Wasm = fakeWasm("backdoor") // pushed with the original's signature
	ref := "oci://" + addr + "/plugins/demo:1.0.0"
	if _, err := registry.PushOCI(ctx, ref, evil); err != nil {
		t.Fatal(err)
	}
	in := installer(t, "", s.keys, t.TempDir(), t.TempDir())
	_, err := in.Install(ctx, ref, registry.InstallOptions{})
	if !errors.Is(err, registry.ErrBadSignature) {
		t.Fatalf("error %v, want a bad signature", err)
	}
	if in.Store.Has(evil.Digest()) {
		t.Fatal("a refused package reached the store")
	}
}
