package governance_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgate/wasmgate/core/mockprovider"
)

// TestVirtualKeys: clients need a wasmgate key; the admin API (with its own
// credential) creates, lists, rotates and revokes them.
func TestVirtualKeys(t *testing.T) {
	// The provider stand-in notes the credentials it is sent.
	var mu sync.Mutex
	var sent []string
	m := mockprovider.New(mockprovider.Options{})
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		sent = append(sent, req.Header.Get("Authorization")+req.Header.Get("x-api-key"))
		mu.Unlock()
		m.ServeHTTP(w, req)
	}))
	defer provider.Close()
	r := startReplica(t, govConfig(t, provider.URL+"/v1", "memory", ""), nil)

	// Admin API: its own credential.
	errorOf(t, do(t, "GET", r.url+"/admin/keys", "", ""), 401, "invalid_api_key")
	errorOf(t, do(t, "GET", r.url+"/admin/keys", "wrong", ""), 401, "invalid_api_key")
	errorOf(t, do(t, "POST", r.url+"/admin/keys", adminKey, `{"team":"a","nope":1}`), 400, "")
	errorOf(t, do(t, "POST", r.url+"/admin/keys", adminKey, `{"models":["[bad"]}`), 400, "")
	errorOf(t, do(t, "POST", r.url+"/admin/keys", adminKey, `{"budget":{"amount":5,"period":"yearly"}}`), 400, "")
	errorOf(t, do(t, "POST", r.url+"/admin/keys/key_x/rotate", adminKey, ""), 404, "key_not_found")
	errorOf(t, do(t, "PUT", r.url+"/admin/keys", adminKey, "{}"), 404, "not_found")
	errorOf(t, do(t, "GET", r.url+"/admin/nothing", adminKey, ""), 404, "not_found")

	id, secret := r.createKey(t, `{"name":"ci","team":"research","user":"ada","models":["gpt-4o-*"]}`)
	if !strings.HasPrefix(secret, "wg-") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}

	// Clients: no key, a bad key, a provider-style key, then the key.
	errorOf(t, r.chat(t, "", "gpt-4o-mini"), 401, "missing_api_key")
	errorOf(t, r.chat(t, "wg-not-a-key", "gpt-4o-mini"), 401, "invalid_api_key")
	errorOf(t, r.chat(t, "sk-provider-key", "gpt-4o-mini"), 401, "invalid_api_key")
	if a := r.chat(t, secret, "gpt-4o-mini"); a.status != 200 || !strings.Contains(a.body, "Mock reply to: Hello there, wasmgate!") {
		t.Fatalf("with the key: %d %s", a.status, a.body)
	}
	// x-api-key works too.
	if a := do(t, "POST", r.url+"/v1/chat/completions", "", chatBody("gpt-4o-mini", false), "x-api-key", secret); a.status != 200 {
		t.Fatalf("x-api-key: %d %s", a.status, a.body)
	}
	// Models the key may not use.
	errorOf(t, r.chat(t, secret, "gpt-4o"), 403, "model_not_allowed")

	// List: the key, its owner, never its secret or hash.
	a := do(t, "GET", r.url+"/admin/keys", adminKey, "")
	if a.status != 200 || strings.Contains(a.body, secret) || strings.Contains(a.body, `"hash"`) {
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	var list struct {
		Data []struct{ ID, Team, User, Hint string }
	}
	json.Unmarshal([]byte(a.body), &list)
	if len(list.Data) != 1 || list.Data[0].ID != id || list.Data[0].Team != "research" || list.Data[0].User != "ada" || !strings.HasPrefix(secret, strings.TrimSuffix(list.Data[0].Hint, "…")) {
		t.Fatalf("list: %s", a.body)
	}

	// Rotate: the old secret stops, the new one works.
	a = do(t, "POST", r.url+"/admin/keys/"+id+"/rotate", adminKey, "")
	var rot struct {
		Key    struct{ ID string }
		Secret string
	}
	if json.Unmarshal([]byte(a.body), &rot); a.status != 200 || rot.Key.ID != id || rot.Secret == secret {
		t.Fatalf("rotate: %d %s", a.status, a.body)
	}
	errorOf(t, r.chat(t, secret, "gpt-4o-mini"), 401, "invalid_api_key")
	if a := r.chat(t, rot.Secret, "gpt-4o-mini"); a.status != 200 {
		t.Fatalf("rotated key: %d %s", a.status, a.body)
	}

	// Revoke.
	if a := do(t, "DELETE", r.url+"/admin/keys/"+id, adminKey, ""); a.status != 200 || !strings.Contains(a.body, `"revoked_at"`) {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	errorOf(t, r.chat(t, rot.Secret, "gpt-4o-mini"), 401, "invalid_api_key")

	// The client's key never reaches the provider, nor the logs.
	mu.Lock()
	for _, s := range sent {
		if strings.Contains(s, "wg-") {
			t.Fatalf("the provider got the client's key: %q", s)
		}
	}
	if len(sent) != 3 {
		t.Fatalf("%d provider requests, want 3", len(sent))
	}
	mu.Unlock()
	if logs := r.logs.String(); strings.Contains(logs, secret) || strings.Contains(logs, rot.Secret) || strings.Contains(logs, adminKey) {
		t.Fatalf("a secret in the logs:\n%s", logs)
	}
}

// TestAuthOff: without governance.auth (the quickstart) requests need no
// key and leave no usage records; without an admin key there is no admin API.
func TestAuthOff(t *testing.T) {
	cfg := govConfig(t, mock(t), "memory", "")
	cfg.Governance.Auth, cfg.Governance.AdminKey = false, ""
	r := startReplica(t, cfg, nil)
	if a := r.chat(t, "", "gpt-4o-mini"); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if a := r.chat(t, "sk-whatever", "gpt-4o-mini"); a.status != 200 {
		t.Fatalf("a stray bearer token: %d %s", a.status, a.body)
	}
	if strings.Contains(r.logs.String(), `"msg":"usage"`) {
		t.Fatal("usage recorded without auth")
	}
	errorOf(t, do(t, "GET", r.url+"/admin/keys", adminKey, ""), 404, "not_found")
}
