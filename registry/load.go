package registry

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
)

// DefaultStore is the store folder when the config names none.
func DefaultStore() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "wasmgate", "plugins")
}

// Settings are a config's registry settings with paths resolved.
func Settings(cfg *config.Config) (store, lockfile string) {
	store = cfg.Path(cfg.Registry.Store)
	if store == "" {
		store = DefaultStore()
	}
	lockfile = cfg.Path(cfg.Registry.Lockfile)
	if lockfile == "" {
		lockfile = filepath.Join(cfg.Dir, LockFile)
	}
	return store, lockfile
}

// NewInstaller makes an installer from a config's registry settings.
func NewInstaller(cfg *config.Config, logger *slog.Logger) (*Installer, error) {
	keys, err := LoadKeyring(cfg.Dir, cfg.Registry.TrustedKeys)
	if err != nil {
		return nil, fmt.Errorf("registry.trusted_keys: %w", err)
	}
	store, lockfile := Settings(cfg)
	return &Installer{Store: &Store{Dir: store}, Lockfile: lockfile, Index: cfg.Registry.Index, BaseDir: cfg.Dir,
		Keys: keys, AllowUnsigned: cfg.Registry.AllowUnsigned, Logger: logger}, nil
}

// Loader gives the gateway the bytes of each plugin of a config, checked:
// packages must hash to the digest the lockfile pins and carry a trusted
// signature. A bare .wasm file is a local development plugin and is loaded
// as it is.
type Loader struct {
	cfg           *config.Config
	store         *Store
	lockfile      string
	lock          *Lock
	keys          Keyring
	allowUnsigned bool
	logger        *slog.Logger
}

// NewLoader reads a config's trusted keys and lockfile.
func NewLoader(cfg *config.Config, logger *slog.Logger) (*Loader, error) {
	in, err := NewInstaller(cfg, logger)
	if err != nil {
		return nil, err
	}
	lock, err := ReadLock(in.Lockfile)
	if err != nil {
		return nil, err
	}
	if in.AllowUnsigned {
		in.logger().Warn("registry.allow_unsigned is on: unsigned and untrusted plugin packages load; never use it in production")
	}
	return &Loader{cfg: cfg, store: in.Store, lockfile: in.Lockfile, lock: lock, keys: in.Keys,
		allowUnsigned: in.AllowUnsigned, logger: in.logger()}, nil
}

// Loaded is a plugin ready for the host.
type Loaded struct {
	Wasm []byte
	// Manifest is nil for a bare .wasm file.
	Manifest *Manifest
	// Limits are the config's, then the manifest's, then the defaults.
	Limits config.Limits
}

// Load returns a plugin's module, its manifest when it is a package, and its limits.
func (l *Loader) Load(name string, def config.PluginDef) (*Loaded, error) {
	wasm, man, err := l.load(name, def)
	if err != nil {
		return nil, err
	}
	lim := def.Limits
	if man != nil {
		if lim.MemoryPages == 0 {
			lim.MemoryPages = man.Limits.MemoryPages
		}
		if lim.Timeout == 0 && man.Limits.Timeout != "" {
			lim.Timeout, _ = time.ParseDuration(man.Limits.Timeout) // checked when the manifest was parsed
		}
		if lim.MaxOutputBytes == 0 && man.Limits.MaxOutputBytes != "" {
			lim.MaxOutputBytes, _ = config.ParseByteSize(man.Limits.MaxOutputBytes)
		}
	}
	lim = lim.WithDefaults()
	if err := config.CheckLimits("plugins."+name+".limits", lim); err != nil {
		return nil, err // only a manifest's suggestion can be out of range here
	}
	return &Loaded{Wasm: wasm, Manifest: man, Limits: lim}, nil
}

func (l *Loader) load(name string, def config.PluginDef) ([]byte, *Manifest, error) {
	key := "plugins." + name + ".source"
	src, err := ParseSource(def.Source)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", key, err)
	}
	var p *Package
	var pinned *LockEntry
	switch src.Kind {
	case KindFile:
		wasm, err := os.ReadFile(l.cfg.PluginPath(def))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", key, err)
		}
		return wasm, nil, nil
	case KindPackage:
		if p, err = ReadPackageFile(l.cfg.PluginPath(def)); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", key, err)
		}
		pinned = l.lock.BySource(def.Source)
	case KindRegistry, KindOCI:
		if src.Kind == KindRegistry {
			pinned = l.lock.ByName(src.Name)
		} else {
			pinned = l.lock.BySource(def.Source)
		}
		if pinned == nil {
			return nil, nil, fmt.Errorf("%s: %s is not installed (not in %s): run `wasmgate plugin install -c CONFIG`", key, def.Source, l.lockfile)
		}
		if src.Kind == KindRegistry && !src.Satisfies(pinned.Version) {
			return nil, nil, fmt.Errorf("%s: %s pins %s %s, outside %s: run `wasmgate plugin install -c CONFIG`", key, l.lockfile, pinned.Name, pinned.Version, src.Range)
		}
		if p, err = l.store.Get(pinned.Digest); err != nil {
			return nil, nil, fmt.Errorf("%s: %s %s: %w (run `wasmgate plugin install -c CONFIG`)", key, pinned.Name, pinned.Version, err)
		}
	}
	if pinned != nil && p.Digest() != pinned.Digest {
		return nil, nil, fmt.Errorf("%s: %w: %s pins %s, the package is %s", key, ErrDigestMismatch, l.lockfile, pinned.Digest, p.Digest())
	}
	if err := verifyPackage(l.keys, l.allowUnsigned, l.logger, p); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", key, err)
	}
	if err := p.Manifest.CheckGrants(def.Capabilities); err != nil {
		return nil, nil, fmt.Errorf("plugins.%s.capabilities: %w", name, err)
	}
	return p.Wasm, p.Manifest, nil
}
