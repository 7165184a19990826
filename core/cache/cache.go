// Package cache is the gateway's side of the cache plugin: it keeps exact
// and semantic entries in a vector store, embeds conversations, and decides
// the partition of every entry itself, from the request, so that a plugin
// cannot make a hit cross tenants, models, parameters or system prompts.
// Plugins reach it through the cache_call host function (capability
// "cache"); the operations are documented in pdk/ABI.md.
package cache

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/embed"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/pricing"
	"github.com/wasmgate/wasmgate/core/vectorstore"
)

// Namespace of chat completion entries in the store.
const Namespace = "chat"

// Request fields that do not change the answer: never part of a key.
var volatile = []string{"stream", "stream_options", "user", "metadata", "store", "service_tier"}

// Fields that are not parameters: the partition leaves them out (the
// messages are the key; the system prompt is added on its own).
var notParams = append([]string{"messages"}, volatile...)

// Options configure a Service.
type Options struct {
	Store    vectorstore.Store
	Embedder embed.Embedder
	// StoreName labels metrics ("embedded", "weaviate").
	StoreName string
	// DefaultTTL applies when a plugin gives none; MaxTTL caps what it gives.
	DefaultTTL, MaxTTL time.Duration
	// MaxEntryBytes bounds one stored answer.
	MaxEntryBytes int
	// MaxTextBytes bounds the conversation text that is embedded (its end
	// is kept: the last turns matter most).
	MaxTextBytes int
	Logger       *slog.Logger
	Registerer   prometheus.Registerer
	// Prices turn the usage of the answers served from the cache into the
	// money saved (nil: not counted).
	Prices pricing.Table
}

// Service implements host.Cache.
type Service struct {
	o Options

	memoMu sync.Mutex
	memo   map[string]*list.Element // text digest -> vector
	memoLs *list.List

	events   *prometheus.CounterVec
	tokens   *prometheus.CounterVec
	saved    prometheus.Counter
	failures *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

type memoEntry struct {
	key string
	vec []float32
}

const memoSize = 512

// New makes a service. Metrics are registered on o.Registerer when set.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Embedder == nil {
		return nil, errors.New("cache: a store and an embedder are required")
	}
	if o.DefaultTTL <= 0 {
		o.DefaultTTL = time.Hour
	}
	if o.MaxTTL <= 0 {
		o.MaxTTL = 7 * 24 * time.Hour
	}
	if o.MaxEntryBytes <= 0 {
		o.MaxEntryBytes = 1 << 20
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = 8 << 10
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Service{o: o, memo: map[string]*list.Element{}, memoLs: list.New(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_cache_events_total",
			Help: "Cache outcomes reported by cache plugins: hit_exact, hit_semantic, miss, store, bypass, skip.",
		}, []string{"event"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_cache_tokens_saved_total",
			Help: "Tokens of answers served from the cache instead of a provider, by kind (prompt, completion).",
		}, []string{"kind"}),
		saved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wasmgate_cache_cost_saved_dollars_total",
			Help: "What the answers served from the cache would have cost from the provider, at the pricing table's prices (US dollars).",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_cache_backend_failures_total",
			Help: "Cache operations that failed because the store or the embedder did not answer (the request is served without the cache).",
		}, []string{"backend"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wasmgate_cache_operation_seconds",
			Help:    "Time of cache operations (lookup, store).",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"op", "store"}),
	}
	if o.Registerer != nil {
		for _, c := range []prometheus.Collector{s.events, s.tokens, s.saved, s.failures, s.latency} {
			if err := o.Registerer.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if !errors.As(err, &are) {
					return nil, err
				}
			}
		}
	}
	return s, nil
}

// Store is the service's vector store.
func (s *Service) Store() vectorstore.Store { return s.o.Store }

// Close closes the store.
func (s *Service) Close() error { return s.o.Store.Close() }

// op is one cache_call request.
type op struct {
	Op       string          `json:"op"`
	Tenant   string          `json:"tenant"`
	Semantic bool            `json:"semantic"`
	MinScore float32         `json:"min_score"`
	TTLms    int64           `json:"ttl_ms"`
	Payload  json.RawMessage `json:"payload"`
	// FromResponse stores the canonical response of the exchange (response
	// phase) instead of Payload, without a copy through the guest.
	FromResponse bool   `json:"from_response"`
	Event        string `json:"event"`
	Prompt       int64  `json:"prompt_tokens"`
	Completion   int64  `json:"completion_tokens"`
}

var events = map[string]bool{"hit_exact": true, "hit_semantic": true, "miss": true, "store": true, "bypass": true, "skip": true}

// Call runs one operation.
func (s *Service) Call(ctx context.Context, ex *host.Exchange, raw []byte) ([]byte, error) {
	var o op
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("cache: bad operation: %w", err)
	}
	switch o.Op {
	case "lookup":
		t := time.Now()
		defer func() { s.latency.WithLabelValues("lookup", s.o.StoreName).Observe(time.Since(t).Seconds()) }()
		out, err := s.lookup(ctx, ex, o)
		switch {
		case err != nil:
			s.events.WithLabelValues("bypass").Inc()
		case out == nil:
			s.events.WithLabelValues("miss").Inc()
		}
		return out, err
	case "store":
		t := time.Now()
		defer func() { s.latency.WithLabelValues("store", s.o.StoreName).Observe(time.Since(t).Seconds()) }()
		payload := []byte(o.Payload)
		if o.FromResponse {
			payload = ex.FinalResponse()
		}
		if err := s.store(ctx, ex, o, payload); err != nil {
			return nil, err
		}
		s.events.WithLabelValues("store").Inc()
		return []byte(`{}`), nil
	case "event":
		if !events[o.Event] {
			return nil, fmt.Errorf("cache: unknown event %q", o.Event)
		}
		s.events.WithLabelValues(o.Event).Inc()
		if o.Prompt > 0 {
			s.tokens.WithLabelValues("prompt").Add(float64(o.Prompt))
		}
		if o.Completion > 0 {
			s.tokens.WithLabelValues("completion").Add(float64(o.Completion))
		}
		return []byte(`{}`), nil
	}
	return nil, fmt.Errorf("cache: unknown operation %q", o.Op)
}

// Keys derives the exact key and the partition of a request: the key is
// the canonical request without volatile fields; the partition is the
// tenant, the model, every parameter and the system prompt, plus the
// embedder (vectors of two embedders are not comparable).
func (s *Service) Keys(req []byte, tenant string) (key, partition string) {
	key = host.CanonicalDigest(req, volatile)
	h := sha256.New()
	for _, part := range []string{tenant, gjson.GetBytes(req, "model").String(), host.CanonicalDigest(req, notParams), systemPrompt(req), s.o.Embedder.Name()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return key, hex.EncodeToString(h.Sum(nil))
}

func systemPrompt(req []byte) string {
	var b strings.Builder
	gjson.GetBytes(req, "messages").ForEach(func(_, m gjson.Result) bool {
		if r := m.Get("role").Str; r == "system" || r == "developer" {
			b.WriteString(m.Get("content").Raw)
			b.WriteByte(0)
		}
		return true
	})
	return b.String()
}

// conversation is the text that is embedded: every non-system turn, role
// and text, the end kept when it is too long.
func (s *Service) conversation(req []byte) string {
	var b strings.Builder
	gjson.GetBytes(req, "messages").ForEach(func(_, m gjson.Result) bool {
		role := m.Get("role").Str
		if role == "system" || role == "developer" {
			return true
		}
		b.WriteString(role)
		b.WriteString(": ")
		c := m.Get("content")
		if c.IsArray() {
			c.ForEach(func(_, p gjson.Result) bool {
				if p.Get("type").Str == "text" {
					b.WriteString(p.Get("text").Str)
					b.WriteByte(' ')
				}
				return true
			})
		} else {
			b.WriteString(c.Str)
		}
		for _, tc := range m.Get("tool_calls").Array() {
			b.WriteString(" " + tc.Get("function.name").Str + tc.Get("function.arguments").Str)
		}
		b.WriteByte('\n')
		return true
	})
	t := b.String()
	if len(t) > s.o.MaxTextBytes {
		t = t[len(t)-s.o.MaxTextBytes:]
	}
	return t
}

// seen is the request as a lookup saw it: the store that follows a miss
// files the answer under the same key and partition, even if a later
// plugin (the adapter, a router alias) rewrote the request in between, and
// without deriving them again.
type seen struct {
	tenant, key, part, conv string
}

type seenKey struct{}

func (s *Service) lookup(ctx context.Context, ex *host.Exchange, o op) ([]byte, error) {
	req := ex.Request
	key, part := s.Keys(req, o.Tenant)
	sn := &seen{tenant: o.Tenant, key: key, part: part}
	ex.SetValue(seenKey{}, sn)
	e, ok, err := s.o.Store.Get(ctx, Namespace, part, key)
	if err != nil {
		return nil, s.failed("store", err)
	}
	if ok {
		return s.hit(req, "exact", 1, e.Payload), nil
	}
	if !o.Semantic {
		return nil, nil
	}
	min := o.MinScore
	if min <= 0 || min > 1 {
		min = 0.9
	}
	sn.conv = s.conversation(req)
	vec, err := s.embed(ctx, sn.conv)
	if err != nil {
		return nil, s.failed("embedder", err)
	}
	ms, err := s.o.Store.Search(ctx, Namespace, part, vec, 1, min)
	if err != nil {
		return nil, s.failed("store", err)
	}
	if len(ms) == 0 {
		return nil, nil
	}
	return s.hit(req, "semantic", ms[0].Cosine, ms[0].Payload), nil
}

// hit counts a hit and the tokens it saves, and answers it: a line of JSON
// with the tier and the score, then the stored payload as it is, so that
// a guest reads the metadata without decoding the payload.
func (s *Service) hit(req []byte, tier string, score float32, payload []byte) []byte {
	s.events.WithLabelValues("hit_" + tier).Inc()
	u := gjson.GetBytes(payload, "usage")
	use := pricing.Usage{Prompt: u.Get("prompt_tokens").Int(), Completion: u.Get("completion_tokens").Int(),
		Cached: u.Get("prompt_tokens_details.cached_tokens").Int()}
	if use.Prompt > 0 {
		s.tokens.WithLabelValues("prompt").Add(float64(use.Prompt))
	}
	if use.Completion > 0 {
		s.tokens.WithLabelValues("completion").Add(float64(use.Completion))
	}
	if p, ok := s.o.Prices.Lookup(gjson.GetBytes(req, "model").Str, gjson.GetBytes(payload, "model").Str); ok {
		s.saved.Add(p.Cost(use).Dollars())
	}
	b := make([]byte, 0, len(payload)+64)
	b = append(b, `{"tier":"`...)
	b = append(b, tier...)
	b = append(b, `","score":`...)
	b = strconv.AppendFloat(b, float64(score), 'f', 4, 32)
	b = append(b, "}\n"...)
	return append(b, payload...)
}

func (s *Service) store(ctx context.Context, ex *host.Exchange, o op, payload []byte) error {
	if len(payload) == 0 || !json.Valid(payload) {
		return errors.New("cache: the payload must be JSON")
	}
	if len(payload) > s.o.MaxEntryBytes {
		return fmt.Errorf("cache: the answer is %d bytes, over the %d-byte entry limit", len(payload), s.o.MaxEntryBytes)
	}
	ttl := s.o.DefaultTTL
	if o.TTLms > 0 {
		ttl = min(time.Duration(o.TTLms)*time.Millisecond, s.o.MaxTTL)
	}
	sn, _ := ex.Value(seenKey{}).(*seen)
	if sn == nil || sn.tenant != o.Tenant {
		sn = &seen{tenant: o.Tenant}
		sn.key, sn.part = s.Keys(ex.Request, o.Tenant)
	}
	e := vectorstore.Entry{ID: sn.key, Partition: sn.part, Payload: payload, Expires: time.Now().Add(ttl)}
	if o.Semantic {
		if sn.conv == "" {
			sn.conv = s.conversation(ex.Request)
		}
		vec, err := s.embed(ctx, sn.conv)
		if err != nil {
			return s.failed("embedder", err)
		}
		e.Vector = vec
	}
	if err := s.o.Store.Put(ctx, Namespace, e); err != nil {
		return s.failed("store", err)
	}
	return nil
}

// embed embeds text, remembering recent vectors: a miss embeds the
// conversation, and storing its answer a moment later needs it again.
func (s *Service) embed(ctx context.Context, text string) ([]float32, error) {
	sum := sha256.Sum256([]byte(text))
	k := string(sum[:])
	s.memoMu.Lock()
	if el, ok := s.memo[k]; ok {
		s.memoLs.MoveToFront(el)
		v := el.Value.(*memoEntry).vec
		s.memoMu.Unlock()
		return v, nil
	}
	s.memoMu.Unlock()
	vs, err := s.o.Embedder.Embed(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	s.memoMu.Lock()
	defer s.memoMu.Unlock()
	if _, ok := s.memo[k]; !ok {
		s.memo[k] = s.memoLs.PushFront(&memoEntry{k, vs[0]})
		if s.memoLs.Len() > memoSize {
			old := s.memoLs.Remove(s.memoLs.Back()).(*memoEntry)
			delete(s.memo, old.key)
		}
	}
	return vs[0], nil
}

// failed counts a backend failure; a dimension mismatch is a configuration
// error, not an outage, and is logged as such.
func (s *Service) failed(backend string, err error) error {
	var de *vectorstore.DimensionError
	if errors.As(err, &de) {
		s.o.Logger.Error("cache: vector dimension mismatch", "error", err)
	} else {
		s.o.Logger.Warn("cache: backend failed, serving without the cache", "backend", backend, "error", err)
	}
	s.failures.WithLabelValues(backend).Inc()
	return fmt.Errorf("%w: %s: %v", host.ErrCacheUnavailable, backend, err)
}
