package host_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/conformance/tck"
	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/metrics"
)

// TestConformance runs the ABI v1 conformance kit against this host.
func TestConformance(t *testing.T) {
	tck.Run(t, tckHost{newEngine(t)})
}

type tckHost struct{ e *host.Engine }

func (h tckHost) Start(ctx context.Context, wasm, config []byte, lim tck.Limits, secrets map[string]string) (tck.Instance, error) {
	m := metrics.New() // metric_add counts here (tck.EventCounts)
	caps := host.Capabilities{Events: m.PluginEvents.For("tck")}
	if secrets != nil {
		caps.Secrets = secretMap(secrets)
	}
	p, err := h.e.Load(ctx, "tck", wasm, host.Limits{MemoryPages: lim.MemoryPages, Timeout: lim.Timeout, MaxOutputBytes: lim.MaxOutputBytes}, caps)
	if err != nil {
		return nil, err
	}
	pool, err := p.NewPool(ctx, config, host.PoolOptions{Size: 1})
	if err != nil {
		_ = p.Close(ctx)
		return nil, err
	}
	in, err := pool.Acquire(ctx)
	if err != nil {
		pool.Close()
		_ = p.Close(ctx)
		return nil, err
	}
	return &tckInstance{p: p, pool: pool, in: in, m: m}, nil
}

// secretMap grants the secrets of a map.
type secretMap map[string]string

func (m secretMap) Secret(name string) (string, bool, bool) {
	v, ok := m[name]
	return v, ok, ok
}

type tckInstance struct {
	p    *host.Plugin
	pool *host.Pool
	in   *host.Instance
	m    *metrics.Metrics
}

func (i *tckInstance) Close() {
	i.pool.Release(i.in)
	i.pool.Close()
	_ = i.p.Close(context.Background())
}

func (i *tckInstance) Begin(x tck.Exchange) tck.Session {
	ex := &host.Exchange{}
	ex.SetRequest(x.Request)
	for k, v := range x.RequestHeaders {
		ex.ReqHeader.Add(k, v)
	}
	for k, v := range x.Attrs {
		ex.SetAttr(k, v)
	}
	ex.APIKey = x.APIKey
	ex.Response = x.Response
	ex.Chunk, ex.ChunkSet = x.Chunk, x.Chunk != nil
	ex.UpStatus, ex.UpRespBody, ex.UpChunk = x.UpstreamStatus, x.UpstreamBody, x.UpstreamChunk
	if x.ProviderStats != nil {
		ex.ProviderStats = func() []byte { return x.ProviderStats }
	}
	for k, v := range x.UpstreamHeaders {
		ex.UpRespHeader.Add(k, v)
	}
	return &tckSession{in: i.in, ex: ex}
}

type tckSession struct {
	in *host.Instance
	ex *host.Exchange
}

func (s *tckSession) Call(_ context.Context, ph tck.Phase, adapter bool) (tck.Outcome, error) {
	ex := s.ex
	ex.ShortStatus, ex.ShortBody, ex.ErrType, ex.ErrMessage = 0, nil, "", ""
	act, err := s.in.Call(abi.Phase(ph), ex, adapter)
	if err != nil {
		return tck.Outcome{}, err
	}
	headers := func(h host.Header) map[string]string {
		m := map[string]string{}
		for _, f := range h {
			m[strings.ToLower(f.Name)] = f.Value
		}
		return m
	}
	attrs := map[string]string{}
	for _, f := range ex.Attrs() {
		attrs[f.Name] = f.Value
	}
	status := ex.RespStatus
	if status == 0 {
		status = 200
	}
	return tck.Outcome{
		Action: int(act), Status: ex.ShortStatus, Body: ex.ShortBody, ErrType: ex.ErrType, ErrMessage: ex.ErrMessage,
		Request: ex.Request, RequestHeaders: headers(ex.ReqHeader),
		Response: ex.FinalResponse(), ResponseStatus: status, ResponseHeaders: headers(ex.RespHeader),
		Chunk: ex.FinalChunk(), ChunkSet: ex.ChunkSet,
		UpstreamURL: ex.UpURL, UpstreamHeaders: headers(ex.UpHeader), UpstreamBody: ex.UpBody,
		Attrs: attrs,
	}, nil
}
