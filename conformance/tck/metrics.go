package tck

import (
	"context"
	"testing"
)

// EventCounts is what a host's Instance reports of metric_add (pdk/ABI.md,
// "Plugin metrics"), so that the kit can check the counting.
type EventCounts interface {
	// Events returns the instance's plugin's counts by "event/label" and
	// how many calls were dropped over the limit of series.
	Events() (counts map[string]float64, dropped float64)
}

// runMetrics runs the guest's metrics scenario and checks what the host
// counted.
func runMetrics(t *testing.T, ctx context.Context, in Instance) {
	t.Helper()
	ec, ok := in.(EventCounts)
	if !ok {
		t.Fatalf("the host's instance (%T) does not report metric_add's counts (tck.EventCounts)", in)
	}
	out, err := in.Begin(scenario("metrics")).Call(ctx, Request, false)
	if err != nil {
		t.Fatalf("metrics: plugin failure: %v", err)
	}
	if out.Action != 0 {
		t.Fatalf("metrics: %s", out.ErrMessage)
	}
	counts, dropped := ec.Events()
	expect(t, "tck_event/a", counts["tck_event/a"], 4)
	zero, ok := counts["tck_event/"]
	expect(t, "tck_event/ counted at zero", ok && zero == 0, true)
	expect(t, "tck_event/s63", counts["tck_event/s63"], 1)
	expect(t, "pairs counted", len(counts), 64)
	expect(t, "calls dropped", dropped, 1)
}
