package config_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
)

func TestRoutingDefaults(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid.yaml")
	src := strings.Replace(string(valid), `api_key: "sk-secret-value", adapter: p}`,
		`adapter: p, keys: [{id: a, key: "sk-a"}, {id: b, key: "sk-b", weight: 3}], breaker: {failures: 3}}`, 1)
	c, err := config.Parse([]byte(src+"dispatch: {retries: 0}\n"), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	d := c.Dispatch
	if d.Retries != 0 || d.MaxAttempts != config.DefaultMaxAttempts || d.Backoff != config.DefaultBackoff ||
		d.MaxRetryAfter != config.DefaultMaxRetryAfter || strings.Join(d.FallbackOn, ",") != "429,5xx,timeout,connect" {
		t.Fatalf("dispatch defaults (an explicit retries: 0 kept): %+v", d)
	}
	p := c.Providers["up"]
	if p.Keys[0].Weight != 1 || p.Keys[1].Weight != 3 || p.Breaker.OpenFor != config.DefaultBreakerOpenFor || p.Breaker.HalfOpenProbes != 1 {
		t.Fatalf("provider defaults: %+v %+v", p.Keys, p.Breaker)
	}
	if p.Health.Enabled() || p.Health.Window != 10*time.Second || p.Health.Path != "/chat/completions" {
		t.Fatalf("health defaults: %+v", p.Health)
	}
}

func TestRoutingErrors(t *testing.T) {
	valid, _ := os.ReadFile("testdata/valid.yaml")
	const prov = `api_key: "sk-secret-value", adapter: p}`
	tests := []struct {
		name, from, to, want string
	}{
		{"keys and api_key", prov, `api_key: "x", adapter: p, keys: [{id: a, key: k}]}`, "providers.up.keys: set either api_key or keys"},
		{"duplicate key id", prov, `adapter: p, keys: [{id: a, key: k}, {id: a, key: l}]}`, `providers.up.keys[1].id: duplicate key id "a"`},
		{"key id with a comma", prov, `adapter: p, keys: [{id: "a,b", key: k}]}`, "providers.up.keys[0].id: must not contain"},
		{"empty key", prov, `adapter: p, keys: [{id: a}]}`, "providers.up.keys[0].key: must not be empty"},
		{"bad error rate", prov, prov[:len(prov)-1] + `, health: {max_error_rate: 3}}`, "providers.up.health.max_error_rate: must be between 0 and 1"},
		{"probe without threshold", prov, prov[:len(prov)-1] + `, health: {interval: 5s}}`, "interval is set but neither"},
		{"bad trigger", "server:", "dispatch: {fallback_on: [teapot]}\nserver:", `dispatch.fallback_on[0]: "teapot" is not a status`},
		{"too many attempts", "server:", "dispatch: {max_attempts: 50}\nserver:", "dispatch.max_attempts: must be between 1 and 20"},
		{"unknown dispatch key", "server:", "dispatch: {retry: 2}\nserver:", "dispatch.retry: unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(string(valid), tc.from, tc.to, 1)
			if src == string(valid) {
				t.Fatalf("fixture: %q not found", tc.from)
			}
			_, err := config.Parse([]byte(src), "testdata")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
