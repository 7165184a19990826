package host

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// PoolOptions size a pool.
type PoolOptions struct {
	Size    int // most instances at once (default 16)
	Prewarm int // instances started before the first request (default 1)
	// MaxWait bounds how long Acquire waits for a free instance (default 5s).
	MaxWait time.Duration
}

// ErrPoolExhausted is returned when no instance frees up in time.
var ErrPoolExhausted = errors.New("no plugin instance free in time")

// ErrPoolClosed is returned by Acquire on a closed pool.
var ErrPoolClosed = errors.New("plugin pool closed")

// Pool is a bounded set of instances of one plugin with one config.
type Pool struct {
	plugin *Plugin
	config []byte
	mask   uint32
	opts   PoolOptions
	logger *slog.Logger
	// idle is a stack: the instance used last is warm in the CPU caches, so
	// it is handed out first.
	mu      sync.Mutex
	idle    []*Instance
	freed   chan struct{} // a signal per release, for waiters
	tokens  chan struct{} // one per instance that may exist
	closed  atomic.Bool
	recycle uint64 // memory size in bytes past which an instance is not reused

	started, discarded atomic.Int64
}

// NewPool starts a pool for one slot. The first instance is started at once:
// that checks the ABI version and init, so a broken plugin fails here with a
// precise error rather than on the first request.
func (p *Plugin) NewPool(ctx context.Context, config []byte, opts PoolOptions) (*Pool, error) {
	if opts.Size <= 0 {
		opts.Size = 16
	}
	if opts.Prewarm <= 0 {
		opts.Prewarm = 1
	}
	opts.Prewarm = min(opts.Prewarm, opts.Size)
	if opts.MaxWait <= 0 {
		opts.MaxWait = 5 * time.Second
	}
	pl := &Pool{
		plugin:  p,
		config:  config,
		opts:    opts,
		logger:  p.logger,
		idle:    make([]*Instance, 0, opts.Size),
		freed:   make(chan struct{}, opts.Size),
		tokens:  make(chan struct{}, opts.Size),
		recycle: uint64(p.limits.MemoryPages) * 65536 * 3 / 4,
	}
	for range opts.Size {
		pl.tokens <- struct{}{}
	}
	for i := range opts.Prewarm {
		<-pl.tokens
		in, mask, err := pl.start(ctx)
		if err != nil {
			pl.tokens <- struct{}{}
			pl.Close()
			return nil, err
		}
		if i == 0 {
			pl.mask = mask
		}
		pl.push(in)
	}
	return pl, nil
}

// Mask is the hook mask the plugin declared.
func (pl *Pool) Mask() uint32 { return pl.mask }

func (pl *Pool) start(ctx context.Context) (*Instance, uint32, error) {
	in, mask, err := pl.plugin.newInstance(ctx, pl.config, pl.logger, false)
	if err != nil {
		return nil, 0, err
	}
	pl.started.Add(1)
	return in, mask, nil
}

// Acquire takes an idle instance, starts one if the pool has room, or waits.
func (pl *Pool) Acquire(ctx context.Context) (*Instance, error) {
	if pl.closed.Load() {
		return nil, ErrPoolClosed
	}
	if in := pl.pop(); in != nil {
		return in, nil
	}
	select {
	case <-pl.tokens:
		return pl.startHeld(ctx)
	default:
	}
	t := time.NewTimer(pl.opts.MaxWait)
	defer t.Stop()
	for {
		select {
		case <-pl.freed:
			if in := pl.pop(); in != nil {
				return in, nil
			}
		case <-pl.tokens:
			return pl.startHeld(ctx)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return nil, ErrPoolExhausted
		}
		if pl.closed.Load() {
			return nil, ErrPoolClosed
		}
	}
}

// startHeld starts an instance for a token already taken, giving the token
// back if it fails.
func (pl *Pool) startHeld(ctx context.Context) (*Instance, error) {
	in, _, err := pl.start(ctx)
	if err != nil {
		pl.tokens <- struct{}{}
		return nil, err
	}
	return in, nil
}

func (pl *Pool) pop() *Instance {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	n := len(pl.idle)
	if n == 0 {
		return nil
	}
	in := pl.idle[n-1]
	pl.idle = pl.idle[:n-1]
	return in
}

func (pl *Pool) push(in *Instance) {
	pl.mu.Lock()
	pl.idle = append(pl.idle, in)
	pl.mu.Unlock()
	select {
	case pl.freed <- struct{}{}:
	default: // nobody is waiting for long: the buffer is full of signals
	}
}

// Release gives an instance back. A dead instance, or one whose memory grew
// past three quarters of its cap, is closed and its place freed: memory never
// shrinks, so reusing it would only pin the growth.
func (pl *Pool) Release(in *Instance) {
	if in.dead || pl.closed.Load() || uint64(in.mem.Size()) > pl.recycle {
		in.close()
		pl.discarded.Add(1)
		pl.tokens <- struct{}{}
	} else {
		pl.push(in)
	}
	if pl.closed.Load() {
		pl.drain() // Close may have run while this instance was out
	}
}

// Close closes idle instances now and busy ones when they come back.
func (pl *Pool) Close() {
	pl.closed.Store(true)
	pl.drain()
}

func (pl *Pool) drain() {
	for in := pl.pop(); in != nil; in = pl.pop() {
		in.close()
		pl.tokens <- struct{}{}
	}
}

// Stats are counters for metrics and tests.
type Stats struct{ Started, Discarded, Idle int64 }

// Stats returns the pool's counters.
func (pl *Pool) Stats() Stats {
	pl.mu.Lock()
	idle := len(pl.idle)
	pl.mu.Unlock()
	return Stats{Started: pl.started.Load(), Discarded: pl.discarded.Load(), Idle: int64(idle)}
}

// Probe starts one instance without a slot config, checks its ABI version
// and closes it. The gateway probes plugins that no pipeline uses, so that a
// broken one is reported at load like the others.
func (p *Plugin) Probe(ctx context.Context) error {
	in, _, err := p.newInstance(ctx, nil, p.logger, true)
	if err != nil {
		return err
	}
	in.close()
	return nil
}
