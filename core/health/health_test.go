package health

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/providerstats"
	"github.com/wasmgate/wasmgate/core/testnet"
)

func TestThresholds(t *testing.T) {
	th := Thresholds{MaxLatency: time.Second, MaxErrorRate: 0.03, MinSamples: 5}
	tests := []struct {
		name string
		snap providerstats.Snapshot
		want bool
	}{
		{"no traffic", providerstats.Snapshot{}, true},
		{"too few samples", providerstats.Snapshot{Requests: 4, Failures: 4, ErrorRate: 1}, true},
		{"good", providerstats.Snapshot{Requests: 100, Failures: 3, ErrorRate: 0.03, Latency: time.Second}, true},
		{"errors over 3 %", providerstats.Snapshot{Requests: 100, Failures: 4, ErrorRate: 0.04, Latency: time.Millisecond}, false},
		{"latency over 1 s", providerstats.Snapshot{Requests: 10, Latency: 1100 * time.Millisecond}, false},
	}
	for _, tc := range tests {
		if got := th.Healthy(tc.snap); got != tc.want {
			t.Errorf("%s: healthy %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A provider whose probes fail leaves rotation and comes back when they
// succeed again and the bad window has aged out.
func TestCheckerOutAndBack(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	stats := providerstats.New(200 * time.Millisecond)
	c := &Checker{Interval: 10 * time.Millisecond, Timeout: 50 * time.Millisecond, Stats: stats,
		Probe: func(ctx context.Context) error {
			if down.Load() {
				return errors.New("connection refused")
			}
			return nil
		}}
	th := Thresholds{MaxErrorRate: 0.03, MinSamples: 3}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	waitFor(t, func() bool { return !th.Healthy(stats.Snapshot(time.Now())) })
	down.Store(false)
	waitFor(t, func() bool { return th.Healthy(stats.Snapshot(time.Now())) })
}

// A probe that hangs fails at the timeout and counts its latency.
func TestCheckerTimeout(t *testing.T) {
	stats := providerstats.New(time.Minute)
	c := &Checker{Timeout: 20 * time.Millisecond, Stats: stats, Probe: func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	c.Once(context.Background())
	s := stats.Snapshot(time.Now())
	if s.Failures != 1 || s.Latency < 20*time.Millisecond {
		t.Fatalf("snapshot %+v", s)
	}
	if (Thresholds{MaxLatency: 10 * time.Millisecond, MinSamples: 1}).Healthy(s) {
		t.Fatal("a probe past max_latency left the provider healthy")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testnet.WaitFor(t, 3*time.Second, 5*time.Millisecond, "condition", cond)
}
