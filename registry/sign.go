package registry

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Signature is an ed25519 signature over a package digest (the digest's text,
// "sha256:…"), with the id of the key that made it.
type Signature struct {
	KeyID string `json:"key" yaml:"key"`
	Sig   string `json:"sig" yaml:"sig"` // base64
}

// Why a package is refused.
var (
	ErrUnsigned       = errors.New("package is not signed")
	ErrUntrusted      = errors.New("package is signed only by keys that are not trusted")
	ErrBadSignature   = errors.New("signature does not match the package: it was changed after signing")
	ErrDigestMismatch = errors.New("package digest does not match")
)

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// GenerateKey makes a key pair, PEM-encoded (PKCS#8 private, PKIX public).
func GenerateKey() (private, public []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	p8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	pk, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pk}), nil
}

// ParsePrivateKey reads a PEM private key made by GenerateKey.
func ParsePrivateKey(raw []byte) (ed25519.PrivateKey, error) {
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("not an ed25519 key")
	}
	return priv, nil
}

// ParsePublicKey reads a PEM public key, or "ed25519:BASE64" (the raw 32 bytes).
func ParsePublicKey(raw []byte) (ed25519.PublicKey, error) {
	s := strings.TrimSpace(string(raw))
	if rest, ok := strings.CutPrefix(s, "ed25519:"); ok {
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, errors.New("not an ed25519 public key (ed25519:BASE64 of 32 bytes)")
		}
		return ed25519.PublicKey(b), nil
	}
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM public key or ed25519:BASE64")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("not an ed25519 key")
	}
	return pub, nil
}

// Sign signs a package digest.
func Sign(priv ed25519.PrivateKey, digest string) Signature {
	pub := priv.Public().(ed25519.PublicKey)
	return Signature{KeyID: KeyID(pub), Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(digest)))}
}

// Keyring is the set of trusted public keys, by key id.
type Keyring map[string]ed25519.PublicKey

// LoadKeyring reads trusted keys: each entry is "ed25519:BASE64" or the path
// of a PEM file, relative to dir.
func LoadKeyring(dir string, entries []string) (Keyring, error) {
	k := Keyring{}
	for _, e := range entries {
		raw := []byte(e)
		if !strings.HasPrefix(e, "ed25519:") {
			p := e
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("trusted key: %w", err)
			}
			raw = b
		}
		pub, err := ParsePublicKey(raw)
		if err != nil {
			return nil, fmt.Errorf("trusted key %s: %w", e, err)
		}
		k[KeyID(pub)] = pub
	}
	return k, nil
}

// Verify checks that a trusted key signed digest, and returns its id.
func (k Keyring) Verify(digest string, sigs []Signature) (string, error) {
	if len(sigs) == 0 {
		return "", ErrUnsigned
	}
	var ids []string
	for _, s := range sigs {
		pub, ok := k[strings.ToLower(s.KeyID)]
		if !ok {
			ids = append(ids, s.KeyID)
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil || !ed25519.Verify(pub, []byte(digest), raw) {
			return "", fmt.Errorf("%w (key %s, digest %s)", ErrBadSignature, s.KeyID, digest)
		}
		return s.KeyID, nil
	}
	return "", fmt.Errorf("%w (signed by %s)", ErrUntrusted, strings.Join(ids, ", "))
}
