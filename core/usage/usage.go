// Package usage records what each request used and cost: one structured log
// record per request, Prometheus counters by key and model, and daily totals
// in the shared state that GET /admin/usage summarises.
package usage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmgate/wasmgate/core/pricing"
	"github.com/wasmgate/wasmgate/core/state"
)

// Record is one request's usage.
type Record struct {
	RequestID string
	KeyID     string // "anonymous" without auth
	Team      string
	User      string
	Model     string
	Provider  string
	Status    int
	Stream    bool
	Usage     pricing.Usage
	Cost      pricing.Micros
	Latency   time.Duration
	// Cache is what a cache plugin said (hit, miss) or "none".
	Cache string
	// Tags are the caller's, from the metadata header.
	Tags map[string]string
}

// Recorder writes records.
type Recorder struct {
	logger *slog.Logger
	st     state.Store
	now    func() time.Time

	requests *prometheus.CounterVec // key, model, status
	tokens   *prometheus.CounterVec // key, model, kind
	cost     *prometheus.CounterVec // key, model
}

// NewRecorder registers the usage metrics on reg.
func NewRecorder(logger *slog.Logger, reg prometheus.Registerer, st state.Store) *Recorder {
	r := &Recorder{logger: logger, st: st, now: time.Now,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_usage_requests_total", Help: "Requests by virtual key, model and HTTP status.",
		}, []string{"key", "model", "status"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_usage_tokens_total", Help: "Tokens by virtual key, model and kind (prompt, completion, cached).",
		}, []string{"key", "model", "kind"}),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_usage_cost_dollars_total", Help: "Cost in US dollars by virtual key and model.",
		}, []string{"key", "model"}),
	}
	reg.MustRegister(r.requests, r.tokens, r.cost)
	return r
}

// dayMap is the state map of one UTC day's totals.
func dayMap(t time.Time) string { return "usage:" + t.UTC().Format(time.DateOnly) }

// Record logs and counts one request. A state error is returned (and the
// log and metrics are written anyway).
func (r *Recorder) Record(ctx context.Context, rec Record) error {
	attrs := []slog.Attr{
		slog.String("request_id", rec.RequestID), slog.String("key_id", rec.KeyID),
		slog.String("team", rec.Team), slog.String("user", rec.User),
		slog.String("model", rec.Model), slog.String("provider", rec.Provider),
		slog.Int("status", rec.Status), slog.Bool("stream", rec.Stream),
		slog.Int64("prompt_tokens", rec.Usage.Prompt), slog.Int64("completion_tokens", rec.Usage.Completion),
		slog.Int64("cached_tokens", rec.Usage.Cached), slog.Float64("cost_usd", rec.Cost.Dollars()),
		slog.Float64("latency_ms", float64(rec.Latency.Microseconds())/1000), slog.String("cache", rec.Cache),
	}
	if len(rec.Tags) > 0 {
		tags := make([]any, 0, len(rec.Tags))
		for k, v := range rec.Tags {
			tags = append(tags, slog.String(k, v))
		}
		attrs = append(attrs, slog.Group("tags", tags...))
	}
	r.logger.LogAttrs(ctx, slog.LevelInfo, "usage", attrs...)

	status := strconv.Itoa(rec.Status)
	r.requests.WithLabelValues(rec.KeyID, rec.Model, status).Inc()
	if rec.Usage.Prompt > 0 {
		r.tokens.WithLabelValues(rec.KeyID, rec.Model, "prompt").Add(float64(rec.Usage.Prompt))
	}
	if rec.Usage.Completion > 0 {
		r.tokens.WithLabelValues(rec.KeyID, rec.Model, "completion").Add(float64(rec.Usage.Completion))
	}
	if rec.Usage.Cached > 0 {
		r.tokens.WithLabelValues(rec.KeyID, rec.Model, "cached").Add(float64(rec.Usage.Cached))
	}
	if rec.Cost > 0 {
		r.cost.WithLabelValues(rec.KeyID, rec.Model).Add(rec.Cost.Dollars())
	}

	p := rec.KeyID + "|" + rec.Model + "|"
	fields := map[string]int64{p + "requests": 1, p + "prompt_tokens": rec.Usage.Prompt,
		p + "completion_tokens": rec.Usage.Completion, p + "cached_tokens": rec.Usage.Cached, p + "cost_micros": int64(rec.Cost)}
	if rec.Status >= 400 {
		fields[p+"errors"] = 1
	}
	return r.st.Incr(ctx, dayMap(r.now()), fields)
}

// ErrRange is Summarize's error for a bad range of days.
var ErrRange = errors.New("bad range of days")

// Line is the totals of one key and model.
type Line struct {
	KeyID            string  `json:"key_id"`
	Model            string  `json:"model"`
	Requests         int64   `json:"requests"`
	Errors           int64   `json:"errors"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	CachedTokens     int64   `json:"cached_tokens"`
	CostUSD          float64 `json:"cost_usd"`
	costMicros       int64
}

// Summary is the usage of a range of days.
type Summary struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Lines []Line `json:"data"`
	Total Line   `json:"total"`
}

// Summarize adds up the days from..to (UTC, inclusive), for one key or all
// (key "").
func (r *Recorder) Summarize(ctx context.Context, from, to time.Time, key string) (*Summary, error) {
	from, to = from.UTC().Truncate(24*time.Hour), to.UTC().Truncate(24*time.Hour)
	if to.Before(from) {
		return nil, fmt.Errorf("%w: it ends before it starts", ErrRange)
	}
	if to.Sub(from) > 366*24*time.Hour {
		return nil, fmt.Errorf("%w: at most 366 days at once", ErrRange)
	}
	lines := map[[2]string]*Line{}
	for d := from; !d.After(to); d = d.Add(24 * time.Hour) {
		all, err := r.st.FetchAll(ctx, dayMap(d))
		if err != nil {
			return nil, err
		}
		for f, v := range all {
			parts := strings.Split(f, "|")
			if len(parts) != 3 || (key != "" && parts[0] != key) {
				continue
			}
			n, _ := strconv.ParseInt(string(v), 10, 64)
			id := [2]string{parts[0], parts[1]}
			l := lines[id]
			if l == nil {
				l = &Line{KeyID: parts[0], Model: parts[1]}
				lines[id] = l
			}
			l.add(parts[2], n)
		}
	}
	s := &Summary{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Lines: []Line{}}
	for _, l := range lines {
		l.CostUSD = pricing.Micros(l.costMicros).Dollars()
		s.Lines = append(s.Lines, *l)
		s.Total.Requests += l.Requests
		s.Total.Errors += l.Errors
		s.Total.PromptTokens += l.PromptTokens
		s.Total.CompletionTokens += l.CompletionTokens
		s.Total.CachedTokens += l.CachedTokens
		s.Total.costMicros += l.costMicros
	}
	s.Total.CostUSD = pricing.Micros(s.Total.costMicros).Dollars()
	sort.Slice(s.Lines, func(i, j int) bool {
		a, b := s.Lines[i], s.Lines[j]
		if a.KeyID != b.KeyID {
			return a.KeyID < b.KeyID
		}
		return a.Model < b.Model
	})
	return s, nil
}

func (l *Line) add(field string, n int64) {
	switch field {
	case "requests":
		l.Requests += n
	case "errors":
		l.Errors += n
	case "prompt_tokens":
		l.PromptTokens += n
	case "completion_tokens":
		l.CompletionTokens += n
	case "cached_tokens":
		l.CachedTokens += n
	case "cost_micros":
		l.costMicros += n
	}
}
