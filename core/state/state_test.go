package state_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/state"
	"github.com/wasmgate/wasmgate/core/state/redistest"
)

// stores runs a test against the memory store and a real Redis.
func stores(t *testing.T, f func(t *testing.T, open func() state.Store)) {
	t.Run("memory", func(t *testing.T) {
		m := state.NewMemory()
		f(t, func() state.Store { return m })
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		f(t, func() state.Store {
			s, err := state.Open(srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
}

func TestReserve(t *testing.T) {
	stores(t, func(t *testing.T, open func() state.Store) {
		s, ctx := open(), context.Background()
		hard := state.Counter{Key: "rq", Inc: 3, Limit: 10, TTL: time.Minute}
		for i, want := range []bool{true, true, true, false} { // 3+3+3 fit, 12 does not
			d, err := s.Reserve(ctx, []state.Counter{hard})
			if err != nil {
				t.Fatal(err)
			}
			if (d == nil) != want {
				t.Fatalf("reserve %d: admitted=%v, want %v", i, d == nil, want)
			}
			if d != nil && (d.Index != 0 || d.Retry <= 50*time.Second || d.Retry > time.Minute) {
				t.Fatalf("denied %+v", d)
			}
		}
		// A refusal of the second counter adds nothing to the first.
		other := state.Counter{Key: "other", Inc: 1, Limit: 5, TTL: time.Minute}
		if d, _ := s.Reserve(ctx, []state.Counter{other, hard}); d == nil || d.Index != 1 {
			t.Fatalf("want the second counter to refuse, got %+v", d)
		}
		if v, _ := s.Get(ctx, "other", "rq", "missing"); v[0] != 0 || v[1] != 9 || v[2] != 0 {
			t.Fatalf("counters %v", v)
		}
		// Soft: admitted while below the limit, the last one crosses it.
		soft := state.Counter{Key: "budget", Inc: 4, Limit: 10, Soft: true, TTL: time.Hour}
		var admitted int
		for range 5 {
			if d, _ := s.Reserve(ctx, []state.Counter{soft}); d == nil {
				admitted++
			}
		}
		if v, _ := s.Get(ctx, "budget"); admitted != 3 || v[0] != 12 {
			t.Fatalf("soft: %d admitted, counter %d", admitted, v[0])
		}
		// Add settles without a check, negative too.
		if err := s.Add(ctx, []state.Counter{{Key: "budget", Inc: -5}}); err != nil {
			t.Fatal(err)
		}
		if v, _ := s.Get(ctx, "budget"); v[0] != 7 {
			t.Fatalf("after add: %d", v[0])
		}
	})
}

func TestReserveExpires(t *testing.T) {
	stores(t, func(t *testing.T, open func() state.Store) {
		s, ctx := open(), context.Background()
		c := state.Counter{Key: "short", Inc: 1, Limit: 1, TTL: 150 * time.Millisecond}
		if d, _ := s.Reserve(ctx, []state.Counter{c}); d != nil {
			t.Fatal("first refused")
		}
		if d, _ := s.Reserve(ctx, []state.Counter{c}); d == nil {
			t.Fatal("second admitted")
		}
		time.Sleep(200 * time.Millisecond)
		if d, _ := s.Reserve(ctx, []state.Counter{c}); d != nil {
			t.Fatal("refused after the window ended")
		}
	})
}

// TestReserveConcurrent: many goroutines on several clients admit exactly
// the limit.
func TestReserveConcurrent(t *testing.T) {
	stores(t, func(t *testing.T, open func() state.Store) {
		clients := []state.Store{open(), open(), open()}
		const limit = 137
		var admitted atomic.Int64
		var wg sync.WaitGroup
		for g := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := clients[g%len(clients)]
				for range 20 {
					d, err := s.Reserve(context.Background(), []state.Counter{{Key: "hammer", Inc: 1, Limit: limit, TTL: time.Minute}})
					if err != nil {
						t.Error(err)
						return
					}
					if d == nil {
						admitted.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if admitted.Load() != limit {
			t.Fatalf("admitted %d, limit %d", admitted.Load(), limit)
		}
	})
}

func TestRecords(t *testing.T) {
	stores(t, func(t *testing.T, open func() state.Store) {
		s, ctx := open(), context.Background()
		if _, err := s.Fetch(ctx, "keys", "a"); !errors.Is(err, state.ErrNotFound) {
			t.Fatalf("missing record: %v", err)
		}
		s.Put(ctx, "keys", "a", []byte("1"))
		s.Put(ctx, "keys", "b", []byte("2"))
		if v, err := s.Fetch(ctx, "keys", "a"); err != nil || string(v) != "1" {
			t.Fatalf("%q %v", v, err)
		}
		s.Delete(ctx, "keys", "a")
		all, _ := s.FetchAll(ctx, "keys")
		if len(all) != 1 || string(all["b"]) != "2" {
			t.Fatalf("%q", all)
		}
		s.Incr(ctx, "usage", map[string]int64{"x": 2, "y": 5})
		s.Incr(ctx, "usage", map[string]int64{"x": 3})
		all, _ = s.FetchAll(ctx, "usage")
		if string(all["x"]) != "5" || string(all["y"]) != "5" {
			t.Fatalf("%q", all)
		}
	})
}

func TestOpen(t *testing.T) {
	for _, spec := range []string{"", "memory", "redis://127.0.0.1:1/0"} {
		s, err := state.Open(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		s.Close()
	}
	for _, spec := range []string{"mysql://x", "nonsense", "redis://x:notaport"} {
		if _, err := state.Open(spec); err == nil {
			t.Fatalf("%q opened", spec)
		}
	}
}

// TestRedisDown: a Redis that does not answer is an error, quickly.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	s, _ := state.Open(srv.URL())
	defer s.Close()
	srv.Stop()
	start := time.Now()
	_, err := s.Reserve(context.Background(), []state.Counter{{Key: "k", Inc: 1, Limit: 1}})
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}
