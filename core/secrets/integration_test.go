package secrets_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/wasmgate/wasmgate/core/secrets"
)

// TestIntegrationVault runs against any Vault: set VAULT_ADDR and
// VAULT_TOKEN (a token that may mount and unmount secrets engines), and
// VAULT_NAMESPACE and VAULT_CACERT when they apply. It mounts a KV v2
// engine at a fresh path, reads and rotates a secret through the store,
// and unmounts it again:
//
//	VAULT_ADDR=https://vault.example:8200 VAULT_TOKEN=... go test -run TestIntegrationVault ./core/secrets/
func TestIntegrationVault(t *testing.T) {
	if os.Getenv("VAULT_ADDR") == "" || os.Getenv("VAULT_TOKEN") == "" {
		t.Skip("set VAULT_ADDR and VAULT_TOKEN to run against a Vault of yours")
	}
	c, err := api.NewClient(api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	mount := fmt.Sprintf("wasmgate-it-%d", time.Now().UnixNano())
	if err := c.Sys().Mount(mount, &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatal(err)
	}
	defer c.Sys().Unmount(mount)
	ctx := context.Background()
	put := func(v string) {
		var err error
		for i := 0; i < 100; i++ { // a new v2 mount upgrades for a moment
			if _, err = c.KVv2(mount).Put(ctx, "provider", map[string]any{"api_key": v}); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal(err)
	}
	put("sk-integration-1")
	s, err := secrets.New(ctx, secrets.Options{Vault: &secrets.VaultOptions{}, RefreshInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.Get(ctx, "vault://"+mount+"/provider#api_key")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Value(); v != "sk-integration-1" {
		t.Fatalf("read %q", v)
	}
	s.Start()
	put("sk-integration-2")
	eventually(t, 5*time.Second, "the rotated value", func() bool { v, _ := h.Value(); return v == "sk-integration-2" })
}
