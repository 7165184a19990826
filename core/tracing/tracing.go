// Package tracing sets up OpenTelemetry tracing: spans exported over
// OTLP/HTTP to a collector, off unless tracing.enabled. The gateway makes a
// span per request, per plugin call and per upstream attempt.
package tracing

import (
	"context"
	"fmt"
	"net/url"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmgate/wasmgate/core/config"
)

// Name is the instrumentation scope of wasmgate's spans.
const Name = "github.com/wasmgate/wasmgate"

// Setup starts exporting spans as c says. It returns a nil tracer when
// tracing is off; shutdown flushes what is buffered.
func Setup(ctx context.Context, c config.Tracing, version string) (trace.Tracer, func(context.Context) error, error) {
	if !c.Enabled {
		return nil, func(context.Context) error { return nil }, nil
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing.endpoint: %w", err)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces" // the collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()), otlptracehttp.WithTimeout(c.Timeout))
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: %w", err)
	}
	tp := NewProvider(sdktrace.WithBatcher(exp), c, version)
	return tp.Tracer(Name), tp.Shutdown, nil
}

// NewProvider is a tracer provider with wasmgate's resource and sampler
// around a span processor (a batching exporter, or a test's recorder).
func NewProvider(sp sdktrace.TracerProviderOption, c config.Tracing, version string) *sdktrace.TracerProvider {
	ratio := c.SampleRatio
	if ratio == 0 {
		ratio = 1
	}
	name := c.ServiceName
	if name == "" {
		name = "wasmgate"
	}
	return sdktrace.NewTracerProvider(sp,
		// A caller's sampled trace stays sampled; new traces by ratio.
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
		sdktrace.WithResource(resource.NewSchemaless(
			attribute.String("service.name", name), attribute.String("service.version", version))))
}
