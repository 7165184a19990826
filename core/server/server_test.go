package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/server"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// env is a gateway on loopback in front of the mock provider.
type env struct {
	url  string
	gw   *gateway.Gateway
	mock *mockprovider.Server
	dir  string
	logs *syncBuffer
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

// wasmFiles puts the fixtures a config names into dir.
func wasmFiles(t testing.TB, dir string) {
	t.Helper()
	for _, g := range []string{"noop", "respond", "fail", "instance", "envprobe"} {
		b := testwasm.GoPluginBytes(t, "testguests/"+g)
		if err := os.WriteFile(filepath.Join(dir, g+".wasm"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []string{"trap", "loop", "garbage", "ok"} {
		b := testwasm.WAT(t, "../host/testdata/"+w+".wat")
		if err := os.WriteFile(filepath.Join(dir, w+".wasm"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const baseConfig = `
server: {listen: "127.0.0.1:0", max_body_bytes: 64KiB}
plugins:
  noop: {source: noop.wasm}
  respond: {source: respond.wasm}
  fail: {source: fail.wasm}
  instance: {source: instance.wasm, pool: {size: 4}}
  trap: {source: trap.wasm}
  loop: {source: loop.wasm, limits: {timeout: 50ms}}
  garbage: {source: garbage.wasm}
  ok: {source: ok.wasm}
providers:
  mock: {base_url: "%s"}
  down: {base_url: "http://127.0.0.1:1/v1", timeout: 2s}
models:
  - {id: gpt-4o-mini, provider: mock}
  - {id: mock-fail-500, provider: mock}
  - {id: mock-fail-429, provider: mock}
  - {id: mock-slow-400, provider: mock}
  - {id: mock-cut, provider: mock}
  - {id: dead, provider: down}
  - {id: short, provider: mock}
  - {id: refuse, provider: mock}
  - {id: trap-closed, provider: mock}
  - {id: trap-open, provider: mock}
  - {id: loop, provider: mock}
  - {id: garbage, provider: mock}
  - {id: inst, provider: mock}
pipelines:
  plain: [{plugin: noop}, {plugin: ok}]
  short: [{plugin: respond}]
  refuse: [{plugin: fail}]
  trap-closed: [{plugin: trap}]
  trap-open: [{plugin: trap, on_error: fail_open}, {plugin: ok}]
  loop: [{plugin: loop}]
  garbage: [{plugin: garbage}]
  inst: [{plugin: instance}]
routes:
  - {pipeline: short, models: [short]}
  - {pipeline: refuse, models: [refuse]}
  - {pipeline: trap-closed, models: [trap-closed]}
  - {pipeline: trap-open, models: [trap-open]}
  - {pipeline: loop, models: [loop]}
  - {pipeline: garbage, models: [garbage]}
  - {pipeline: inst, models: [inst]}
  - {pipeline: plain, models: ["*"]}
`

// cacheDir is shared by the tests so each plugin compiles once.
var cacheDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "wasmgate-server-test-")
	if err != nil {
		panic(err)
	}
	cacheDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func start(t testing.TB) *env {
	t.Helper()
	mock, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mock.Close() })
	dir := t.TempDir()
	wasmFiles(t, dir)
	logs := &syncBuffer{}
	url, gw := launch(t, fmt.Sprintf(baseConfig, mock.URL()), dir, logs)
	return &env{url: url, gw: gw, mock: mock, dir: dir, logs: logs}
}

// launch serves a gateway with the config text (plugin paths relative to
// dir) on loopback until the test ends.
func launch(t testing.TB, cfgText, dir string, logs io.Writer) (string, *gateway.Gateway) {
	t.Helper()
	cfg, err := config.Parse([]byte(cfgText), dir)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, cfg, logs)
}

// serve runs a gateway with cfg on loopback until the test ends.
func serve(t testing.TB, cfg *config.Config, logs io.Writer) (string, *gateway.Gateway) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := metrics.New()
	gw, err := gateway.New(gateway.Options{Logger: logger, Metrics: m, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	srv := server.New(gw, cfg.Server, m, logger)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		_ = gw.Close(context.Background())
	})
	return "http://" + ln.Addr().String(), gw
}

type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func chatBody(model string, stream bool) string {
	return fmt.Sprintf(`{"model":%q,"stream":%v,"messages":[{"role":"user","content":"hello there"}]}`, model, stream)
}

func TestChat(t *testing.T) {
	e := start(t)
	resp, b := post(t, e.url, chatBody("gpt-4o-mini", false))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var out struct {
		Object  string `json:"object"`
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
		Usage struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Object != "chat.completion" || len(out.Choices) != 1 || out.Choices[0].Message.Content != "Mock reply to: hello there" || out.Usage.TotalTokens == 0 {
		t.Fatalf("unexpected completion %s", b)
	}
	if resp.Header.Get("X-Request-Id") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("headers %v", resp.Header)
	}
}

func TestChatStream(t *testing.T) {
	e := start(t)
	resp, err := http.Post(e.url+"/v1/chat/completions", "application/json", strings.NewReader(chatBody("gpt-4o-mini", true)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var text strings.Builder
	events, done := 0, false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not an SSE data line: %q", line)
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		if done {
			t.Fatal("event after [DONE]")
		}
		events++
		var chunk struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil || chunk.Object != "chat.completion.chunk" {
			t.Fatalf("bad chunk %q: %v", data, err)
		}
		for _, c := range chunk.Choices {
			text.WriteString(c.Delta.Content)
		}
	}
	if !done || events < 3 || text.String() != "Mock reply to: hello there" {
		t.Fatalf("done=%v events=%d text=%q", done, events, text.String())
	}
}

func TestErrors(t *testing.T) {
	e := start(t)
	tests := []struct {
		name, body string
		status     int
		typ, param string
		code       string
		message    string
	}{
		{"malformed JSON", `{"model": "gpt-4o-mini", "messages": [`, 400, "invalid_request_error", "", "invalid_request", "not valid JSON"},
		{"not an object", `[1,2]`, 400, "invalid_request_error", "", "invalid_request", "JSON object"},
		{"model wrong type", `{"model": 42, "messages": [{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "model", "invalid_request", "model must be"},
		{"messages missing", `{"model": "gpt-4o-mini"}`, 400, "invalid_request_error", "messages", "invalid_request", "messages must be"},
		{"stream wrong type", `{"model": "gpt-4o-mini", "stream": "yes", "messages": [{"role":"user","content":"x"}]}`, 400, "invalid_request_error", "stream", "invalid_request", "stream must be"},
		{"unknown model", chatBody("nope-1", false), 404, "invalid_request_error", "model", "model_not_found", `"nope-1" does not exist`},
		{"body too large", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"` + strings.Repeat("x", 70000) + `"}]}`, 413, "invalid_request_error", "", "request_too_large", "size limit"},
		{"provider down", chatBody("dead", false), 502, "upstream_error", "", "upstream_error", `provider "down" is unreachable`},
		{"provider 500", chatBody("mock-fail-500", false), 500, "upstream_error", "", "upstream_error", "answered 500"},
		{"provider 429", chatBody("mock-fail-429", false), 429, "requests", "", "rate_limit_exceeded", "answered 429"}, // the provider's type and code
		{"plugin error action", chatBody("refuse", false), 429, "rate_limit_error", "", "", "slow down"},
		{"plugin trap fail_closed", chatBody("trap-closed", false), 500, "plugin_error", "", "plugin_failed", `plugin "trap" failed`},
		{"plugin timeout", chatBody("loop", false), 500, "plugin_error", "", "plugin_failed", `plugin "loop" failed`},
		{"plugin garbage", chatBody("garbage", false), 500, "plugin_error", "", "plugin_failed", `plugin "garbage" failed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := post(t, e.url, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			var ae apiError
			if err := json.Unmarshal(b, &ae); err != nil {
				t.Fatalf("not an OpenAI error: %s", b)
			}
			if ae.Error.Type != tc.typ || !strings.Contains(ae.Error.Message, tc.message) {
				t.Fatalf("error %s, want type %q and message containing %q", b, tc.typ, tc.message)
			}
			if tc.param != "" && (ae.Error.Param == nil || *ae.Error.Param != tc.param) {
				t.Fatalf("param %v, want %q", ae.Error.Param, tc.param)
			}
			if tc.code != "" && (ae.Error.Code == nil || *ae.Error.Code != tc.code) {
				t.Fatalf("code %v, want %q", ae.Error.Code, tc.code)
			}
			// No Go error text leaks: the engine's and net's words stay in the log.
			for _, leak := range []string{"wasm error", "dial tcp", "goroutine", "runtime error", "connection refused", "unreachable\n"} {
				if strings.Contains(string(b), leak) {
					t.Fatalf("client sees internals (%q): %s", leak, b)
				}
			}
			if tc.name == "provider 429" && resp.Header.Get("Retry-After") == "" {
				t.Fatal("Retry-After from the provider was dropped")
			}
		})
	}
	// After all of that, the gateway answers normally.
	if resp, b := post(t, e.url, chatBody("gpt-4o-mini", false)); resp.StatusCode != 200 {
		t.Fatalf("after errors: %d %s", resp.StatusCode, b)
	}
}

func TestPluginTimeoutIsBounded(t *testing.T) {
	e := start(t)
	for range 3 {
		start := time.Now()
		resp, b := post(t, e.url, chatBody("loop", false))
		if resp.StatusCode != 500 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("a 50ms plugin timeout took %s", d)
		}
	}
	if !strings.Contains(e.logs.String(), "reason=timeout") {
		t.Fatal("the timeout was not logged with its reason")
	}
}

func TestFailOpenSkipsPlugin(t *testing.T) {
	e := start(t)
	for range 3 {
		resp, b := post(t, e.url, chatBody("trap-open", false))
		if resp.StatusCode != 200 || !strings.Contains(string(b), "Mock reply to: hello there") {
			t.Fatalf("fail_open: %d %s", resp.StatusCode, b)
		}
	}
	_, m := get(t, e.url+"/metrics")
	if !strings.Contains(m, `wasmgate_plugin_failures_total{phase="request",plugin="trap",policy="fail_open",reason="trap"} 3`) {
		t.Fatalf("fail_open failures not counted:\n%s", grep(m, "wasmgate_plugin_failures_total"))
	}
}

func TestShortCircuit(t *testing.T) {
	e := start(t)
	resp, b := post(t, e.url, chatBody("short", false))
	if resp.StatusCode != 200 || !strings.Contains(string(b), "short-circuit") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestInstanceAcrossPhases(t *testing.T) {
	e := start(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, b := post(t, e.url, chatBody("inst", false))
			if resp.StatusCode != 200 || resp.Header.Get("X-Instance-Check") != "ok" {
				t.Errorf("%d %v %s", resp.StatusCode, resp.Header, b)
			}
		}()
	}
	wg.Wait()
	// Streams: the chunk hook runs on every chunk (it upper-cases the text).
	resp, err := http.Post(e.url+"/v1/chat/completions", "application/json", strings.NewReader(chatBody("inst", true)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "MOCK") || strings.Contains(string(b), `"Mock`) || !strings.HasSuffix(string(b), "data: [DONE]\n\n") {
		t.Fatalf("stream not transformed by the chunk hook: %s", b)
	}
}

func TestStreamCutEndsWithError(t *testing.T) {
	e := start(t)
	resp, err := http.Post(e.url+"/v1/chat/completions", "application/json", strings.NewReader(chatBody("mock-cut", true)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `data: {"error":{"message":"the provider's stream`) || strings.Contains(string(b), "[DONE]") {
		t.Fatalf("cut stream: %d %s", resp.StatusCode, b)
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestEndpoints(t *testing.T) {
	e := start(t)
	post(t, e.url, chatBody("gpt-4o-mini", false))
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/healthz", 200, `"ok"`},
		{"/readyz", 200, `"ready"`},
		{"/v1/models", 200, `{"id":"gpt-4o-mini","object":"model","created":0,"owned_by":"mock"}`},
		{"/metrics", 200, `wasmgate_plugin_call_duration_seconds_count{phase="request",plugin="noop"}`},
		{"/metrics", 200, `wasmgate_requests_total{model="gpt-4o-mini",route="7:plain",status="200"}`},
		{"/nope", 404, `"unknown endpoint GET /nope"`},
		{"/v1/chat/completions", 404, `"type":"invalid_request_error"`},
	}
	for _, tc := range tests {
		resp, body := get(t, e.url+tc.path)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d, want %d and %q in:\n%.2000s", tc.path, resp.StatusCode, tc.status, tc.want, body)
		}
	}
}

func TestReload(t *testing.T) {
	e := start(t)
	// A slow request in flight on the old pipeline.
	slow := make(chan int, 1)
	go func() {
		resp, _ := post(t, e.url, chatBody("mock-slow-400", false))
		slow <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)

	next := strings.Replace(fmt.Sprintf(baseConfig, e.mock.URL()), "plain: [{plugin: noop}, {plugin: ok}]", "plain: [{plugin: respond}]", 1)
	cfg, err := config.Parse([]byte(next), e.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.gw.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if _, b := post(t, e.url, chatBody("gpt-4o-mini", false)); !strings.Contains(string(b), "short-circuit") {
		t.Fatalf("new pipeline not in use: %s", b)
	}
	if st := <-slow; st != 200 {
		t.Fatalf("in-flight request on the old pipeline: %d", st)
	}
	// The old pipeline's instances are closed once its last request is done:
	// what runs now is the new runtime's prewarmed instances (one per slot
	// in pipelines, plus any started since).
	if live := e.gw.LiveInstances(); live < 1 || live > 12 {
		t.Fatalf("%d plugin instances live after the reload: the old ones leaked?", live)
	}
	before := e.gw.LiveInstances()

	// A config whose plugin fails to load leaves the running one in place.
	broken := strings.Replace(next, "respond: {source: respond.wasm}", "respond: {source: trap.wasm, limits: {memory_pages: 0}}", 1)
	broken = strings.Replace(broken, "noop: {source: noop.wasm}", "noop: {source: ../nowhere.wasm}", 1)
	if _, err := config.Parse([]byte(broken), e.dir); err == nil || !strings.Contains(err.Error(), "plugins.noop.source: no plugin file") {
		t.Fatalf("broken config: %v", err)
	}
	bad := strings.Replace(next, "respond: {source: respond.wasm}", "respond: {source: noop.wasm}\n  extra: {source: badversion.wasm}", 1)
	_ = os.WriteFile(filepath.Join(e.dir, "badversion.wasm"), testwasm.WAT(t, "../host/testdata/badversion.wat"), 0o644)
	cfg, err = config.Parse([]byte(bad), e.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.gw.Reload(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "ABI version 2") {
		t.Fatalf("reload with a bad plugin: %v", err)
	}
	if after := e.gw.LiveInstances(); after != before {
		t.Fatalf("a failed reload left instances behind: %d live, %d before", after, before)
	}
	if _, b := post(t, e.url, chatBody("gpt-4o-mini", false)); !strings.Contains(string(b), "short-circuit") {
		t.Fatalf("running pipeline lost after a failed reload: %s", b)
	}
}

// BenchmarkChatEndToEnd is one non-streamed request through the HTTP server,
// a pipeline of two plugins and the mock provider, from parallel clients.
func BenchmarkChatEndToEnd(b *testing.B) {
	e := start(b)
	body, err := os.ReadFile("../host/testdata/chat-2k.json")
	if err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(e.url+"/v1/chat/completions", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// TestProviderKeyNeverLeaks: a provider that echoes the key it was sent in
// its error message; the key must not reach the client, the log, /metrics
// or /v1/models.
func TestProviderKeyNeverLeaks(t *testing.T) {
	const key = "sk-canary-0123456789abcdef"
	echo := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error","code":"invalid_api_key"}}`,
			strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go echo.Serve(ln)
	defer echo.Close()

	dir := t.TempDir()
	cfg, err := config.Parse([]byte(`
providers:
  echo: {base_url: "http://`+ln.Addr().String()+`/v1", api_key: "`+key+`"}
models: [{id: m, provider: echo}]
pipelines: {p: []}
routes: [{pipeline: p}]
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := metrics.New()
	gw, err := gateway.New(gateway.Options{Logger: logger, Metrics: m, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close(context.Background())
	if err := gw.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	logger.Info("config loaded", "providers", cfg.Providers)
	srv := server.New(gw, cfg.Server, m, logger)
	sl, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(sl)
	defer srv.Shutdown(context.Background())
	url := "http://" + sl.Addr().String()

	resp, body := post(t, url, chatBody("m", false))
	if resp.StatusCode != 401 || !strings.Contains(string(body), "[redacted]") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	_, metricsText := get(t, url+"/metrics")
	_, models := get(t, url+"/v1/models")
	for where, text := range map[string]string{"response": string(body), "log": logs.String(), "metrics": metricsText, "models": models} {
		if strings.Contains(text, key) || strings.Contains(text, "0123456789abcdef") {
			t.Errorf("the provider key is in the %s", where)
		}
	}
}

// TestMixedLoadEveryRequestAnswered sends healthy and hostile traffic at
// once: every request gets its answer (a completion or its error), none
// hangs, and the pools are intact afterwards.
func TestMixedLoadEveryRequestAnswered(t *testing.T) {
	e := start(t)
	want := map[string]int{
		"gpt-4o-mini": 200, "trap-open": 200, "short": 200, "inst": 200,
		"trap-closed": 500, "garbage": 500, "loop": 500, "refuse": 429, "mock-fail-500": 500,
	}
	models := make([]string, 0, len(want))
	for m := range want {
		models = append(models, m)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16*18)
	start := time.Now()
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for i := range 18 {
				m := models[(w+i)%len(models)]
				resp, err := client.Post(e.url+"/v1/chat/completions", "application/json", strings.NewReader(chatBody(m, i%3 == 0 && want[m] == 200 && m != "short")))
				if err != nil {
					errs <- m + ": " + err.Error()
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want[m] {
					errs <- fmt.Sprintf("%s: status %d, want %d", m, resp.StatusCode, want[m])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("288 requests took %s", d)
	}
	if resp, b := post(t, e.url, chatBody("gpt-4o-mini", false)); resp.StatusCode != 200 {
		t.Fatalf("after the storm: %d %s", resp.StatusCode, b)
	}
}
