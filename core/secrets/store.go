package secrets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultRefreshInterval is how often cached values are re-read.
const DefaultRefreshInterval = time.Minute

// Options configure a Store.
type Options struct {
	// Vault is the Vault client's setting; nil refuses vault:// references.
	Vault *VaultOptions
	// RefreshInterval bounds how long a rotated secret takes to be used.
	RefreshInterval time.Duration
	// AllowUnresolved lets Get hand out a secret whose first read failed
	// (a degraded start): it has no value until a refresh succeeds.
	AllowUnresolved bool
	Logger          *slog.Logger
	// Registerer takes the store's metrics (nil: not registered).
	Registerer prometheus.Registerer
}

// Store resolves and caches secrets. It is safe for concurrent use.
type Store struct {
	opts    Options
	logger  *slog.Logger
	vault   *vaultClient
	metrics storeMetrics

	mu      sync.Mutex
	entries map[string]*entry // by reference

	stop    context.CancelFunc
	done    chan struct{}
	started atomic.Bool
}

type storeMetrics struct {
	readErrors *prometheus.CounterVec // scheme
	stale      prometheus.Gauge
	logins     *prometheus.CounterVec // result
	renewals   *prometheus.CounterVec // result
}

// entry is one reference's cached value.
type entry struct {
	ref   Ref
	val   atomic.Pointer[string] // nil until the first successful read
	stale atomic.Bool            // the last read failed; val is older

	rereadMu   sync.Mutex
	lastReread time.Time
}

// Secret is a handle on one reference's current value.
type Secret struct {
	s *Store
	e *entry
}

// Value is the cached value; ok is false when it was never read.
func (h *Secret) Value() (v string, ok bool) {
	if h == nil {
		return "", false
	}
	p := h.e.val.Load()
	if p == nil {
		return "", false
	}
	return *p, true
}

// Ref is the reference (a literal prints as [redacted]).
func (h *Secret) Ref() Ref { return h.e.ref }

// String names the reference, never the value.
func (h *Secret) String() string { return h.e.ref.String() }

// rereadTimeout bounds a re-read a request waits for.
const rereadTimeout = 5 * time.Second

// minReread spaces re-reads of one secret triggered by rejected requests.
const minReread = time.Second

// Reread reads the secret again now, for a provider that rejected the
// current value. Concurrent callers share one read, and a value already
// replaced since the caller read seen counts as changed without a read.
func (h *Secret) Reread(ctx context.Context, seen string) (v string, changed bool, err error) {
	e := h.e
	if e.ref.IsLiteral() {
		return seen, false, nil
	}
	e.rereadMu.Lock()
	defer e.rereadMu.Unlock()
	if cur, ok := h.Value(); ok && cur != seen {
		return cur, true, nil
	}
	if time.Since(e.lastReread) < minReread {
		return seen, false, nil
	}
	e.lastReread = time.Now()
	// A request is waiting: a Vault that does not answer must not hold it.
	ctx, cancel := context.WithTimeout(ctx, rereadTimeout)
	defer cancel()
	if err := h.s.refresh(ctx, []*entry{e}); err != nil {
		return seen, false, err
	}
	cur, _ := h.Value()
	return cur, cur != seen, nil
}

// New makes a store. It does not reach Vault yet: Get does.
func New(ctx context.Context, opts Options) (*Store, error) {
	if opts.RefreshInterval <= 0 {
		opts.RefreshInterval = DefaultRefreshInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Store{opts: opts, logger: opts.Logger, entries: map[string]*entry{}}
	s.metrics = storeMetrics{
		readErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_secret_read_errors_total", Help: "Secret reads that failed (the cached value kept serving), by scheme.",
		}, []string{"scheme"}),
		stale: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wasmgate_secrets_stale", Help: "Secrets served from cache because their last read failed.",
		}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_vault_logins_total", Help: "Vault logins (token lookups or AppRole logins), by result.",
		}, []string{"result"}),
		renewals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmgate_vault_token_renewals_total", Help: "Vault token renewals, by result.",
		}, []string{"result"}),
	}
	if opts.Registerer != nil {
		for _, c := range []prometheus.Collector{s.metrics.readErrors, s.metrics.stale, s.metrics.logins, s.metrics.renewals} {
			if err := opts.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("secrets metrics: %w", err)
			}
		}
	}
	if opts.Vault != nil {
		v, err := newVaultClient(*opts.Vault, s.logger, s.metrics)
		if err != nil {
			return nil, err
		}
		// The first read logs in, so that a Vault that cannot be reached
		// is an error naming the reference that needed it.
		s.vault = v
	}
	return s, nil
}

// Get returns the secret a reference (or literal) names, reading it when it
// is not cached yet. The error names the reference.
func (s *Store) Get(ctx context.Context, raw string) (*Secret, error) {
	ref, err := ParseRef(raw)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	e, ok := s.entries[raw]
	if !ok {
		e = &entry{ref: ref}
		if ref.IsLiteral() {
			e.val.Store(&raw)
		} else {
			s.entries[raw] = e
		}
	}
	s.mu.Unlock()
	h := &Secret{s: s, e: e}
	if e.val.Load() != nil {
		return h, nil
	}
	if err := s.refresh(ctx, []*entry{e}); err != nil {
		if !s.opts.AllowUnresolved {
			return nil, err
		}
		s.logger.Error("secret not available; starting degraded", "secret", ref.String(), "error", err)
	}
	return h, nil
}

// Start refreshes cached values every RefreshInterval (faster while some
// are stale) and keeps the Vault token alive, until Close.
func (s *Store) Start() {
	if s.started.Swap(true) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan struct{})
	var wg sync.WaitGroup
	if s.vault != nil {
		wg.Add(1)
		go func() { defer wg.Done(); s.vault.keepAlive(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); s.refreshLoop(ctx) }()
	go func() { wg.Wait(); close(s.done) }()
}

// Close stops the background work.
func (s *Store) Close() {
	if s.stop != nil {
		s.stop()
		<-s.done
	}
}

// retryStale is how soon a failed read is tried again.
const retryStale = 2 * time.Second

func (s *Store) refreshLoop(ctx context.Context) {
	next := s.opts.RefreshInterval
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(next):
		}
		rctx, cancel := context.WithTimeout(ctx, max(s.opts.RefreshInterval, 10*time.Second))
		err := s.refresh(rctx, s.all())
		cancel()
		next = s.opts.RefreshInterval
		if err != nil && retryStale < next {
			next = retryStale
		}
	}
}

// Retain stops refreshing every reference not in refs (after a reload
// dropped them). Handles still held keep their last value.
func (s *Store) Retain(refs []string) {
	keep := make(map[string]bool, len(refs))
	for _, r := range refs {
		keep[r] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for raw, e := range s.entries {
		if !keep[raw] {
			delete(s.entries, raw)
			if e.stale.Swap(false) {
				s.metrics.stale.Dec()
			}
		}
	}
}

// Len is the number of references the store refreshes.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func (s *Store) all() []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*entry, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, e)
	}
	return out
}

// refresh reads entries (each Vault secret once, however many of its fields
// are used); a failed read keeps the old value, is logged and counted.
func (s *Store) refresh(ctx context.Context, entries []*entry) error {
	var errs []error
	type vaultRead struct {
		data map[string]any
		err  error
	}
	vaultReads := map[string]vaultRead{} // by mount/path
	for _, e := range entries {
		var v string
		var err error
		switch e.ref.Scheme {
		case SchemeEnv:
			var ok bool
			if v, ok = os.LookupEnv(e.ref.Name); !ok {
				err = errors.New("the environment variable is not set")
			}
		case SchemeFile:
			var b []byte
			if b, err = os.ReadFile(e.ref.Name); err == nil {
				v = strings.TrimRight(string(b), "\r\n")
			}
		case SchemeVault:
			if s.vault == nil {
				err = errors.New("no Vault is configured (secrets.vault)")
				break
			}
			key := e.ref.Mount + "/" + e.ref.Path
			r, ok := vaultReads[key]
			if !ok {
				r.data, r.err = s.vault.read(ctx, e.ref.Mount, e.ref.Path)
				vaultReads[key] = r
			}
			if err = r.err; err == nil {
				v, err = field(r.data, e.ref.Field)
			}
		default:
			continue
		}
		if err != nil {
			err = fmt.Errorf("secret %s: %w", e.ref, err)
			errs = append(errs, err)
			s.metrics.readErrors.WithLabelValues(e.ref.Scheme).Inc()
			if e.val.Load() != nil && !e.stale.Swap(true) {
				s.metrics.stale.Inc()
				s.logger.Warn("secret read failed; serving the cached value", "secret", e.ref.String(), "error", err)
			}
			continue
		}
		if e.stale.Swap(false) {
			s.metrics.stale.Dec()
			s.logger.Info("secret read again", "secret", e.ref.String())
		}
		if old := e.val.Load(); old == nil || *old != v {
			e.val.Store(&v)
			if old != nil {
				s.logger.Info("secret changed", "secret", e.ref.String())
			}
		}
	}
	return errors.Join(errs...)
}

func field(data map[string]any, name string) (string, error) {
	v, ok := data[name]
	if !ok {
		return "", fmt.Errorf("no field %q", name)
	}
	str, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("field %q is not a string", name)
	}
	return str, nil
}

// Granted is the set of secrets one plugin may read, by the names its
// config gives them (a host.SecretSource).
type Granted map[string]*Secret

// Secret returns a granted secret's current value.
func (g Granted) Secret(name string) (value string, granted, ok bool) {
	h, granted := g[name]
	if !granted {
		return "", false, false
	}
	value, ok = h.Value()
	return value, true, ok
}
