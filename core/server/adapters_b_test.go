package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/testwasm"
)

// The adapter tests run the Gemini, Bedrock and Cohere adapters in the
// gateway against a provider stand-in that answers with the payloads
// recorded in each plugin's testdata, in the provider's wire format (JSON,
// SSE, the binary AWS event stream). The stand-in checks what a real
// provider would refuse: the path, the key header, the body's shape.

const adaptersConfig = `
server: {listen: "127.0.0.1:0"}
plugins:
  gemini: {source: gemini.wasm}
  bedrock: {source: bedrock.wasm}
  cohere: {source: cohere.wasm}
providers:
  gemini: {base_url: "%[1]s/v1beta", api_key: "AIza-e2e", adapter: gemini}
  bedrock: {base_url: "%[1]s", api_key: "AKIDEXAMPLE:e2e-secret", adapter: bedrock, adapter_config: {region: us-east-1}}
  cohere: {base_url: "%[1]s", api_key: "co-e2e", adapter: cohere}
models:
  - {id: gemini, provider: gemini, upstream_model: gemini-2.5-flash}
  - {id: gemini-blocked, provider: gemini, upstream_model: blocked}
  - {id: claude, provider: bedrock, upstream_model: "anthropic.claude-3-haiku-20240307-v1:0"}
  - {id: claude-throttled, provider: bedrock, upstream_model: throttled}
  - {id: command, provider: cohere, upstream_model: command-a-03-2025}
pipelines:
  default: []
routes:
  - {pipeline: default, models: ["*"]}
`

// recordedProvider serves the recorded answers of the three providers.
type recordedProvider struct {
	t    *testing.T
	mu   sync.Mutex
	seen []string // problems with the requests it got
}

func (p *recordedProvider) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, fmt.Sprintf(format, args...))
}

func (p *recordedProvider) serve(w http.ResponseWriter, r *http.Request, file, contentType string) {
	b, err := os.ReadFile(filepath.Join("..", "..", "plugins", file))
	if err != nil {
		p.problem("%v", err)
		http.Error(w, "no recording", 500)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b)
}

func (p *recordedProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !gjson.ValidBytes(body) {
		p.problem("%s: body is not JSON", r.URL.Path)
	}
	switch path := r.URL.EscapedPath(); {
	case strings.HasPrefix(path, "/v1beta/models/"):
		if r.Header.Get("x-goog-api-key") != "AIza-e2e" || !gjson.GetBytes(body, "contents.0.parts").IsArray() {
			p.problem("gemini: key %q, body %s", r.Header.Get("x-goog-api-key"), body)
		}
		switch path {
		case "/v1beta/models/gemini-2.5-flash:generateContent":
			p.serve(w, r, "gemini/testdata/tools.response.gemini.json", "application/json; charset=UTF-8")
		case "/v1beta/models/gemini-2.5-flash:streamGenerateContent":
			if r.URL.RawQuery != "alt=sse" {
				p.problem("gemini stream query %q", r.URL.RawQuery)
			}
			p.serve(w, r, "gemini/testdata/tools.stream.gemini.sse", "text/event-stream")
		case "/v1beta/models/blocked:generateContent":
			p.serve(w, r, "gemini/testdata/blocked.response.gemini.json", "application/json; charset=UTF-8")
		default:
			http.Error(w, `{"error":{"code":404,"message":"model not found","status":"NOT_FOUND"}}`, 404)
		}
	case strings.HasPrefix(path, "/model/"):
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/us-east-1/bedrock/aws4_request") ||
			r.Header.Get("X-Amz-Date") == "" || !gjson.GetBytes(body, "messages.0.content.0.text").Exists() {
			p.problem("bedrock: authorization %q, body %s", auth, body)
		}
		// The signature's time is the host's clock, read by the guest
		// through WASI: AWS refuses a request more than 5 minutes off.
		if d, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date")); err != nil || time.Since(d).Abs() > 5*time.Minute {
			p.problem("bedrock: x-amz-date %q is not the current time", r.Header.Get("X-Amz-Date"))
		}
		switch path {
		case "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse":
			p.serve(w, r, "bedrock/testdata/tools.response.bedrock.json", "application/json")
		case "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream":
			p.serve(w, r, "bedrock/testdata/tools.stream.bedrock.bin", "application/vnd.amazon.eventstream")
		case "/model/throttled/converse-stream":
			p.serve(w, r, "bedrock/testdata/throttled.stream.bedrock.bin", "application/vnd.amazon.eventstream")
		default:
			p.problem("bedrock path %q", path)
			http.Error(w, `{"message":"not found"}`, 404)
		}
	case path == "/v2/chat":
		if r.Header.Get("Authorization") != "Bearer co-e2e" || gjson.GetBytes(body, "model").Str != "command-a-03-2025" {
			p.problem("cohere: authorization %q, body %s", r.Header.Get("Authorization"), body)
		}
		if gjson.GetBytes(body, "stream").Bool() {
			p.serve(w, r, "cohere/testdata/tools.stream.cohere.sse", "text/event-stream")
		} else {
			p.serve(w, r, "cohere/testdata/tools.response.cohere.json", "application/json")
		}
	default:
		p.problem("unexpected path %q", path)
		http.NotFound(w, r)
	}
}

func startRecordedAdapters(t *testing.T) (string, *recordedProvider) {
	t.Helper()
	rp := &recordedProvider{t: t}
	up := httptest.NewServer(rp)
	t.Cleanup(up.Close)
	t.Cleanup(func() {
		rp.mu.Lock()
		defer rp.mu.Unlock()
		for _, s := range rp.seen {
			t.Error("provider stand-in: " + s)
		}
	})
	dir := t.TempDir()
	for _, p := range []string{"gemini", "bedrock", "cohere"} {
		if err := os.WriteFile(filepath.Join(dir, p+".wasm"), testwasm.GoPluginBytes(t, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	url, _ := launch(t, fmt.Sprintf(adaptersConfig, up.URL), dir, io.Discard)
	return url, rp
}

const toolsChat = `{"model":%q,"stream":%v,"messages":[{"role":"system","content":"You are a weather assistant."},{"role":"user","content":"Weather in Lyon?"}],
"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}}]}`

// streamed collects an OpenAI stream: text, the first tool call, the finish
// reason, the usage, and whether it ended with [DONE].
type streamed struct {
	text, toolID, toolName, args, finish string
	prompt                               int64
	done                                 bool
	errEvent                             string
}

func readStream(t *testing.T, body io.Reader) streamed {
	var s streamed
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			s.done = true
			continue
		}
		c := gjson.Parse(data)
		if c.Get("error").Exists() {
			s.errEvent = data
			continue
		}
		if c.Get("object").Str != "chat.completion.chunk" {
			t.Fatalf("not a chunk: %s", data)
		}
		s.text += c.Get("choices.0.delta.content").Str
		tc := c.Get("choices.0.delta.tool_calls.0")
		if id := tc.Get("id").Str; id != "" {
			s.toolID, s.toolName = id, tc.Get("function.name").Str
		}
		s.args += tc.Get("function.arguments").Str
		if f := c.Get("choices.0.finish_reason").Str; f != "" {
			s.finish = f
		}
		if u := c.Get("usage.prompt_tokens"); u.Exists() {
			s.prompt = u.Int()
		}
	}
	return s
}

func TestAdaptersEndToEnd(t *testing.T) {
	url, _ := startRecordedAdapters(t)
	for _, tc := range []struct {
		model, toolID string
		prompt        int64
	}{
		{"gemini", "call_", 312},
		{"claude", "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", 412},
		{"command", "get_weather_9b0nr4kg58a8", 37},
	} {
		t.Run(tc.model+"/completion", func(t *testing.T) {
			resp, b := post(t, url, fmt.Sprintf(toolsChat, tc.model, false))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			r := gjson.ParseBytes(b)
			call := r.Get("choices.0.message.tool_calls.0")
			if r.Get("object").Str != "chat.completion" || r.Get("choices.0.finish_reason").Str != "tool_calls" ||
				call.Get("function.name").Str != "get_weather" || gjson.Get(call.Get("function.arguments").Str, "city").Str != "Lyon" ||
				!strings.HasPrefix(call.Get("id").Str, tc.toolID) || r.Get("usage.prompt_tokens").Int() != tc.prompt {
				t.Fatalf("completion %s", b)
			}
		})
		t.Run(tc.model+"/stream", func(t *testing.T) {
			resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(fmt.Sprintf(toolsChat, tc.model, true)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			s := readStream(t, resp.Body)
			var args map[string]string
			if err := json.Unmarshal([]byte(s.args), &args); err != nil || args["city"] != "Lyon" {
				t.Fatalf("streamed arguments %q: %v", s.args, err)
			}
			if resp.StatusCode != 200 || !s.done || s.errEvent != "" || s.finish != "tool_calls" || s.toolName != "get_weather" ||
				!strings.HasPrefix(s.toolID, tc.toolID) || s.prompt != tc.prompt {
				t.Fatalf("status %d, stream %+v", resp.StatusCode, s)
			}
		})
	}
}

func TestAdapterErrorsEndToEnd(t *testing.T) {
	url, _ := startRecordedAdapters(t)
	// A prompt Gemini blocked is a 400 in the OpenAI error format.
	resp, b := post(t, url, chatBody("gemini-blocked", false))
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != 400 || e.Error.Type != "invalid_request_error" ||
		!strings.Contains(e.Error.Message, "the prompt was blocked (SAFETY)") {
		t.Fatalf("blocked: %d %s", resp.StatusCode, b)
	}
	// An exception inside Bedrock's event stream ends the stream with an
	// error event of the rate-limit type, and no [DONE].
	r, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(chatBody("claude-throttled", true)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	s := readStream(t, r.Body)
	if s.done || gjson.Get(s.errEvent, "error.type").Str != "rate_limit_error" || !strings.Contains(s.errEvent, "throttlingException") {
		t.Fatalf("throttled stream: %+v", s)
	}
}
