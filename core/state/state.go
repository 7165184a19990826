// Package state holds what gateway replicas must agree on: counters with a
// limit (rate limits, budgets) and small records (virtual keys, usage
// totals). In one process it lives in memory; with a redis:// URL it lives in
// Redis, where every check-and-add is one Lua script, so that N replicas
// enforce one limit without read-modify-write races.
package state

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Counter is one counter of a Reserve or Add: Key is incremented by Inc and
// expires TTL after it is created (the end of its window).
type Counter struct {
	Key string
	Inc int64
	TTL time.Duration
	// Limit is the most the counter may hold (0: no limit).
	Limit int64
	// Soft admits while the counter is below Limit before the increment
	// (a budget: the last admitted request may cross it); otherwise the
	// counter plus Inc must stay within Limit (a rate limit: exact).
	Soft bool
}

// Denied says which counter of a Reserve refused, and when its window ends.
type Denied struct {
	Index int
	Retry time.Duration
}

// Store is the shared state.
type Store interface {
	// Reserve adds every counter's Inc if all of them stay within their
	// limits, atomically; otherwise it adds nothing and says which refused.
	Reserve(ctx context.Context, cs []Counter) (*Denied, error)
	// Add adds every counter's Inc (which may be negative) without checking.
	Add(ctx context.Context, cs []Counter) error
	// Get reads counters (missing ones are 0).
	Get(ctx context.Context, keys ...string) ([]int64, error)
	// Put stores a record under a field of a map; Delete removes it.
	Put(ctx context.Context, m, field string, value []byte) error
	Fetch(ctx context.Context, m, field string) ([]byte, error)
	FetchAll(ctx context.Context, m string) (map[string][]byte, error)
	Delete(ctx context.Context, m, field string) error
	// Incr adds to integer fields of a map (usage totals).
	Incr(ctx context.Context, m string, fields map[string]int64) error
	Close() error
}

// ErrNotFound is Fetch's answer for a missing record.
var ErrNotFound = errors.New("state: not found")

// Open opens a store: "" or "memory" keeps it in this process,
// "redis://[:password@]host:port[/db]" shares it through Redis.
func Open(spec string) (Store, error) {
	switch {
	case spec == "" || spec == "memory":
		return NewMemory(), nil
	case strings.HasPrefix(spec, "redis://") || strings.HasPrefix(spec, "rediss://"):
		return OpenRedis(spec)
	}
	if u, err := url.Parse(spec); err == nil && u.Scheme != "" {
		return nil, fmt.Errorf("state: unknown scheme %q (memory or redis://)", u.Scheme)
	}
	return nil, fmt.Errorf("state: %q is neither memory nor a redis:// URL", spec)
}
