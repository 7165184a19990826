package main

import (
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

const config = `{
  "aliases": {"fast": "gpt-4o-mini", "gpt-4o*": "gpt-4o", "gpt-4o-mini*": "gpt-4o-mini"},
  "rules": [
    {"name": "premium", "match": {"headers": {"x-tier": "premium"}}, "strategy": "ordered",
     "targets": [{"provider": "azure", "model": "gpt-4o", "key": "k2"}]},
    {"name": "team-a", "match": {"metadata": {"team": "a*"}, "attributes": {"vk.tier": "gold"}}, "strategy": "ordered",
     "targets": [{"provider": "team", "model": "x"}]},
    {"name": "long", "match": {"min_prompt_bytes": 200}, "strategy": "ordered",
     "targets": [{"provider": "longctx"}]},
    {"name": "cheap", "match": {"requested_models": ["cheap"]}, "strategy": "lowest_cost",
     "targets": [{"provider": "a", "model": "m", "cost": 5}, {"provider": "b", "model": "m", "cost": 1}, {"provider": "c", "model": "m", "cost": 3}]},
    {"name": "quick", "match": {"requested_models": ["quick"]}, "strategy": "least_latency",
     "targets": [{"provider": "a", "model": "m"}, {"provider": "b", "model": "m"}, {"provider": "c", "model": "m"}]},
    {"name": "4o", "match": {"models": ["gpt-4o"]}, "strategy": "ordered",
     "targets": [{"provider": "openai"}, {"provider": "azure", "model": "gpt-4o-deploy"}],
     "fallbacks": [{"provider": "backup", "model": "gpt-4o-mini"}], "fallback_on": ["429", "5xx"]},
    {"name": "mini", "match": {"models": ["gpt-4o-mini"]},
     "targets": [{"provider": "a", "weight": 3}, {"provider": "b", "weight": 1}]}
  ]
}`

func body(model string) string {
	return `{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`
}

func TestRules(t *testing.T) {
	long := `{"model":"whatever","messages":[{"role":"user","content":"` + strings.Repeat("x", 250) + `"}]}`
	tests := []struct {
		name    string
		body    string
		opts    []pdktest.Option
		targets string
		model   string // the request's model after the hook
		fbOn    string
		rule    string
	}{
		{"alias wildcard", body("gpt-4o-2024-08-06"), nil, "openai/gpt-4o,azure/gpt-4o-deploy,backup/gpt-4o-mini", "gpt-4o", "429,5xx", "4o"},
		{"exact alias beats the wildcard", body("fast"), nil, "", "gpt-4o-mini", "", "mini"},
		{"longer wildcard wins", body("gpt-4o-mini-2024"), nil, "", "gpt-4o-mini", "", "mini"},
		{"header", body("gpt-4o"), []pdktest.Option{pdktest.WithHeader("X-Tier", "premium")}, "azure/gpt-4o#k2", "gpt-4o", "", "premium"},
		{"metadata and virtual key attribute", `{"model":"z","metadata":{"team":"alpha"},"messages":[{"role":"user","content":"hi"}]}`,
			[]pdktest.Option{pdktest.WithAttr("vk.tier", "gold")}, "team/x", "z", "", "team-a"},
		{"metadata without the attribute", `{"model":"gpt-4o","metadata":{"team":"alpha"},"messages":[{"role":"user","content":"hi"}]}`,
			nil, "openai/gpt-4o,azure/gpt-4o-deploy,backup/gpt-4o-mini", "gpt-4o", "429,5xx", "4o"},
		{"prompt size", long, nil, "longctx/whatever", "whatever", "", "long"},
		{"lowest cost", body("cheap"), nil, "b/m,c/m,a/m", "cheap", "", "cheap"},
		{"no rule", body("other"), nil, "", "other", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pdktest.New(t, &router{}, pdktest.WithConfig(config))
			res := s.Request(tc.body, tc.opts...)
			if res.Action != pdk.Continue || res.Failure != "" {
				t.Fatalf("action %v, failure %q, error %v", res.Action, res.Failure, res.Error)
			}
			got := res.Attr(pdk.AttrTargets)
			if tc.rule == "mini" {
				if got != "a/gpt-4o-mini,b/gpt-4o-mini" && got != "b/gpt-4o-mini,a/gpt-4o-mini" {
					t.Fatalf("targets %q", got)
				}
			} else if got != tc.targets {
				t.Fatalf("targets %q, want %q", got, tc.targets)
			}
			if m := res.RequestPath("model"); m != tc.model {
				t.Fatalf("model %q, want %q", m, tc.model)
			}
			if f := res.Attr(pdk.AttrFallbackOn); f != tc.fbOn {
				t.Fatalf("fallback_on %q, want %q", f, tc.fbOn)
			}
			if r := res.Attr("router.rule"); r != tc.rule {
				t.Fatalf("rule %q, want %q", r, tc.rule)
			}
		})
	}
}

func TestWeights(t *testing.T) {
	s := pdktest.New(t, &router{}, pdktest.WithConfig(config))
	first := map[string]int{}
	for range 4000 {
		res := s.Request(body("gpt-4o-mini"))
		p, _, _ := strings.Cut(res.Attr(pdk.AttrTargets), "/")
		first[p]++
	}
	// 3:1 weights: a first about 3000 times in 4000.
	if first["a"] < 2700 || first["a"] > 3300 || first["a"]+first["b"] != 4000 {
		t.Fatalf("first targets %v, want about 3000 a and 1000 b", first)
	}
}

func TestLiveStatistics(t *testing.T) {
	tests := []struct {
		name, stats, model, want string
	}{
		{"least latency", "a default 1 closed 900000 0 50\nb default 1 closed 120000 0 50\nc default 1 closed 400000 0 50\n",
			"quick", "b/m,c/m,a/m"},
		{"an unhealthy provider goes last", "a default 1 closed 900000 0 50\nb default 0 closed 120000 0 50\nc default 1 closed 400000 0 50\n",
			"quick", "c/m,a/m,b/m"},
		{"an open breaker goes last", "a default 1 closed 900000 0 50\nb default 1 open 1000 1000000 9\nc default 1 closed 400000 0 50\n",
			"quick", "c/m,a/m,b/m"},
		{"lowest cost leaves availability to the host", "a default 1 closed 0 0 0\nb default 1 open 0 1000000 9\nc default 1 closed 0 0 0\n",
			"cheap", "b/m,c/m,a/m"},
		{"a provider without data counts as fast", "a default 1 closed 900000 0 50\nb default 1 closed 120000 0 50\n",
			"quick", "c/m,b/m,a/m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pdktest.New(t, &router{}, pdktest.WithConfig(config))
			res := s.Request(body(tc.model), pdktest.WithProviderStats(tc.stats))
			if got := res.Attr(pdk.AttrTargets); got != tc.want {
				t.Fatalf("targets %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ config, want string }{
		{`{}`, "at least one rule"},
		{`{"rules":[{"targets":[]}]}`, "at least one target"},
		{`{"rules":[{"strategy":"random","targets":[{"provider":"a"}]}]}`, `strategy "random"`},
		{`{"rules":[{"targets":[{"provider":"a,b"}]}]}`, "may not contain"},
		{`{"rules":[{"targets":[{"provider":"a","weight":-1}]}]}`, "must not be negative"},
		{`{"rules":[{"targets":[{"provider":"a"}],"fallback_on":["teapot"]}]}`, `fallback_on "teapot"`},
		{`{"aliases":{"x":"y*"},"rules":[{"targets":[{"provider":"a"}]}]}`, "without *"},
		{`{"rules":[{"targets":[{"provider":"a"}],"typo":1}]}`, "unknown field"},
	}
	for _, tc := range tests {
		_, refused := pdktest.Init(t, &router{}, pdktest.WithConfig(tc.config))
		if refused == nil || !strings.Contains(refused.Message, tc.want) {
			t.Errorf("config %s: refused %v, want %q", tc.config, refused, tc.want)
		}
	}
}
