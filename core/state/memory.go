package state

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Memory is the single-replica store.
type Memory struct {
	mu       sync.Mutex
	counters map[string]memCounter
	maps     map[string]map[string][]byte
	ints     map[string]map[string]int64
	now      func() time.Time
}

type memCounter struct {
	n       int64
	expires time.Time
}

// NewMemory makes an empty in-process store.
func NewMemory() *Memory {
	return &Memory{counters: map[string]memCounter{}, maps: map[string]map[string][]byte{},
		ints: map[string]map[string]int64{}, now: time.Now}
}

// counter reads a live counter; the lock is held.
func (m *Memory) counter(key string, now time.Time) memCounter {
	c, ok := m.counters[key]
	if ok && !c.expires.IsZero() && !now.Before(c.expires) {
		delete(m.counters, key)
		return memCounter{}
	}
	return c
}

func (m *Memory) Reserve(_ context.Context, cs []Counter) (*Denied, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for i, c := range cs {
		if c.Limit <= 0 {
			continue
		}
		cur := m.counter(c.Key, now)
		if c.Soft && cur.n >= c.Limit || !c.Soft && cur.n+c.Inc > c.Limit {
			retry := c.TTL
			if !cur.expires.IsZero() {
				retry = cur.expires.Sub(now)
			}
			return &Denied{Index: i, Retry: retry}, nil
		}
	}
	m.add(cs, now)
	return nil, nil
}

func (m *Memory) add(cs []Counter, now time.Time) {
	for _, c := range cs {
		cur := m.counter(c.Key, now)
		if cur.expires.IsZero() && c.TTL > 0 {
			cur.expires = now.Add(c.TTL)
		}
		cur.n += c.Inc
		m.counters[c.Key] = cur
	}
}

func (m *Memory) Add(_ context.Context, cs []Counter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add(cs, m.now())
	return nil
}

func (m *Memory) Get(_ context.Context, keys ...string) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = m.counter(k, now).n
	}
	return out, nil
}

func (m *Memory) Put(_ context.Context, name, field string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.maps[name] == nil {
		m.maps[name] = map[string][]byte{}
	}
	m.maps[name][field] = append([]byte(nil), value...)
	return nil
}

func (m *Memory) Fetch(_ context.Context, name, field string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.maps[name][field]
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

func (m *Memory) FetchAll(_ context.Context, name string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string][]byte, len(m.maps[name]))
	for k, v := range m.maps[name] {
		out[k] = v
	}
	for k, v := range m.ints[name] {
		out[k] = strconv.AppendInt(nil, v, 10)
	}
	return out, nil
}

func (m *Memory) Delete(_ context.Context, name, field string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.maps[name], field)
	return nil
}

func (m *Memory) Incr(_ context.Context, name string, fields map[string]int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ints[name] == nil {
		m.ints[name] = map[string]int64{}
	}
	for f, n := range fields {
		m.ints[name][f] += n
	}
	return nil
}

func (m *Memory) Close() error { return nil }
