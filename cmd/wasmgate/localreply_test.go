package main_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLocalReplyRunsEarlierPlugins: a cache hit is answered in the request
// phase, yet the plugins placed before the cache still see the answer on
// its way out (response hooks, or chunk hooks for a stream). With reversible
// PII before the cache, the cache keys and stores the masked text only,
// and a hit comes back with the client's own values restored; output
// guardrails before the cache check the hit.
func TestLocalReplyRunsEarlierPlugins(t *testing.T) {
	g := mockGateway(t, `
plugins:
  openai: {source: openai.wasm}
  pii: {source: pii.wasm, limits: {memory_pages: 512}}
  guardrails: {source: guardrails.wasm, limits: {memory_pages: 512}}
  cache: {source: cache.wasm, capabilities: {cache: true}, limits: {timeout: 3s}}
pipelines:
  main:
    - plugin: guardrails
      config:
        output:
          - {name: codename, deny: {words: [Project Falcon]}, action: redact}
    - plugin: pii
      config: {reversible: true}
    - plugin: cache
routes: [{pipeline: main}]
cache: {embedder: {kind: offline}}
`, "openai", "pii", "guardrails", "cache")

	tests := []struct {
		name   string
		stream bool
		msg    string
	}{
		{"buffered", false, "Mail ana@example.com about Project Falcon"},
		{"streamed", true, "Call +1 415 555 2671 about Project Falcon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The mock echoes what the provider saw; the client gets its
			// own values back and the codename redacted.
			want := "Mock reply to: " + strings.Replace(tc.msg, "Project Falcon", "[REDACTED]", 1)
			for _, cache := range []string{"miss", "hit"} {
				status, hdr, body := post(t, g.url, userMessage(tc.msg, tc.stream))
				got := body
				if tc.stream {
					got = streamText(body)
				}
				if status != 200 || hdr.Get("x-wasmgate-cache") != cache {
					t.Fatalf("%s: %d, cache %q\n%s", cache, status, hdr.Get("x-wasmgate-cache"), body)
				}
				if !strings.Contains(got, want) || strings.Contains(body, "[EMAIL_") || strings.Contains(body, "[PHONE_") || strings.Contains(body, "Falcon") {
					t.Errorf("%s: the client got %q, want %q (placeholders restored, codename redacted)\n%s", cache, got, want, body)
				}
				if tc.stream && !strings.HasSuffix(strings.TrimSpace(body), "data: [DONE]") {
					t.Errorf("%s: the stream does not end with [DONE]:\n%s", cache, body)
				}
			}
		})
	}
}

// TestShortCircuitThroughEarlierPlugins: a plugin's own answer (the
// respond test guest's "short-circuit" completion) is checked by output
// guardrails placed before it, buffered, streamed, and streamed to an
// Anthropic client, which gets Anthropic's events, not OpenAI's chunks.
func TestShortCircuitThroughEarlierPlugins(t *testing.T) {
	g := mockGateway(t, `
plugins:
  openai: {source: openai.wasm}
  guardrails: {source: guardrails.wasm, limits: {memory_pages: 512}}
  respond: {source: respond.wasm}
pipelines:
  main:
    - plugin: guardrails
      config:
        output:
          - {name: canned, deny: {words: [short-circuit]}, action: redact}
    - plugin: respond
routes: [{pipeline: main}]
`, "openai", "guardrails", "testguests/respond")

	status, _, body := post(t, g.url, userMessage("hi", false))
	if status != 200 || !strings.Contains(body, `"content":"[REDACTED]"`) {
		t.Errorf("buffered: %d %s", status, body)
	}
	status, _, body = post(t, g.url, userMessage("hi", true))
	if status != 200 || streamText(body) != "[REDACTED]" || !strings.HasSuffix(strings.TrimSpace(body), "data: [DONE]") {
		t.Errorf("streamed: %d %q\n%s", status, streamText(body), body)
	}
	resp, err := http.Post(g.url+"/v1/messages", "application/json",
		strings.NewReader(`{"model":"m","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if text := string(b); resp.StatusCode != 200 || !strings.Contains(text, "event: message_start") ||
		!strings.Contains(text, `"text":"[REDACTED]"`) || !strings.Contains(text, "event: message_stop") ||
		strings.Contains(text, "chat.completion.chunk") || strings.Contains(text, `"text":"short-circuit"`) {
		t.Errorf("Anthropic stream: %d\n%s", resp.StatusCode, text)
	}
}
