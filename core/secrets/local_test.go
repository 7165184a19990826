package secrets_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/secrets"
)

// TestEnvAndFile: env:// and file:// references, literals, and a file
// rotated in place (as a mounted Kubernetes secret is) picked up by the
// refresh.
func TestEnvAndFile(t *testing.T) {
	t.Setenv("TEST_PROVIDER_KEY", "sk-from-env")
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte("sk-from-file\n"), 0o600)
	s, err := secrets.New(context.Background(), secrets.Options{RefreshInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for ref, want := range map[string]string{"env://TEST_PROVIDER_KEY": "sk-from-env", "file://" + file: "sk-from-file", "sk-literal": "sk-literal"} {
		h, err := s.Get(ctx, ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if got, _ := h.Value(); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	for ref, wantErr := range map[string]string{
		"env://TEST_UNSET_KEY":       "secret env://TEST_UNSET_KEY: the environment variable is not set",
		"file:///nonexistent/key":    "secret file:///nonexistent/key: open /nonexistent/key",
		"vault://secret/openai#key":  "secret vault://secret/openai#key: no Vault is configured",
		"vault://secret-no-path#key": "vault://secret-no-path#key: want vault://MOUNT/PATH#FIELD",
	} {
		if _, err := s.Get(ctx, ref); err == nil || !strings.HasPrefix(err.Error(), wantErr) {
			t.Errorf("%s: error %v, want one starting %q", ref, err, wantErr)
		}
	}
	h, _ := s.Get(ctx, "file://"+file)
	s.Start()
	os.WriteFile(file, []byte("sk-rotated\n"), 0o600)
	eventually(t, 2*time.Second, "the rotated file", func() bool { v, _ := h.Value(); return v == "sk-rotated" })
}

// TestGranted: a plugin gets only the names it was granted.
func TestGranted(t *testing.T) {
	t.Setenv("TEST_PLUGIN_SECRET", "hmac-key")
	s, _ := secrets.New(context.Background(), secrets.Options{AllowUnresolved: true})
	h, _ := s.Get(context.Background(), "env://TEST_PLUGIN_SECRET")
	unresolved, err := s.Get(context.Background(), "env://TEST_NOT_SET_YET")
	if err != nil {
		t.Fatal(err)
	}
	g := secrets.Granted{"signing_key": h, "later": unresolved}
	if v, granted, ok := g.Secret("signing_key"); !granted || !ok || v != "hmac-key" {
		t.Fatalf("granted name: %q %v %v", v, granted, ok)
	}
	if v, granted, _ := g.Secret("TEST_PLUGIN_SECRET"); granted || v != "" {
		t.Fatal("a name not granted was served")
	}
	if _, granted, ok := g.Secret("later"); !granted || ok {
		t.Fatal("an unresolved secret must be granted but unavailable")
	}
}

// TestRetain: references a reload dropped are no longer refreshed; a
// handle still held keeps its value.
func TestRetain(t *testing.T) {
	t.Setenv("TEST_KEY_A", "a")
	t.Setenv("TEST_KEY_B", "b")
	s, _ := secrets.New(context.Background(), secrets.Options{})
	a, _ := s.Get(context.Background(), "env://TEST_KEY_A")
	s.Get(context.Background(), "env://TEST_KEY_B")
	s.Get(context.Background(), "literal")
	if n := s.Len(); n != 2 {
		t.Fatalf("%d references, want 2 (literals are not refreshed)", n)
	}
	s.Retain([]string{"env://TEST_KEY_B"})
	if n := s.Len(); n != 1 {
		t.Fatalf("%d references after Retain, want 1", n)
	}
	if v, _ := a.Value(); v != "a" {
		t.Fatalf("a held handle lost its value: %q", v)
	}
}
