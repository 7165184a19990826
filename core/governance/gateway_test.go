package governance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/admin"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/governance"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/server"
	"github.com/wasmgate/wasmgate/core/state"
)

const adminKey = "admin-key-for-tests-0123456789"

// replica is one gateway (server, gateway, governor, its own state client)
// on loopback.
type replica struct {
	url     string
	gov     *governance.Governor
	metrics *metrics.Metrics
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mock(t *testing.T) string {
	t.Helper()
	m, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m.URL()
}

// govConfig is a gateway config with auth on, in front of the mock, with
// no plugins (the built-in OpenAI-compatible passthrough).
func govConfig(t *testing.T, mockURL, stateSpec, extra string) *config.Config {
	t.Helper()
	raw := fmt.Sprintf(`
providers:
  mock: {base_url: %q}
models:
  - {id: gpt-4o-mini, provider: mock}
  - {id: gpt-4o, provider: mock}
pipelines: {main: []}
routes: [{pipeline: main}]
state: %q
governance:
  auth: true
  admin_key: %q
%s`, mockURL, stateSpec, adminKey, extra)
	cfg, err := config.Parse([]byte(raw), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startReplica serves cfg with a fresh state client; now is the clock (nil: real).
func startReplica(t *testing.T, cfg *config.Config, now func() time.Time) *replica {
	t.Helper()
	st, err := state.Open(cfg.State)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return startReplicaOn(t, cfg, st, now)
}

func startReplicaOn(t *testing.T, cfg *config.Config, st state.Store, now func() time.Time) *replica {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	m := metrics.New()
	gov := governance.New(governance.Options{Store: st, Logger: logger, Registry: m.Registry, Now: now})
	gov.Apply(cfg)
	gw, err := gateway.New(gateway.Options{Logger: logger, Metrics: m, Governor: gov})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	srv := server.New(gw, cfg.Server, m, logger, server.WithHandler("/admin", admin.New(gov, logger)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		gw.Close(context.Background())
	})
	return &replica{url: "http://" + ln.Addr().String(), gov: gov, metrics: m, logs: logs}
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 20 * time.Second}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, method, url, auth, body string, header ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err)
		return answer{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func chatBody(model string, stream bool) string {
	opts := ""
	if stream {
		opts = `"stream_options":{"include_usage":true},`
	}
	return fmt.Sprintf(`{"model":%q,"stream":%v,%s"messages":[{"role":"user","content":"Hello there, wasmgate!"}]}`, model, stream, opts)
}

func (r *replica) chat(t testing.TB, key, model string, header ...string) answer {
	return do(t, "POST", r.url+"/v1/chat/completions", key, chatBody(model, false), header...)
}

// createKey makes a key through the admin API.
func (r *replica) createKey(t *testing.T, spec string) (id, secret string) {
	t.Helper()
	a := do(t, "POST", r.url+"/admin/keys", adminKey, spec)
	if a.status != 201 {
		t.Fatalf("create key: %d %s", a.status, a.body)
	}
	var out admin.KeyWithSecret
	if err := json.Unmarshal([]byte(a.body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Key.ID, out.Secret
}

// errorOf checks an answer is an API error of a status and code.
func errorOf(t *testing.T, a answer, status int, code string) {
	t.Helper()
	var e struct {
		Error struct{ Message, Type, Code string }
	}
	if a.status != status || json.Unmarshal([]byte(a.body), &e) != nil || e.Error.Message == "" || (code != "" && e.Error.Code != code) {
		t.Fatalf("want %d %s, got %d %s", status, code, a.status, a.body)
	}
}
