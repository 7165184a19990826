package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
	"github.com/wasmgate/wasmgate/plugins/internal/adaptertest"
)

func init() { now = func() time.Time { return time.Unix(1764000000, 0) } }

var opts = []pdktest.Option{
	pdktest.WithAttr(pdk.AttrRequestID, "req_1"),
	pdktest.WithAttr(pdk.AttrModel, "command"),
	pdktest.WithAttr(pdk.AttrProviderModel, "command-a-03-2025"),
	pdktest.WithAttr(pdk.AttrProviderURL, "https://api.cohere.com/"),
	pdktest.WithAttr(pdk.AttrProviderAPIKey, "co-test-key"),
}

func newAdapter() any { return &adapter{} }

const (
	textRequest   = `{"model":"command","messages":[{"role":"user","content":"What is the capital of France?"}]}`
	streamRequest = `{"model":"command","stream":true,"messages":[{"role":"user","content":"What is the capital of France?"}]}`
)

func TestRequestTranslation(t *testing.T) {
	_, res := adaptertest.Request(t, &adapter{}, adaptertest.Read(t, "tools.request.json"), opts...)
	up := res.Upstream
	if up.URL != "https://api.cohere.com/v2/chat" || up.Headers["authorization"] != "Bearer co-test-key" {
		t.Errorf("url %q headers %v", up.URL, up.Headers)
	}
	adaptertest.Golden(t, "tools.request.cohere.json", up.Body)

	_, res = adaptertest.Request(t, &adapter{}, `{"model":"command","stream":true,"top_p":0.9,"stop":"END","tool_choice":"required",
		"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
		"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},
		"messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hi"}]}`, opts...)
	for path, want := range map[string]string{
		"stream": "true", "p": "0.9", "stop_sequences": `["END"]`, "tool_choice": "REQUIRED", "messages.0.role": "system",
		"response_format.type": "json_object", "response_format.json_schema.type": "object",
	} {
		if got := gjson.GetBytes(res.Upstream.Body, path).String(); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
}

func TestResponseTranslation(t *testing.T) {
	adaptertest.Responses(t, newAdapter, opts, []adaptertest.Case{
		{Name: "tools", Request: adaptertest.Read(t, "tools.request.json"), Recorded: "tools.response.cohere.json", Golden: "tools.response.json"},
		{Name: "text", Request: textRequest, Recorded: "text.response.cohere.json", Golden: "text.response.json"},
	})
}

func TestStreamTranslation(t *testing.T) {
	adaptertest.Streams(t, newAdapter, opts, []adaptertest.Case{
		{Name: "tools", Request: streamRequest, Recorded: "tools.stream.cohere.sse", Golden: "tools.stream.json"},
		{Name: "text", Request: streamRequest, Recorded: "text.stream.cohere.sse", Golden: "text.stream.json"},
	}, adaptertest.SSEFile)
}

// TestStreamedToolCall checks that the argument fragments of a streamed tool
// call join to the arguments, under the call's index and id.
func TestStreamedToolCall(t *testing.T) {
	s, _ := adaptertest.Request(t, &adapter{}, streamRequest, opts...)
	chunks, _ := adaptertest.Stream(t, s, adaptertest.SSEFile(t, "tools.stream.cohere.sse"))
	var args strings.Builder
	id, finish := "", ""
	for _, c := range chunks {
		r := gjson.ParseBytes(c)
		if v := r.Get("choices.0.delta.tool_calls.0.id").Str; v != "" {
			id = v
		}
		args.WriteString(r.Get("choices.0.delta.tool_calls.0.function.arguments").Str)
		if f := r.Get("choices.0.finish_reason").Str; f != "" {
			finish = f
		}
	}
	if id != "get_weather_9b0nr4kg58a8" || !gjson.Valid(args.String()) || gjson.Get(args.String(), "city").Str != "Lyon" || finish != "tool_calls" {
		t.Fatalf("id %q args %q finish %q", id, args.String(), finish)
	}
}

func TestFailures(t *testing.T) {
	s, _ := adaptertest.Request(t, &adapter{}, textRequest, opts...)
	res := s.Response("", pdktest.WithUpstreamResponse(200, `{"id":"x","finish_reason":"ERROR","message":{"role":"assistant","content":[]}}`))
	if res.Action != pdk.ActionError || res.Error.Status != 502 || !strings.Contains(res.Error.Message, "ERROR") {
		t.Fatalf("finish ERROR: %d %v", res.Action, res.Error)
	}
	s, _ = adaptertest.Request(t, &adapter{}, streamRequest, opts...)
	_, errReply := adaptertest.Stream(t, s, []string{`{"type":"message-end","delta":{"finish_reason":"TIMEOUT"}}`})
	if errReply == nil || !strings.Contains(errReply.Message, "TIMEOUT") {
		t.Fatalf("stream TIMEOUT: %v", errReply)
	}
	res = pdktest.Request(t, &adapter{}, `{"model":"m","messages":[{"role":"robot","content":"x"}]}`, pdktest.AsAdapter())
	if res.Action != pdk.ActionError || res.Error.Status != 400 {
		t.Fatalf("unknown role: %d %v", res.Action, res.Error)
	}
	if _, refused := pdktest.Init(t, &adapter{}, pdktest.WithConfig(`{"x":1}`)); refused == nil {
		t.Fatal("unknown config key accepted")
	}
}
