package governance_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// TestUsageRecords: each request leaves a structured log record, metrics by
// key and model, and totals that GET /admin/usage sums up; streams too.
func TestUsageRecords(t *testing.T) {
	r := startReplica(t, govConfig(t, mock(t), "memory", ""), nil)
	id, secret := r.createKey(t, `{"team":"research","user":"ada"}`)
	if a := r.chat(t, secret, "gpt-4o-mini", "x-wasmgate-metadata", "env=prod, feature=search,bad"); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if a := do(t, "POST", r.url+"/v1/chat/completions", secret, chatBody("gpt-4o", true)); a.status != 200 || !strings.HasSuffix(a.body, "data: [DONE]\n\n") {
		t.Fatalf("stream: %d %s", a.status, a.body)
	}
	// A stream that does not ask for usage is charged what the provider
	// reports all the same (the gateway asks for it).
	if a := do(t, "POST", r.url+"/v1/chat/completions", secret, `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Hello there, wasmgate!"}]}`); a.status != 200 || !strings.Contains(a.body, `"completion_tokens":6`) {
		t.Fatalf("stream without stream_options: %d %s", a.status, a.body)
	}
	if a := r.chat(t, secret, "mock-fail-500"); a.status != 404 { // no model, no route: admitted, then 404, charged nothing
		t.Fatalf("unknown model: %d", a.status)
	}

	type rec struct {
		Msg              string
		RequestID        string `json:"request_id"`
		KeyID            string `json:"key_id"`
		Team, User       string
		Model, Provider  string
		Status           int
		Stream           bool
		PromptTokens     int64   `json:"prompt_tokens"`
		CompletionTokens int64   `json:"completion_tokens"`
		CostUSD          float64 `json:"cost_usd"`
		LatencyMS        float64 `json:"latency_ms"`
		Cache            string
		Tags             map[string]string
	}
	var recs []rec
	sc := bufio.NewScanner(strings.NewReader(r.logs.String()))
	for sc.Scan() {
		var v rec
		if json.Unmarshal(sc.Bytes(), &v) == nil && v.Msg == "usage" {
			recs = append(recs, v)
		}
	}
	if len(recs) != 4 || recs[3].Status != 404 || recs[3].CostUSD != 0 || recs[3].PromptTokens != 0 {
		t.Fatalf("%d usage records:\n%s", len(recs), r.logs.String())
	}
	// gpt-4o-mini: 9 prompt tokens at $0.15/M and 6 completion at $0.60/M
	// make 4.95 micro-dollars, rounded up; gpt-4o 82.5.
	want := rec{Msg: "usage", KeyID: id, Team: "research", User: "ada", Model: "gpt-4o-mini", Provider: "mock", Status: 200,
		PromptTokens: 9, CompletionTokens: 6, CostUSD: 0.000005, Cache: "none", Tags: map[string]string{"env": "prod", "feature": "search"}}
	got := recs[0]
	if got.RequestID == "" || got.LatencyMS <= 0 {
		t.Fatalf("record without request id or latency: %+v", got)
	}
	got.RequestID, got.LatencyMS = "", 0
	if gj, _ := json.Marshal(got); string(gj) != mustJSON(want) {
		t.Fatalf("record\n got %s\nwant %s", gj, mustJSON(want))
	}
	for _, s := range recs[1:3] {
		if !s.Stream || s.Model != "gpt-4o" || s.PromptTokens != 9 || s.CompletionTokens != 6 || s.CostUSD != 0.000083 {
			t.Fatalf("stream record %+v", s)
		}
	}

	// Metrics by key and model.
	if v := counterValue(t, r, "wasmgate_usage_tokens_total", "key", id); v != 45 {
		t.Fatalf("wasmgate_usage_tokens_total{key=%s} = %v, want 45", id, v)
	}
	if v := counterValue(t, r, "wasmgate_usage_requests_total", "model", "gpt-4o"); v != 2 {
		t.Fatalf("wasmgate_usage_requests_total{model=gpt-4o} = %v", v)
	}

	// The summary.
	s := usageOf(t, r, "")
	if len(s.Data) != 3 || s.Total.Requests != 4 || s.Total.Errors != 1 || s.Total.PromptTokens != 27 || s.Total.CompletionTokens != 18 || s.Total.CostUSD != 0.000171 {
		t.Fatalf("summary %+v", s)
	}
	if s := usageOf(t, r, "?key=key_other"); len(s.Data) != 0 || s.Total.Requests != 0 {
		t.Fatalf("another key's summary %+v", s)
	}
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	if s := usageOf(t, r, "?from="+yesterday+"&to="+yesterday); s.Total.Requests != 0 {
		t.Fatalf("yesterday %+v", s)
	}
	errorOf(t, do(t, "GET", r.url+"/admin/usage?from=2026-13-01", adminKey, ""), 400, "")
	errorOf(t, do(t, "GET", r.url+"/admin/usage?from=2026-02-01&to=2026-01-01", adminKey, ""), 400, "")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestKeyAttributes: plugins see the key's id, team and user as attributes,
// and a plugin's cache.status lands in the usage record.
func TestKeyAttributes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keyprobe.wasm"), testwasm.GoPluginBytes(t, "testguests/keyprobe"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
plugins: {keyprobe: {source: keyprobe.wasm}}
providers: {mock: {base_url: %q}}
models: [{id: gpt-4o-mini, provider: mock}]
pipelines: {main: [{plugin: keyprobe}]}
routes: [{pipeline: main}]
governance: {auth: true, admin_key: %q}
`, mock(t), adminKey)), dir)
	if err != nil {
		t.Fatal(err)
	}
	r := startReplica(t, cfg, nil)
	id, secret := r.createKey(t, `{"team":"research","user":"ada"}`)
	if a := r.chat(t, secret, "gpt-4o-mini"); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if want := `"cache":"` + id + `/research/ada"`; !strings.Contains(r.logs.String(), want) {
		t.Fatalf("no %s in the usage record:\n%s", want, r.logs.String())
	}
}

// TestCacheHitsCostNothing: with the cache plugin in the pipeline, the
// usage records say miss, then hit; a hit costs nothing and uses no tokens.
func TestCacheHitsCostNothing(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"cache", "openai"} {
		if err := os.WriteFile(filepath.Join(dir, p+".wasm"), testwasm.GoPluginBytes(t, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
plugins:
  cache: {source: cache.wasm, capabilities: {cache: true}, limits: {timeout: 3s}}
  openai: {source: openai.wasm}
providers: {mock: {base_url: %q, adapter: openai}}
models: [{id: gpt-4o, provider: mock}]
pipelines: {main: [{plugin: cache, on_error: fail_open}]}
routes: [{pipeline: main}]
cache: {embedder: {kind: offline}}
governance: {auth: true, admin_key: %q}
`, mock(t), adminKey)), dir)
	if err != nil {
		t.Fatal(err)
	}
	r := startReplica(t, cfg, nil)
	id, secret := r.createKey(t, `{"budget":{"amount":1,"period":"daily"}}`)
	for _, want := range []string{"miss", "hit"} {
		a := r.chat(t, secret, "gpt-4o")
		if a.status != 200 || a.header.Get("x-wasmgate-cache") != want {
			t.Fatalf("want a %s: %d %q %s", want, a.status, a.header.Get("x-wasmgate-cache"), a.body)
		}
	}
	logs := r.logs.String()
	if !strings.Contains(logs, `"cache":"miss"`) || !strings.Contains(logs, `"cache":"hit"`) {
		t.Fatalf("cache statuses not recorded:\n%s", logs)
	}
	s := usageOf(t, r, "?key="+id)
	// One provider answer: 9 prompt and 6 completion tokens of gpt-4o.
	if s.Total.Requests != 2 || s.Total.PromptTokens != 9 || s.Total.CompletionTokens != 6 || s.Total.CostUSD != 0.000083 {
		t.Fatalf("usage %+v", s.Total)
	}
}
