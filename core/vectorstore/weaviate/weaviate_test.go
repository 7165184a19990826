package weaviate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/vectorstore"
	"github.com/wasmgate/wasmgate/core/vectorstore/weaviate"
	"github.com/wasmgate/wasmgate/core/vectorstore/weaviate/weaviatetest"
)

func open(t *testing.T, url string) *weaviate.Store {
	t.Helper()
	s, err := weaviate.Open(context.Background(), weaviate.Options{URL: url, Class: "Test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestWeaviate runs against one real server, started once: it takes seconds.
func TestWeaviate(t *testing.T) {
	srv := weaviatetest.Start(t)
	ctx := context.Background()
	s := open(t, srv.URL)

	t.Run("store, hit and partition isolation", func(t *testing.T) {
		must(t, s.Put(ctx, "chat", vectorstore.Entry{ID: "a", Partition: "tenant-a", Vector: []float32{1, 0, 0}, Payload: []byte(`{"answer":"A"}`)}))
		must(t, s.Put(ctx, "chat", vectorstore.Entry{ID: "b", Partition: "tenant-b", Vector: []float32{1, 0, 0}, Payload: []byte(`{"answer":"B"}`)}))
		must(t, s.Put(ctx, "chat", vectorstore.Entry{ID: "c", Partition: "tenant-a", Vector: []float32{0.6, 0.8, 0}, Payload: []byte(`{"answer":"C"}`)}))
		e, ok, err := s.Get(ctx, "chat", "tenant-a", "a")
		if err != nil || !ok || string(e.Payload) != `{"answer":"A"}` {
			t.Fatalf("Get = %q %v %v", e.Payload, ok, err)
		}
		if _, ok, _ := s.Get(ctx, "chat", "tenant-b", "a"); ok {
			t.Error("Get crossed partitions")
		}
		ms, err := s.Search(ctx, "chat", "tenant-a", []float32{1, 0, 0}, 5, 0.5)
		must(t, err)
		if len(ms) != 2 || ms[0].ID != "a" || ms[1].ID != "c" {
			t.Fatalf("Search = %+v, want a then c", ms)
		}
		// Weaviate's cosine distance converted: 1 and 0.6.
		if ms[0].Cosine < 0.999 || ms[1].Cosine < 0.59 || ms[1].Cosine > 0.61 {
			t.Errorf("cosines %v, %v; want 1 and 0.6", ms[0].Cosine, ms[1].Cosine)
		}
		for _, m := range ms {
			if m.Partition != "tenant-a" {
				t.Errorf("match %s from partition %s", m.ID, m.Partition)
			}
		}
		if ms, _ := s.Search(ctx, "chat", "tenant-a", []float32{1, 0, 0}, 5, 0.9); len(ms) != 1 {
			t.Errorf("threshold 0.9 kept %d, want 1", len(ms))
		}
	})

	t.Run("TTL", func(t *testing.T) {
		must(t, s.Put(ctx, "chat", vectorstore.Entry{ID: "ttl", Partition: "p", Vector: []float32{0, 0, 1}, Payload: []byte(`{}`), Expires: time.Now().Add(time.Second)}))
		if _, ok, _ := s.Get(ctx, "chat", "p", "ttl"); !ok {
			t.Fatal("entry missing before its TTL")
		}
		time.Sleep(1100 * time.Millisecond)
		if _, ok, _ := s.Get(ctx, "chat", "p", "ttl"); ok {
			t.Error("entry served after its TTL")
		}
		if ms, _ := s.Search(ctx, "chat", "p", []float32{0, 0, 1}, 5, 0); len(ms) != 0 {
			t.Errorf("search found %d expired entries", len(ms))
		}
		if n := s.Sweep(); n < 1 {
			t.Errorf("sweep deleted %d, want the expired entry", n)
		}
	})

	t.Run("dimension mismatch is a clear error", func(t *testing.T) {
		fresh := open(t, srv.URL) // knows nothing: learns the dimension from Weaviate
		err := fresh.Put(ctx, "chat", vectorstore.Entry{ID: "d", Partition: "p", Vector: []float32{1, 2}})
		var de *vectorstore.DimensionError
		if !errors.As(err, &de) || de.Want != 3 || de.Got != 2 {
			t.Fatalf("err = %v, want a DimensionError 3 vs 2", err)
		}
		if _, err := fresh.Search(ctx, "chat", "p", []float32{1, 2}, 1, 0); !errors.As(err, &de) {
			t.Errorf("search: %v", err)
		}
	})

	t.Run("outage and recovery", func(t *testing.T) {
		srv.Stop()
		_, _, err := s.Get(ctx, "chat", "tenant-a", "a")
		if !errors.Is(err, vectorstore.ErrUnavailable) {
			t.Fatalf("Get with Weaviate down: %v, want ErrUnavailable", err)
		}
		if _, err := s.Search(ctx, "chat", "tenant-a", []float32{1, 0, 0}, 1, 0); !errors.Is(err, vectorstore.ErrUnavailable) {
			t.Errorf("Search with Weaviate down: %v", err)
		}
		srv.Restart(t)
		e, ok, err := s.Get(ctx, "chat", "tenant-a", "a")
		if err != nil || !ok || string(e.Payload) != `{"answer":"A"}` {
			t.Fatalf("after restart: %q %v %v (the data directory persists)", e.Payload, ok, err)
		}
	})
}
