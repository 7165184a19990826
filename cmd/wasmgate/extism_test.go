package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wasmgate/wasmgate/core/testnet"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// TestExtismAllowedHosts serves an Extism plugin (core/extism's probe, built
// with @extism/as-pdk) that fetches a URL from its slot config with Extism's
// http_request: a host capabilities.allowed_hosts lists is reached, and a
// host it does not list fails that request only, with the plugin error.
func TestExtismAllowedHosts(t *testing.T) {
	root := testwasm.Root(t)
	probe := filepath.Join(root, "core", "extism", "testdata", "probe.wasm")
	if _, err := os.Stat(probe); err != nil {
		testwasm.Make(t, "extism-probe")
	}
	var hits atomic.Int32
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "hello-from-loopback")
	}))
	defer site.Close()
	mock := testnet.FreeAddr(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "wasmgate.yaml")
	os.WriteFile(file, []byte(`
mock_provider: {listen: "`+mock+`"}
plugins:
  probe: {kind: extism, source: "`+probe+`", capabilities: {allowed_hosts: ["127.0.0.1"]}}
providers:
  up: {base_url: "http://`+mock+`/v1"}
models: [{id: listed, provider: up}, {id: unlisted, provider: up}]
pipelines:
  listed: [{plugin: probe, config: {mode: fetch, url: "`+site.URL+`/hello"}}]
  unlisted: [{plugin: probe, config: {mode: fetch, url: "`+strings.Replace(site.URL, "127.0.0.1", "localhost", 1)+`/hello"}}]
routes: [{pipeline: unlisted, models: [unlisted]}, {pipeline: listed}]
`), 0o644)
	g := serve(t, file)
	calls := []struct {
		model    string
		status   int
		contains string
	}{
		{"listed", 200, `"content":"Mock reply to: fetched 200 hello-from-loopback"`},
		{"unlisted", 500, `"message":"plugin \"probe\" failed"`},
		{"listed", 200, `"content":"Mock reply to: fetched 200 hello-from-loopback"`},
	}
	for i, c := range calls {
		status, _, body := post(t, g.url, modelMessage(c.model, "fetch", false))
		if status != c.status || !strings.Contains(body, c.contains) {
			t.Errorf("call %d (%s): status %d, body %s; want %d and %s", i, c.model, status, body, c.status, c.contains)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("the site got %d requests, want 2 (the unlisted host must not be reached)", hits.Load())
	}
	if log := g.logs.String(); !strings.Contains(log, "reason=not_allowed") || !strings.Contains(log, "not in capabilities.allowed_hosts") {
		t.Errorf("the log does not say why the request failed:\n%s", log)
	}
}
