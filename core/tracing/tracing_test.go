package tracing_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/server"
	"github.com/wasmgate/wasmgate/core/testwasm"
	"github.com/wasmgate/wasmgate/core/tracing"
)

// TestSpans: a span per request (a child of the caller's traceparent), per
// plugin call and per upstream attempt, whose trace reaches the provider.
func TestSpans(t *testing.T) {
	var mu sync.Mutex
	var upstreamParents []string
	mock := mockprovider.New(mockprovider.Options{})
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		upstreamParents = append(upstreamParents, r.Header.Get("traceparent"))
		mu.Unlock()
		mock.ServeHTTP(w, r)
	}))
	defer provider.Close()

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "noop.wasm"), testwasm.GoPluginBytes(t, "testguests/noop"), 0o644)
	cfg, err := config.Parse([]byte(`
plugins: {noop: {source: noop.wasm}}
providers: {mock: {base_url: "`+provider.URL+`/v1"}}
models: [{id: gpt-4o-mini, provider: mock}, {id: mock-fail-500, provider: mock}]
pipelines: {main: [{plugin: noop}]}
routes: [{pipeline: main}]
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tp := tracing.NewProvider(sdktrace.WithSpanProcessor(rec), cfg.Tracing, "test")
	defer tp.Shutdown(context.Background())
	m := metrics.New()
	gw, err := gateway.New(gateway.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m, Tracer: tp.Tracer(tracing.Name)})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close(context.Background())
	if err := gw.Reload(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	srv := server.New(gw, cfg.Server, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/v1/chat/completions"

	const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	post := func(body string) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("traceparent", "00-"+callerTrace+"-00f067aa0ba902b7-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	post(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`)

	// The request span ends after the answer is written: wait for it.
	spans := waitSpans(t, rec, "chat", 1)
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	root := byName["chat"][0]
	if root.SpanContext().TraceID().String() != callerTrace || root.Parent().SpanID().String() != "00f067aa0ba902b7" || root.SpanKind() != trace.SpanKindServer {
		t.Fatalf("request span not a child of the caller's: %v parent %v", root.SpanContext(), root.Parent())
	}
	if attr(root, "http.response.status_code") != "200" || attr(root, "wasmgate.model") != "gpt-4o-mini" {
		t.Fatalf("request span attributes %v", root.Attributes())
	}
	if len(byName["plugin noop"]) == 0 || len(byName["upstream mock"]) != 1 {
		t.Fatalf("spans %v", names(spans))
	}
	for _, s := range append(byName["plugin noop"], byName["upstream mock"]...) {
		if s.Parent().SpanID() != root.SpanContext().SpanID() {
			t.Fatalf("%s is not a child of the request span", s.Name())
		}
	}
	up := byName["upstream mock"][0]
	if attr(up, "http.response.status_code") != "200" || up.SpanKind() != trace.SpanKindClient {
		t.Fatalf("upstream span %v", up.Attributes())
	}
	mu.Lock()
	if len(upstreamParents) != 1 || !strings.Contains(upstreamParents[0], callerTrace+"-"+up.SpanContext().SpanID().String()) {
		t.Fatalf("traceparent sent upstream %q, want the upstream span's", upstreamParents)
	}
	mu.Unlock()

	// A stream's span covers the stream; a failing provider marks its
	// attempt and the request as errors.
	post(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	post(`{"model":"mock-fail-500","messages":[{"role":"user","content":"hi"}]}`)
	spans = waitSpans(t, rec, "chat", 3)
	var streamed, failed bool
	failedUp := 0
	for _, s := range spans {
		switch {
		case s.Name() == "chat" && attr(s, "wasmgate.stream") == "true" && attr(s, "http.response.status_code") == "200":
			streamed = true
		case s.Name() == "chat" && attr(s, "wasmgate.model") == "mock-fail-500":
			if st := attr(s, "http.response.status_code"); st < "500" || s.Status().Code.String() != "Error" {
				t.Fatalf("failed request's span: status %s, %v", st, s.Status())
			}
			failed = true
		case s.Name() == "upstream mock" && attr(s, "http.response.status_code") == "500" && s.Status().Code.String() == "Error":
			failedUp++
		}
	}
	// The dispatcher retries a 500 once by default: a span per attempt.
	if !streamed || !failed || failedUp != 2 {
		t.Fatalf("stream %v, failed request %v, failed attempt %v: %v", streamed, failed, failedUp, names(spans))
	}
}

func waitSpans(t *testing.T, rec *tracetest.SpanRecorder, name string, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		spans := rec.Ended()
		count := 0
		for _, s := range spans {
			if s.Name() == name {
				count++
			}
		}
		if count >= n {
			return spans
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %q spans, want %d: %v", count, name, n, names(spans))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

// TestSetup: off by default; on, spans go to the collector over OTLP/HTTP.
func TestSetup(t *testing.T) {
	tr, stop, err := tracing.Setup(context.Background(), config.Tracing{}, "test")
	if err != nil || tr != nil || stop(context.Background()) != nil {
		t.Fatalf("off: %v %v", tr, err)
	}
	got := make(chan string, 10)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.Method + " " + r.URL.Path + " " + r.Header.Get("Content-Type") + " " + string(b)
		w.WriteHeader(200)
	}))
	defer collector.Close()
	tr, stop, err = tracing.Setup(context.Background(), config.Tracing{Enabled: true, Endpoint: collector.URL, Timeout: 5 * time.Second, ServiceName: "wasmgate-test"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, sp := tr.Start(context.Background(), "chat")
	sp.End()
	if err := stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case req := <-got:
		if !strings.HasPrefix(req, "POST /v1/traces application/x-protobuf") || !strings.Contains(req, "wasmgate-test") || !strings.Contains(req, "chat") {
			t.Fatalf("collector got %q", req)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing exported")
	}
}
