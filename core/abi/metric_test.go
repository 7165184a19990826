package abi_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/core/abi"
)

func TestMetricInABIDoc(t *testing.T) {
	b, err := os.ReadFile("../../pdk/ABI.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"`" + abi.FnMetricAdd + "`",
		fmt.Sprintf("at most %d bytes. `label` is at most\n  %d bytes", abi.MetricNameMax, abi.MetricLabelMax),
		fmt.Sprintf("at most %d distinct", abi.MetricSeriesMax)} {
		if !strings.Contains(string(b), want) {
			t.Errorf("pdk/ABI.md does not say %q", want)
		}
	}
}

func TestValidMetric(t *testing.T) {
	for _, tc := range []struct {
		s           string
		name, label bool
	}{
		{"warn", true, true},
		{"hit_exact2", true, true},
		{"", false, true},
		{"Warn", false, true},
		{"2xx", false, true},
		{"openai/gpt-4o:mini-1.5_x", false, true},
		{"a b", false, false},
		{`a"b`, false, false},
		{"é", false, false},
		{strings.Repeat("a", 64), true, true},
		{strings.Repeat("a", 65), false, false},
	} {
		if abi.ValidMetricName(tc.s) != tc.name || abi.ValidMetricLabel(tc.s) != tc.label {
			t.Errorf("%q: name %v label %v, want %v %v", tc.s, abi.ValidMetricName(tc.s), abi.ValidMetricLabel(tc.s), tc.name, tc.label)
		}
	}
}

// TestPDKsImportMetricAdd: the Rust, C and AssemblyScript PDKs import
// metric_add and wrap it.
func TestPDKsImportMetricAdd(t *testing.T) {
	for file, want := range map[string][]string{
		"../../pdk/rust/src/lib.rs":                  {"pub fn metric_add(name: *const u8", "pub fn metric_add(event: &str, label: &str, delta: i32)"},
		"../../pdk/c/wasmgate.c":                     {`WG_IMPORT("metric_add")`, "int wg_metric_add(const char *event"},
		"../../pdk/c/wasmgate.h":                     {"int wg_metric_add(const char *event, const char *label, int delta);"},
		"../../pdk/assemblyscript/assembly/index.ts": {`@external("wasmgate", "metric_add")`, "export function metricAdd(event: string, label: string, delta: i32): Status"},
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s: no %q", file, w)
			}
		}
	}
}
