package providerstats

import (
	"sync"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	s := New(time.Second) // 100 ms slots
	t0 := time.Unix(1000, 0)
	for i := range 10 {
		s.Observe(t0, 100*time.Millisecond, i < 2)
	}
	got := s.Snapshot(t0)
	if got.Requests != 10 || got.Failures != 2 || got.ErrorRate != 0.2 || got.Latency != 100*time.Millisecond {
		t.Fatalf("snapshot %+v", got)
	}
	// Half a window later, new outcomes add to the old.
	t1 := t0.Add(500 * time.Millisecond)
	s.Observe(t1, 300*time.Millisecond, false)
	got = s.Snapshot(t1)
	if got.Requests != 11 || got.Latency != (1000+300)*time.Millisecond/11 {
		t.Fatalf("snapshot %+v", got)
	}
	// A window after t0 the first outcomes are gone.
	got = s.Snapshot(t0.Add(time.Second + 10*time.Millisecond))
	if got.Requests != 1 || got.Failures != 0 {
		t.Fatalf("old outcomes did not age out: %+v", got)
	}
	if got = s.Snapshot(t0.Add(3 * time.Second)); got.Requests != 0 || got.ErrorRate != 0 {
		t.Fatalf("an idle window is not empty: %+v", got)
	}
	// A slot reused after a full turn starts from zero.
	s.Observe(t0.Add(time.Second), time.Millisecond, true)
	if got = s.Snapshot(t0.Add(time.Second)); got.Requests != 2 || got.Failures != 1 {
		t.Fatalf("reused slot kept old counts: %+v", got)
	}
}

func TestConcurrentObserve(t *testing.T) {
	s := New(time.Minute)
	now := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				s.Observe(now, time.Millisecond, false)
			}
		}()
	}
	wg.Wait()
	if got := s.Snapshot(now); got.Requests != 8000 {
		t.Fatalf("requests %d, want 8000", got.Requests)
	}
}

func BenchmarkObserve(b *testing.B) {
	s := New(10 * time.Second)
	now := time.Now()
	for b.Loop() {
		s.Observe(now, time.Millisecond, false)
	}
}
