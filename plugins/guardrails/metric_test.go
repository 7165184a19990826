package main

import (
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

// TestWarnCounts: each warning counts once per rule and request in
// wasmgate_plugin_events_total{event="warn",label=<rule>}, however often
// the rule matched; blocks and clean requests count nothing.
func TestWarnCounts(t *testing.T) {
	s := pdktest.New(t, &plugin{}, pdktest.WithConfig(inputRules))
	s.Request(request("gpt-4o", "user", "darn, darn it"))
	s.Request(request("gpt-4o", "user", "darn"))
	s.Request(request("gpt-4o", "user", "hello"))
	if res := s.Request(request("gpt-4o", "user", "ask Globex")); res.Error == nil {
		t.Fatal("the competitors rule did not block")
	}
	counts, dropped := s.Metrics()
	want := pdktest.Metric{Event: "warn", Label: "profanity"}
	if len(counts) != 1 || counts[want] != 2 || dropped != 0 {
		t.Fatalf("counts %v, dropped %d; want profanity warnings only", counts, dropped)
	}
}
