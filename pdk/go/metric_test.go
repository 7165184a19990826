package pdk_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

// counting counts its rule in Init (at zero) and once per request, with
// the label the request's x-label header names.
type counting struct{ errs []error }

func (c *counting) Init(pdk.Config) error { return pdk.MetricAdd("warn", "tone", 0) }

func (c *counting) OnRequest(req *pdk.Request) pdk.Action {
	label, _ := req.Header("x-label")
	c.errs = append(c.errs, pdk.MetricAdd("warn", label, 1))
	return pdk.Continue
}

func TestMetricAdd(t *testing.T) {
	p := &counting{}
	s := pdktest.New(t, p)
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	for _, label := range []string{"tone", "tone", "gpt-4o/exact:1.0", "a b", strings.Repeat("x", 65)} {
		s.Request(body, pdktest.WithHeader("x-label", label))
	}
	want := []error{nil, nil, nil, pdk.ErrInvalid, pdk.ErrInvalid}
	for i := range want {
		if !errors.Is(p.errs[i], want[i]) {
			t.Errorf("call %d: %v, want %v", i, p.errs[i], want[i])
		}
	}
	counts, dropped := s.Metrics()
	if counts[pdktest.Metric{Event: "warn", Label: "tone"}] != 2 || len(counts) != 2 || dropped != 0 {
		t.Fatalf("counts %v, dropped %d", counts, dropped)
	}
	for i := len(counts); i < pdk.MetricSeriesMax; i++ {
		s.Request(body, pdktest.WithHeader("x-label", fmt.Sprint("r", i)))
	}
	s.Request(body, pdktest.WithHeader("x-label", "one-too-many"))
	if err := p.errs[len(p.errs)-1]; !errors.Is(err, pdk.ErrTooLarge) {
		t.Errorf("a pair over the cap: %v, want ErrTooLarge", err)
	}
	if counts, dropped = s.Metrics(); len(counts) != pdk.MetricSeriesMax || dropped != 1 {
		t.Errorf("%d series, %d dropped", len(counts), dropped)
	}
	for _, bad := range []struct {
		event string
		delta int
	}{{"Warn", 1}, {"", 1}, {"warn", -1}} {
		if err := pdk.MetricAdd(bad.event, "", bad.delta); err == nil {
			t.Errorf("MetricAdd(%q, %d) outside a host: nil error", bad.event, bad.delta)
		}
	}
}

// TestMetricABI keeps the import and the limits in step with pdk/ABI.md.
func TestMetricABI(t *testing.T) {
	doc, err := os.ReadFile("../ABI.md")
	if os.IsNotExist(err) {
		t.Skip("ABI.md not found (not in the wasmgate repository)")
	}
	src, err2 := os.ReadFile("metric_wasip1.go")
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	for _, want := range []string{"| `metric_add` | `(name_ptr, name_len, label_ptr, label_len, delta) -> status` |",
		fmt.Sprintf("at most %d bytes", pdk.MetricNameMax), fmt.Sprintf("%d distinct", pdk.MetricSeriesMax)} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("ABI.md does not say %q", want)
		}
	}
	if !strings.Contains(string(src), "//go:wasmimport wasmgate metric_add\nfunc wgMetricAdd(name unsafe.Pointer, nameLen int32, label unsafe.Pointer, labelLen int32, delta int32) int32") {
		t.Error("metric_wasip1.go does not import metric_add with five i32 parameters")
	}
}
