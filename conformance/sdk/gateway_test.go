// Package sdk runs the official OpenAI and Anthropic SDKs against wasmgate
// backed by the mock provider: the Go SDK (github.com/openai/openai-go) in
// this test binary, and the npm packages openai and @anthropic-ai/sdk with
// node's test runner (js/), all against the same gateway.
//
// The gateway serves two upstreams: an OpenAI-format one through the
// openai adapter ("gpt-*" models) and an Anthropic-format one through the
// anthropic adapter ("claude-*" models), so that every SDK meets both.
package sdk

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/server"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

const gatewayConfig = `
server: {listen: "127.0.0.1:0"}
plugins:
  openai: {source: openai.wasm}
  anthropic: {source: anthropic.wasm}
providers:
  openai-up: {base_url: "http://%s/v1", api_key: "sk-upstream-openai", adapter: openai}
  anthropic-up: {base_url: "http://%s", api_key: "sk-upstream-anthropic", adapter: anthropic}
models:
  - {id: gpt-mock, provider: openai-up, upstream_model: gpt-4o-mini}
  - {id: claude-mock, provider: anthropic-up, upstream_model: claude-sonnet-4-5}
  - {id: text-embedding-3-small, provider: openai-up}
%s
pipelines:
  main: []
routes:
  - {pipeline: main}
`

// FaultStatuses are the upstream errors every SDK is checked with.
var FaultStatuses = []int{401, 404, 429, 500}

var (
	once    sync.Once
	url     string
	stops   []func()
	startEr error
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	os.Exit(code)
}

// gatewayURL starts the mock upstreams and the gateway once per test
// binary and returns the gateway's URL, without a path.
func gatewayURL(t *testing.T) string {
	t.Helper()
	once.Do(func() { url, startEr = start(t) })
	if startEr != nil {
		t.Fatal(startEr)
	}
	return url
}

func start(t *testing.T) (string, error) {
	openaiUp, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{APIKey: "sk-upstream-openai"})
	if err != nil {
		return "", err
	}
	stops = append(stops, func() { openaiUp.Close() })
	anthropicUp, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{APIKey: "sk-upstream-anthropic"})
	if err != nil {
		return "", err
	}
	stops = append(stops, func() { anthropicUp.Close() })
	dir, err := os.MkdirTemp("", "wasmgate-sdk-")
	if err != nil {
		return "", err
	}
	stops = append(stops, func() { os.RemoveAll(dir) })
	for _, p := range []string{"openai", "anthropic"} {
		if err := os.WriteFile(filepath.Join(dir, p+".wasm"), testwasm.GoPluginBytes(t, p), 0o644); err != nil {
			return "", err
		}
	}
	var faults strings.Builder
	for _, s := range FaultStatuses {
		fmt.Fprintf(&faults, "  - {id: gpt-fail-%d, provider: openai-up, upstream_model: mock-fail-%d}\n", s, s)
		fmt.Fprintf(&faults, "  - {id: claude-fail-%d, provider: anthropic-up, upstream_model: mock-fail-%d}\n", s, s)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(gatewayConfig, openaiUp.Addr(), anthropicUp.Addr(), faults.String())), dir)
	if err != nil {
		return "", err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := metrics.New()
	gw, err := gateway.New(gateway.Options{Logger: logger, Metrics: m, CacheDir: filepath.Join(dir, "cache")})
	if err != nil {
		return "", err
	}
	if err := gw.Reload(context.Background(), cfg); err != nil {
		return "", err
	}
	srv := server.New(gw, cfg.Server, m, logger)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go srv.Serve(ln)
	stops = append(stops, func() {
		_ = srv.Shutdown(context.Background())
		_ = gw.Close(context.Background())
	})
	return "http://" + ln.Addr().String(), nil
}
