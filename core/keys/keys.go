// Package keys is wasmgate's virtual keys: the credentials clients send
// instead of a provider key. A key belongs to a team and a user, may be
// restricted to some models, and carries rate limits and a budget. Only the
// key's hash is stored.
package keys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/state"
)

// Prefix starts every key, so that a leaked one is recognisable (secret
// scanners, logs).
const Prefix = "wg-"

// Key is a key's record: everything but the secret.
type Key struct {
	ID        string            `json:"id"`
	Hash      string            `json:"-"`
	Hint      string            `json:"hint"` // the first characters, to tell keys apart
	Name      string            `json:"name,omitempty"`
	Team      string            `json:"team,omitempty"`
	User      string            `json:"user,omitempty"`
	Models    []string          `json:"models,omitempty"` // globs; none: every model
	Limits    config.RateLimits `json:"limits"`
	Budget    config.Budget     `json:"budget"`
	CreatedAt time.Time         `json:"created_at"`
	RotatedAt *time.Time        `json:"rotated_at,omitempty"`
	RevokedAt *time.Time        `json:"revoked_at,omitempty"`
}

// record is how a key is stored: the hash is kept, unlike in the API.
type record struct {
	Key
	StoredHash string `json:"hash"`
}

// Spec is what a new key gets.
type Spec struct {
	Name   string            `json:"name"`
	Team   string            `json:"team"`
	User   string            `json:"user"`
	Models []string          `json:"models"`
	Limits config.RateLimits `json:"limits"`
	Budget config.Budget     `json:"budget"`
}

// Check reports what is wrong with a spec.
func (s Spec) Check() error {
	for _, m := range s.Models {
		if _, err := path.Match(m, ""); err != nil || m == "" {
			return fmt.Errorf("models: bad pattern %q", m)
		}
	}
	if msg := s.Limits.Check(); msg != "" {
		return errors.New(msg)
	}
	if msg := s.Budget.Check(); msg != "" {
		return errors.New("budget: " + msg)
	}
	for name, v := range map[string]string{"name": s.Name, "team": s.Team, "user": s.User} {
		if len(v) > 128 || strings.ContainsAny(v, ":\n\r") {
			return fmt.Errorf("%s: at most 128 characters, no ':' or line breaks", name)
		}
	}
	return nil
}

// Allows reports whether the key may use a model.
func (k *Key) Allows(model string) bool {
	if len(k.Models) == 0 {
		return true
	}
	for _, p := range k.Models {
		if ok, _ := path.Match(p, model); ok {
			return true
		}
	}
	return false
}

// Errors of the manager.
var (
	ErrInvalid  = errors.New("keys: invalid key")
	ErrNotFound = errors.New("keys: no such key")
)

// Hash is how a key is stored and looked up. A plain SHA-256 is enough:
// keys are 256 random bits, so there is nothing to guess that a slow,
// salted password hash would protect, and a fast hash lets every request
// look its key up directly.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Maps in the state store. A live key's record is under its hash too, so
// that a request finds it in one read.
const (
	byID   = "keys"    // id -> record
	byHash = "keyhash" // hash -> record of a live key
)

// Manager creates, finds, rotates and revokes keys in a state store, so
// that every replica sees the same keys.
type Manager struct {
	st  state.Store
	now func() time.Time
}

// NewManager manages the keys in st.
func NewManager(st state.Store) *Manager { return &Manager{st: st, now: time.Now} }

func newSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func newID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "key_" + hex.EncodeToString(b[:]), nil
}

func hint(secret string) string { return secret[:len(Prefix)+4] + "…" }

// Create makes a key; the secret is returned once and never stored.
func (m *Manager) Create(ctx context.Context, s Spec) (*Key, string, error) {
	if err := s.Check(); err != nil {
		return nil, "", err
	}
	secret, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	id, err := newID()
	if err != nil {
		return nil, "", err
	}
	k := &Key{ID: id, Hash: Hash(secret), Hint: hint(secret), Name: s.Name, Team: s.Team, User: s.User,
		Models: s.Models, Limits: s.Limits, Budget: s.Budget, CreatedAt: m.now().UTC()}
	if err := m.put(ctx, k); err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// put stores a key's record by id and, while the key is live, by hash (the
// id first: a key is usable only once it can be listed and revoked).
func (m *Manager) put(ctx context.Context, k *Key) error {
	b, err := json.Marshal(record{Key: *k, StoredHash: k.Hash})
	if err != nil {
		return err
	}
	if err := m.st.Put(ctx, byID, k.ID, b); err != nil {
		return err
	}
	if k.RevokedAt != nil {
		return nil
	}
	return m.st.Put(ctx, byHash, k.Hash, b)
}

func decode(b []byte) (*Key, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("keys: stored record: %w", err)
	}
	r.Key.Hash = r.StoredHash
	return &r.Key, nil
}

// Get finds a key by id.
func (m *Manager) Get(ctx context.Context, id string) (*Key, error) {
	b, err := m.st.Fetch(ctx, byID, id)
	if errors.Is(err, state.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decode(b)
}

// List is every key, revoked ones too, oldest first.
func (m *Manager) List(ctx context.Context) ([]*Key, error) {
	all, err := m.st.FetchAll(ctx, byID)
	if err != nil {
		return nil, err
	}
	out := make([]*Key, 0, len(all))
	for _, b := range all {
		k, err := decode(b)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Rotate gives a key a new secret; the old one stops working at once. The
// id, and so the limits, budget and usage, stay.
func (m *Manager) Rotate(ctx context.Context, id string) (*Key, string, error) {
	k, err := m.Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if k.RevokedAt != nil {
		return nil, "", ErrNotFound
	}
	secret, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	old := k.Hash
	now := m.now().UTC()
	k.Hash, k.Hint, k.RotatedAt = Hash(secret), hint(secret), &now
	if err := m.put(ctx, k); err != nil {
		return nil, "", err
	}
	if err := m.st.Delete(ctx, byHash, old); err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// Revoke stops a key at once on every replica (they look keys up in the
// shared state on each request). Its record stays, for usage reports.
func (m *Manager) Revoke(ctx context.Context, id string) (*Key, error) {
	k, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := m.st.Delete(ctx, byHash, k.Hash); err != nil {
		return nil, err
	}
	if k.RevokedAt == nil {
		now := m.now().UTC()
		k.RevokedAt = &now
		if err := m.put(ctx, k); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Authenticate finds the live key of a secret. ErrInvalid means no such
// key (or a revoked one); other errors are the state store's.
func (m *Manager) Authenticate(ctx context.Context, secret string) (*Key, error) {
	if !strings.HasPrefix(secret, Prefix) {
		return nil, ErrInvalid
	}
	h := Hash(secret)
	b, err := m.st.Fetch(ctx, byHash, h)
	if errors.Is(err, state.ErrNotFound) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, err
	}
	k, err := decode(b)
	if err != nil {
		return nil, err
	}
	if k.RevokedAt != nil || k.Hash != h {
		return nil, ErrInvalid
	}
	return k, nil
}

// FromHeader is the key a request carries: "Authorization: Bearer <key>"
// or "x-api-key: <key>" (Anthropic's header).
func FromHeader(get func(name string) (string, bool)) string {
	if v, ok := get("authorization"); ok {
		if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
			return strings.TrimSpace(v[7:])
		}
	}
	if v, ok := get("x-api-key"); ok {
		return strings.TrimSpace(v)
	}
	return ""
}
