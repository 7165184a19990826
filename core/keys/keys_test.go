package keys_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/keys"
	"github.com/wasmgate/wasmgate/core/state"
)

func TestManager(t *testing.T) {
	ctx := context.Background()
	st := state.NewMemory()
	m := keys.NewManager(st)
	k, secret, err := m.Create(ctx, keys.Spec{Team: "t", User: "u", Models: []string{"gpt-4o*"}})
	if err != nil {
		t.Fatal(err)
	}
	// Only the hash is stored.
	all, _ := st.FetchAll(ctx, "keys")
	for _, rec := range all {
		if strings.Contains(string(rec), secret) || !strings.Contains(string(rec), keys.Hash(secret)) {
			t.Fatalf("stored record %s", rec)
		}
	}
	got, err := m.Authenticate(ctx, secret)
	if err != nil || got.ID != k.ID || !got.Allows("gpt-4o-mini") || got.Allows("claude-3") {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	for _, bad := range []string{"", "wg-", secret + "x", strings.TrimPrefix(secret, "wg-"), "sk-" + secret[3:]} {
		if _, err := m.Authenticate(ctx, bad); !errors.Is(err, keys.ErrInvalid) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	_, secret2, err := m.Rotate(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Authenticate(ctx, secret); !errors.Is(err, keys.ErrInvalid) {
		t.Fatal("the old secret still works after rotation")
	}
	if _, err := m.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Authenticate(ctx, secret2); !errors.Is(err, keys.ErrInvalid) {
		t.Fatal("a revoked key works")
	}
	if _, _, err := m.Rotate(ctx, k.ID); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("rotating a revoked key: %v", err)
	}
	if _, err := m.Revoke(ctx, "key_nope"); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("revoking an unknown key: %v", err)
	}
	if list, _ := m.List(ctx); len(list) != 1 || list[0].RevokedAt == nil {
		t.Fatalf("list %+v", list)
	}
	if _, _, err := m.Create(ctx, keys.Spec{Team: "a:b"}); err == nil {
		t.Fatal("a team with ':' accepted")
	}
}

func TestFromHeader(t *testing.T) {
	for _, tc := range []struct {
		h    map[string]string
		want string
	}{
		{map[string]string{"authorization": "Bearer wg-abc"}, "wg-abc"},
		{map[string]string{"authorization": "bearer  wg-abc "}, "wg-abc"},
		{map[string]string{"x-api-key": "wg-abc"}, "wg-abc"},
		{map[string]string{"authorization": "Basic xyz", "x-api-key": "wg-k"}, "wg-k"},
		{map[string]string{"authorization": "Basic xyz"}, ""},
		{map[string]string{}, ""},
	} {
		get := func(n string) (string, bool) { v, ok := tc.h[n]; return v, ok }
		if got := keys.FromHeader(get); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.h, got, tc.want)
		}
	}
}
