package main_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/testnet"
	"github.com/wasmgate/wasmgate/core/testvault"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// keyedProvider is the mock provider behind a key check that a test can
// change, as a real provider's accepted keys change on rotation. A refused
// key is echoed in the error message, as OpenAI does, so that the gateway
// must scrub it.
type keyedProvider struct {
	*httptest.Server
	mu       sync.Mutex
	accepted map[string]bool
	used     []string // the key of each request
}

func newKeyedProvider(t *testing.T, keys ...string) *keyedProvider {
	p := &keyedProvider{}
	p.accept(keys...)
	mock := mockprovider.New(mockprovider.Options{})
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if q := r.URL.Query().Get("key"); q != "" {
			key = q
		}
		p.mu.Lock()
		p.used = append(p.used, key)
		ok := p.accepted[key]
		p.mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s.","type":"invalid_request_error","code":"invalid_api_key"}}`, key)
			return
		}
		mock.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *keyedProvider) accept(keys ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accepted = map[string]bool{}
	for _, k := range keys {
		p.accepted[k] = true
	}
}

func (p *keyedProvider) lastKey() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.used) == 0 {
		return ""
	}
	return p.used[len(p.used)-1]
}

func (p *keyedProvider) requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.used)
}

// vaultGatewayConfig writes a config whose provider key and plugin secret
// come from Vault, beside the test guests it uses.
func vaultGatewayConfig(t *testing.T, v *testvault.Server, provider, refresh, extra string) string {
	t.Helper()
	dir := t.TempDir()
	for _, g := range []string{"noop", "secretprobe", "keyinurl"} {
		os.WriteFile(filepath.Join(dir, g+".wasm"), testwasm.GoPluginBytes(t, "testguests/"+g), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "openai.wasm"), testwasm.GoPluginBytes(t, "openai"), 0o644)
	conf := `
secrets:
  refresh_interval: ` + refresh + `
  vault:
    address: "` + v.Addr + `"
    auth: {token: "env://TEST_VAULT_TOKEN"}
plugins:
  noop: {source: noop.wasm}
  openai: {source: openai.wasm}
  keyinurl: {source: keyinurl.wasm}
  probe:
    source: secretprobe.wasm
    capabilities:
      secrets: {signing: "vault://secret/plugin#signing_key"}
  unprivileged: {source: secretprobe.wasm}
providers:
  up: {base_url: "` + provider + `", api_key: "vault://secret/openai#api_key"}
  adapted: {base_url: "` + provider + `", api_key: "vault://secret/openai#api_key", adapter: openai}
  inurl: {base_url: "` + provider + `", api_key: "vault://secret/openai#api_key", adapter: keyinurl}
  down: {base_url: "http://127.0.0.1:1/v1", api_key: "vault://secret/openai#api_key", adapter: keyinurl}
models: [{id: m, provider: up}, {id: m-adapted, provider: adapted}, {id: m-inurl, provider: inurl}, {id: m-down, provider: down}, {id: probe-granted, provider: up}, {id: probe-other, provider: up}, {id: probe-none, provider: up}]
pipelines:
  main: [{plugin: noop}]
  granted: [{plugin: probe, config: {name: signing}}]
  other: [{plugin: probe, config: {name: api_key}}]
  none: [{plugin: unprivileged, config: {name: signing}}]
routes:
  - {pipeline: granted, models: [probe-granted]}
  - {pipeline: other, models: [probe-other]}
  - {pipeline: none, models: [probe-none]}
  - {pipeline: main}
` + extra
	file := filepath.Join(dir, "wasmgate.yaml")
	os.WriteFile(file, []byte(conf), 0o644)
	return file
}

func seedVault(t *testing.T, v *testvault.Server, key string) {
	t.Helper()
	v.MountKV("secret", 2)
	v.Put("secret", "openai", map[string]any{"api_key": key})
	v.Put("secret", "plugin", map[string]any{"signing_key": "plugin-signing-value"})
}

// noLeak fails when a secret value is in any of the outputs.
func noLeak(t *testing.T, outputs map[string]string, values ...string) {
	t.Helper()
	for name, out := range outputs {
		for _, v := range values {
			if strings.Contains(out, v) {
				t.Errorf("the secret %q is in %s:\n%s", v, name, out)
			}
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// metricValue sums a metric's series in a /metrics page.
func metricValue(page, name string) float64 {
	var sum float64
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? ([0-9.e+-]+)$`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		f, _ := strconv.ParseFloat(m[2], 64)
		sum += f
	}
	return sum
}

// TestVaultProviderKey: the provider key comes from Vault (KV v2); a key
// rotated in Vault is used within the refresh interval; plugins get only
// their granted secrets; no value reaches the logs, /metrics, /v1/models,
// error answers or `config show`.
func TestVaultProviderKey(t *testing.T) {
	v := testvault.Start(t)
	seedVault(t, v, "sk-vault-first")
	prov := newKeyedProvider(t, "sk-vault-first", "sk-vault-second")
	file := vaultGatewayConfig(t, v, prov.URL+"/v1", "300ms", "")
	g := serve(t, file, "TEST_VAULT_TOKEN="+testvault.RootToken)

	if status, body := chat(t, g.url, "m", false); status != 200 || prov.lastKey() != "sk-vault-first" {
		t.Fatalf("%d %s (provider got %q)", status, body, prov.lastKey())
	}
	v.Put("secret", "openai", map[string]any{"api_key": "sk-vault-second"})
	time.Sleep(time.Second) // over three refresh intervals
	if status, body := chat(t, g.url, "m", true); status != 200 || prov.lastKey() != "sk-vault-second" {
		t.Fatalf("after rotation: %d %s (provider got %q)", status, body, prov.lastKey())
	}

	// Plugins: the granted name only.
	for model, want := range map[string]string{
		"probe-granted": `{"value":"plugin-signing-value"}`,
		"probe-other":   `{"error":"wasmgate: denied"}`,
		"probe-none":    `{"error":"wasmgate: denied"}`,
	} {
		if status, body := chat(t, g.url, model, false); status != 200 || body != want {
			t.Errorf("%s: %d %s, want %s", model, status, body, want)
		}
	}

	// A provider that cannot be reached, its key in the URL: the client's
	// error and the log must not show the URL with the key.
	status, downBody := chat(t, g.url, "m-down", false)
	if status != 502 {
		t.Fatalf("unreachable provider: %d %s", status, downBody)
	}

	// A key the provider refuses even after a re-read: the answer is the
	// provider's 401, with the key it echoed scrubbed.
	prov.accept()
	status, errBody := chat(t, g.url, "m", false)
	if status != 401 || !strings.Contains(errBody, "Incorrect API key provided: [redacted]") {
		t.Fatalf("refused key: %d %s", status, errBody)
	}

	show, err := exec.Command(bin, "config", "show", "-c", file).CombinedOutput()
	if err != nil || !strings.Contains(string(show), "api_key: vault://secret/openai#api_key") ||
		!strings.Contains(string(show), "signing: vault://secret/plugin#signing_key") {
		t.Fatalf("config show: %v\n%s", err, show)
	}
	noLeak(t, map[string]string{"the log": g.logs.String(), "/metrics": get(t, g.url+"/metrics"), "/v1/models": get(t, g.url+"/v1/models"),
		"the error answer": errBody, "the unreachable provider's answer": downBody, "config show": string(show)}, "sk-vault-first", "sk-vault-second", testvault.RootToken)
	noLeak(t, map[string]string{"the log": g.logs.String()}, "plugin-signing-value")
}

// TestVaultKeyReadAgainOn401: with a long refresh interval, a key rotated
// at the provider and in Vault is picked up by the first request the
// provider refuses: one re-read, one retry, no failed request; for the
// built-in passthrough and for an adapter that sets the key itself.
func TestVaultKeyReadAgainOn401(t *testing.T) {
	for _, model := range []string{"m", "m-adapted", "m-inurl"} {
		t.Run(model, func(t *testing.T) {
			v := testvault.Start(t)
			seedVault(t, v, "sk-before-rotation")
			prov := newKeyedProvider(t, "sk-before-rotation")
			g := serve(t, vaultGatewayConfig(t, v, prov.URL+"/v1", "1h", ""), "TEST_VAULT_TOKEN="+testvault.RootToken)
			if status, body := chat(t, g.url, model, false); status != 200 {
				t.Fatalf("%d %s", status, body)
			}
			v.Put("secret", "openai", map[string]any{"api_key": "sk-after-rotation"})
			prov.accept("sk-after-rotation")
			n := prov.requests()
			for _, stream := range []bool{false, true} {
				if status, body := chat(t, g.url, model, stream); status != 200 {
					t.Fatalf("stream=%v: %d %s", stream, status, body)
				}
			}
			if got := prov.requests() - n; got != 3 {
				t.Fatalf("%d provider requests, want 3 (a refused one, its retry, then the new key at once)", got)
			}
			noLeak(t, map[string]string{"the log": g.logs.String()}, "sk-before-rotation", "sk-after-rotation")
		})
	}
}

// TestVaultUnreachableAtStart: a Vault that cannot be reached stops the
// start with an error naming the reference; with start_degraded the
// gateway serves, answers 503 for that provider, and recovers by itself.
func TestVaultUnreachableAtStart(t *testing.T) {
	v := testvault.Start(t)
	seedVault(t, v, "sk-degraded")
	v.Stop()
	prov := newKeyedProvider(t, "sk-degraded")
	file := vaultGatewayConfig(t, v, prov.URL+"/v1", "200ms", "")
	cmd := exec.Command(bin, "serve", "-c", file)
	cmd.Env = append(os.Environ(), "TEST_VAULT_TOKEN="+testvault.RootToken, "WASMGATE_SERVER__LISTEN="+testnet.FreeAddr(t), "XDG_CACHE_HOME="+cacheHome)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not exit with Vault unreachable")
	}
	if err == nil || !strings.Contains(string(out), "secret vault://secret/") || !strings.Contains(string(out), v.Addr) {
		t.Fatalf("exit %v, output:\n%s", err, out)
	}

	g := serve(t, file, "TEST_VAULT_TOKEN="+testvault.RootToken, "WASMGATE_SECRETS__START_DEGRADED=true")
	if status, body := chat(t, g.url, "m", false); status != 503 || !strings.Contains(body, `the key of provider \"up\" is not available yet`) {
		t.Fatalf("degraded: %d %s", status, body)
	}
	v.Restart()
	waitFor(t, g, func() bool { status, _ := chat(t, g.url, "m", false); return status == 200 })
}

// TestVaultRestartUnderLoad: Vault stopped and started again while
// requests flow: none fails, the outage is logged and counted, and the
// gateway reads from Vault again by itself (a key rotated meanwhile is
// picked up).
func TestVaultRestartUnderLoad(t *testing.T) {
	v := testvault.Start(t)
	seedVault(t, v, "sk-load-1")
	prov := newKeyedProvider(t, "sk-load-1", "sk-load-2")
	g := serve(t, vaultGatewayConfig(t, v, prov.URL+"/v1", "200ms", ""), "TEST_VAULT_TOKEN="+testvault.RootToken)

	var stop atomic.Bool
	var ok, failed atomic.Int64
	var firstFailure atomic.Value
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				resp, err := client.Post(g.url+"/v1/chat/completions", "application/json",
					strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("%d %s", resp.StatusCode, b))
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	v.Stop()
	waitFor(t, g, func() bool { return metricValue(get(t, g.url+"/metrics"), "wasmgate_secret_read_errors_total") > 0 })
	if s := metricValue(get(t, g.url+"/metrics"), "wasmgate_secrets_stale"); s < 1 {
		t.Fatalf("stale = %v while Vault is down", s)
	}
	time.Sleep(time.Second)
	v.Restart()
	v.Put("secret", "openai", map[string]any{"api_key": "sk-load-2"})
	waitFor(t, g, func() bool { return prov.lastKey() == "sk-load-2" })
	waitFor(t, g, func() bool { return metricValue(get(t, g.url+"/metrics"), "wasmgate_secrets_stale") == 0 })
	stop.Store(true)
	wg.Wait()
	if failed.Load() > 0 || ok.Load() < 20 {
		t.Fatalf("%d failed, %d ok; first failure: %v", failed.Load(), ok.Load(), firstFailure.Load())
	}
	if !strings.Contains(g.logs.String(), "serving the cached value") {
		t.Fatalf("the outage is not in the log:\n%s", g.logs.String())
	}
	noLeak(t, map[string]string{"the log": g.logs.String(), "/metrics": get(t, g.url+"/metrics")}, "sk-load-1", "sk-load-2", "plugin-signing-value")
}

// TestVaultExample follows examples/vault/README.md against the test Vault:
// the key put in KV, the README's policy and AppRole, the example config
// unchanged (the README's mock provider overrides), a completion.
func TestVaultExample(t *testing.T) {
	readme, err := os.ReadFile("../../examples/vault/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, policy, _ := strings.Cut(string(readme), "<<'HCL'\n")
	policy, _, ok := strings.Cut(policy, "\nHCL\n")
	if !ok {
		t.Fatal("the README has no policy")
	}
	v := testvault.Start(t)
	v.MountKV("secret", 2)
	v.Put("secret", "wasmgate/openai", map[string]any{"api_key": "sk-example-key"})
	c := v.Client()
	if err := c.Sys().PutPolicy("wasmgate", policy); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Write("sys/auth/approle", map[string]any{"type": "approle"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/approle/role/wasmgate", map[string]any{"token_policies": "wasmgate", "token_ttl": "1h", "token_max_ttl": "24h"}); err != nil {
		t.Fatal(err)
	}
	role, err := c.Logical().Read("auth/approle/role/wasmgate/role-id")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := c.Logical().Write("auth/approle/role/wasmgate/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	secretID := sid.Data["secret_id"].(string)

	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "build", "plugins"), 0o755)
	for _, p := range []string{"openai", "request-guard"} {
		os.WriteFile(filepath.Join(root, "build", "plugins", p+".wasm"), testwasm.GoPluginBytes(t, p), 0o644)
	}
	src, err := os.ReadFile("../../examples/vault/wasmgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "examples", "vault", "wasmgate.yaml")
	os.MkdirAll(filepath.Dir(file), 0o755)
	os.WriteFile(file, src, 0o644)
	mock := testnet.FreeAddr(t)
	g := serve(t, file, "VAULT_ADDR="+v.Addr, "VAULT_TOKEN=", "VAULT_ROLE_ID="+role.Data["role_id"].(string),
		"WASMGATE_SECRETS__VAULT__AUTH__SECRET_ID_FILE="+testvault.TempFile(t, "vault-secret-id", secretID+"\n"),
		"WASMGATE_MOCK_PROVIDER__LISTEN="+mock, "WASMGATE_PROVIDERS__OPENAI__BASE_URL=http://"+mock+"/v1")
	if status, body := chat(t, g.url, "gpt-4o-mini", false); status != 200 || !strings.Contains(body, "Mock reply") {
		t.Fatalf("%d %s\n%s", status, body, g.logs.String())
	}
	show, err := exec.Command(bin, "config", "show", "-c", file).CombinedOutput()
	if err != nil || !strings.Contains(string(show), "api_key: vault://secret/wasmgate/openai#api_key") {
		t.Fatalf("config show: %v\n%s", err, show)
	}
	noLeak(t, map[string]string{"the log": g.logs.String(), "config show": string(show)}, "sk-example-key", secretID)
}
