package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/state/redistest"
)

// TestReplicasShareRedis: two `wasmgate serve` processes sharing one Redis,
// hammered concurrently, admit exactly a key's limit; a key revoked on one
// is refused by the other within a second.
func TestReplicasShareRedis(t *testing.T) {
	const admin = "replica-test-admin-key-0123456789"
	rds := redistest.Start(t)
	mock, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mock.Close()
	file := filepath.Join(t.TempDir(), "wasmgate.yaml")
	os.WriteFile(file, []byte(`
providers:
  up: {base_url: "`+mock.URL()+`"}
models: [{id: gpt-4o-mini, provider: up}]
pipelines: {main: []}
routes: [{pipeline: main}]
state: "`+rds.URL()+`"
governance: {auth: true, on_state_error: fail_closed}
`), 0o644)
	env := "WASMGATE_GOVERNANCE__ADMIN_KEY=" + admin
	a, b := serve(t, file, env), serve(t, file, env)

	post := func(url, auth, body string) (int, string) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	created := createKey(t, post, a.url, admin, `{"team":"t","limits":{"requests_per_hour":73}}`)
	// Keep the burst inside one hour window.
	if left := time.Until(time.Now().Truncate(time.Hour).Add(time.Hour)); left < 10*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
	chatBody := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`
	var ok, limited, other atomic.Int64
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := a.url
			if g%2 == 1 {
				url = b.url
			}
			for range 8 {
				switch s, _ := post(url+"/v1/chat/completions", created.Secret, chatBody); s {
				case 200:
					ok.Add(1)
				case 429:
					limited.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 73 || limited.Load() != 256-73 || other.Load() != 0 {
		t.Fatalf("admitted %d, limited %d, other %d; want exactly 73 admitted", ok.Load(), limited.Load(), other.Load())
	}

	// Revocation on one replica reaches the other.
	second := createKey(t, post, a.url, admin, `{}`)
	if s, body := post(b.url+"/v1/chat/completions", second.Secret, chatBody); s != 200 {
		t.Fatalf("second key on b: %d %s", s, body)
	}
	req, _ := http.NewRequest("DELETE", a.url+"/admin/keys/"+second.Key.ID, nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	revoked := time.Now()
	for {
		s, _ := post(b.url+"/v1/chat/completions", second.Secret, chatBody)
		if s == 401 {
			break
		}
		if time.Since(revoked) > time.Second {
			t.Fatalf("b still answers %d a second after the revocation", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type createdKey struct {
	Key    struct{ ID string }
	Secret string
}

func createKey(t *testing.T, post func(url, auth, body string) (int, string), url, admin, spec string) createdKey {
	t.Helper()
	status, body := post(url+"/admin/keys", admin, spec)
	var k createdKey
	if status != 201 || json.Unmarshal([]byte(body), &k) != nil {
		t.Fatalf("create: %d %s", status, body)
	}
	return k
}
