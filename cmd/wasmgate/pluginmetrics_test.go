package main_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestGuardrailsWarnMetric: a warn rule gives the client a header, the log
// a line and /metrics a count by rule (metric_add), once per request,
// streamed or not; the matched text appears in none of them but the log's
// rule name.
func TestGuardrailsWarnMetric(t *testing.T) {
	g := guardGateway(t, `  main:
    - plugin: guardrails
      config:
        input:
          - {name: tone, deny: {words: [darn]}, action: warn}
          - {name: secrets, deny: {builtin: [api_key]}, action: warn}
  masked: []
`)
	const series = `wasmgate_plugin_events_total{event="warn",label="tone",plugin="guardrails"}`
	status, hdr, body := post(t, g.url, userMessage("darn, darn: what time is it?", false))
	if status != 200 || hdr.Get("x-wasmgate-guardrails-warn") != "tone" {
		t.Fatalf("warn: %d %q %s", status, hdr.Get("x-wasmgate-guardrails-warn"), body)
	}
	if status, _, body = post(t, g.url, userMessage("darn", true)); status != 200 || !strings.Contains(body, "[DONE]") {
		t.Fatalf("streamed warn: %d %s", status, body)
	}
	post(t, g.url, userMessage("a clean question", false))
	page := get(t, g.url+"/metrics")
	if v := metricValue(page, "wasmgate_plugin_events_total"); v != 2 || !strings.Contains(page, series+" 2\n") {
		t.Errorf("/metrics: wasmgate_plugin_events_total sums to %v, want %s 2:\n%s", v, series, eventLines.FindAllString(page, -1))
	}
	if !strings.Contains(g.logs.String(), `rule \"tone\" warned on the request`) {
		t.Errorf("no warn log line:\n%s", g.logs.String())
	}

	// A key in the prompt warns by rule name; the key itself goes nowhere.
	key := "sk-proj-T3stKeyAbCdEfGhIjKlMnOpQrStUvWx0123456789"
	if status, hdr, _ = post(t, g.url, userMessage("my key is "+key, false)); status != 200 || hdr.Get("x-wasmgate-guardrails-warn") != "secrets" {
		t.Fatalf("secrets warn: %d %q", status, hdr.Get("x-wasmgate-guardrails-warn"))
	}
	page = get(t, g.url+"/metrics")
	if !strings.Contains(page, `wasmgate_plugin_events_total{event="warn",label="secrets",plugin="guardrails"} 1`) {
		t.Errorf("no count for the secrets rule:\n%s", eventLines.FindAllString(page, -1))
	}
	if strings.Contains(page, "sk-proj") || strings.Contains(g.logs.String(), "sk-proj") {
		t.Error("the key reached /metrics or the log")
	}
}

// eventLines are the plugin event series of a /metrics page.
var eventLines = regexp.MustCompile(`(?m)^wasmgate_plugin_events.*$`)
