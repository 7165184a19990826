package registry_test

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgate/wasmgate/registry"
)

// fakeWasm is a module header and a payload: enough for packaging tests,
// which never run the module.
func fakeWasm(payload string) []byte {
	return append([]byte("\x00asm\x01\x00\x00\x00"), payload...)
}

func manifest(name, version string) []byte {
	return fmt.Appendf(nil, "name: %s\nversion: %s\nabi: 1\ndescription: %s test plugin\nlicense: MIT\nhooks: [request]\n", name, version, name)
}

type signer struct {
	priv ed25519.PrivateKey
	pub  []byte // PEM
	keys registry.Keyring
}

func newSigner(t *testing.T) *signer {
	t.Helper()
	privPEM, pubPEM, err := registry.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := registry.ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := registry.ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{priv: priv, pub: pubPEM, keys: registry.Keyring{registry.KeyID(pub): pub}}
}

func (s *signer) pkg(t *testing.T, name, version, payload string) *registry.Package {
	t.Helper()
	p, err := registry.NewPackage(manifest(name, version), fakeWasm(payload))
	if err != nil {
		t.Fatal(err)
	}
	if s != nil {
		p.AddSignature(registry.Sign(s.priv, p.Digest()))
	}
	return p
}

func (s *signer) pubFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trusted.pub")
	if err := os.WriteFile(path, s.pub, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }
