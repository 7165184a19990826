package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"syscall"

	"go.yaml.in/yaml/v3"
)

// LockFile is the lockfile's conventional name, beside the config.
const LockFile = "wasmgate.lock"

// Lock pins every installed plugin to one version and one digest, so that
// installs are reproducible and the gateway loads exactly those bytes.
type Lock struct {
	Version int         `yaml:"version"`
	Plugins []LockEntry `yaml:"plugins"`
}

// LockEntry is one pinned plugin.
type LockEntry struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
	Digest  string `yaml:"digest"`
	// Source is what was asked for: registry://NAME@RANGE, oci://…, file://….
	Source string `yaml:"source"`
	// Resolved is where the bytes came from (a package URL or an OCI reference).
	Resolved string `yaml:"resolved,omitempty"`
}

// ReadLock reads a lockfile; a missing one is empty.
func ReadLock(path string) (*Lock, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Lock{Version: 1}, nil
	}
	if err != nil {
		return nil, err
	}
	var l Lock
	if err := yaml.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if l.Version != 1 {
		return nil, fmt.Errorf("%s: lockfile version %d is not supported", path, l.Version)
	}
	return &l, nil
}

// ByName is the entry of a package name, or nil.
func (l *Lock) ByName(name string) *LockEntry {
	for i := range l.Plugins {
		if l.Plugins[i].Name == name {
			return &l.Plugins[i]
		}
	}
	return nil
}

// BySource is the entry installed for a source, or nil.
func (l *Lock) BySource(source string) *LockEntry {
	for i := range l.Plugins {
		if l.Plugins[i].Source == source {
			return &l.Plugins[i]
		}
	}
	return nil
}

// Set adds or replaces the entry of e.Name.
func (l *Lock) Set(e LockEntry) {
	if old := l.ByName(e.Name); old != nil {
		*old = e
		return
	}
	l.Plugins = append(l.Plugins, e)
	sort.Slice(l.Plugins, func(i, j int) bool { return l.Plugins[i].Name < l.Plugins[j].Name })
}

// Remove drops the entry of a name and reports whether there was one.
func (l *Lock) Remove(name string) bool {
	for i := range l.Plugins {
		if l.Plugins[i].Name == name {
			l.Plugins = append(l.Plugins[:i], l.Plugins[i+1:]...)
			return true
		}
	}
	return false
}

// UpdateLock changes a lockfile under an exclusive file lock: concurrent
// installs each see the other's entries, and readers see whole files.
func UpdateLock(path string, fn func(*Lock) error) error {
	return withFileLock(path+".lck", func() error {
		l, err := ReadLock(path)
		if err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
		raw, err := yaml.Marshal(l)
		if err != nil {
			return err
		}
		head := "# wasmgate.lock: written by `wasmgate plugin install`; commit it. Do not edit.\n"
		return WriteFileAtomic(path, append([]byte(head), raw...))
	})
}

// withFileLock runs fn holding an exclusive flock on path.
func withFileLock(path string, fn func() error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s: %w", path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck
	return fn()
}
