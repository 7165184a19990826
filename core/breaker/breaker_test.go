package breaker

import (
	"sync"
	"testing"
	"time"
)

func TestBreakerCycle(t *testing.T) {
	var mu sync.Mutex
	var changes []string
	b := New("p/k", Config{Failures: 3, OpenFor: 50 * time.Millisecond, HalfOpenProbes: 1}, func(name string, from, to State) {
		mu.Lock()
		changes = append(changes, from.String()+">"+to.String())
		mu.Unlock()
	})
	fail := func() {
		t.Helper()
		done, ok := b.Allow()
		if !ok {
			t.Fatal("refused while closed")
		}
		done(false)
	}
	fail()
	fail()
	// A success in between resets the run.
	done, _ := b.Allow()
	done(true)
	fail()
	fail()
	if b.State() != Closed {
		t.Fatalf("state %s after 2 failures in a row, want closed", b.State())
	}
	fail()
	if b.State() != Open {
		t.Fatalf("state %s after 3 failures in a row, want open", b.State())
	}
	if _, ok := b.Allow(); ok {
		t.Fatal("an open breaker let a request through")
	}
	time.Sleep(60 * time.Millisecond)
	probe, ok := b.Allow()
	if !ok || b.State() != HalfOpen {
		t.Fatalf("after open_for: allowed %v, state %s; want a half-open probe", ok, b.State())
	}
	if _, ok := b.Allow(); ok {
		t.Fatal("a second probe passed while the first is out")
	}
	probe(false)
	if b.State() != Open {
		t.Fatalf("a failed probe left the state %s, want open", b.State())
	}
	time.Sleep(60 * time.Millisecond)
	probe, _ = b.Allow()
	probe(true)
	if b.State() != Closed {
		t.Fatalf("a good probe left the state %s, want closed", b.State())
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"closed>open", "open>half_open", "half_open>open", "open>half_open", "half_open>closed"}
	if len(changes) != len(want) {
		t.Fatalf("changes %v, want %v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Fatalf("changes %v, want %v", changes, want)
		}
	}
}

func TestNilBreakerIsClosed(t *testing.T) {
	b := New("off", Config{}, nil)
	if b != nil {
		t.Fatal("Failures 0 should make no breaker")
	}
	for range 100 {
		done, ok := b.Allow()
		if !ok {
			t.Fatal("a disabled breaker refused")
		}
		done(false)
	}
	if b.State() != Closed {
		t.Fatal("a disabled breaker is not closed")
	}
}
