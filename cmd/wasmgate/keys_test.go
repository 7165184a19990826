package main_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/testnet"
)

// TestKeysCLI: `wasmgate keys` manages the keys of a running gateway with
// auth on; a key made by the CLI authenticates, a revoked one does not.
func TestKeysCLI(t *testing.T) {
	const admin = "cli-test-admin-key-0123456789"
	mock := testnet.FreeAddr(t)
	file := filepath.Join(t.TempDir(), "wasmgate.yaml")
	os.WriteFile(file, []byte(`
mock_provider: {listen: "`+mock+`"}
providers:
  up: {base_url: "http://`+mock+`/v1"}
models: [{id: gpt-4o-mini, provider: up}]
pipelines: {main: []}
routes: [{pipeline: main}]
governance: {auth: true, admin_key: "env://WG_TEST_ADMIN_KEY"}
`), 0o644)
	// The admin key is a secret reference, read by the secrets store.
	g := serve(t, file, "WG_TEST_ADMIN_KEY="+admin)
	keys := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"keys", "--url", g.url}, args...)...)
		cmd.Env = append(os.Environ(), "WASMGATE_ADMIN_KEY="+admin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := keys("create", "--team", "research", "--user", "ada", "--rpm", "100", "--budget", "5", "--budget-period", "monthly")
	var created struct {
		Key struct {
			ID     string
			Limits struct {
				RequestsPerMinute int64 `json:"requests_per_minute"`
			}
		}
		Secret string
	}
	if err != nil || json.Unmarshal([]byte(out), &created) != nil || created.Key.Limits.RequestsPerMinute != 100 {
		t.Fatalf("create: %v\n%s", err, out)
	}
	if status, body := chat(t, g.url, "gpt-4o-mini", false); status != 401 {
		t.Fatalf("without a key: %d %s", status, body)
	}
	withKey := func(secret string) int {
		req, _ := http.NewRequest("POST", g.url+"/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`))
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := withKey(created.Secret); s != 200 {
		t.Fatalf("with the key: %d", s)
	}
	if out, err := keys("list"); err != nil || !strings.Contains(out, created.Key.ID) || strings.Contains(out, created.Secret) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := keys("usage"); err != nil || !strings.Contains(out, `"requests": 1`) {
		t.Fatalf("usage: %v\n%s", err, out)
	}
	if out, err := keys("revoke", created.Key.ID); err != nil || !strings.Contains(out, "revoked_at") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if s := withKey(created.Secret); s != 401 {
		t.Fatalf("revoked key: %d", s)
	}
	// A wrong admin key is refused, with the API's message.
	cmd := exec.Command(bin, "keys", "--url", g.url, "--admin-key", "wrong", "list")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "401") {
		t.Fatalf("wrong admin key: %v\n%s", err, out)
	}
	if strings.Contains(g.logs.String(), admin) || strings.Contains(g.logs.String(), created.Secret) {
		t.Fatalf("a secret in the log:\n%s", g.logs.String())
	}
}
