package registry

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Store keeps installed packages by digest: DIR/sha256/HEX/{plugin.yaml,
// plugin.wasm,signatures.json} (DIR/locks guards signature updates). An entry is written to a temporary folder and
// renamed into place, so concurrent installs never leave half an entry and
// the same package installed twice is one entry.
type Store struct{ Dir string }

func (s *Store) path(digest string) (string, error) {
	hexd, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexd) != 64 || strings.Trim(hexd, "0123456789abcdef") != "" {
		return "", fmt.Errorf("bad digest %q", digest)
	}
	return filepath.Join(s.Dir, "sha256", hexd), nil
}

// Put stores a package under its digest.
func (s *Store) Put(p *Package) error {
	dst, err := s.path(p.Digest())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sigs, err := json.MarshalIndent(p.Signatures, "", "  ")
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{ManifestFile: p.ManifestRaw, WasmFile: p.Wasm, SignaturesFile: sigs} {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		if _, statErr := os.Stat(filepath.Join(dst, WasmFile)); statErr == nil {
			// The same content is there already (an earlier or concurrent
			// install): keep it, and add the signatures it may lack.
			return s.addSignatures(dst, p.Signatures)
		}
		return err
	}
	return nil
}

// addSignatures merges signatures into a stored entry's signatures.json.
func (s *Store) addSignatures(dir string, sigs []Signature) error {
	if len(sigs) == 0 {
		return nil
	}
	locks := filepath.Join(s.Dir, "locks")
	if err := os.MkdirAll(locks, 0o755); err != nil {
		return err
	}
	return withFileLock(filepath.Join(locks, filepath.Base(dir)+".lck"), func() error {
		path := filepath.Join(dir, SignaturesFile)
		var have []Signature
		if raw, err := os.ReadFile(path); err == nil {
			if err := json.Unmarshal(raw, &have); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		raw, err := json.MarshalIndent(addSignatures(have, sigs...), "", "  ")
		if err != nil {
			return err
		}
		return WriteFileAtomic(path, raw)
	})
}

// Has reports whether the store holds a digest.
func (s *Store) Has(digest string) bool {
	p, err := s.path(digest)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(p, WasmFile))
	return err == nil
}

// Get reads a package and checks that its content still hashes to digest.
func (s *Store) Get(digest string) (*Package, error) {
	dir, err := s.path(digest)
	if err != nil {
		return nil, err
	}
	man, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("not installed (%s): %w", digest, err)
	}
	wasm, err := os.ReadFile(filepath.Join(dir, WasmFile))
	if err != nil {
		return nil, fmt.Errorf("not installed (%s): %w", digest, err)
	}
	p, err := NewPackage(man, wasm)
	if err != nil {
		return nil, fmt.Errorf("store entry %s: %w", digest, err)
	}
	if got := p.Digest(); got != digest {
		return nil, fmt.Errorf("store entry %s: %w: its content hashes to %s", digest, ErrDigestMismatch, got)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, SignaturesFile)); err == nil {
		if err := json.Unmarshal(raw, &p.Signatures); err != nil {
			return nil, fmt.Errorf("store entry %s: %s: %w", digest, SignaturesFile, err)
		}
	}
	return p, nil
}
