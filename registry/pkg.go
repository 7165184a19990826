package registry

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files inside a package (a tar archive) and in the store.
const (
	WasmFile       = "plugin.wasm"
	SignaturesFile = "signatures.json"
	// PackageExt ends a package file's name: NAME-VERSION.wgpkg.
	PackageExt = ".wgpkg"
	// maxPackage bounds what is read from a package or a download.
	maxPackage = 256 << 20
)

var wasmMagic = []byte("\x00asm")

// Package is a plugin's manifest, its Wasm module and the signatures over
// their digest.
type Package struct {
	Manifest    *Manifest
	ManifestRaw []byte
	Wasm        []byte
	Signatures  []Signature
}

// NewPackage checks a manifest and a Wasm module and makes an unsigned package.
func NewPackage(manifest, wasm []byte) (*Package, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(wasm, wasmMagic) {
		return nil, fmt.Errorf("%s is not a WebAssembly module", WasmFile)
	}
	return &Package{Manifest: m, ManifestRaw: manifest, Wasm: wasm}, nil
}

// PackDir builds a package from a plugin folder's plugin.yaml and a .wasm file.
func PackDir(dir, wasmPath string) (*Package, error) {
	man, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return nil, err
	}
	return NewPackage(man, wasm)
}

// FileName is the package's conventional file name.
func (p *Package) FileName() string {
	return p.Manifest.Name + "-" + p.Manifest.Version + PackageExt
}

// Digest identifies the package's content: the manifest and the module.
// Signatures sign it; lockfiles pin it.
func (p *Package) Digest() string {
	return PackageDigest(sha256Digest(p.ManifestRaw), sha256Digest(p.Wasm))
}

// PackageDigest combines the digests of a manifest and a module into a
// package digest. OCI registries hand out the parts' digests, so the
// package digest is built from them rather than from an archive's bytes.
func PackageDigest(manifestDigest, wasmDigest string) string {
	h := sha256.New()
	fmt.Fprintf(h, "wasmgate-package-v1\n%s %s\n%s %s\n", ManifestFile, manifestDigest, WasmFile, wasmDigest)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func sha256Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// Write writes the package as a tar archive with fixed metadata, so that
// the same package always gives the same bytes.
func (p *Package) Write(w io.Writer) error {
	tw := tar.NewWriter(w)
	files := []struct {
		name string
		data []byte
	}{{ManifestFile, p.ManifestRaw}, {WasmFile, p.Wasm}}
	if len(p.Signatures) > 0 {
		sigs, err := json.MarshalIndent(p.Signatures, "", "  ")
		if err != nil {
			return err
		}
		files = append(files, struct {
			name string
			data []byte
		}{SignaturesFile, append(sigs, '\n')})
	}
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: time.Unix(0, 0).UTC(), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// Bytes is the package's archive.
func (p *Package) Bytes() []byte {
	var b bytes.Buffer
	_ = p.Write(&b) // writes to a buffer cannot fail
	return b.Bytes()
}

// ReadPackage reads a package archive.
func ReadPackage(r io.Reader) (*Package, error) {
	tr := tar.NewReader(io.LimitReader(r, maxPackage))
	var man, wasm, sigs []byte
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading package: %w", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("reading package: %w", err)
		}
		switch hdr.Name {
		case ManifestFile:
			man = data
		case WasmFile:
			wasm = data
		case SignaturesFile:
			sigs = data
		default:
			return nil, fmt.Errorf("reading package: unexpected file %q", hdr.Name)
		}
	}
	if man == nil || wasm == nil {
		return nil, fmt.Errorf("reading package: it needs %s and %s", ManifestFile, WasmFile)
	}
	p, err := NewPackage(man, wasm)
	if err != nil {
		return nil, err
	}
	if sigs != nil {
		if err := json.Unmarshal(sigs, &p.Signatures); err != nil {
			return nil, fmt.Errorf("reading package: %s: %w", SignaturesFile, err)
		}
	}
	return p, nil
}

// ReadPackageFile reads a package archive from a file.
func ReadPackageFile(path string) (*Package, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := ReadPackage(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// WriteFileAtomic writes data to path through a temporary file and a
// rename, so that readers never see half a file.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// addSignatures merges signatures, one per key.
func addSignatures(have []Signature, add ...Signature) []Signature {
	out := append([]Signature(nil), have...)
next:
	for _, s := range add {
		for i := range out {
			if strings.EqualFold(out[i].KeyID, s.KeyID) {
				out[i] = s
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// AddSignature adds a signature, replacing an earlier one of the same key.
func (p *Package) AddSignature(s Signature) {
	p.Signatures = addSignatures(p.Signatures, s)
}
