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
	plugin  *Plugin
	config  []byte
	mask    uint32
	opts    PoolOptions
	logger  *slog.Logger
	idle    chan *Instance
	tokens  chan struct{} // one per instance that may exist
	closed  atomic.Bool
	mu      sync.Mutex // guards starting against Close
	recycle uint64     // memory size in bytes past which an instance is not reused

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
		idle:    make(chan *Instance, opts.Size),
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
		pl.idle <- in
	}
	return pl, nil
}

// Mask is the hook mask the plugin declared.
func (pl *Pool) Mask() uint32 { return pl.mask }

// Plugin is the pool's plugin.
func (pl *Pool) Plugin() *Plugin { return pl.plugin }

func (pl *Pool) start(ctx context.Context) (*Instance, uint32, error) {
	in, mask, err := pl.plugin.newInstance(ctx, pl.config, pl.logger, false)
	if err != nil {
		return nil, 0, err
	}
	in.pool = pl
	pl.started.Add(1)
	return in, mask, nil
}

// Acquire takes an idle instance, starts one if the pool has room, or waits.
func (pl *Pool) Acquire(ctx context.Context) (*Instance, error) {
	if pl.closed.Load() {
		return nil, ErrPoolClosed
	}
	select {
	case in := <-pl.idle:
		return in, nil
	default:
	}
	t := time.NewTimer(pl.opts.MaxWait)
	defer t.Stop()
	select {
	case in := <-pl.idle:
		return in, nil
	case <-pl.tokens:
		in, _, err := pl.start(ctx)
		if err != nil {
			pl.tokens <- struct{}{}
			return nil, err
		}
		return in, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, ErrPoolExhausted
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
		if pl.closed.Load() {
			pl.drain()
		}
		return
	}
	pl.idle <- in
	if pl.closed.Load() {
		pl.drain()
	}
}

// Close closes idle instances now and busy ones when they come back.
func (pl *Pool) Close() {
	pl.closed.Store(true)
	pl.drain()
}

func (pl *Pool) drain() {
	for {
		select {
		case in := <-pl.idle:
			in.close()
			pl.tokens <- struct{}{}
		default:
			return
		}
	}
}

// Stats are counters for metrics and tests.
type Stats struct{ Started, Discarded, Idle int64 }

// Stats returns the pool's counters.
func (pl *Pool) Stats() Stats {
	return Stats{Started: pl.started.Load(), Discarded: pl.discarded.Load(), Idle: int64(len(pl.idle))}
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
