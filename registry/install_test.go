package registry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgate/wasmgate/registry"
)

// staticRegistry publishes packages into a folder and serves it the way
// `wasmgate registry serve` does.
func staticRegistry(t *testing.T, pkgs ...*registry.Package) (dir string, srv *httptest.Server) {
	t.Helper()
	dir = t.TempDir()
	for _, p := range pkgs {
		if _, err := registry.PublishDir(dir, p, false); err != nil {
			t.Fatal(err)
		}
	}
	srv = httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return dir, srv
}

func installer(t *testing.T, index string, keys registry.Keyring, store, project string) *registry.Installer {
	t.Helper()
	return &registry.Installer{Store: &registry.Store{Dir: store}, Lockfile: filepath.Join(project, registry.LockFile),
		Index: index, BaseDir: project, Keys: keys}
}

func TestInstallFromIndex(t *testing.T) {
	s := newSigner(t)
	dir, srv := staticRegistry(t, s.pkg(t, "demo", "1.0.0", "a"), s.pkg(t, "demo", "1.1.0", "b"), s.pkg(t, "demo", "2.0.0", "c"))
	in := installer(t, srv.URL, s.keys, t.TempDir(), t.TempDir())
	var progressed int64
	in.Progress = func(_ string, size int64) io.Writer {
		return writerFunc(func(b []byte) { progressed += int64(len(b)) })
	}
	ctx := context.Background()

	e, err := in.Install(ctx, "registry://demo@^1", registry.InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(s.pkg(t, "demo", "1.1.0", "b").Bytes())); progressed != want {
		t.Fatalf("the progress bar saw %d bytes, want %d", progressed, want)
	}
	if e.Version != "1.1.0" || !in.Store.Has(e.Digest) || !strings.HasSuffix(e.Resolved, "/packages/demo-1.1.0.wgpkg") {
		t.Fatalf("installed %+v", e)
	}
	lock, err := registry.ReadLock(in.Lockfile)
	if err != nil {
		t.Fatal(err)
	}
	if got := lock.ByName("demo"); got == nil || *got != e {
		t.Fatalf("lockfile has %+v, want %+v", got, e)
	}

	// A newer 1.x is published: install keeps the pin, upgrade moves it.
	if _, err := registry.PublishDir(dir, s.pkg(t, "demo", "1.2.0", "d"), false); err != nil {
		t.Fatal(err)
	}
	if e, err = in.Install(ctx, "registry://demo@^1", registry.InstallOptions{}); err != nil || e.Version != "1.1.0" {
		t.Fatalf("install with a pin gave %s, %v; want the pinned 1.1.0", e.Version, err)
	}
	if e, err = in.Install(ctx, "registry://demo@^1", registry.InstallOptions{Upgrade: true}); err != nil || e.Version != "1.2.0" {
		t.Fatalf("upgrade gave %s, %v; want 1.2.0", e.Version, err)
	}
	if _, err := in.Verify(); err != nil {
		t.Fatal(err)
	}
	found, err := in.Search(ctx, "DEMO test")
	if err != nil || len(found["demo"]) != 4 {
		t.Fatalf("search: %v %v", found, err)
	}
	// Published versions are immutable.
	if _, err := registry.PublishDir(dir, s.pkg(t, "demo", "1.2.0", "other"), false); err == nil || !strings.Contains(err.Error(), "already published") {
		t.Fatalf("republishing 1.2.0 with other content: %v", err)
	}
}

func TestInstallRefusesTampered(t *testing.T) {
	s := newSigner(t)
	good := s.pkg(t, "demo", "1.0.0", "original")
	evil := s.pkg(t, "demo", "1.0.0", "original")
	evil.Wasm = fakeWasm("backdoor") // keeps the signature made for the original

	t.Run("package swapped on the server", func(t *testing.T) {
		dir, srv := staticRegistry(t, good)
		if err := os.WriteFile(filepath.Join(dir, "packages", good.FileName()), evil.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		in := installer(t, srv.URL, s.keys, t.TempDir(), t.TempDir())
		_, err := in.Install(context.Background(), "registry://demo", registry.InstallOptions{})
		if !errors.Is(err, registry.ErrDigestMismatch) || !strings.Contains(err.Error(), "tampered") {
			t.Fatalf("error %v, want a digest mismatch", err)
		}
		if lock, _ := registry.ReadLock(in.Lockfile); len(lock.Plugins) != 0 {
			t.Fatalf("a refused package was pinned: %+v", lock.Plugins)
		}
	})
	t.Run("package and index digest swapped", func(t *testing.T) {
		// The attacker controls the registry, not the key.
		dir, srv := staticRegistry(t, evil)
		in := installer(t, srv.URL, s.keys, t.TempDir(), t.TempDir())
		_, err := in.Install(context.Background(), "registry://demo", registry.InstallOptions{})
		if !errors.Is(err, registry.ErrBadSignature) {
			t.Fatalf("error %v, want a bad signature", err)
		}
		in.AllowUnsigned = true // development mode never admits a forged signature
		if _, err := in.Install(context.Background(), "registry://demo", registry.InstallOptions{}); !errors.Is(err, registry.ErrBadSignature) {
			t.Fatalf("allow_unsigned: error %v, want a bad signature", err)
		}
		_ = dir
	})
	t.Run("unsigned", func(t *testing.T) {
		_, srv := staticRegistry(t, (*signer)(nil).pkg(t, "demo", "1.0.0", "x"))
		in := installer(t, srv.URL, s.keys, t.TempDir(), t.TempDir())
		if _, err := in.Install(context.Background(), "registry://demo", registry.InstallOptions{}); !errors.Is(err, registry.ErrUnsigned) {
			t.Fatalf("error %v, want unsigned", err)
		}
		in.AllowUnsigned = true
		if _, err := in.Install(context.Background(), "registry://demo", registry.InstallOptions{}); err != nil {
			t.Fatalf("allow_unsigned: %v", err)
		}
	})
	t.Run("untrusted key", func(t *testing.T) {
		_, srv := staticRegistry(t, newSigner(t).pkg(t, "demo", "1.0.0", "x"))
		in := installer(t, srv.URL, s.keys, t.TempDir(), t.TempDir())
		if _, err := in.Install(context.Background(), "registry://demo", registry.InstallOptions{}); !errors.Is(err, registry.ErrUntrusted) {
			t.Fatalf("error %v, want untrusted", err)
		}
	})
}

func TestDowngradeBelowLockfileRefused(t *testing.T) {
	s := newSigner(t)
	_, srv := staticRegistry(t, s.pkg(t, "demo", "1.0.0", "a"), s.pkg(t, "demo", "1.1.0", "b"))
	in := installer(t, srv.URL, s.keys, t.TempDir(), t.TempDir())
	ctx := context.Background()
	if _, err := in.Install(ctx, "registry://demo@^1", registry.InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := in.Install(ctx, "registry://demo@1.0.0", registry.InstallOptions{})
	if !errors.Is(err, registry.ErrDowngrade) || !strings.Contains(err.Error(), "from 1.1.0") {
		t.Fatalf("error %v, want a refused downgrade", err)
	}
	if lock, _ := registry.ReadLock(in.Lockfile); lock.ByName("demo").Version != "1.1.0" {
		t.Fatalf("the refused downgrade changed the lockfile: %+v", lock.Plugins)
	}
	e, err := in.Install(ctx, "registry://demo@1.0.0", registry.InstallOptions{AllowDowngrade: true})
	if err != nil || e.Version != "1.0.0" {
		t.Fatalf("allowed downgrade: %+v %v", e, err)
	}
}

func TestInstallOffline(t *testing.T) {
	s := newSigner(t)
	_, srv := staticRegistry(t, s.pkg(t, "demo", "1.0.0", "a"))
	store, project := t.TempDir(), t.TempDir()
	in := installer(t, srv.URL, s.keys, store, project)
	ctx := context.Background()
	first, err := in.Install(ctx, "registry://demo@^1", registry.InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close() // the registry is gone

	// The pinned version comes from the store.
	if e, err := in.Install(ctx, "registry://demo@^1", registry.InstallOptions{}); err != nil || e.Digest != first.Digest {
		t.Fatalf("offline reinstall: %+v %v", e, err)
	}
	// A new project without a lockfile resolves from the cached index and the store.
	other := installer(t, srv.URL, s.keys, store, t.TempDir())
	if e, err := other.Install(ctx, "registry://demo@^1", registry.InstallOptions{}); err != nil || e.Digest != first.Digest {
		t.Fatalf("offline install in a new project: %+v %v", e, err)
	}
	// Nothing cached: a clear error.
	cold := installer(t, srv.URL, s.keys, t.TempDir(), t.TempDir())
	if _, err := cold.Install(ctx, "registry://demo@^1", registry.InstallOptions{}); err == nil || !strings.Contains(err.Error(), "reading the index") {
		t.Fatalf("cold offline install: %v", err)
	}
}

// Installs running at once into one store and one lockfile each land whole.
func TestConcurrentInstalls(t *testing.T) {
	s := newSigner(t)
	var pkgs []*registry.Package
	for i := range 4 {
		pkgs = append(pkgs, s.pkg(t, fmt.Sprintf("p%d", i), "1.0.0", strings.Repeat("x", 1<<16)+fmt.Sprint(i)))
	}
	_, srv := staticRegistry(t, pkgs...)
	store, project := t.TempDir(), t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for round := range 4 {
		for i := range pkgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := installer(t, srv.URL, s.keys, store, project)
				_, err := in.Install(context.Background(), fmt.Sprintf("registry://p%d@^1", (i+round)%len(pkgs)), registry.InstallOptions{})
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	in := installer(t, srv.URL, s.keys, store, project)
	entries, err := in.Verify()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(pkgs) {
		t.Fatalf("lockfile has %d entries, want %d: %+v", len(entries), len(pkgs), entries)
	}
	left, _ := filepath.Glob(filepath.Join(store, "sha256", ".tmp-*"))
	stored, _ := filepath.Glob(filepath.Join(store, "sha256", "*"))
	if len(left) != 0 || len(stored) != len(pkgs) {
		t.Fatalf("store: %d entries and %d temporary folders, want %d and 0", len(stored), len(left), len(pkgs))
	}
}

// The same content signed again by another key (a re-signed release, a key
// rotation) gains that signature in the store, so a config that trusts only
// the new key loads it.
func TestStoreKeepsNewSignatures(t *testing.T) {
	oldKey, newKey := newSigner(t), newSigner(t)
	store := t.TempDir()
	first := oldKey.pkg(t, "demo", "1.0.0", "same bytes")
	second := newKey.pkg(t, "demo", "1.0.0", "same bytes")
	if first.Digest() != second.Digest() {
		t.Fatal("signatures changed the digest")
	}
	for _, step := range []struct {
		p    *registry.Package
		keys registry.Keyring
	}{{first, oldKey.keys}, {second, newKey.keys}} {
		_, srv := staticRegistry(t, step.p)
		if _, err := installer(t, srv.URL, step.keys, store, t.TempDir()).Install(context.Background(), "registry://demo", registry.InstallOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := (&registry.Store{Dir: store}).Get(second.Digest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newKey.keys.Verify(got.Digest(), got.Signatures); err != nil {
		t.Fatalf("the stored entry lacks the new signature: %v", err)
	}
}

// A pinned install re-signed in the index with a rotated key picks up the
// new signature from the index, though the bytes come from the store.
func TestPinnedInstallTakesRotatedSignature(t *testing.T) {
	oldKey, newKey := newSigner(t), newSigner(t)
	dir, srv := staticRegistry(t, oldKey.pkg(t, "demo", "1.0.0", "same bytes"))
	store, project := t.TempDir(), t.TempDir()
	ctx := context.Background()
	if _, err := installer(t, srv.URL, oldKey.keys, store, project).Install(ctx, "registry://demo@^1", registry.InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.PublishDir(dir, newKey.pkg(t, "demo", "1.0.0", "same bytes"), false); err != nil {
		t.Fatal(err) // same digest: not a new version, a new signature
	}
	in := installer(t, srv.URL, newKey.keys, store, project)
	if _, err := in.Install(ctx, "registry://demo@^1", registry.InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Verify(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, registry.IndexFile))
	ix, err := registry.ParseIndex(raw)
	if err != nil || len(ix.Plugins["demo"][0].Signatures) != 2 {
		t.Fatalf("the index should keep both signatures: %v %+v", err, ix)
	}
}
