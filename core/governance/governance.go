// Package governance decides who may call the gateway and how much: it
// authenticates virtual keys, admits requests within their rate limits
// (requests and tokens per minute, hour, day) and budgets (per key and per
// team, in money per calendar period), and settles each request's real
// usage and cost afterwards. All counters live in a state store, so that
// replicas sharing Redis enforce one limit.
package governance

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmgate/wasmgate/core/apierror"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/keys"
	"github.com/wasmgate/wasmgate/core/pricing"
	"github.com/wasmgate/wasmgate/core/secrets"
	"github.com/wasmgate/wasmgate/core/state"
	"github.com/wasmgate/wasmgate/core/usage"
)

// settings are the parts of the config that a reload may change.
type settings struct {
	auth           bool
	failOpen       bool
	completionEst  int64
	metadataHeader string
	teams          map[string]config.Team
	prices         pricing.Table
}

// Governor is shared by every request of a gateway process.
type Governor struct {
	st     state.Store
	keys   *keys.Manager
	usage  *usage.Recorder
	logger *slog.Logger
	now    func() time.Time
	cur    atomic.Pointer[settings]
	// adminKey reads the admin credential's current value.
	adminKey atomic.Pointer[func() (string, bool)]

	// lastGood remembers keys seen, by hash: with on_state_error fail_open
	// a key can still be told from garbage while the state is down.
	lastGood sync.Map

	stateErrors *prometheus.CounterVec // op, policy
	refused     *prometheus.CounterVec // reason
}

// Options for New.
type Options struct {
	Store    state.Store
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// Now is the clock (tests); time.Now by default.
	Now func() time.Time
}

// New makes a governor over a state store; Apply sets its config.
func New(opts Options) *Governor {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	g := &Governor{st: opts.Store, keys: keys.NewManager(opts.Store), logger: opts.Logger, now: opts.Now,
		usage: usage.NewRecorder(opts.Logger, opts.Registry, opts.Store),
		stateErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_state_errors_total", Help: "Shared-state (Redis) calls that failed, by operation and the policy applied.",
		}, []string{"op", "policy"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_governance_refused_total", Help: "Requests refused by key checks, rate limits and budgets, by reason.",
		}, []string{"reason"}),
	}
	opts.Registry.MustRegister(g.stateErrors, g.refused)
	g.Apply(&config.Config{})
	return g
}

// Apply takes the governance settings of a (re)loaded config.
func (g *Governor) Apply(cfg *config.Config) {
	gc := cfg.Governance
	if k := gc.AdminKey.Reveal(); !secrets.IsRef(k) {
		g.SetAdminKey(func() (string, bool) { return k, true })
	} else {
		g.SetAdminKey(nil) // off until SetAdminKey gives the reference's value
	}
	g.cur.Store(&settings{auth: gc.Auth, failOpen: gc.OnStateError == config.FailOpen,
		completionEst: gc.DefaultCompletionTokens, metadataHeader: gc.MetadataHeader,
		teams: gc.Teams, prices: pricing.Default().With(cfg.Pricing)})
}

// Keys is the key manager (the admin API's).
func (g *Governor) Keys() *keys.Manager { return g.keys }

// Usage is the usage recorder (the admin API's).
func (g *Governor) Usage() *usage.Recorder { return g.usage }

// SetAdminKey sets where the admin API's credential comes from: a
// reference (vault://, env://, file://) is read by the secrets store, which
// keeps it current.
func (g *Governor) SetAdminKey(value func() (string, bool)) { g.adminKey.Store(&value) }

// AdminKey is the admin API's credential ("" when it is off).
func (g *Governor) AdminKey() string {
	f := g.adminKey.Load()
	if f == nil || *f == nil {
		return ""
	}
	if v, ok := (*f)(); ok {
		return v
	}
	return ""
}

// AuthEnabled reports whether requests need a key.
func (g *Governor) AuthEnabled() bool { return g.cur.Load().auth }

// stateFailed logs and counts a state error, and says whether to go on.
func (g *Governor) stateFailed(op string, s *settings, err error) error {
	policy := config.FailClosed
	if s.failOpen {
		policy = config.FailOpen
	}
	g.stateErrors.WithLabelValues(op, policy).Inc()
	g.logger.Warn("shared state unavailable", "op", op, "policy", policy, "error", err)
	if s.failOpen {
		return nil
	}
	return apierror.Wrap(apierror.Unavailable, "the gateway cannot check limits right now; retry shortly", err)
}

// Authenticate finds the key of a request (nil, nil when auth is off).
func (g *Governor) Authenticate(ctx context.Context, header func(string) (string, bool)) (*keys.Key, error) {
	s := g.cur.Load()
	if !s.auth {
		return nil, nil
	}
	secret := keys.FromHeader(header)
	if secret == "" {
		g.refused.WithLabelValues("no_key").Inc()
		return nil, apierror.New(apierror.Unauthorized, "a wasmgate key is required (Authorization: Bearer wg-… or x-api-key)").WithCode("missing_api_key")
	}
	k, err := g.keys.Authenticate(ctx, secret)
	switch {
	case err == nil:
		g.lastGood.Store(k.Hash, k)
		return k, nil
	case errors.Is(err, keys.ErrInvalid):
		g.lastGood.Delete(keys.Hash(secret)) // revoked or rotated: not even when the state is down
		g.refused.WithLabelValues("invalid_key").Inc()
		return nil, apierror.New(apierror.Unauthorized, "invalid or revoked wasmgate key")
	}
	if ferr := g.stateFailed("authenticate", s, err); ferr != nil {
		return nil, ferr
	}
	if v, ok := g.lastGood.Load(keys.Hash(secret)); ok {
		return v.(*keys.Key), nil
	}
	return nil, apierror.Wrap(apierror.Unavailable, "the gateway cannot check keys right now; retry shortly", err)
}

// Admission is what a request asks for.
type Admission struct {
	Key       *keys.Key // nil: anonymous
	Model     string    // the gateway's model id
	Upstream  string    // the provider's model name
	Provider  string
	RequestID string
	Stream    bool
	// PromptTokens is the estimate of the prompt; MaxTokens the request's
	// max_tokens (0: none).
	PromptTokens int64
	MaxTokens    int64
	Tags         map[string]string
}

// Ticket is an admitted request; Settle it once with what it used.
type Ticket struct {
	g       *Governor
	s       *settings
	a       Admission
	price   pricing.Price
	priced  bool
	tokens  []state.Counter // the token windows charged with the estimate
	budgets []state.Counter // the budget periods charged with the estimated cost
	estCost pricing.Micros
	metered bool // counters were reserved (not a fail-open pass)
	settled bool
	start   time.Time
}

// Admit checks a request against its key's models, rate limits and
// budgets and reserves its share; the error is the client's answer.
func (g *Governor) Admit(ctx context.Context, a Admission) (*Ticket, error) {
	s := g.cur.Load()
	now := g.now()
	t := &Ticket{g: g, s: s, a: a, start: now}
	t.price, t.priced = s.prices.Lookup(a.Model, a.Upstream)
	k := a.Key
	if k == nil {
		return t, nil
	}
	if !k.Allows(a.Model) {
		g.refused.WithLabelValues("model_not_allowed").Inc()
		return nil, apierror.Newf(apierror.Forbidden, "this key may not use the model %q", apierror.Truncate(a.Model, 128)).WithParam("model").WithCode("model_not_allowed")
	}
	var cs []state.Counter
	var reason []string
	var ends []time.Time // each counter's window end, for Retry-After
	l := k.Limits
	for _, w := range []struct {
		win       window
		req, toks int64
	}{{minuteOf(now), l.RequestsPerMinute, l.TokensPerMinute}, {hourOf(now), l.RequestsPerHour, l.TokensPerHour}, {dayOf(now), l.RequestsPerDay, l.TokensPerDay}} {
		if w.req > 0 {
			cs = append(cs, state.Counter{Key: "rl:" + k.ID + ":rq:" + w.win.id(), Inc: 1, Limit: w.req, TTL: w.win.ttl(now)})
			reason, ends = append(reason, "requests per "+unit(w.win.name)), append(ends, w.win.end)
		}
		if w.toks > 0 {
			c := state.Counter{Key: "rl:" + k.ID + ":tk:" + w.win.id(), Inc: a.PromptTokens, Limit: w.toks, TTL: w.win.ttl(now)}
			cs = append(cs, c)
			t.tokens = append(t.tokens, c)
			reason, ends = append(reason, "tokens per "+unit(w.win.name)), append(ends, w.win.end)
		}
	}
	completion := a.MaxTokens
	if completion <= 0 {
		completion = s.completionEst
	}
	t.estCost = t.price.Cost(pricing.Usage{Prompt: a.PromptTokens, Completion: completion})
	budget := func(key string, b config.Budget, what string) {
		if b.Amount <= 0 {
			return
		}
		w := periodOf(b.Period, now)
		// Soft: admitted while the period's spend (settled plus reserved)
		// is below the budget, so at most the last admitted request's
		// cost goes over it.
		c := state.Counter{Key: "bud:" + key + ":" + w.id(), Inc: int64(t.estCost), Limit: int64(pricing.Dollars(b.Amount)), Soft: true, TTL: w.ttl(now)}
		cs = append(cs, c)
		t.budgets = append(t.budgets, c)
		reason, ends = append(reason, what), append(ends, w.end)
	}
	budget("key:"+k.ID, k.Budget, "budget")
	if k.Team != "" {
		budget("team:"+k.Team, s.teams[k.Team].Budget, "team budget")
	}
	if len(cs) == 0 {
		return t, nil
	}
	d, err := g.st.Reserve(ctx, cs)
	if err != nil {
		if ferr := g.stateFailed("reserve", s, err); ferr != nil {
			return nil, ferr
		}
		return t, nil // fail open: served, not metered
	}
	if d != nil {
		return nil, g.denied(cs[d.Index], reason[d.Index], ends[d.Index].Sub(now))
	}
	t.metered = true
	return t, nil
}

func unit(name string) string {
	switch name {
	case "m":
		return "minute"
	case "h":
		return "hour"
	}
	return "day"
}

// denied is the client's answer to a refused counter: 429 for a rate
// limit, 402 for a budget, both with Retry-After (the window's end).
func (g *Governor) denied(c state.Counter, reason string, retry time.Duration) error {
	secs := int64(math.Ceil(retry.Seconds()))
	if secs < 1 {
		secs = 1
	}
	if c.Soft {
		g.refused.WithLabelValues("budget").Inc()
		e := apierror.Newf(apierror.BudgetExceeded, "the %s is spent until its period resets", reason)
		e.RetryAfter = strconv.FormatInt(secs, 10)
		return e
	}
	g.refused.WithLabelValues("rate_limit").Inc()
	e := apierror.Newf(apierror.RateLimited, "rate limit reached: %d %s", c.Limit, reason)
	e.RetryAfter = strconv.FormatInt(secs, 10)
	return e
}

// Outcome is what a request used, known at its end.
type Outcome struct {
	Status int
	// Provider and Upstream (its model name) of the attempt that answered,
	// when known: a router may have chosen other than the default.
	Provider, Upstream string
	// Usage as the provider reported it (nil: none reported).
	Usage *pricing.Usage
	Cache string
}

// Settle charges the real usage in place of the estimate, and records it.
// It is safe to call on a nil ticket; calls after the first do nothing.
func (t *Ticket) Settle(ctx context.Context, o Outcome) {
	if t == nil || t.settled {
		return
	}
	t.settled = true
	g := t.g
	var u pricing.Usage
	if o.Usage != nil {
		u = *o.Usage
	}
	if o.Upstream != "" && o.Upstream != t.a.Upstream {
		// Another target served: its model's price, if it has one.
		if p, ok := t.s.prices.Lookup(o.Upstream); ok {
			t.price = p
		}
	}
	if o.Provider != "" {
		t.a.Provider = o.Provider
	}
	cost := t.price.Cost(u)
	switch {
	case o.Cache == "hit":
		// Answered from the gateway's cache: no provider tokens, no cost
		// (the cache counts the tokens it saved).
		u, cost = pricing.Usage{}, 0
	case o.Usage == nil && o.Status < 400:
		// Served, but nobody reported usage (a stream without
		// include_usage): the estimate stands.
		u.Prompt = t.a.PromptTokens
		cost = t.estCost
	}
	if t.metered {
		// The estimate comes back off, the actual goes on: one atomic add.
		now := g.now()
		var adj []state.Counter
		for _, c := range t.tokens {
			adj = append(adj, state.Counter{Key: c.Key, Inc: u.Prompt + u.Completion - c.Inc, TTL: c.TTL - now.Sub(t.start)})
		}
		for _, c := range t.budgets {
			adj = append(adj, state.Counter{Key: c.Key, Inc: int64(cost) - c.Inc, TTL: c.TTL - now.Sub(t.start)})
		}
		if err := g.st.Add(ctx, nonZero(adj)); err != nil {
			_ = g.stateFailed("settle", t.s, err)
		}
	}
	rec := usage.Record{RequestID: t.a.RequestID, KeyID: "anonymous", Model: t.a.Model, Provider: t.a.Provider,
		Status: o.Status, Stream: t.a.Stream, Usage: u, Cost: cost, Latency: g.now().Sub(t.start), Cache: o.Cache, Tags: t.a.Tags}
	if k := t.a.Key; k != nil {
		rec.KeyID, rec.Team, rec.User = k.ID, k.Team, k.User
	}
	if rec.Cache == "" {
		rec.Cache = "none"
	}
	if err := g.usage.Record(ctx, rec); err != nil {
		_ = g.stateFailed("usage", t.s, err)
	}
}

func nonZero(cs []state.Counter) []state.Counter {
	out := cs[:0]
	for _, c := range cs {
		if c.Inc != 0 && c.TTL > 0 {
			out = append(out, c)
		}
	}
	return out
}

// MetadataHeader is the header callers put their tags in.
func (g *Governor) MetadataHeader() string { return g.cur.Load().metadataHeader }

// ParseTags reads "env=prod, feature=search" (at most 16 tags of at most
// 64 bytes a name and 256 a value; the rest is ignored).
func ParseTags(v string) map[string]string {
	if v == "" {
		return nil
	}
	tags := map[string]string{}
	for _, pair := range strings.Split(v, ",") {
		name, val, ok := strings.Cut(pair, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if !ok || name == "" || len(name) > 64 || len(val) > 256 || len(tags) == 16 {
			continue
		}
		tags[name] = val
	}
	return tags
}

// EstimateTokens estimates a prompt's tokens from its messages' JSON: about
// four bytes a token, rounded up, so that limits are checked on the safe
// side before the provider counts.
func EstimateTokens(messagesJSON int) int64 {
	return int64(messagesJSON+3) / 4
}
