package secrets

import (
	"io"
	"log/slog"
	"testing"
)

// TestVaultClientSettings: the namespace goes on every request (Vault
// Enterprise; open-source Vault has none to test against), the token comes
// only from the auth settings, and the defaults apply.
func TestVaultClientSettings(t *testing.T) {
	t.Setenv("VAULT_TOKEN", "token-from-the-environment")
	v, err := newVaultClient(VaultOptions{Address: "https://vault.example:8200", Namespace: "team-a/prod"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), storeMetrics{})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.client.Namespace(); got != "team-a/prod" {
		t.Errorf("namespace %q", got)
	}
	if got := v.client.Headers().Get("X-Vault-Namespace"); got != "team-a/prod" {
		t.Errorf("X-Vault-Namespace %q", got)
	}
	if got := v.client.Token(); got != "" {
		t.Errorf("the client took a token (%d bytes) before logging in", len(got))
	}
	if v.opts.AuthMethod != AuthToken || v.opts.Token != "env://VAULT_TOKEN" || v.opts.AppRoleMount != "approle" {
		t.Errorf("defaults: %+v", v.opts)
	}
	if got := v.client.Address(); got != "https://vault.example:8200" {
		t.Errorf("address %q", got)
	}
}
