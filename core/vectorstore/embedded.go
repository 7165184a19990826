package vectorstore

import (
	"bufio"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// EmbeddedOptions configures an Embedded store.
type EmbeddedOptions struct {
	// Path of the file the store persists to; empty keeps it in memory only.
	Path string
	// MaxEntries and MaxBytes bound the store (payload and vector bytes);
	// the least recently stored entries go first. Zero means no bound.
	MaxEntries int
	MaxBytes   int64
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Embedded is an in-process store: exact nearest-neighbour search over the
// partition (partitions are small: one tenant and model each), entries
// persisted as an append-only log that is compacted when the store opens.
type Embedded struct {
	opts EmbeddedOptions
	now  func() time.Time

	mu    sync.Mutex
	ns    map[string]*namespace
	order *list.List // of *stored, oldest first: eviction order
	n     int
	bytes int64
	log   *os.File
	logW  *bufio.Writer
}

type namespace struct {
	dim   int
	parts map[string]map[string]*stored // partition -> id -> entry
}

type stored struct {
	ns   string
	e    Entry
	elem *list.Element
	// A vector with few non-zero values (the offline embedder's) is also
	// kept as indexes and values: scoring it is a few dozen steps instead
	// of one per dimension.
	idx []uint32
	val []float32
}

// sparsify fills idx and val when at most a quarter of v is non-zero.
func (st *stored) sparsify() {
	v := st.e.Vector
	nnz := 0
	for _, x := range v {
		if x != 0 {
			nnz++
		}
	}
	if nnz == 0 || nnz*4 > len(v) {
		return
	}
	st.idx, st.val = make([]uint32, 0, nnz), make([]float32, 0, nnz)
	for i, x := range v {
		if x != 0 {
			st.idx = append(st.idx, uint32(i))
			st.val = append(st.val, x)
		}
	}
}

// score is the dot product of q (normalised) and the stored vector.
func (st *stored) score(q []float32) float32 {
	if st.idx == nil {
		return Dot(q, st.e.Vector)
	}
	var s float32
	for k, i := range st.idx {
		s += q[i] * st.val[k]
	}
	return s
}

func (s *stored) size() int64 {
	return int64(len(s.e.Payload) + 4*len(s.e.Vector) + len(s.e.ID) + len(s.e.Partition))
}

// record is one line of the log.
type record struct {
	Op        string    `json:"op"` // "put" or "del"
	NS        string    `json:"ns"`
	Partition string    `json:"p"`
	ID        string    `json:"id"`
	Vector    []float32 `json:"v,omitempty"`
	Payload   []byte    `json:"d,omitempty"`
	Expires   int64     `json:"exp,omitempty"` // unix ms; 0 never
}

// OpenEmbedded opens (or creates) an embedded store. Expired entries in the
// file are dropped and the file is rewritten without them.
func OpenEmbedded(opts EmbeddedOptions) (*Embedded, error) {
	s := &Embedded{opts: opts, now: opts.Now, ns: map[string]*namespace{}, order: list.New()}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Path == "" {
		return s, nil
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("vector store: %w", err)
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	if err := s.compact(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Embedded) load() error {
	f, err := os.Open(s.opts.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("vector store: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	now := s.now()
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 && b[len(b)-1] == '\n' {
			var rec record
			if jerr := json.Unmarshal(b, &rec); jerr != nil {
				return fmt.Errorf("vector store: %s line %d: %w", s.opts.Path, line, jerr)
			}
			e := Entry{ID: rec.ID, Partition: rec.Partition, Vector: rec.Vector, Payload: rec.Payload}
			if rec.Expires > 0 {
				e.Expires = time.UnixMilli(rec.Expires)
			}
			switch {
			case rec.Op == "del":
				s.remove(rec.NS, rec.Partition, rec.ID)
			case e.Expires.IsZero() || e.Expires.After(now):
				if err := s.insert(rec.NS, e); err != nil {
					return err
				}
			}
		}
		// A last line without its newline is a write cut short by a crash:
		// everything before it is intact.
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("vector store: %w", err)
		}
	}
}

// compact rewrites the log with the live entries only, then appends to it.
func (s *Embedded) compact() error {
	tmp := s.opts.Path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("vector store: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	enc := json.NewEncoder(w)
	for el := s.order.Front(); el != nil; el = el.Next() {
		st := el.Value.(*stored)
		if err := enc.Encode(putRecord(st.ns, st.e)); err != nil {
			f.Close()
			return fmt.Errorf("vector store: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("vector store: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("vector store: %w", err)
	}
	f.Close()
	if err := os.Rename(tmp, s.opts.Path); err != nil {
		return fmt.Errorf("vector store: %w", err)
	}
	s.log, err = os.OpenFile(s.opts.Path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("vector store: %w", err)
	}
	s.logW = bufio.NewWriterSize(s.log, 1<<16)
	return nil
}

func putRecord(ns string, e Entry) record {
	rec := record{Op: "put", NS: ns, Partition: e.Partition, ID: e.ID, Vector: e.Vector, Payload: e.Payload}
	if !e.Expires.IsZero() {
		rec.Expires = e.Expires.UnixMilli()
	}
	return rec
}

// insert adds an entry in memory, evicting the oldest entries past the
// bounds. The caller holds mu (or owns s).
func (s *Embedded) insert(ns string, e Entry) error {
	n := s.ns[ns]
	if n == nil {
		n = &namespace{parts: map[string]map[string]*stored{}}
		s.ns[ns] = n
	}
	if len(e.Vector) > 0 {
		if n.dim == 0 {
			n.dim = len(e.Vector)
		} else if n.dim != len(e.Vector) {
			return &DimensionError{Namespace: ns, Got: len(e.Vector), Want: n.dim}
		}
	}
	s.remove(ns, e.Partition, e.ID)
	p := n.parts[e.Partition]
	if p == nil {
		p = map[string]*stored{}
		n.parts[e.Partition] = p
	}
	st := &stored{ns: ns, e: e}
	st.sparsify()
	st.elem = s.order.PushBack(st)
	p[e.ID] = st
	s.n++
	s.bytes += st.size()
	for (s.opts.MaxEntries > 0 && s.n > s.opts.MaxEntries) || (s.opts.MaxBytes > 0 && s.bytes > s.opts.MaxBytes) {
		old := s.order.Front().Value.(*stored)
		if old == st {
			break // a single entry over the byte bound is kept rather than nothing
		}
		s.remove(old.ns, old.e.Partition, old.e.ID)
	}
	return nil
}

func (s *Embedded) remove(ns, partition, id string) {
	n := s.ns[ns]
	if n == nil {
		return
	}
	p := n.parts[partition]
	st := p[id]
	if st == nil {
		return
	}
	delete(p, id)
	if len(p) == 0 {
		delete(n.parts, partition)
	}
	s.order.Remove(st.elem)
	s.n--
	s.bytes -= st.size()
}

func (s *Embedded) appendLog(rec record) error {
	if s.logW == nil {
		return nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := s.logW.Write(b); err != nil {
		return fmt.Errorf("vector store: %w", err)
	}
	// One write per entry: a crash loses at most the line being written.
	if err := s.logW.Flush(); err != nil {
		return fmt.Errorf("vector store: %w", err)
	}
	return nil
}

// Put adds or replaces an entry; its vector is stored normalised.
func (s *Embedded) Put(_ context.Context, ns string, e Entry) error {
	if err := validate(ns, e); err != nil {
		return err
	}
	if len(e.Vector) > 0 {
		e.Vector = append([]float32(nil), e.Vector...)
		Normalize(e.Vector)
	}
	e.Payload = append([]byte(nil), e.Payload...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.insert(ns, e); err != nil {
		return err
	}
	return s.appendLog(putRecord(ns, e))
}

// Get returns a live entry by id.
func (s *Embedded) Get(_ context.Context, ns, partition, id string) (Entry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[ns]
	if n == nil {
		return Entry{}, false, nil
	}
	st := n.parts[partition][id]
	if st == nil {
		return Entry{}, false, nil
	}
	if s.expired(st) {
		s.expire(st)
		return Entry{}, false, nil
	}
	return st.e, true, nil
}

func (s *Embedded) expired(st *stored) bool {
	return !st.e.Expires.IsZero() && !st.e.Expires.After(s.now())
}

func (s *Embedded) expire(st *stored) {
	s.remove(st.ns, st.e.Partition, st.e.ID)
	_ = s.appendLog(record{Op: "del", NS: st.ns, Partition: st.e.Partition, ID: st.e.ID})
}

// Search is an exact search over the partition.
func (s *Embedded) Search(_ context.Context, ns, partition string, vec []float32, k int, min float32) ([]Match, error) {
	if k <= 0 {
		return nil, nil
	}
	q := append([]float32(nil), vec...)
	Normalize(q)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ns[ns]
	if n == nil {
		return nil, nil
	}
	if n.dim != 0 && n.dim != len(q) {
		return nil, &DimensionError{Namespace: ns, Got: len(q), Want: n.dim}
	}
	var out []Match
	var gone []*stored
	for _, st := range n.parts[partition] {
		if len(st.e.Vector) == 0 {
			continue
		}
		if s.expired(st) {
			gone = append(gone, st)
			continue
		}
		if c := st.score(q); c >= min {
			out = append(out, Match{Entry: st.e, Cosine: c})
		}
	}
	for _, st := range gone {
		s.expire(st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cosine != out[j].Cosine {
			return out[i].Cosine > out[j].Cosine
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

// Sweep removes every expired entry; the cache calls it periodically so
// that expired entries free their memory even if nobody asks for them.
func (s *Embedded) Sweep() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gone []*stored
	for el := s.order.Front(); el != nil; el = el.Next() {
		if st := el.Value.(*stored); s.expired(st) {
			gone = append(gone, st)
		}
	}
	for _, st := range gone {
		s.expire(st)
	}
	return len(gone)
}

// Len returns the number of entries held (expired ones included until they
// are swept).
func (s *Embedded) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Close flushes and closes the log.
func (s *Embedded) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return nil
	}
	err := s.logW.Flush()
	if serr := s.log.Sync(); err == nil {
		err = serr
	}
	if cerr := s.log.Close(); err == nil {
		err = cerr
	}
	s.log, s.logW = nil, nil
	return err
}
