package cache_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/server"
	"github.com/wasmgate/wasmgate/core/testwasm"
	"github.com/wasmgate/wasmgate/core/vectorstore/weaviate/weaviatetest"
)

// counter is a reverse proxy in front of the mock provider that counts the
// chat requests reaching the provider.
type counter struct {
	srv   *httptest.Server
	chats atomic.Int64
}

func newProvider(t testing.TB) *counter {
	mock, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mock.Close() })
	u, _ := url.Parse("http://" + mock.Addr())
	c := &counter{}
	rp := httputil.NewSingleHostReverseProxy(u)
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			c.chats.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

const cacheConfig = `
server: {listen: "127.0.0.1:0"}
plugins:
  cache: {source: cache.wasm, capabilities: {cache: true}, limits: {timeout: 3s}}
  openai: {source: openai.wasm}
providers:
  mock: {base_url: "%s/v1", adapter: openai}
  deadembed: {base_url: "http://127.0.0.1:1/v1"}
models:
  - {id: gpt-4o-mini, provider: mock}
  - {id: gpt-4o, provider: mock}
  - {id: mock-fail-500, provider: mock}
  - {id: renamed, provider: mock, upstream_model: gpt-4o-mini}
pipelines:
  cached:
    - plugin: cache
      on_error: fail_open
      config: {min_score: 0.85}
routes:
  - {pipeline: cached, models: ["*"]}
cache:
%s
`

type gw struct {
	url     string
	gw      *gateway.Gateway
	metrics *metrics.Metrics
	close   func()
}

// startGateway serves cacheConfig with the cache section given.
func startGateway(t testing.TB, provider string, cacheSection, dir string) *gw {
	t.Helper()
	for _, p := range []string{"cache", "openai"} {
		if err := os.WriteFile(filepath.Join(dir, p+".wasm"), testwasm.GoPluginBytes(t, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(cacheConfig, provider, cacheSection)), dir)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := metrics.New()
	g, err := gateway.New(gateway.Options{Logger: logger, Metrics: m, CacheDir: filepath.Join(os.TempDir(), "wasmgate-cache-test-compiled")})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	srv := server.New(g, cfg.Server, m, logger)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	closed := false
	stop := func() {
		if !closed {
			closed = true
			_ = srv.Shutdown(context.Background())
			_ = g.Close(context.Background())
		}
	}
	t.Cleanup(stop)
	return &gw{url: "http://" + ln.Addr().String(), gw: g, metrics: m, close: stop}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func ask(t testing.TB, g *gw, body string, headers ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.url+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func chat(model, question string, extra string) string {
	return fmt.Sprintf(`{"model":%q,%s"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":%q}]}`, model, extra, question)
}

func TestExactAndSemanticHits(t *testing.T) {
	p := newProvider(t)
	g := startGateway(t, p.srv.URL, "  embedder: {kind: offline}", t.TempDir())

	first := ask(t, g, chat("gpt-4o-mini", "What is the capital of France?", ""))
	if first.status != 200 || first.header.Get("x-wasmgate-cache") != "miss" {
		t.Fatalf("first: %d %q %s", first.status, first.header.Get("x-wasmgate-cache"), first.body)
	}
	if p.chats.Load() != 1 {
		t.Fatalf("provider called %d times, want 1", p.chats.Load())
	}

	// The same request with keys reordered and other spacing: an exact hit.
	reordered := `{ "messages" : [ {"content":"Be brief.","role":"system"}, {"role":"user","content":"What is the capital of France?"} ], "model":"gpt-4o-mini" }`
	hit := ask(t, g, reordered)
	if hit.header.Get("x-wasmgate-cache") != "hit" || hit.header.Get("x-wasmgate-cache-tier") != "exact" {
		t.Fatalf("reordered request: cache %q tier %q", hit.header.Get("x-wasmgate-cache"), hit.header.Get("x-wasmgate-cache-tier"))
	}
	if strings.TrimSpace(hit.body) != strings.TrimSpace(first.body) {
		t.Errorf("a hit answered\n%s\nwant the stored\n%s", hit.body, first.body)
	}
	// user and stream settings do not change the answer: still exact.
	if a := ask(t, g, chat("gpt-4o-mini", "What is the capital of France?", `"user":"someone",`)); a.header.Get("x-wasmgate-cache-tier") != "exact" {
		t.Errorf("user field changed the key: %q", a.header.Get("x-wasmgate-cache-tier"))
	}

	// A rephrasing: a semantic hit, with its similarity.
	sem := ask(t, g, chat("gpt-4o-mini", "what is the capital of france", ""))
	if sem.header.Get("x-wasmgate-cache") != "hit" || sem.header.Get("x-wasmgate-cache-tier") != "semantic" {
		t.Fatalf("rephrased: cache %q tier %q", sem.header.Get("x-wasmgate-cache"), sem.header.Get("x-wasmgate-cache-tier"))
	}
	if s := sem.header.Get("x-wasmgate-cache-similarity"); s < "0.85" || s > "1.0000" {
		t.Errorf("similarity %q", s)
	}
	if p.chats.Load() != 1 {
		t.Errorf("provider called %d times after three hits, want 1", p.chats.Load())
	}
	// Another question is a miss.
	if a := ask(t, g, chat("gpt-4o-mini", "How do I reset my router password?", "")); a.header.Get("x-wasmgate-cache") != "miss" {
		t.Errorf("unrelated question: %q", a.header.Get("x-wasmgate-cache"))
	}
	if v := metric(t, g, "wasmgate_cache_events_total", "hit_semantic"); v != 1 {
		t.Errorf("hit_semantic counted %v times, want 1", v)
	}
	// Three hits of the first answer, at gpt-4o-mini's prices in
	// core/pricing/prices.yaml ($0.15 and $0.60 per million tokens).
	var usage struct {
		Usage struct {
			Prompt     float64 `json:"prompt_tokens"`
			Completion float64 `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(first.body), &usage); err != nil {
		t.Fatal(err)
	}
	want := 3 * (usage.Usage.Prompt*0.15 + usage.Usage.Completion*0.60) / 1e6
	if got := metric(t, g, "wasmgate_cache_cost_saved_dollars_total", ""); got < want*0.99 || got > want*1.01+3e-6 || want == 0 {
		t.Errorf("cost saved $%.9f, want about $%.9f", got, want)
	}
}

// metric is the value of a counter (or histogram count) whose one label
// has the value given ("" for any).
func metric(t testing.TB, g *gw, name, label string) float64 {
	t.Helper()
	mfs, err := g.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					match = true
				}
			}
			if match {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// TestKeyAsTheLookupSawIt: the adapter renames the model in the request
// after the cache's lookup; the answer is still stored under the key the
// lookup used, so the same request hits next time.
func TestKeyAsTheLookupSawIt(t *testing.T) {
	p := newProvider(t)
	g := startGateway(t, p.srv.URL, "  embedder: {kind: offline}", t.TempDir())
	body := chat("renamed", "Which planet is the largest?", "")
	if a := ask(t, g, body); a.status != 200 || a.header.Get("x-wasmgate-cache") != "miss" {
		t.Fatalf("first: %d %q %s", a.status, a.header.Get("x-wasmgate-cache"), a.body)
	}
	if a := ask(t, g, body); a.header.Get("x-wasmgate-cache-tier") != "exact" {
		t.Fatalf("second: cache %q tier %q", a.header.Get("x-wasmgate-cache"), a.header.Get("x-wasmgate-cache-tier"))
	}
}

func TestPartitionsNeverCross(t *testing.T) {
	p := newProvider(t)
	g := startGateway(t, p.srv.URL, "  embedder: {kind: offline}", t.TempDir())
	q := "Which river flows through Paris?"
	if a := ask(t, g, chat("gpt-4o-mini", q, ""), "x-wasmgate-tenant", "acme"); a.header.Get("x-wasmgate-cache") != "miss" {
		t.Fatalf("first: %q", a.header.Get("x-wasmgate-cache"))
	}
	for _, tc := range []struct {
		name    string
		body    string
		headers []string
	}{
		{"another tenant", chat("gpt-4o-mini", q, ""), []string{"x-wasmgate-tenant", "globex"}},
		{"no tenant", chat("gpt-4o-mini", q, ""), nil},
		{"another model", chat("gpt-4o", q, ""), []string{"x-wasmgate-tenant", "acme"}},
		{"another temperature", chat("gpt-4o-mini", q, `"temperature":0.9,`), []string{"x-wasmgate-tenant", "acme"}},
		{"another system prompt", strings.Replace(chat("gpt-4o-mini", q, ""), "Be brief.", "Be verbose.", 1), []string{"x-wasmgate-tenant", "acme"}},
	} {
		if a := ask(t, g, tc.body, tc.headers...); a.header.Get("x-wasmgate-cache") != "miss" {
			t.Errorf("%s: cache %q tier %q; a hit crossed a partition", tc.name, a.header.Get("x-wasmgate-cache"), a.header.Get("x-wasmgate-cache-tier"))
		}
	}
	if a := ask(t, g, chat("gpt-4o-mini", q, ""), "x-wasmgate-tenant", "acme"); a.header.Get("x-wasmgate-cache") != "hit" {
		t.Errorf("same tenant again: %q", a.header.Get("x-wasmgate-cache"))
	}
}

func TestControlsErrorsAndTTL(t *testing.T) {
	p := newProvider(t)
	g := startGateway(t, p.srv.URL, "  embedder: {kind: offline}", t.TempDir())
	body := chat("gpt-4o-mini", "Name three prime numbers.", "")

	if a := ask(t, g, body, "x-wasmgate-cache", "no-store"); a.header.Get("x-wasmgate-cache") != "miss" {
		t.Fatalf("no-store: %q", a.header.Get("x-wasmgate-cache"))
	}
	if a := ask(t, g, body); a.header.Get("x-wasmgate-cache") != "miss" {
		t.Fatalf("after no-store: %q, want miss (nothing stored)", a.header.Get("x-wasmgate-cache"))
	}
	if a := ask(t, g, body, "x-wasmgate-cache", "no-cache"); a.header.Get("x-wasmgate-cache") != "miss" {
		t.Errorf("no-cache: %q, want a fresh answer", a.header.Get("x-wasmgate-cache"))
	}
	if a := ask(t, g, body, "x-wasmgate-cache", "off"); a.header.Get("x-wasmgate-cache") != "bypass" {
		t.Errorf("off: %q", a.header.Get("x-wasmgate-cache"))
	}
	if a := ask(t, g, body); a.header.Get("x-wasmgate-cache") != "hit" {
		t.Errorf("plain: %q, want a hit", a.header.Get("x-wasmgate-cache"))
	}

	// Errors are never cached.
	fail := chat("mock-fail-500", "This fails upstream.", "")
	for i := range 2 {
		if a := ask(t, g, fail); a.status < 500 || a.header.Get("x-wasmgate-cache") == "hit" {
			t.Errorf("failing request %d: %d %q", i, a.status, a.header.Get("x-wasmgate-cache"))
		}
	}

	// A TTL of one second expires for real.
	short := chat("gpt-4o-mini", "What time zone is Lisbon in?", "")
	ask(t, g, short, "x-wasmgate-cache-ttl", "1")
	if a := ask(t, g, short); a.header.Get("x-wasmgate-cache") != "hit" {
		t.Fatalf("before expiry: %q", a.header.Get("x-wasmgate-cache"))
	}
	time.Sleep(1100 * time.Millisecond)
	if a := ask(t, g, short); a.header.Get("x-wasmgate-cache") != "miss" {
		t.Errorf("after the TTL: %q, want miss", a.header.Get("x-wasmgate-cache"))
	}
}

// sse reads a streamed answer: the data of every event.
func sse(t testing.TB, g *gw, body string) (http.Header, []string) {
	t.Helper()
	resp, err := http.Post(g.url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("stream: %d %s", resp.StatusCode, b)
	}
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events = append(events, d)
		}
	}
	return resp.Header, events
}

func TestStreamsAreStoredAndReplayed(t *testing.T) {
	p := newProvider(t)
	g := startGateway(t, p.srv.URL, "  embedder: {kind: offline}", t.TempDir())
	body := chat("gpt-4o-mini", "Write a haiku about caching.", `"stream":true,"stream_options":{"include_usage":true},`)
	h, live := sse(t, g, body)
	if h.Get("x-wasmgate-cache") != "miss" || len(live) < 3 || live[len(live)-1] != "[DONE]" {
		t.Fatalf("live stream: %q, %d events", h.Get("x-wasmgate-cache"), len(live))
	}
	text := func(events []string) string {
		var b strings.Builder
		for _, e := range events {
			if i := strings.Index(e, `"content":"`); i >= 0 {
				rest := e[i+len(`"content":"`):]
				b.WriteString(rest[:strings.Index(rest, `"`)])
			}
		}
		return b.String()
	}
	h, replay := sse(t, g, body)
	if h.Get("x-wasmgate-cache") != "hit" || h.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("replay: cache %q, content type %q", h.Get("x-wasmgate-cache"), h.Get("Content-Type"))
	}
	if replay[len(replay)-1] != "[DONE]" || text(replay) != text(live) || text(live) == "" {
		t.Errorf("replayed text %q, live %q", text(replay), text(live))
	}
	if !strings.Contains(strings.Join(replay, " "), `"usage"`) {
		t.Errorf("the replay has no usage chunk though the client asked for one")
	}
	// The stored stream also answers the same question asked without streaming.
	a := ask(t, g, chat("gpt-4o-mini", "Write a haiku about caching.", ""))
	if a.header.Get("x-wasmgate-cache") != "hit" || !strings.Contains(a.body, `"chat.completion"`) {
		t.Errorf("non-streamed after a stored stream: %q %s", a.header.Get("x-wasmgate-cache"), a.body)
	}
	if p.chats.Load() != 1 {
		t.Errorf("provider called %d times, want 1", p.chats.Load())
	}
}

func TestEmbeddedStoreSurvivesRestart(t *testing.T) {
	p := newProvider(t)
	dir := t.TempDir()
	g := startGateway(t, p.srv.URL, "  path: vectors.log\n  embedder: {kind: offline}", dir)
	body := chat("gpt-4o-mini", "What is the boiling point of water at sea level?", "")
	ask(t, g, body)
	g.close()
	g2 := startGateway(t, p.srv.URL, "  path: vectors.log\n  embedder: {kind: offline}", dir)
	if a := ask(t, g2, body); a.header.Get("x-wasmgate-cache") != "hit" {
		t.Fatalf("after a restart: %q", a.header.Get("x-wasmgate-cache"))
	}
	if a := ask(t, g2, chat("gpt-4o-mini", "what is the boiling point of water at sea level", "")); a.header.Get("x-wasmgate-cache-tier") != "semantic" {
		t.Errorf("semantic after a restart: %q", a.header.Get("x-wasmgate-cache-tier"))
	}
}

func TestBackendsDownBypassTheCache(t *testing.T) {
	p := newProvider(t)
	// Weaviate that does not answer, and an embeddings provider that is down.
	for name, section := range map[string]string{
		"store down":    "  store: weaviate\n  weaviate: {url: \"http://127.0.0.1:1\", timeout: 300ms}",
		"embedder down": "  embedder: {kind: provider, provider: deadembed, model: text-embedding-3-small}",
	} {
		t.Run(name, func(t *testing.T) {
			g := startGateway(t, p.srv.URL, section, t.TempDir())
			for range 2 {
				a := ask(t, g, chat("gpt-4o-mini", "Is the cache down?", ""))
				if a.status != 200 || a.header.Get("x-wasmgate-cache") != "bypass" {
					t.Fatalf("%d cache %q: %s", a.status, a.header.Get("x-wasmgate-cache"), a.body)
				}
			}
			if v := metric(t, g, "wasmgate_cache_backend_failures_total", ""); v < 2 {
				t.Errorf("backend failures counted %v, want at least 2", v)
			}
		})
	}
}

// TestWeaviateBackedCache runs the cache through the gateway with a real
// Weaviate, stops Weaviate under traffic, and starts it again.
func TestWeaviateBackedCache(t *testing.T) {
	srv := weaviatetest.Start(t)
	p := newProvider(t)
	g := startGateway(t, p.srv.URL, "  store: weaviate\n  weaviate: {url: \""+srv.URL+"\", class: E2e, timeout: 3s}\n  embedder: {kind: offline}", t.TempDir())
	body := chat("gpt-4o-mini", "What is the tallest mountain in Europe?", "")
	if a := ask(t, g, body); a.header.Get("x-wasmgate-cache") != "miss" {
		t.Fatalf("first: %q %s", a.header.Get("x-wasmgate-cache"), a.body)
	}
	if a := ask(t, g, body); a.header.Get("x-wasmgate-cache-tier") != "exact" {
		t.Fatalf("second: %q", a.header.Get("x-wasmgate-cache-tier"))
	}
	if a := ask(t, g, chat("gpt-4o-mini", "what is the tallest mountain in europe", "")); a.header.Get("x-wasmgate-cache-tier") != "semantic" {
		t.Fatalf("rephrased: %q", a.header.Get("x-wasmgate-cache-tier"))
	}

	srv.Stop()
	for i := range 3 {
		a := ask(t, g, body)
		if a.status != 200 || a.header.Get("x-wasmgate-cache") != "bypass" {
			t.Fatalf("Weaviate down, request %d: %d %q", i, a.status, a.header.Get("x-wasmgate-cache"))
		}
	}
	if v := metric(t, g, "wasmgate_cache_backend_failures_total", "store"); v < 3 {
		t.Errorf("store failures counted %v, want at least 3", v)
	}
	srv.Restart(t)
	if a := ask(t, g, body); a.header.Get("x-wasmgate-cache") != "hit" {
		t.Errorf("Weaviate back: %q, want the stored entry again", a.header.Get("x-wasmgate-cache"))
	}
}
