package gateway

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/upstream"
)

// Spans: one per request, per plugin call and per upstream attempt, when
// Options.Tracer is set. The request flow calls these at marked places;
// without a tracer they return at once.

var propagator = propagation.TraceContext{}

// headerCarrier lets the W3C propagator read a request's header.
type headerCarrier struct{ h *host.Header }

func (c headerCarrier) Get(k string) string { v, _ := c.h.Get(k); return v }
func (c headerCarrier) Set(k, v string)     { c.h.Set(k, v) }
func (c headerCarrier) Keys() []string {
	keys := make([]string, len(*c.h))
	for i, f := range *c.h {
		keys[i] = f.Name
	}
	return keys
}

// upCarrier writes traceparent into a provider request's header.
type upCarrier struct{ r *upstream.Request }

func (c upCarrier) Get(string) string { return "" }
func (c upCarrier) Set(k, v string) {
	for i := range c.r.Header {
		if strings.EqualFold(c.r.Header[i][0], k) { // a retry: this attempt's span replaces the last's
			c.r.Header[i][1] = v
			return
		}
	}
	c.r.Header = append(c.r.Header, [2]string{k, v})
}
func (c upCarrier) Keys() []string { return nil }

// startSpan starts the request's span, a child of the caller's trace when
// the request carries a traceparent.
func (c *call) startSpan(ctx context.Context, req *Request) context.Context {
	tr := c.g.tracer
	if tr == nil {
		return ctx
	}
	ctx = propagator.Extract(ctx, headerCarrier{&req.Header})
	ctx, c.span = tr.Start(ctx, "chat", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.route", req.Path), attribute.String("wasmgate.request_id", req.RequestID)))
	return ctx
}

// endSpan ends the request's span (a stream's when it is done).
func (c *call) endSpan(status int) {
	if c.span == nil {
		return
	}
	attrs := []attribute.KeyValue{attribute.Int("http.response.status_code", status), attribute.Bool("wasmgate.stream", c.stream)}
	if c.model != nil {
		attrs = append(attrs, attribute.String("wasmgate.model", c.model.id))
	}
	if c.route != nil {
		attrs = append(attrs, attribute.String("wasmgate.route", c.route.name))
	}
	if c.prov != nil { // the provider of the last attempt
		attrs = append(attrs, attribute.String("wasmgate.provider", c.prov.name))
	}
	if c.gov.key != nil {
		attrs = append(attrs, attribute.String("wasmgate.key_id", c.gov.key.ID))
	}
	c.span.SetAttributes(attrs...)
	if status >= 500 {
		c.span.SetStatus(codes.Error, strconv.Itoa(status))
	}
	c.span.End()
}

// pluginSpan starts a plugin call's span; end it with the call's outcome.
func (c *call) pluginSpan(ctx context.Context, s *slot, ph abi.Phase) trace.Span {
	if c.span == nil {
		return nil
	}
	_, sp := c.g.tracer.Start(ctx, "plugin "+s.plugin, trace.WithAttributes(
		attribute.String("wasmgate.plugin", s.plugin), attribute.String("wasmgate.phase", ph.String()), attribute.Bool("wasmgate.adapter", s.adapter)))
	return sp
}

func endPluginSpan(sp trace.Span, act abi.Action, err error) {
	if sp == nil {
		return
	}
	sp.SetAttributes(attribute.Int("wasmgate.action", int(act)))
	if err != nil {
		reason := "error"
		var f *host.Failure
		if errors.As(err, &f) {
			reason = string(f.Reason)
		}
		sp.SetStatus(codes.Error, reason)
	}
	sp.End()
}

// upstreamSpan starts one provider attempt's span and passes the trace on
// to the provider (traceparent).
func (c *call) upstreamSpan(ctx context.Context, r *upstream.Request) (context.Context, trace.Span) {
	if c.span == nil {
		return ctx, nil
	}
	ctx, sp := c.g.tracer.Start(ctx, "upstream "+c.prov.name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("wasmgate.provider", c.prov.name), attribute.String("http.request.method", r.Method),
		attribute.String("wasmgate.provider.model", c.upModel)))
	propagator.Inject(ctx, upCarrier{r})
	return ctx, sp
}

func endUpstreamSpan(sp trace.Span, resp *upstream.Response, err error) {
	if sp == nil {
		return
	}
	switch {
	case err != nil:
		reason := upstream.ReasonOther
		var ue *upstream.Error
		if errors.As(err, &ue) {
			reason = ue.Reason
		}
		sp.SetStatus(codes.Error, string(reason))
	default:
		sp.SetAttributes(attribute.Int("http.response.status_code", resp.Status))
		if resp.Status >= 500 {
			sp.SetStatus(codes.Error, strconv.Itoa(resp.Status))
		}
	}
	sp.End()
}
