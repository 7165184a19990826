package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/wasmgate/wasmgate/registry"
	"github.com/wasmgate/wasmgate/registry/ocitest"
)

func TestOCIPushPull(t *testing.T) {
	addr := ocitest.Start(t)
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
	addr := ocitest.Start(t)
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

// Pinned OCI installs need no registry: the pin's digest is in the store.
// Upgrade moves the pin to what the tag names now.
func TestOCIOfflineAndUpgrade(t *testing.T) {
	addr, stop := ocitest.StartStoppable(t)
	s := newSigner(t)
	ctx := context.Background()
	ref := "oci://" + addr + "/plugins/demo:stable"
	if _, err := registry.PushOCI(ctx, ref, s.pkg(t, "demo", "1.0.0", "one")); err != nil {
		t.Fatal(err)
	}
	store, project := t.TempDir(), t.TempDir()
	in := installer(t, "", s.keys, store, project)
	first, err := in.Install(ctx, ref, registry.InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The tag moves: install keeps the pin, upgrade follows the tag.
	if _, err := registry.PushOCI(ctx, ref, s.pkg(t, "demo", "1.1.0", "two")); err != nil {
		t.Fatal(err)
	}
	if e, err := in.Install(ctx, ref, registry.InstallOptions{}); err != nil || e.Digest != first.Digest {
		t.Fatalf("install with a pin: %+v %v", e, err)
	}
	up, err := in.Install(ctx, ref, registry.InstallOptions{Upgrade: true})
	if err != nil || up.Version != "1.1.0" {
		t.Fatalf("upgrade: %+v %v", up, err)
	}
	stop()
	if e, err := in.Install(ctx, ref, registry.InstallOptions{}); err != nil || e.Digest != up.Digest {
		t.Fatalf("offline install of the pin: %+v %v", e, err)
	}
	if _, err := in.Install(ctx, ref, registry.InstallOptions{Upgrade: true}); err == nil {
		t.Fatal("an upgrade with the registry gone succeeded")
	}
}
