package secrets_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmgate/wasmgate/core/secrets"
	"github.com/wasmgate/wasmgate/core/testvault"
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// newStore makes a store on the test Vault; its logs and metrics are
// returned for the checks (and checked for leaks at the end).
func newStore(t *testing.T, v *testvault.Server, vo secrets.VaultOptions, refresh time.Duration, leaks ...string) (*secrets.Store, *prometheus.Registry, *logBuf) {
	t.Helper()
	vo.Address = v.Addr
	reg := prometheus.NewRegistry()
	logs := &logBuf{}
	s, err := secrets.New(context.Background(), secrets.Options{Vault: &vo, RefreshInterval: refresh,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, secret := range leaks {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a secret value is in the log:\n%s", logs.String())
			}
		}
	})
	return s, reg, logs
}

// metric sums a metric's series whose labels include want.
func metric(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for k, v := range want {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			}
		}
	}
	return sum
}

func value(t *testing.T, h *secrets.Secret) string {
	t.Helper()
	v, ok := h.Value()
	if !ok {
		t.Fatalf("%s has no value", h)
	}
	return v
}

func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("not within %s: %s", within, what)
}

// TestVaultKV reads fields of KV v2 and v1 secrets with a token.
func TestVaultKV(t *testing.T) {
	v := testvault.Start(t)
	v.MountKV("secret", 2)
	v.MountKV("kv1", 1)
	v.Put("secret", "openai", map[string]any{"api_key": "sk-v2-value", "org": "org-1"})
	v.Put("kv1", "team/anthropic", map[string]any{"api_key": "sk-v1-value"})
	t.Setenv("VAULT_TOKEN", testvault.RootToken)
	s, _, _ := newStore(t, v, secrets.VaultOptions{}, time.Minute, "sk-v2-value", "sk-v1-value")
	ctx := context.Background()
	for ref, want := range map[string]string{
		"vault://secret/openai#api_key":      "sk-v2-value",
		"vault://secret/openai#org":          "org-1",
		"vault://kv1/team/anthropic#api_key": "sk-v1-value",
	} {
		h, err := s.Get(ctx, ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if got := value(t, h); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	for ref, wantErr := range map[string]string{
		"vault://secret/openai#missing": `secret vault://secret/openai#missing: no field "missing"`,
		"vault://secret/nothing#x":      "secret vault://secret/nothing#x: ",
		"vault://kv1/nothing#x":         "secret vault://kv1/nothing#x: ",
	} {
		if _, err := s.Get(ctx, ref); err == nil || !strings.HasPrefix(err.Error(), wantErr) {
			t.Errorf("%s: error %v, want one starting %q", ref, err, wantErr)
		}
	}
}

// setupAppRole enables AppRole with a role that may read secret/*.
func setupAppRole(t *testing.T, v *testvault.Server, roleOpts map[string]any) (roleID, secretID string) {
	t.Helper()
	c := v.Client()
	if err := c.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Sys().PutPolicy("read-secret", `path "secret/data/*" { capabilities = ["read"] }
path "sys/internal/ui/mounts/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	opts := map[string]any{"token_policies": "read-secret"}
	for k, val := range roleOpts {
		opts[k] = val
	}
	if _, err := c.Logical().Write("auth/approle/role/gateway", opts); err != nil {
		t.Fatal(err)
	}
	r, err := c.Logical().Read("auth/approle/role/gateway/role-id")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := c.Logical().Write("auth/approle/role/gateway/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.Data["role_id"].(string), sid.Data["secret_id"].(string)
}

// TestAppRoleLogin logs in with AppRole, the secret-id from a file or from
// an environment variable, and reads with the token it got.
func TestAppRoleLogin(t *testing.T) {
	v := testvault.Start(t)
	v.MountKV("secret", 2)
	v.Put("secret", "openai", map[string]any{"api_key": "sk-approle"})
	roleID, secretID := setupAppRole(t, v, nil)
	t.Setenv("TEST_SECRET_ID", secretID)
	for name, vo := range map[string]secrets.VaultOptions{
		"secret-id file": {AuthMethod: secrets.AuthAppRole, RoleID: roleID, SecretIDFile: testvault.TempFile(t, "sid", secretID+"\n")},
		"secret-id env":  {AuthMethod: secrets.AuthAppRole, RoleID: roleID, SecretIDEnv: "TEST_SECRET_ID"},
	} {
		t.Run(name, func(t *testing.T) {
			s, reg, _ := newStore(t, v, vo, time.Minute, "sk-approle", secretID)
			h, err := s.Get(context.Background(), "vault://secret/openai#api_key")
			if err != nil {
				t.Fatal(err)
			}
			if got := value(t, h); got != "sk-approle" {
				t.Fatalf("got %q", got)
			}
			if n := metric(t, reg, "wasmgate_vault_logins_total", map[string]string{"result": "ok"}); n != 1 {
				t.Fatalf("%v logins, want 1", n)
			}
		})
	}
	t.Run("wrong secret-id", func(t *testing.T) {
		s, _, _ := newStore(t, v, secrets.VaultOptions{AuthMethod: secrets.AuthAppRole, RoleID: roleID,
			SecretIDFile: testvault.TempFile(t, "sid", "not-the-secret-id")}, time.Minute)
		_, err := s.Get(context.Background(), "vault://secret/openai#api_key")
		if err == nil || !strings.Contains(err.Error(), "vault://secret/openai#api_key") || !strings.Contains(err.Error(), "approle login") {
			t.Fatalf("error %v", err)
		}
	})
}

// TestTokenRenewal: a token with a short TTL is renewed before it expires,
// so it keeps working long past its first TTL.
func TestTokenRenewal(t *testing.T) {
	v := testvault.Start(t)
	v.MountKV("secret", 2)
	v.Put("secret", "openai", map[string]any{"api_key": "sk-renew"})
	tok, err := v.Client().Auth().Token().Create(&api.TokenCreateRequest{TTL: "3s", ExplicitMaxTTL: "1h", Policies: []string{"root"}})
	if err != nil {
		t.Fatal(err)
	}
	s, reg, _ := newStore(t, v, secrets.VaultOptions{Token: "file://" + testvault.TempFile(t, "token", tok.Auth.ClientToken)}, 300*time.Millisecond, "sk-renew")
	h, err := s.Get(context.Background(), "vault://secret/openai#api_key")
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	time.Sleep(5 * time.Second) // past the token's first TTL
	if n := metric(t, reg, "wasmgate_vault_token_renewals_total", map[string]string{"result": "ok"}); n < 1 {
		t.Fatalf("%v renewals", n)
	}
	if n := metric(t, reg, "wasmgate_vault_logins_total", nil); n != 1 {
		t.Fatalf("%v logins: the token should have been renewed, not replaced", n)
	}
	if n := metric(t, reg, "wasmgate_secret_read_errors_total", nil); n != 0 {
		t.Fatalf("%v read errors", n)
	}
	if _, err := v.Client().Auth().Token().Lookup(tok.Auth.ClientToken); err != nil {
		t.Fatalf("the token expired: %v", err)
	}
	if value(t, h) != "sk-renew" {
		t.Fatal("value lost")
	}
}

// TestAppRoleRelogin: a token that cannot be renewed further (its max TTL
// reached) is replaced by a new login, without a failed read.
func TestAppRoleRelogin(t *testing.T) {
	v := testvault.Start(t)
	v.MountKV("secret", 2)
	v.Put("secret", "openai", map[string]any{"api_key": "sk-relogin"})
	roleID, secretID := setupAppRole(t, v, map[string]any{"token_ttl": "2s", "token_max_ttl": "3s"})
	s, reg, _ := newStore(t, v, secrets.VaultOptions{AuthMethod: secrets.AuthAppRole, RoleID: roleID,
		SecretIDFile: testvault.TempFile(t, "sid", secretID)}, 200*time.Millisecond, "sk-relogin", secretID)
	if _, err := s.Get(context.Background(), "vault://secret/openai#api_key"); err != nil {
		t.Fatal(err)
	}
	s.Start()
	eventually(t, 10*time.Second, "a second login", func() bool {
		return metric(t, reg, "wasmgate_vault_logins_total", map[string]string{"result": "ok"}) >= 2
	})
	time.Sleep(time.Second)
	if n := metric(t, reg, "wasmgate_secret_read_errors_total", nil); n != 0 {
		t.Fatalf("%v read errors", n)
	}
}

// TestRotation: a value changed in Vault is used within the refresh
// interval; Reread (after a provider's 401) gets it at once.
func TestRotation(t *testing.T) {
	v := testvault.Start(t)
	v.MountKV("secret", 2)
	v.Put("secret", "openai", map[string]any{"api_key": "sk-old"})
	t.Setenv("VAULT_TOKEN", testvault.RootToken)
	s, _, logs := newStore(t, v, secrets.VaultOptions{}, 300*time.Millisecond, "sk-old", "sk-new", "sk-newer")
	h, err := s.Get(context.Background(), "vault://secret/openai#api_key")
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	v.Put("secret", "openai", map[string]any{"api_key": "sk-new"})
	eventually(t, 2*time.Second, "the rotated value", func() bool { return value(t, h) == "sk-new" })
	if !strings.Contains(logs.String(), "secret changed") {
		t.Fatalf("rotation not logged:\n%s", logs.String())
	}

	slow, _, _ := newStore(t, v, secrets.VaultOptions{}, time.Hour, "sk-new", "sk-newer")
	h2, err := slow.Get(context.Background(), "vault://secret/openai#api_key")
	if err != nil {
		t.Fatal(err)
	}
	v.Put("secret", "openai", map[string]any{"api_key": "sk-newer"})
	got, changed, err := h2.Reread(context.Background(), "sk-new")
	if err != nil || !changed || got != "sk-newer" {
		t.Fatalf("Reread = %q, %v, %v", got, changed, err)
	}
	// A second caller that still holds the old value needs no read.
	if got, changed, _ := h2.Reread(context.Background(), "sk-new"); !changed || got != "sk-newer" {
		t.Fatalf("second Reread = %q, %v", got, changed)
	}
	// An unchanged value right after a read is not read again.
	if _, changed, _ := h2.Reread(context.Background(), "sk-newer"); changed {
		t.Fatal("changed without a change")
	}
}

// TestVaultDownAndBack: while Vault is away the cached value keeps
// serving, the failure is logged and counted; when it is back, refreshing
// recovers by itself.
func TestVaultDownAndBack(t *testing.T) {
	v := testvault.Start(t)
	v.MountKV("secret", 2)
	v.Put("secret", "openai", map[string]any{"api_key": "sk-before"})
	t.Setenv("VAULT_TOKEN", testvault.RootToken)
	s, reg, logs := newStore(t, v, secrets.VaultOptions{}, 200*time.Millisecond, "sk-before", "sk-after")
	h, err := s.Get(context.Background(), "vault://secret/openai#api_key")
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	v.Stop()
	eventually(t, 5*time.Second, "the failure counted", func() bool {
		return metric(t, reg, "wasmgate_secret_read_errors_total", map[string]string{"scheme": "vault"}) > 0
	})
	if value(t, h) != "sk-before" {
		t.Fatal("cached value lost")
	}
	if n := metric(t, reg, "wasmgate_secrets_stale", nil); n != 1 {
		t.Fatalf("stale = %v", n)
	}
	if !strings.Contains(logs.String(), "serving the cached value") || !strings.Contains(logs.String(), "vault://secret/openai#api_key") {
		t.Fatalf("failure not logged:\n%s", logs.String())
	}
	v.Restart()
	v.Put("secret", "openai", map[string]any{"api_key": "sk-after"})
	eventually(t, 10*time.Second, "recovery", func() bool { return value(t, h) == "sk-after" })
	if n := metric(t, reg, "wasmgate_secrets_stale", nil); n != 0 {
		t.Fatalf("stale = %v after recovery", n)
	}
}

// TestVaultUnreachable: the error names the reference and Vault's address.
func TestVaultUnreachable(t *testing.T) {
	v := testvault.Start(t)
	v.Stop()
	t.Setenv("VAULT_TOKEN", testvault.RootToken)
	s, _, _ := newStore(t, v, secrets.VaultOptions{}, time.Minute)
	_, err := s.Get(context.Background(), "vault://secret/openai#api_key")
	if err == nil || !strings.Contains(err.Error(), "secret vault://secret/openai#api_key: vault token login at "+v.Addr) {
		t.Fatalf("error %v", err)
	}
}

// TestVaultTLS: HTTPS with the CA given, a client certificate when Vault
// requires one, and skip-verify; a server the client cannot verify, or one
// that wants a certificate it lacks, is an error naming the reference.
func TestVaultTLS(t *testing.T) {
	certs := testvault.NewCerts(t)
	t.Setenv("VAULT_TOKEN", testvault.RootToken)
	t.Setenv("VAULT_CACERT", "") // only the options below
	for _, mutual := range []bool{false, true} {
		v := testvault.Start(t, testvault.WithTLS(certs, mutual))
		if !strings.HasPrefix(v.Addr, "https://") {
			t.Fatalf("not HTTPS: %s", v.Addr)
		}
		v.MountKV("secret", 2)
		v.Put("secret", "openai", map[string]any{"api_key": "sk-over-tls"})
		client := secrets.VaultOptions{CACert: certs.CA, ClientCert: certs.ClientCert, ClientKey: certs.ClientKey}
		tests := []struct {
			name    string
			opts    secrets.VaultOptions
			wantErr string
		}{
			{"CA and client certificate", client, ""},
			{"CA only", secrets.VaultOptions{CACert: certs.CA}, map[bool]string{false: "", true: "certificate"}[mutual]},
			{"no CA", secrets.VaultOptions{}, "certificate"},
			{"skip verify", secrets.VaultOptions{InsecureSkipVerify: true, ClientCert: certs.ClientCert, ClientKey: certs.ClientKey}, ""},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("mutual=%v/%s", mutual, tc.name), func(t *testing.T) {
				s, _, _ := newStore(t, v, tc.opts, time.Minute, "sk-over-tls")
				h, err := s.Get(context.Background(), "vault://secret/openai#api_key")
				if tc.wantErr == "" {
					if err != nil {
						t.Fatal(err)
					}
					if value(t, h) != "sk-over-tls" {
						t.Fatal("wrong value")
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "vault://secret/openai#api_key") {
					t.Fatalf("error %v, want one about %q", err, tc.wantErr)
				}
			})
		}
	}
}

// TestRevokedToken: a token revoked behind the gateway's back (Vault
// answers 403) is replaced by a new AppRole login on the next read.
func TestRevokedToken(t *testing.T) {
	v := testvault.Start(t)
	v.MountKV("secret", 2)
	v.Put("secret", "openai", map[string]any{"api_key": "sk-revoked-1"})
	roleID, secretID := setupAppRole(t, v, nil)
	s, reg, _ := newStore(t, v, secrets.VaultOptions{AuthMethod: secrets.AuthAppRole, RoleID: roleID,
		SecretIDFile: testvault.TempFile(t, "sid", secretID)}, time.Hour, "sk-revoked-1", "sk-revoked-2", secretID)
	h, err := s.Get(context.Background(), "vault://secret/openai#api_key")
	if err != nil {
		t.Fatal(err)
	}
	// Revoke every token but the root token.
	c := v.Client()
	list, err := c.Logical().List("auth/token/accessors")
	if err != nil {
		t.Fatal(err)
	}
	self, _ := c.Auth().Token().LookupSelf()
	rootAccessor, _ := self.TokenAccessor()
	revoked := 0
	for _, a := range list.Data["keys"].([]any) {
		if a.(string) != rootAccessor {
			if _, err := c.Logical().Write("auth/token/revoke-accessor", map[string]any{"accessor": a}); err != nil {
				t.Fatal(err)
			}
			revoked++
		}
	}
	if revoked == 0 {
		t.Fatal("no token to revoke")
	}
	v.Put("secret", "openai", map[string]any{"api_key": "sk-revoked-2"})
	got, changed, err := h.Reread(context.Background(), "sk-revoked-1")
	if err != nil || !changed || got != "sk-revoked-2" {
		t.Fatalf("Reread = %q, %v, %v", got, changed, err)
	}
	if n := metric(t, reg, "wasmgate_vault_logins_total", map[string]string{"result": "ok"}); n != 2 {
		t.Fatalf("%v logins, want 2", n)
	}
}
