package vectorstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestEmbeddedSearchStaysInsidePartition(t *testing.T) {
	ctx := context.Background()
	s, err := OpenEmbedded(EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	must(t, s.Put(ctx, "cache", Entry{ID: "a", Partition: "tenant-a", Vector: []float32{1, 0, 0}, Payload: []byte("A")}))
	must(t, s.Put(ctx, "cache", Entry{ID: "b", Partition: "tenant-b", Vector: []float32{1, 0, 0}, Payload: []byte("B")}))
	must(t, s.Put(ctx, "cache", Entry{ID: "c", Partition: "tenant-a", Vector: []float32{0.6, 0.8, 0}, Payload: []byte("C")}))

	got, err := s.Search(ctx, "cache", "tenant-a", []float32{2, 0, 0}, 5, 0.5)
	must(t, err)
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "c" {
		t.Fatalf("search = %+v, want a then c", got)
	}
	if got[0].Cosine < 0.999 || got[1].Cosine < 0.59 || got[1].Cosine > 0.61 {
		t.Errorf("cosines %v %v, want 1 and 0.6", got[0].Cosine, got[1].Cosine)
	}
	for _, m := range got {
		if m.Partition != "tenant-a" {
			t.Errorf("match %q crossed into partition %q", m.ID, m.Partition)
		}
	}
	if got, _ := s.Search(ctx, "cache", "tenant-a", []float32{1, 0, 0}, 5, 0.9); len(got) != 1 {
		t.Errorf("threshold 0.9 kept %d matches, want 1", len(got))
	}
	if _, ok, _ := s.Get(ctx, "cache", "tenant-b", "a"); ok {
		t.Error("Get found tenant-a's entry under tenant-b")
	}
	if e, ok, _ := s.Get(ctx, "cache", "tenant-a", "a"); !ok || string(e.Payload) != "A" {
		t.Errorf("Get(a) = %q %v", e.Payload, ok)
	}
}

func TestEmbeddedTTL(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Unix(1000, 0)}
	s, err := OpenEmbedded(EmbeddedOptions{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.Put(ctx, "n", Entry{ID: "x", Vector: []float32{1, 0}, Expires: c.t.Add(time.Minute)}))
	must(t, s.Put(ctx, "n", Entry{ID: "y", Vector: []float32{1, 0}}))
	if _, ok, _ := s.Get(ctx, "n", "", "x"); !ok {
		t.Fatal("entry gone before its TTL")
	}
	c.t = c.t.Add(time.Minute)
	if _, ok, _ := s.Get(ctx, "n", "", "x"); ok {
		t.Fatal("entry served at its expiry")
	}
	if got, _ := s.Search(ctx, "n", "", []float32{1, 0}, 5, 0); len(got) != 1 || got[0].ID != "y" {
		t.Fatalf("search after expiry = %+v", got)
	}
	must(t, s.Put(ctx, "n", Entry{ID: "z", Vector: []float32{0, 1}, Expires: c.t.Add(time.Second)}))
	c.t = c.t.Add(time.Hour)
	if n := s.Sweep(); n != 1 || s.Len() != 1 {
		t.Errorf("sweep removed %d, %d left; want 1 and 1", n, s.Len())
	}
}

func TestEmbeddedPersistsAcrossRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vectors.log")
	c := &clock{time.Unix(1000, 0)}
	s, err := OpenEmbedded(EmbeddedOptions{Path: path, Now: c.now})
	must(t, err)
	must(t, s.Put(ctx, "cache", Entry{ID: "keep", Partition: "p", Vector: []float32{1, 2}, Payload: []byte(`{"a":1}`)}))
	must(t, s.Put(ctx, "cache", Entry{ID: "short", Partition: "p", Vector: []float32{2, 1}, Expires: c.t.Add(time.Second)}))
	must(t, s.Put(ctx, "cache", Entry{ID: "replaced", Partition: "p", Vector: []float32{1, 1}, Payload: []byte("old")}))
	must(t, s.Put(ctx, "cache", Entry{ID: "replaced", Partition: "p", Vector: []float32{1, 1}, Payload: []byte("new")}))
	must(t, s.Close())
	// A crash mid-write leaves a partial last line.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, _ = f.WriteString(`{"op":"put","ns":"cache","id":"torn`)
	f.Close()

	c.t = c.t.Add(time.Minute)
	s, err = OpenEmbedded(EmbeddedOptions{Path: path, Now: c.now})
	must(t, err)
	defer s.Close()
	if e, ok, _ := s.Get(ctx, "cache", "p", "keep"); !ok || string(e.Payload) != `{"a":1}` {
		t.Fatalf("after restart: keep = %q %v", e.Payload, ok)
	}
	if e, _, _ := s.Get(ctx, "cache", "p", "replaced"); string(e.Payload) != "new" {
		t.Errorf("after restart: replaced = %q, want the newer value", e.Payload)
	}
	if _, ok, _ := s.Get(ctx, "cache", "p", "short"); ok {
		t.Error("an entry that expired while the store was closed came back")
	}
	if got, _ := s.Search(ctx, "cache", "p", []float32{1, 2}, 1, 0.99); len(got) != 1 || got[0].ID != "keep" {
		t.Errorf("search after restart = %+v", got)
	}
	if s.Len() != 2 {
		t.Errorf("%d entries after restart, want 2", s.Len())
	}
}

func TestEmbeddedBounds(t *testing.T) {
	ctx := context.Background()
	s, _ := OpenEmbedded(EmbeddedOptions{MaxEntries: 3})
	for _, id := range []string{"1", "2", "3", "4", "5"} {
		must(t, s.Put(ctx, "n", Entry{ID: id, Vector: []float32{1}}))
	}
	if s.Len() != 3 {
		t.Fatalf("%d entries, want 3", s.Len())
	}
	if _, ok, _ := s.Get(ctx, "n", "", "1"); ok {
		t.Error("the oldest entry survived eviction")
	}
	if _, ok, _ := s.Get(ctx, "n", "", "5"); !ok {
		t.Error("the newest entry was evicted")
	}
	b, _ := OpenEmbedded(EmbeddedOptions{MaxBytes: 100})
	for _, id := range []string{"a", "b", "c"} {
		must(t, b.Put(ctx, "n", Entry{ID: id, Payload: make([]byte, 40)}))
	}
	if b.Len() != 2 {
		t.Errorf("byte bound: %d entries, want 2", b.Len())
	}
}

func TestEmbeddedDimensionMismatch(t *testing.T) {
	ctx := context.Background()
	s, _ := OpenEmbedded(EmbeddedOptions{})
	must(t, s.Put(ctx, "n", Entry{ID: "a", Vector: []float32{1, 2, 3}}))
	err := s.Put(ctx, "n", Entry{ID: "b", Vector: []float32{1, 2}})
	var de *DimensionError
	if !errors.As(err, &de) || de.Want != 3 || de.Got != 2 {
		t.Fatalf("err = %v, want a DimensionError 3 vs 2", err)
	}
	if _, err := s.Search(ctx, "n", "", []float32{1}, 1, 0); !errors.As(err, &de) {
		t.Errorf("search with a wrong dimension: %v", err)
	}
	// Another namespace has its own dimension.
	must(t, s.Put(ctx, "other", Entry{ID: "a", Vector: []float32{1, 2}}))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkEmbeddedSearch is one search over a partition of 10 000 entries
// made by the offline embedder's shape (sparse) and by a dense embedder.
func BenchmarkEmbeddedSearch(b *testing.B) {
	for _, tc := range []struct {
		name string
		nnz  int
	}{{"sparse-512", 60}, {"dense-512", 512}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			s, _ := OpenEmbedded(EmbeddedOptions{})
			vec := func(seed int) []float32 {
				v := make([]float32, 512)
				for k := 0; k < tc.nnz; k++ {
					v[(seed*31+k*17)%512] = float32((seed+k)%7 + 1)
				}
				return v
			}
			for i := range 10_000 {
				must(b, s.Put(ctx, "n", Entry{ID: fmt.Sprint(i), Partition: "p", Vector: vec(i)}))
			}
			q := vec(77)
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Search(ctx, "n", "p", q, 1, 0.9); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
