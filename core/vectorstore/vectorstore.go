// Package vectorstore keeps vectors with a payload and finds the nearest
// ones. The semantic cache stores its entries here: one namespace per use,
// and inside a namespace, partitions that a lookup never crosses (tenant,
// model, parameters, system prompt), so that no tenant is ever served
// another's answer.
//
// Two implementations exist: Embedded (in-process, persisted to a file; the
// default) and Weaviate (package vectorstore/weaviate).
package vectorstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Store keeps entries by namespace and partition. Implementations are safe
// for concurrent use.
type Store interface {
	// Put adds or replaces an entry.
	Put(ctx context.Context, ns string, e Entry) error
	// Get returns the live entry with this id in the partition.
	Get(ctx context.Context, ns, partition, id string) (Entry, bool, error)
	// Search returns up to k live entries of the partition whose cosine
	// similarity to vec is at least min, best first.
	Search(ctx context.Context, ns, partition string, vec []float32, k int, min float32) ([]Match, error)
	// Close releases the store (and flushes what it keeps on disk).
	Close() error
}

// Entry is one stored vector.
type Entry struct {
	ID        string
	Partition string
	Vector    []float32 // may be nil for an entry found by id only
	Payload   []byte
	Expires   time.Time // zero: never
}

// Match is an entry found by Search.
type Match struct {
	Entry
	Cosine float32
}

// ErrUnavailable wraps failures of a store's backend (a server that does
// not answer): callers bypass the store and count it.
var ErrUnavailable = errors.New("vector store unavailable")

// DimensionError is a vector whose length differs from the namespace's.
type DimensionError struct {
	Namespace string
	Got, Want int
}

func (e *DimensionError) Error() string {
	return fmt.Sprintf("vector store: namespace %q holds vectors of dimension %d, got %d (a different embedder? use another namespace or clear it)", e.Namespace, e.Want, e.Got)
}

// Normalize scales v to unit length in place, so that cosine similarity is
// a dot product; a zero vector stays zero.
func Normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

// Dot is the dot product of two vectors of the same length.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	// Four sums at once: independent additions pipeline better.
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// Cosine is the cosine similarity of two vectors of the same length.
func Cosine(a, b []float32) float32 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return float32(ab / math.Sqrt(aa*bb))
}

func validate(ns string, e Entry) error {
	if ns == "" || e.ID == "" {
		return errors.New("vector store: namespace and id must not be empty")
	}
	return nil
}
