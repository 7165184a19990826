// Package health decides whether a provider is in rotation. Its verdict is
// read from the provider's live statistics (providerstats), which real
// traffic feeds all the time and optional active probes feed while the
// provider is quiet or out of rotation: a provider leaves rotation when its
// latency or error rate over the window crosses a threshold and comes back
// once the window is good again.
package health

import (
	"context"
	"time"

	"github.com/wasmgate/wasmgate/core/providerstats"
)

// Thresholds of one provider. A zero threshold is not checked.
type Thresholds struct {
	MaxLatency   time.Duration
	MaxErrorRate float64
	// MinSamples is how many outcomes the window needs for a verdict;
	// with fewer the provider counts as healthy.
	MinSamples int64
}

// Healthy judges a window.
func (t Thresholds) Healthy(s providerstats.Snapshot) bool {
	if s.Requests == 0 || s.Requests < t.MinSamples {
		return true
	}
	if t.MaxLatency > 0 && s.Latency > t.MaxLatency {
		return false
	}
	if t.MaxErrorRate > 0 && s.ErrorRate > t.MaxErrorRate {
		return false
	}
	return true
}

// Prober sends one probe request; an error is a failed probe.
type Prober func(ctx context.Context) error

// Checker probes a provider at an interval and records the outcomes.
type Checker struct {
	Interval time.Duration
	Timeout  time.Duration
	Probe    Prober
	Stats    *providerstats.Stats
}

// Run probes until ctx ends.
func (c *Checker) Run(ctx context.Context) {
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		c.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once sends one probe and records it. A probe slower than Timeout fails.
func (c *Checker) Once(ctx context.Context) {
	start := time.Now() // before the deadline is set, so a timed-out probe counts at least Timeout
	pctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	err := c.Probe(pctx)
	if ctx.Err() != nil {
		return // shutting down: not the provider's fault
	}
	c.Stats.Observe(time.Now(), time.Since(start), err != nil)
}
