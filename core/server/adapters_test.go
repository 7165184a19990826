package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// adapterConfig puts the mock provider behind both adapters: "oa-*" models
// speak OpenAI's API through the openai plugin, "an-*" models Anthropic's
// through the anthropic plugin, "raw-*" use the built-in passthrough.
const adapterConfig = `
server: {listen: "127.0.0.1:0"}
plugins:
  openai: {source: openai.wasm}
  anthropic: {source: anthropic.wasm}
providers:
  oa: {base_url: "%[1]s/v1", api_key: "sk-mock", adapter: openai}
  an: {base_url: "%[1]s", api_key: "sk-ant-mock", adapter: anthropic}
  raw: {base_url: "%[1]s/v1", api_key: "sk-mock"}
models:
  - {id: oa-gpt, provider: oa, upstream_model: gpt-4o-mini}
  - {id: an-claude, provider: an, upstream_model: claude-sonnet-4-5}
  - {id: raw-gpt, provider: raw, upstream_model: gpt-4o-mini}
  - {id: text-embedding-3-small, provider: oa}
  - {id: an-embed, provider: an}
%[2]s
pipelines:
  main: []
routes:
  - {pipeline: main}
`

// startAdapters runs a gateway with the adapter plugins in front of a mock
// provider that wants the keys above.
func startAdapters(t testing.TB) string {
	t.Helper()
	mock, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{APIKey: "sk-mock"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mock.Close() })
	// The Anthropic endpoint checks x-api-key against the same key.
	antMock, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{APIKey: "sk-ant-mock"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { antMock.Close() })
	dir := t.TempDir()
	for _, p := range []string{"openai", "anthropic"} {
		if err := os.WriteFile(filepath.Join(dir, p+".wasm"), testwasm.GoPluginBytes(t, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var faults strings.Builder
	for _, s := range []int{401, 404, 429, 500} {
		fmt.Fprintf(&faults, "  - {id: oa-fail-%d, provider: oa, upstream_model: mock-fail-%d}\n", s, s)
		fmt.Fprintf(&faults, "  - {id: an-fail-%d, provider: an, upstream_model: mock-fail-%d}\n", s, s)
	}
	src := fmt.Sprintf(adapterConfig, "http://"+mock.Addr(), faults.String())
	src = strings.Replace(src, `an: {base_url: "http://`+mock.Addr(), `an: {base_url: "http://`+antMock.Addr(), 1)
	cfg, err := config.Parse([]byte(src), dir)
	if err != nil {
		t.Fatal(err)
	}
	url, _ := serve(t, cfg, io.Discard)
	return url
}

func postTo(t *testing.T, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// sseEvents splits a stream into (event, data) pairs.
func sseEvents(body string) (events [][2]string) {
	sc := bufio.NewScanner(strings.NewReader(body))
	var ev string
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			ev = v
		} else if v, ok := strings.CutPrefix(line, "data: "); ok {
			events = append(events, [2]string{ev, v})
			ev = ""
		}
	}
	return events
}

const weatherTool = `[{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]`

// TestChatThroughAdapters: the same chat request, buffered and streamed,
// with and without tools, through both adapters and the passthrough.
func TestChatThroughAdapters(t *testing.T) {
	url := startAdapters(t)
	for _, model := range []string{"oa-gpt", "an-claude", "raw-gpt"} {
		t.Run(model, func(t *testing.T) {
			resp, b := postTo(t, url+"/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hello there"}]}`)
			if resp.StatusCode != 200 || gjson.Get(b, "choices.0.message.content").Str != "Mock reply to: hello there" ||
				gjson.Get(b, "usage.total_tokens").Int() == 0 || gjson.Get(b, "choices.0.finish_reason").Str != "stop" ||
				!gjson.Get(b, "usage.prompt_tokens_details.cached_tokens").Exists() || !gjson.Get(b, "usage.completion_tokens_details.reasoning_tokens").Exists() {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			// Streamed tool call: the arguments arrive in pieces and add up.
			resp, b = postTo(t, url+"/v1/chat/completions", `{"model":"`+model+`","stream":true,"tools":`+weatherTool+`,"messages":[{"role":"user","content":"Paris"}]}`)
			if resp.StatusCode != 200 || !strings.HasSuffix(b, "data: [DONE]\n\n") {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			var args, name, id, finish string
			var usage gjson.Result
			for _, ev := range sseEvents(b) {
				if ev[1] == "[DONE]" {
					continue
				}
				tc := gjson.Get(ev[1], "choices.0.delta.tool_calls.0")
				args += tc.Get("function.arguments").Str
				if v := tc.Get("function.name").Str; v != "" {
					name = v
				}
				if v := tc.Get("id").Str; v != "" {
					id = v
				}
				if v := gjson.Get(ev[1], "choices.0.finish_reason").Str; v != "" {
					finish = v
				}
				if u := gjson.Get(ev[1], "usage"); u.IsObject() {
					usage = u
				}
			}
			if args != `{"city":"Paris"}` || name != "get_weather" || id == "" || finish != "tool_calls" {
				t.Fatalf("tool call %q %q %q %q\n%s", id, name, args, finish, b)
			}
			// Normalised: the four counts on every final chunk, whatever the provider sent.
			if usage.Get("prompt_tokens").Int() == 0 || usage.Get("completion_tokens").Int() == 0 ||
				!usage.Get("prompt_tokens_details.cached_tokens").Exists() || !usage.Get("completion_tokens_details.reasoning_tokens").Exists() {
				t.Fatalf("usage on the stream: %s\n%s", usage.Raw, b)
			}
		})
	}
}

// TestMessagesIngress: an Anthropic client's request, buffered and
// streamed, answered by an OpenAI-format upstream and by an Anthropic one.
func TestMessagesIngress(t *testing.T) {
	url := startAdapters(t)
	for _, model := range []string{"oa-gpt", "an-claude"} {
		t.Run(model, func(t *testing.T) {
			resp, b := postTo(t, url+"/v1/messages", `{"model":"`+model+`","max_tokens":100,"system":"Be brief.","messages":[{"role":"user","content":"hello there"}]}`)
			if resp.StatusCode != 200 || gjson.Get(b, "type").Str != "message" || gjson.Get(b, "content.0.text").Str != "Mock reply to: hello there" ||
				gjson.Get(b, "stop_reason").Str != "end_turn" || gjson.Get(b, "model").Str != model || gjson.Get(b, "usage.output_tokens").Int() != 5 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			resp, b = postTo(t, url+"/v1/messages", `{"model":"`+model+`","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hello there"}]}`)
			evs := sseEvents(b)
			var types []string
			var text string
			for _, ev := range evs {
				if ev[0] != gjson.Get(ev[1], "type").Str {
					t.Fatalf("event %q with data %s", ev[0], ev[1])
				}
				if len(types) == 0 || types[len(types)-1] != ev[0] {
					types = append(types, ev[0])
				}
				text += gjson.Get(ev[1], "delta.text").Str
			}
			want := "message_start content_block_start content_block_delta content_block_stop message_delta message_stop"
			if resp.StatusCode != 200 || strings.Join(types, " ") != want || text != "Mock reply to: hello there" ||
				resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("%d %v %q\n%s", resp.StatusCode, types, text, b)
			}
			last := evs[len(evs)-2][1]
			if gjson.Get(last, "usage.output_tokens").Int() != 5 || gjson.Get(last, "delta.stop_reason").Str != "end_turn" {
				t.Fatalf("message_delta %s", last)
			}
			// A tool round trip: tool_use streamed as input_json_delta.
			resp, b = postTo(t, url+"/v1/messages", `{"model":"`+model+`","max_tokens":100,"stream":true,"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],"messages":[{"role":"user","content":"Paris"}]}`)
			var partial, toolName string
			for _, ev := range sseEvents(b) {
				partial += gjson.Get(ev[1], "delta.partial_json").Str
				if v := gjson.Get(ev[1], "content_block.name").Str; v != "" {
					toolName = v
				}
			}
			if resp.StatusCode != 200 || partial != `{"city":"Paris"}` || toolName != "get_weather" || !strings.Contains(b, `"stop_reason":"tool_use"`) {
				t.Fatalf("%d %q %q\n%s", resp.StatusCode, partial, toolName, b)
			}
		})
	}
}

// TestProviderErrorsKeepStatus: upstream errors reach the client with the
// provider's status and Retry-After, in the ingress API's error shape.
func TestProviderErrorsKeepStatus(t *testing.T) {
	url := startAdapters(t)
	for _, up := range []string{"oa", "an"} {
		for _, status := range []int{401, 404, 429, 500} {
			model := fmt.Sprintf("%s-fail-%d", up, status)
			resp, b := postTo(t, url+"/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
			if resp.StatusCode != status || gjson.Get(b, "error.message").Str == "" || (status == 429) != (resp.Header.Get("Retry-After") == "1") {
				t.Errorf("chat %s: %d %s %v", model, resp.StatusCode, b, resp.Header)
			}
			resp, b = postTo(t, url+"/v1/messages", `{"model":"`+model+`","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`)
			wantType := map[int]string{401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error", 500: "api_error"}[status]
			if resp.StatusCode != status || gjson.Get(b, "type").Str != "error" || gjson.Get(b, "error.type").Str != wantType ||
				(status == 429) != (resp.Header.Get("Retry-After") == "1") {
				t.Errorf("messages %s: %d %s", model, resp.StatusCode, b)
			}
		}
	}
	// The gateway's own errors on /v1/messages take Anthropic's shape too.
	for _, tc := range []struct {
		body   string
		status int
		typ    string
	}{
		{`{"model":"oa-gpt","messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_request_error"},
		{`{"model":"nope","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`, 404, "not_found_error"},
		{`not json`, 400, "invalid_request_error"},
	} {
		resp, b := postTo(t, url+"/v1/messages", tc.body)
		if resp.StatusCode != tc.status || gjson.Get(b, "error.type").Str != tc.typ || gjson.Get(b, "type").Str != "error" {
			t.Errorf("%s: %d %s", tc.body, resp.StatusCode, b)
		}
	}
}

func TestEmbeddingsIngress(t *testing.T) {
	url := startAdapters(t)
	resp, b := postTo(t, url+"/v1/embeddings", `{"model":"text-embedding-3-small","input":["a","b"],"dimensions":8}`)
	if resp.StatusCode != 200 || gjson.Get(b, "data.#").Int() != 2 || gjson.Get(b, "data.1.embedding.#").Int() != 8 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct {
		body   string
		status int
		msg    string
	}{
		{`{"model":"text-embedding-3-small"}`, 400, "input"},
		{`{"model":"an-embed","input":"x"}`, 400, "no embeddings"},
		{`{"model":"unknown","input":"x"}`, 404, "does not exist"},
	} {
		resp, b := postTo(t, url+"/v1/embeddings", tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(gjson.Get(b, "error.message").Str, tc.msg) {
			t.Errorf("%s: %d %s", tc.body, resp.StatusCode, b)
		}
	}
}
