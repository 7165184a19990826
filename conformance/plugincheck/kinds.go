package plugincheck

import (
	"context"
	"log/slog"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/extism"
	"github.com/wasmgate/wasmgate/core/host"
)

// loaded is a plugin of either kind: wasmgate's ABI v1 (core/host) or
// Extism's (core/extism, kind: extism in plugin.yaml).
type loaded interface {
	newPool(ctx context.Context, config []byte) (hookPool, error)
	Close(ctx context.Context) error
}

// hookPool is a pool of one slot's instances.
type hookPool interface {
	Mask() uint32
	Close()
	// pin takes an instance for many calls; memPages is nil when the kind
	// does not show its memory.
	pin(ctx context.Context) (call func(abi.Phase, *host.Exchange) (abi.Action, error), memPages func() uint32, release func(), err error)
}

func load(ctx context.Context, engine *host.Engine, m Manifest, wasm []byte, lim host.Limits, logger *slog.Logger) (loaded, error) {
	if m.Kind == "extism" {
		p, err := extism.Load(ctx, "plugin", wasm, lim, extism.Capabilities{Env: m.Capabilities.Env, Stdio: true, AllowedHosts: m.Capabilities.AllowedHosts}, engine.CompilationCache(), logger)
		if err != nil {
			return nil, err
		}
		return extismPlugin{p}, nil
	}
	p, err := engine.Load(ctx, "plugin", wasm, lim, host.Capabilities{Env: m.Capabilities.Env, Stdio: true})
	if err != nil {
		return nil, err
	}
	return nativePlugin{p}, nil
}

type nativePlugin struct{ *host.Plugin }

func (p nativePlugin) newPool(ctx context.Context, config []byte) (hookPool, error) {
	pl, err := p.NewPool(ctx, config, host.PoolOptions{Size: 1})
	if err != nil {
		return nil, err
	}
	return poolOf[*host.Instance]{pl, func(in *host.Instance) func() uint32 { return in.MemoryPages }}, nil
}

type extismPlugin struct{ *extism.Plugin }

func (p extismPlugin) newPool(ctx context.Context, config []byte) (hookPool, error) {
	pl, err := p.NewPool(ctx, config, host.PoolOptions{Size: 1})
	if err != nil {
		return nil, err
	}
	return poolOf[*extism.Instance]{pl, func(*extism.Instance) func() uint32 { return nil }}, nil
}

// poolOf is a pool of either kind; mem gives an instance's memory size, or
// nil when the kind does not show it.
type poolOf[I interface {
	Call(abi.Phase, *host.Exchange, bool) (abi.Action, error)
}] struct {
	kindPool interface {
		Acquire(ctx context.Context) (I, error)
		Release(in I)
		Mask() uint32
		Close()
	}
	mem func(I) func() uint32
}

func (pl poolOf[I]) Mask() uint32 { return pl.kindPool.Mask() }
func (pl poolOf[I]) Close()       { pl.kindPool.Close() }

func (pl poolOf[I]) pin(ctx context.Context) (func(abi.Phase, *host.Exchange) (abi.Action, error), func() uint32, func(), error) {
	in, err := pl.kindPool.Acquire(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	return func(ph abi.Phase, ex *host.Exchange) (abi.Action, error) { return in.Call(ph, ex, false) },
		pl.mem(in), func() { pl.kindPool.Release(in) }, nil
}
