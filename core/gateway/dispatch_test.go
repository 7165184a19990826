package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/testnet"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// The fault-injecting upstreams: two healthy mocks (b behind the OpenAI
// adapter), one that needs a key, one slow, and an address where nothing
// listens. Each rule of the router below names the targets of one case;
// the mock's fault models (mock-fail-<status>, mock-slow-<ms>, mock-reset,
// mock-cut) make a target fail the way the case needs.
const routingConfig = `
server: {listen: "127.0.0.1:0"}
dispatch: {retries: 1, backoff: 10ms, max_backoff: 50ms, max_retry_after: 500ms, max_attempts: 6}
plugins:
  router: {source: %[1]q}
  openai: {source: %[2]q}
providers:
  a: {base_url: %[3]q, timeout: 300ms}
  b: {base_url: %[4]q, adapter: openai, timeout: 2s}
  down: {base_url: %[5]q, timeout: 300ms}
  keyed:
    base_url: %[6]q
    keys: [{id: bad, key: sk-bad-secret, weight: 1000}, {id: good, key: sk-good-secret, weight: 1}]
  flaky: {base_url: %[3]q, breaker: {failures: 2, open_for: 300ms}}
  slow: {base_url: %[7]q}
  sick:
    base_url: %[8]q
    timeout: 300ms
    health: {interval: 100ms, timeout: 200ms, max_error_rate: 0.5, min_samples: 2, window: 1s}
models:
  - {id: gpt-4o-mini, provider: a}
pipelines:
  routed:
    - plugin: router
      config:
        aliases: {fast: gpt-4o-mini}
        rules:
          - {match: {requested_models: [down-first]}, strategy: ordered, targets: [{provider: down, model: gpt-4o-mini}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [storm]}, strategy: ordered, targets: [{provider: a, model: mock-fail-429}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [storm-only]}, strategy: ordered, targets: [{provider: a, model: mock-fail-429}]}
          - {match: {requested_models: [slow-first]}, strategy: ordered, targets: [{provider: a, model: mock-slow-2000}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [reset-first]}, strategy: ordered, targets: [{provider: a, model: mock-reset}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [fail-first]}, strategy: ordered, targets: [{provider: a, model: mock-fail-503}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [cut]}, strategy: ordered, targets: [{provider: a, model: mock-cut}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [all-broken]}, strategy: ordered, targets: [{provider: down, model: x}, {provider: a, model: mock-fail-500}, {provider: a, model: mock-reset}]}
          - {match: {requested_models: [bad-request]}, strategy: ordered, targets: [{provider: a, model: mock-fail-400}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [keyed]}, strategy: ordered, targets: [{provider: keyed, model: gpt-4o-mini}]}
          - {match: {requested_models: [keyed-bad]}, strategy: ordered, targets: [{provider: keyed, model: gpt-4o-mini, key: bad}]}
          - {match: {requested_models: [flaky-broken]}, strategy: ordered, targets: [{provider: flaky, model: mock-fail-500}]}
          - {match: {requested_models: [flaky-first]}, strategy: ordered, targets: [{provider: flaky, model: gpt-4o-mini}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [sick-first]}, strategy: ordered, targets: [{provider: sick, model: gpt-4o-mini}, {provider: b, model: gpt-4o-mini}]}
          - {match: {requested_models: [quick]}, strategy: least_latency, targets: [{provider: slow, model: gpt-4o-mini}, {provider: a, model: gpt-4o-mini}]}
          - {match: {models: [gpt-4o-mini]}, strategy: ordered, targets: [{provider: a}]}
routes:
  - {pipeline: routed, models: ["*"]}
`

type routingEnv struct {
	gw      *gateway.Gateway
	metrics *metrics.Metrics
	sick    string // where the sick provider will listen
}

func startMock(t *testing.T, addr string, opts mockprovider.Options) *mockprovider.Server {
	t.Helper()
	m, err := mockprovider.Start(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func startRouting(t *testing.T) *routingEnv { return startRoutingWith(t, "") }

// startRoutingWith replaces the dispatch settings when dispatch is set.
func startRoutingWith(t *testing.T, dispatch string) *routingEnv {
	t.Helper()
	a := startMock(t, "127.0.0.1:0", mockprovider.Options{})
	b := startMock(t, "127.0.0.1:0", mockprovider.Options{})
	keyed := startMock(t, "127.0.0.1:0", mockprovider.Options{APIKey: "sk-good-secret"})
	slow := startMock(t, "127.0.0.1:0", mockprovider.Options{Latency: 60 * time.Millisecond})
	down, sick := "http://"+testnet.FreeAddr(t)+"/v1", testnet.FreeAddr(t)
	raw := fmt.Sprintf(routingConfig, testwasm.GoPlugin(t, "router"), testwasm.GoPlugin(t, "openai"),
		a.URL(), b.URL(), down, keyed.URL(), slow.URL(), "http://"+sick+"/v1")
	if dispatch != "" {
		raw = strings.Replace(raw, "dispatch: {retries: 1, backoff: 10ms, max_backoff: 50ms, max_retry_after: 500ms, max_attempts: 6}", dispatch, 1)
	}
	cfg, err := config.Parse([]byte(raw), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	gw, err := gateway.New(gateway.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m, CacheDir: cacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close(context.Background()) })
	return &routingEnv{gw: gw, metrics: m, sick: sick}
}

// cachePath keeps compiled plugins between the tests of this package.
var cachePath string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "wasmgate-gateway-test-")
	if err != nil {
		panic(err)
	}
	cachePath = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func cacheDir(testing.TB) string { return cachePath }

type flushBuffer struct{ bytes.Buffer }

func (*flushBuffer) Flush() error { return nil }

type result struct {
	status  int
	header  map[string]string
	body    string
	elapsed time.Duration
}

func (e *routingEnv) chat(t *testing.T, model string, stream bool) result {
	t.Helper()
	start := time.Now()
	body := fmt.Sprintf(`{"model":%q,"stream":%v,"messages":[{"role":"user","content":"hello there"}]}`, model, stream)
	reply := e.gw.Chat(context.Background(), &gateway.Request{Path: config.ChatPath, Body: []byte(body), RequestID: "req_test"})
	r := result{status: reply.Status, header: map[string]string{}}
	for _, f := range reply.Header {
		r.header[strings.ToLower(f.Name)] = f.Value
	}
	if reply.Stream != nil {
		var w flushBuffer
		reply.Stream(&w)
		r.body = w.String()
	} else {
		r.body = string(reply.Body)
	}
	r.elapsed = time.Since(start)
	if r.elapsed > 5*time.Second {
		t.Fatalf("%s took %s", model, r.elapsed)
	}
	for _, secret := range []string{"sk-bad-secret", "sk-good-secret"} {
		if strings.Contains(r.body, secret) || strings.Contains(fmt.Sprint(r.header), secret) {
			t.Fatalf("a key leaked to the client: %v %s", r.header, r.body)
		}
	}
	return r
}

func (r result) served(t *testing.T, provider, attempts string) {
	t.Helper()
	if r.status != 200 || !strings.Contains(r.body, "Mock reply to: hello there") && !strings.Contains(r.body, `"content":" there"`) {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if r.header["x-wasmgate-provider"] != provider || r.header["x-wasmgate-attempts"] != attempts {
		t.Fatalf("served by %q in %q attempts, want %s in %s (headers %v)", r.header["x-wasmgate-provider"],
			r.header["x-wasmgate-attempts"], provider, attempts, r.header)
	}
}

// Every fault of one upstream ends in a success through the next one,
// buffered or streamed.
func TestFallback(t *testing.T) {
	e := startRouting(t)
	tests := []struct {
		model    string
		attempts string // down/slow/reset/5xx retry once before falling back; 429 falls back at once
		max      time.Duration
	}{
		{"down-first", "3", time.Second},
		{"storm", "2", 500 * time.Millisecond},
		{"slow-first", "3", 1500 * time.Millisecond},
		{"reset-first", "3", time.Second},
		{"fail-first", "3", time.Second},
	}
	for _, tc := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tc.model, stream), func(t *testing.T) {
				r := e.chat(t, tc.model, stream)
				// One more attempt than planned is allowed: on a busy machine
				// a fresh connection to b may fail and be retried too.
				want := tc.attempts
				if got := r.header["x-wasmgate-attempts"]; got != want {
					n, _ := strconv.Atoi(tc.attempts)
					if got != strconv.Itoa(n+1) {
						t.Fatalf("attempts %s, want %s (or one more); attempts by result: a %v, b %v", got, tc.attempts,
							e.results(t, "a"), e.results(t, "b"))
					}
					want = got
				}
				r.served(t, "b", want)
				if r.header["x-wasmgate-model"] != "gpt-4o-mini" || r.header["x-wasmgate-key-id"] != "default" {
					t.Fatalf("headers %v", r.header)
				}
				if stream && !strings.HasSuffix(r.body, "data: [DONE]\n\n") {
					t.Fatalf("stream did not end with [DONE]: %s", r.body)
				}
				if r.elapsed > tc.max {
					t.Fatalf("took %s, want under %s", r.elapsed, tc.max)
				}
			})
		}
	}
	if n := e.metric(t, "wasmgate_upstream_fallbacks_total", "from=a", "to=b"); n < 8 {
		t.Fatalf("fallbacks a->b counted %v times, want at least 8", n)
	}
}

// A 429 storm on the only target: Retry-After (1 s) is over max_retry_after,
// so the client gets the 429 and its Retry-After at once.
func TestRateLimitStormWithoutFallback(t *testing.T) {
	e := startRouting(t)
	r := e.chat(t, "storm-only", false)
	if r.status != 429 || r.header["retry-after"] != "1" || r.header["x-wasmgate-attempts"] != "1" {
		t.Fatalf("status %d headers %v: %s", r.status, r.header, r.body)
	}
	if r.elapsed > 300*time.Millisecond {
		t.Fatalf("waited %s for a Retry-After it should not honour", r.elapsed)
	}
}

// Nothing works: a clear error in the API's format, no hang.
func TestAllTargetsBroken(t *testing.T) {
	e := startRouting(t)
	for _, stream := range []bool{false, true} {
		r := e.chat(t, "all-broken", stream)
		if r.status != 502 || !strings.Contains(r.body, `"type":"upstream_error"`) || r.header["x-wasmgate-attempts"] != "6" {
			t.Fatalf("stream %v: status %d headers %v: %s", stream, r.status, r.header, r.body)
		}
		if strings.Contains(r.body, "connection reset") || strings.Contains(r.body, "dial tcp") {
			t.Fatalf("Go error text reached the client: %s", r.body)
		}
	}
}

// total_timeout bounds all attempts together: a slow first target eats the
// budget, the request ends with a timeout instead of trying on.
func TestTotalTimeout(t *testing.T) {
	e := startRoutingWith(t, "dispatch: {retries: 3, backoff: 10ms, total_timeout: 500ms, max_attempts: 10}")
	r := e.chat(t, "slow-first", false)
	if r.status != 504 || !strings.Contains(r.body, "upstream_timeout") {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if r.elapsed < 450*time.Millisecond || r.elapsed > 900*time.Millisecond {
		t.Fatalf("took %s, want about the 500ms total_timeout", r.elapsed)
	}
	if r.header["x-wasmgate-provider"] != "a" || r.header["x-wasmgate-attempts"] != "2" {
		t.Fatalf("headers %v: want two attempts on a (300ms each, the second cut at 500ms)", r.header)
	}
}

// A client error is the client's: no retry, no fallback.
func TestClientErrorNotRetried(t *testing.T) {
	e := startRouting(t)
	r := e.chat(t, "bad-request", false)
	if r.status != 400 || r.header["x-wasmgate-attempts"] != "1" || r.header["x-wasmgate-provider"] != "a" {
		t.Fatalf("status %d headers %v: %s", r.status, r.header, r.body)
	}
}

// A stream that breaks after its first event has reached the client ends
// with an error event; it cannot move elsewhere any more.
func TestStreamCutMidway(t *testing.T) {
	e := startRouting(t)
	r := e.chat(t, "cut", true)
	if r.status != 200 || r.header["x-wasmgate-provider"] != "a" {
		t.Fatalf("status %d headers %v", r.status, r.header)
	}
	if !strings.Contains(r.body, `"object":"chat.completion.chunk"`) ||
		!strings.Contains(r.body, `data: {"error":{"message":"the provider's stream`) || strings.Contains(r.body, "[DONE]") {
		t.Fatalf("cut stream: %s", r.body)
	}
}

// 401 from the first key: the next key answers; the header names the key id.
func TestKeyRotation(t *testing.T) {
	e := startRouting(t)
	r := e.chat(t, "keyed", false)
	r.served(t, "keyed", "2")
	if r.header["x-wasmgate-key-id"] != "good" {
		t.Fatalf("key id %q, want good", r.header["x-wasmgate-key-id"])
	}
	// A pinned key that is refused is the client's error to see.
	r = e.chat(t, "keyed-bad", false)
	if r.status != 401 || r.header["x-wasmgate-key-id"] != "bad" || r.header["x-wasmgate-attempts"] != "1" {
		t.Fatalf("pinned bad key: status %d headers %v: %s", r.status, r.header, r.body)
	}
	if n := e.metric(t, "wasmgate_upstream_attempts_total", "provider=keyed", "key=bad", "result=401"); n != 2 {
		t.Fatalf("401 attempts of key bad counted %v, want 2", n)
	}
}

// Two failures open flaky's breaker: it is skipped (even for a model it
// would serve) until open_for has passed; then a good probe closes it.
func TestBreaker(t *testing.T) {
	e := startRouting(t)
	e.chat(t, "flaky-broken", false) // two attempts, two failures
	if s := e.metric(t, "wasmgate_breaker_state", "provider=flaky", "key=default"); s != 2 {
		t.Fatalf("breaker state %v after 2 failures, want 2 (open)", s)
	}
	for range 3 {
		e.chat(t, "flaky-first", false).served(t, "b", "1")
	}
	r := e.chat(t, "flaky-broken", false)
	if r.status != 503 || !strings.Contains(r.body, "no_provider_available") {
		t.Fatalf("open breaker, no other target: status %d: %s", r.status, r.body)
	}
	time.Sleep(350 * time.Millisecond)
	e.chat(t, "flaky-first", false).served(t, "flaky", "1") // the half-open probe
	if s := e.metric(t, "wasmgate_breaker_state", "provider=flaky", "key=default"); s != 0 {
		t.Fatalf("breaker state %v after a good probe, want 0 (closed)", s)
	}
}

// The active health check takes a dead provider out of rotation; when it
// comes up, the probes bring it back.
func TestHealthOutAndBack(t *testing.T) {
	e := startRouting(t)
	waitFor(t, func() bool { return e.chat(t, "sick-first", false).header["x-wasmgate-attempts"] == "1" })
	if h := e.metric(t, "wasmgate_provider_healthy", "provider=sick"); h != 0 {
		t.Fatalf("healthy gauge %v while out of rotation", h)
	}
	// Out of rotation: straight to b, without trying sick.
	e.chat(t, "sick-first", false).served(t, "b", "1")
	startMock(t, e.sick, mockprovider.Options{})
	waitFor(t, func() bool { return e.chat(t, "sick-first", false).header["x-wasmgate-provider"] == "sick" })
	if h := e.metric(t, "wasmgate_provider_healthy", "provider=sick"); h != 1 {
		t.Fatalf("healthy gauge %v after recovery", h)
	}
}

// least_latency reads the host's live statistics: once both providers have
// answered, the fast one comes first.
func TestLeastLatency(t *testing.T) {
	e := startRouting(t)
	for range 3 {
		e.chat(t, "quick", false)
	}
	for range 5 {
		e.chat(t, "quick", false).served(t, "a", "1")
	}
}

// Aliases: an unconfigured model name the router maps; an unknown one is 404.
func TestAliasAndUnknownModel(t *testing.T) {
	e := startRouting(t)
	r := e.chat(t, "fast", false)
	r.served(t, "a", "1")
	if !strings.Contains(r.body, `"model":"gpt-4o-mini"`) {
		t.Fatalf("alias not resolved: %s", r.body)
	}
	if v := e.metric(t, "wasmgate_requests_total", "model=gpt-4o-mini", "status=200"); v != 1 {
		t.Fatalf("the alias's request counted under gpt-4o-mini %v times, want 1", v)
	}
	r = e.chat(t, "no-such-model", false)
	if r.status != 404 || !strings.Contains(r.body, "model_not_found") {
		t.Fatalf("unknown model: %d %s", r.status, r.body)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testnet.WaitFor(t, 5*time.Second, 50*time.Millisecond, "condition", cond)
}

// results lists the attempts counted for a provider, by result.
func (e *routingEnv) results(t *testing.T, provider string) map[string]float64 {
	out := map[string]float64{}
	for _, res := range []string{"ok", "4xx", "401", "429", "5xx", "timeout", "connect", "canceled"} {
		if v := e.metric(t, "wasmgate_upstream_attempts_total", "provider="+provider, "result="+res); v > 0 {
			out[res] += v
		}
	}
	return out
}

// metric is the value of the series of name with the given label=value
// pairs (-1 if there is none).
func (e *routingEnv) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	families, err := e.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for _, kv := range labels {
				k, v, _ := strings.Cut(kv, "=")
				if have[k] != v {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}
