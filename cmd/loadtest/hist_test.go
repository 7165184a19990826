package main

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []uint64{0, 1, 511, 512, 513, 1023, 1024, 1 << 20, 1<<40 + 12345, 1<<63 - 1, 1 << 63, ^uint64(0)}
	for range 10000 {
		values = append(values, rng.Uint64()>>rng.IntN(64))
	}
	for _, v := range values {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d out of range", v, i)
		}
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Fatalf("value %d in bucket %d = [%d, %d]", v, i, lo, hi)
		}
		if hi-lo > lo/subBuckets {
			t.Fatalf("bucket %d = [%d, %d] too wide", i, lo, hi)
		}
	}
	// Buckets tile the line: each starts right after the previous one.
	prevHi, _ := bucketRange(0)
	for i := 1; i < numBuckets; i++ {
		lo, hi := bucketRange(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		prevHi = hi
	}
	if prevHi != ^uint64(0) {
		t.Fatalf("last bucket ends at %d", prevHi)
	}
}

func TestPercentiles(t *testing.T) {
	var empty histogram
	if empty.percentile(50) != 0 || empty.mean() != 0 {
		t.Error("empty histogram")
	}

	var one histogram
	one.record(1234567 * time.Nanosecond)
	for _, p := range []float64{0, 50, 99, 100} {
		if got := one.percentile(p); got != 1234567 {
			t.Errorf("single value: p%v = %v", p, got)
		}
	}

	// 1..1000 µs, shuffled, recorded in two histograms that are merged.
	var a, b histogram
	for i, v := range rand.New(rand.NewPCG(3, 4)).Perm(1000) {
		d := time.Duration(v+1) * time.Microsecond
		if i%2 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
	}
	a.merge(&b)
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{
		{50, 500 * time.Microsecond},
		{90, 900 * time.Microsecond},
		{99, 990 * time.Microsecond},
		{99.9, 999 * time.Microsecond},
		{100, 1000 * time.Microsecond},
		{0, time.Microsecond},
	} {
		got := a.percentile(tt.p)
		if diff := (got - tt.want).Abs(); float64(diff) > float64(tt.want)/subBuckets {
			t.Errorf("p%v = %v, want %v ± 0.4%%", tt.p, got, tt.want)
		}
	}
	if a.n != 1000 || a.min != uint64(time.Microsecond) || a.max != uint64(1000*time.Microsecond) {
		t.Errorf("n %d min %d max %d", a.n, a.min, a.max)
	}
	if m := a.mean(); m != 500500*time.Nanosecond {
		t.Errorf("mean = %v", m)
	}

	// Small exact values: nearest rank.
	var s histogram
	for _, v := range []time.Duration{10, 20, 30, 40} {
		s.record(v)
	}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{25, 10}, {26, 20}, {50, 20}, {75, 30}, {76, 40}, {100, 40}} {
		if got := s.percentile(tt.p); got != tt.want {
			t.Errorf("p%v of 10,20,30,40 ns = %v, want %v", tt.p, got, tt.want)
		}
	}
}
