package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/Masterminds/semver/v3"
)

// Installer fetches packages, checks them, puts them in the store and pins
// them in the lockfile.
type Installer struct {
	Store    *Store
	Lockfile string
	// Index is the static registry (URL or path) behind registry:// sources.
	Index string
	// BaseDir resolves relative package paths (the config's folder).
	BaseDir string
	Keys    Keyring
	// AllowUnsigned admits unsigned packages and packages signed by unknown
	// keys (development only; each one is logged as a warning). A signature
	// that does not match is refused regardless.
	AllowUnsigned bool
	Logger        *slog.Logger
	HTTP          *http.Client
	// Progress, when set, gets a writer for each download of size bytes (-1
	// if unknown) that sees every byte: a progress bar.
	Progress func(label string, size int64) io.Writer
}

// InstallOptions change what Install may do.
type InstallOptions struct {
	// Upgrade resolves the source again even if the lockfile pins a version.
	Upgrade bool
	// AllowDowngrade installs a version lower than the one pinned.
	AllowDowngrade bool
}

// ErrDowngrade refuses an install below the version the lockfile pins.
var ErrDowngrade = errors.New("refusing to downgrade")

// Install installs a source (registry://NAME@RANGE, oci://…, a .wgpkg file)
// and pins it. When the lockfile already pins a version that fits, the
// stored package is used and nothing is fetched (offline installs).
func (in *Installer) Install(ctx context.Context, source string, opt InstallOptions) (LockEntry, error) {
	src, err := ParseSource(source)
	if err != nil {
		return LockEntry{}, err
	}
	if src.Kind == KindFile {
		return LockEntry{}, fmt.Errorf("%s is a bare .wasm file, not a package: the gateway loads it as it is (pack it with `wasmgate plugin pack` to install it)", source)
	}
	lock, err := ReadLock(in.Lockfile)
	if err != nil {
		return LockEntry{}, err
	}
	var pinned *LockEntry
	if src.Kind == KindRegistry {
		if e := lock.ByName(src.Name); e != nil && src.Satisfies(e.Version) {
			pinned = e
		}
	} else {
		pinned = lock.BySource(source)
	}
	if opt.Upgrade {
		pinned = nil
	}
	p, resolved, err := in.fetch(ctx, src, pinned)
	if err != nil {
		return LockEntry{}, err
	}
	if err := in.verify(p); err != nil {
		return LockEntry{}, fmt.Errorf("%s: %w", source, err)
	}
	entry := LockEntry{Name: p.Manifest.Name, Version: p.Manifest.Version, Digest: p.Digest(), Source: source, Resolved: resolved}
	if src.Kind == KindRegistry && entry.Name != src.Name {
		return LockEntry{}, fmt.Errorf("%s: the index gave package %q", source, entry.Name)
	}
	if pinned != nil && pinned.Digest != entry.Digest {
		return LockEntry{}, fmt.Errorf("%s: %w: %s %s is pinned in %s as %s, but the source now has %s", source,
			ErrDigestMismatch, entry.Name, entry.Version, filepath.Base(in.Lockfile), pinned.Digest, entry.Digest)
	}
	if err := in.Store.Put(p); err != nil {
		return LockEntry{}, fmt.Errorf("storing %s: %w", entry.Name, err)
	}
	err = UpdateLock(in.Lockfile, func(l *Lock) error {
		if old := l.ByName(entry.Name); old != nil && !opt.AllowDowngrade {
			ov, err1 := semver.NewVersion(old.Version)
			nv, err2 := semver.NewVersion(entry.Version)
			if err1 == nil && err2 == nil && nv.LessThan(ov) {
				return fmt.Errorf("%w %s from %s (pinned in %s) to %s; pass --allow-downgrade to do it anyway",
					ErrDowngrade, entry.Name, old.Version, filepath.Base(in.Lockfile), entry.Version)
			}
		}
		l.Set(entry)
		return nil
	})
	if err != nil {
		return LockEntry{}, err
	}
	return entry, nil
}

// fetch gets the package of a source: the pinned one when there is a pin.
func (in *Installer) fetch(ctx context.Context, src Source, pinned *LockEntry) (*Package, string, error) {
	if pinned != nil && in.Store.Has(pinned.Digest) {
		p, err := in.Store.Get(pinned.Digest)
		if err == nil && src.Kind == KindRegistry {
			in.addIndexSignatures(ctx, src.Name, pinned, p)
		}
		return p, pinned.Resolved, err
	}
	switch src.Kind {
	case KindRegistry:
		ix, base, err := in.index(ctx)
		if err != nil {
			return nil, "", err
		}
		constraint := src.Range
		if pinned != nil {
			constraint = "=" + pinned.Version
		}
		e, err := ix.Resolve(src.Name, constraint)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", src.Raw, err)
		}
		if in.Store.Has(e.Digest) { // already downloaded once: no network needed
			p, err := in.Store.Get(e.Digest)
			if err == nil {
				p.Signatures = addSignatures(p.Signatures, e.Signatures...)
			}
			return p, e.URL, err
		}
		loc, err := base.resolve(e.URL)
		if err != nil {
			return nil, "", err
		}
		p, err := in.download(ctx, loc, src.Name+" "+e.Version)
		if err != nil {
			return nil, "", err
		}
		if got := p.Digest(); got != e.Digest {
			return nil, "", fmt.Errorf("%s %s from %s: %w: the index says %s, the package hashes to %s (tampered or corrupt)",
				src.Name, e.Version, loc, ErrDigestMismatch, e.Digest, got)
		}
		p.Signatures = addSignatures(p.Signatures, e.Signatures...)
		return p, in.portable(loc), nil
	case KindOCI:
		ref := src.Raw
		if pinned != nil && pinned.Resolved != "" {
			ref = pinned.Resolved
		}
		var progress func(int64) io.Writer
		if in.Progress != nil {
			progress = func(size int64) io.Writer { return in.Progress(ref, size) }
		}
		return PullOCI(ctx, ref, progress)
	case KindPackage:
		path := src.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(in.BaseDir, path)
		}
		p, err := ReadPackageFile(path)
		return p, src.Path, err
	}
	return nil, "", fmt.Errorf("%s: cannot be installed", src.Raw)
}

// addIndexSignatures adds the signatures the index now lists for a pinned
// package (a release re-signed with a new key), when the index can be read;
// without it the stored signatures stand.
func (in *Installer) addIndexSignatures(ctx context.Context, name string, pinned *LockEntry, p *Package) {
	ix, _, err := in.index(ctx)
	if err != nil {
		return
	}
	if e, err := ix.Resolve(name, "="+pinned.Version); err == nil && e.Digest == pinned.Digest {
		p.Signatures = addSignatures(p.Signatures, e.Signatures...)
	}
}

// portable names a location the way the lockfile should keep it: a local
// path relative to the config's folder, so that the lockfile can be committed.
func (in *Installer) portable(loc location) string {
	if loc.url == nil && in.BaseDir != "" {
		if rel, err := filepath.Rel(in.BaseDir, loc.path); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return loc.String()
}

func (in *Installer) download(ctx context.Context, loc location, label string) (*Package, error) {
	rc, size, err := loc.open(ctx, in.client())
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", label, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	if in.Progress != nil {
		r = io.TeeReader(rc, in.Progress("downloading "+label, size))
	}
	p, err := ReadPackage(r)
	if err != nil {
		return nil, fmt.Errorf("%s from %s: %w", label, loc, err)
	}
	return p, nil
}

// defaultClient gives up on a registry that does not answer; a slow but
// moving download may take as long as it needs.
var defaultClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	ResponseHeaderTimeout: 30 * time.Second,
	TLSHandshakeTimeout:   10 * time.Second,
	IdleConnTimeout:       90 * time.Second,
}}

func (in *Installer) client() *http.Client {
	if in.HTTP != nil {
		return in.HTTP
	}
	return defaultClient
}

// Index reads the static index, falling back to the copy kept from the
// last successful read when the registry cannot be reached.
func (in *Installer) index(ctx context.Context) (*Index, location, error) {
	if in.Index == "" {
		return nil, location{}, errors.New("registry:// sources need registry.index in the config (or --index)")
	}
	idx := in.Index
	if !isURL(idx) && !filepath.IsAbs(idx) {
		idx = filepath.Join(in.BaseDir, idx)
	}
	loc, err := parseLocation(idx)
	if err != nil {
		return nil, location{}, err
	}
	sum := sha256.Sum256([]byte(loc.String()))
	cached := filepath.Join(in.Store.Dir, "indexes", hex.EncodeToString(sum[:8])+".json")
	raw, err := readAll(ctx, loc, in.client())
	if err != nil {
		old, cerr := os.ReadFile(cached)
		if cerr != nil {
			return nil, loc, fmt.Errorf("reading the index %s: %w", loc, err)
		}
		in.logger().Warn("registry unreachable: using the index cached by the last install", "index", loc.String(), "error", err)
		raw = old
	} else if err := os.MkdirAll(filepath.Dir(cached), 0o755); err == nil {
		_ = WriteFileAtomic(cached, raw) // only a cache
	}
	ix, err := ParseIndex(raw)
	return ix, loc, err
}

func readAll(ctx context.Context, loc location, client *http.Client) ([]byte, error) {
	rc, _, err := loc.open(ctx, client)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 64<<20))
}

// Search lists the index's plugins whose name or description contains query.
func (in *Installer) Search(ctx context.Context, query string) (map[string][]IndexEntry, error) {
	ix, _, err := in.index(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]IndexEntry{}
	for name, entries := range ix.Plugins {
		for _, e := range entries {
			if containsFold(name, query) || containsFold(e.Description, query) {
				out[name] = entries
				break
			}
		}
	}
	return out, nil
}

// verify checks a package's signatures against the trusted keys.
func (in *Installer) verify(p *Package) error {
	return verifyPackage(in.Keys, in.AllowUnsigned, in.logger(), p)
}

func verifyPackage(keys Keyring, allowUnsigned bool, logger *slog.Logger, p *Package) error {
	_, err := keys.Verify(p.Digest(), p.Signatures)
	if err == nil {
		return nil
	}
	if allowUnsigned && (errors.Is(err, ErrUnsigned) || errors.Is(err, ErrUntrusted)) {
		logger.Warn("LOADING AN UNVERIFIED PLUGIN: allow_unsigned is on; never use it in production",
			"plugin", p.Manifest.Name, "version", p.Manifest.Version, "digest", p.Digest(), "reason", err.Error())
		return nil
	}
	return fmt.Errorf("%s %s refused: %w", p.Manifest.Name, p.Manifest.Version, err)
}

// Verify checks every pinned package in the store: its content still hashes
// to the pinned digest and a trusted key signed it.
func (in *Installer) Verify() ([]LockEntry, error) {
	lock, err := ReadLock(in.Lockfile)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, e := range lock.Plugins {
		p, err := in.Store.Get(e.Digest)
		if err == nil {
			err = in.verify(p)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", e.Name, e.Version, err))
		}
	}
	return lock.Plugins, errors.Join(errs...)
}

// Remove unpins a plugin. The store keeps its content (it is shared).
func (in *Installer) Remove(name string) error {
	return UpdateLock(in.Lockfile, func(l *Lock) error {
		if !l.Remove(name) {
			return fmt.Errorf("%s is not in %s", name, filepath.Base(in.Lockfile))
		}
		return nil
	})
}

func (in *Installer) logger() *slog.Logger {
	if in.Logger != nil {
		return in.Logger
	}
	return slog.Default()
}
