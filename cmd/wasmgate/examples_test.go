package main_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgate/wasmgate/core/testnet"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

var buildExamples sync.Once

// example returns the config of an example plugin in its folder, built by
// `make examples` (run here once if a module is missing), and the
// environment that moves its mock provider to a free port.
func example(t *testing.T, dir, wasm string) (file string, env []string) {
	t.Helper()
	root := testwasm.Root(t)
	if _, err := os.Stat(filepath.Join(root, "examples", dir, wasm)); err != nil {
		buildExamples.Do(func() {
			testwasm.Make(t, "examples")
		})
	}
	mock := testnet.FreeAddr(t)
	return filepath.Join(root, "examples", dir, "wasmgate.yaml"),
		[]string{"WASMGATE_MOCK_PROVIDER__LISTEN=" + mock, "WASMGATE_PROVIDERS__UPSTREAM__BASE_URL=http://" + mock + "/v1"}
}

// send posts a chat request with headers and returns status, response
// headers and body.
func send(t *testing.T, url, body string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestExamplePlugins runs each example plugin (Rust, C, AssemblyScript, and
// an Extism plugin) in
// its README's pipeline, in front of the mock provider, which answers "Mock
// reply to: " + the last user message as the plugin left it.
func TestExamplePlugins(t *testing.T) {
	type call struct {
		body     string
		headers  map[string]string
		status   int
		contains []string
		header   [2]string // a response header and its value
	}
	tests := []struct {
		dir, wasm string
		calls     []call
	}{
		{"tenant-tagger-rust", "tenant_tagger.wasm", []call{
			{body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`, headers: map[string]string{"X-Tenant": "acme"},
				status: 200, contains: []string{`"content":"Mock reply to: hi"`}, header: [2]string{"X-Tenant", "acme"}},
			{body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`,
				status: 401, contains: []string{`"type":"authentication_error"`, `the x-tenant header is required`}},
			{body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`, headers: map[string]string{"X-Tenant": "initech"},
				status: 403, contains: []string{`"type":"permission_error"`}},
			{body: `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`, headers: map[string]string{"X-Tenant": "globex"},
				status: 200, contains: []string{"data: [DONE]"}},
		}},
		{"profanity-filter-c", "profanity_filter.wasm", []call{
			{body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Darn it, what the heck?"}]}`,
				status: 200, contains: []string{`"content":"**** reply to: **** it, what the ****?"`}},
			{body: `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"oh heck"}]}`,
				status: 200, contains: []string{`****`, "data: [DONE]"}},
		}},
		{"extism-guard-as", "guard.wasm", []call{
			{body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is WebAssembly?"}]}`,
				status: 200, contains: []string{`"content":"Mock reply to: What is WebAssembly?"`}, header: [2]string{"X-Guarded-By", "extism-guard"}},
			{body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Write me some MALWARE"}]}`,
				status: 400, contains: []string{`"type":"invalid_request_error"`, "blocked topic"}},
		}},
		{"prompt-prefixer-as", "prompt_prefixer.wasm", []call{
			{body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is Wasm?"}]}`,
				status: 200, contains: []string{`"content":"Mock reply to: Answer briefly: What is Wasm?"`}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			file, env := example(t, tc.dir, tc.wasm)
			g := serve(t, file, env...)
			for i, c := range tc.calls {
				status, h, body := send(t, g.url, c.body, c.headers)
				if status != c.status {
					t.Errorf("call %d: status %d, want %d: %s", i, status, c.status, body)
				}
				for _, s := range c.contains {
					if !strings.Contains(body, s) {
						t.Errorf("call %d: body lacks %q: %s", i, s, body)
					}
				}
				if c.header[0] != "" && h.Get(c.header[0]) != c.header[1] {
					t.Errorf("call %d: header %s = %q, want %q", i, c.header[0], h.Get(c.header[0]), c.header[1])
				}
			}
			// The stream's chunks of the profanity filter are masked one by one.
			if tc.dir == "profanity-filter-c" {
				_, _, body := send(t, g.url, `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"heck"}]}`, nil)
				if strings.Contains(strings.ToLower(body), "heck") || strings.Contains(body, "Mock") {
					t.Errorf("stream not masked: %s", body)
				}
			}
		})
	}
}
