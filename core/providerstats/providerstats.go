// Package providerstats keeps live statistics of a provider (or one of its
// keys) from the requests sent to it: a sliding window of outcomes and
// latencies, cheap to update from many goroutines at once. Real traffic and
// active health probes feed the same window; the router reads it through
// the host.
package providerstats

import (
	"sync/atomic"
	"time"
)

// buckets is the number of slots of a window: Window/buckets is the
// resolution with which old outcomes age out.
const buckets = 10

// Stats is one provider's window. The zero value is not usable: use New.
type Stats struct {
	slot time.Duration // Window / buckets
	b    [buckets]bucket
}

type bucket struct {
	epoch   atomic.Int64 // which slot of time the counts belong to
	ok      atomic.Int64
	failed  atomic.Int64
	latency atomic.Int64 // nanoseconds, summed over ok and failed
}

// New makes a window of the given length (10 s if 0).
func New(window time.Duration) *Stats {
	if window <= 0 {
		window = 10 * time.Second
	}
	return &Stats{slot: max(window/buckets, time.Millisecond)}
}

// Observe records one outcome at now.
func (s *Stats) Observe(now time.Time, latency time.Duration, failed bool) {
	e := now.UnixNano() / int64(s.slot)
	b := &s.b[e%buckets]
	if old := b.epoch.Load(); old != e && b.epoch.CompareAndSwap(old, e) {
		// First outcome of a new slot: forget the old one. Outcomes racing
		// with the reset may be lost; the window is an estimate.
		b.ok.Store(0)
		b.failed.Store(0)
		b.latency.Store(0)
	}
	if failed {
		b.failed.Add(1)
	} else {
		b.ok.Add(1)
	}
	b.latency.Add(int64(latency))
}

// Snapshot is the window's summary.
type Snapshot struct {
	Requests  int64
	Failures  int64
	ErrorRate float64       // Failures / Requests (0 when there are none)
	Latency   time.Duration // mean over the window (0 when there are none)
}

// Snapshot sums the slots that are still inside the window at now.
func (s *Stats) Snapshot(now time.Time) Snapshot {
	e := now.UnixNano() / int64(s.slot)
	var snap Snapshot
	var lat int64
	for i := range s.b {
		b := &s.b[i]
		if ep := b.epoch.Load(); ep > e-buckets && ep <= e {
			ok, failed := b.ok.Load(), b.failed.Load()
			snap.Requests += ok + failed
			snap.Failures += failed
			lat += b.latency.Load()
		}
	}
	if snap.Requests > 0 {
		snap.ErrorRate = float64(snap.Failures) / float64(snap.Requests)
		snap.Latency = time.Duration(lat / snap.Requests)
	}
	return snap
}
