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

func session(t *testing.T, body string, extra ...pdktest.Option) (*pdktest.Session, *pdktest.Result) {
	return adaptertest.Request(t, &adapter{}, body, append(append([]pdktest.Option(nil), opts...), extra...)...)
}

const textRequest = `{"model":"gemini-flash","messages":[{"role":"user","content":"What is the capital of France?"}]}`

func TestRequestTranslation(t *testing.T) {
	_, res := session(t, adaptertest.Read(t, "tools.request.json"))
	up := res.Upstream
	if up.URL != "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent" {
		t.Errorf("url %q", up.URL)
	}
	if up.Headers["x-goog-api-key"] != "AIza-test-key" || up.Headers["authorization"] != "" {
		t.Errorf("auth headers %v", up.Headers)
	}
	adaptertest.Golden(t, "tools.request.gemini.json", up.Body)
}

func TestStreamURL(t *testing.T) {
	_, res := session(t, `{"model":"gemini-flash","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if !strings.HasSuffix(res.Upstream.URL, "/models/gemini-2.5-flash:streamGenerateContent?alt=sse") {
		t.Errorf("url %q", res.Upstream.URL)
	}
}

// TestSchemaCleaning checks each keyword Gemini refuses, one at a time.
func TestSchemaCleaning(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"drops $schema and additionalProperties",
			`{"$schema":"x","type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}`,
			`{"type":"object","properties":{"a":{"type":"string"}}}`},
		{"resolves $ref from $defs",
			`{"type":"object","properties":{"u":{"$ref":"#/$defs/U","description":"unit"}},"$defs":{"U":{"type":"string","enum":["c","f"]}}}`,
			`{"type":"object","properties":{"u":{"type":"string","enum":["c","f"],"description":"unit"}}}`},
		{"resolves $ref from definitions",
			`{"type":"object","properties":{"p":{"$ref":"#/definitions/P"}},"definitions":{"P":{"type":"integer","minimum":1}}}`,
			`{"type":"object","properties":{"p":{"type":"integer","minimum":1}}}`},
		{"cuts a recursive $ref",
			`{"$ref":"#/$defs/N","$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"}}}}}`,
			strings.Repeat(`{"type":"object","properties":{"next":`, maxRefDepth) + `{"type":"object"}` + strings.Repeat("}}", maxRefDepth)},
		{"unknown $ref becomes an object", `{"$ref":"https://example.com/s.json"}`, `{"type":"object"}`},
		{"type array with null", `{"type":["integer","null"]}`, `{"type":"integer","nullable":true}`},
		{"const", `{"const":"on"}`, `{"enum":["on"]}`},
		{"non-string enum dropped", `{"type":"integer","enum":[1,2]}`, `{"type":"integer"}`},
		{"string formats", `{"type":"object","properties":{"a":{"type":"string","format":"email"},"b":{"type":"string","format":"date-time"},"c":{"type":"integer","format":"int64"}}}`,
			`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string","format":"date-time"},"c":{"type":"integer","format":"int64"}}}`},
		{"oneOf becomes anyOf", `{"oneOf":[{"type":"string"},{"type":"number","exclusiveMinimum":0}]}`, `{"anyOf":[{"type":"string"},{"type":"number"}]}`},
		{"required keeps known properties", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a","b"]}`,
			`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`},
		{"array items", `{"type":"array","items":{"type":"object","additionalProperties":{"type":"string"},"patternProperties":{}},"uniqueItems":true}`,
			`{"type":"array","items":{"type":"object"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(cleanSchema(nil, gjson.Parse(tc.in)))
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

var opts = []pdktest.Option{
	pdktest.WithAttr(pdk.AttrRequestID, "req_1"),
	pdktest.WithAttr(pdk.AttrModel, "gemini-flash"),
	pdktest.WithAttr(pdk.AttrProviderModel, "gemini-2.5-flash"),
	pdktest.WithAttr(pdk.AttrProviderURL, "https://generativelanguage.googleapis.com/v1beta/"),
	pdktest.WithAttr(pdk.AttrProviderAPIKey, "AIza-test-key"),
}

func newAdapter() any { return &adapter{} }

const streamRequest = `{"model":"gemini-flash","stream":true,"messages":[{"role":"user","content":"hi"}]}`

func TestResponseTranslation(t *testing.T) {
	adaptertest.Responses(t, newAdapter, opts, []adaptertest.Case{
		{Name: "tools", Request: adaptertest.Read(t, "tools.request.json"), Recorded: "tools.response.gemini.json", Golden: "tools.response.json"},
		{Name: "text", Request: textRequest, Recorded: "text.response.gemini.json", Golden: "text.response.json"},
	})
}

func TestResponseToolCall(t *testing.T) {
	s, _ := session(t, adaptertest.Read(t, "tools.request.json"))
	res := s.Response("", pdktest.WithUpstreamResponse(200, adaptertest.Read(t, "tools.response.gemini.json")))
	for path, want := range map[string]string{
		"choices.0.finish_reason":                           "tool_calls",
		"choices.0.message.tool_calls.0.function.name":      "get_weather",
		"choices.0.message.tool_calls.0.function.arguments": `{"city":"Lyon","unit":"celsius"}`,
		"usage.prompt_tokens":                               "312",
		"usage.completion_tokens":                           "89",
		"usage.total_tokens":                                "401",
		"usage.prompt_tokens_details.cached_tokens":         "256",
		"usage.completion_tokens_details.reasoning_tokens":  "69",
	} {
		if got := gjson.GetBytes(res.Response, path); strings.Join(strings.Fields(got.String()), "") != want {
			t.Errorf("%s = %s, want %s", path, got.Raw, want)
		}
	}
}

func TestSafetyBlocks(t *testing.T) {
	for _, tc := range []struct{ recorded, want string }{
		{"blocked.response.gemini.json", "the prompt was blocked (SAFETY): HARM_CATEGORY_DANGEROUS_CONTENT"},
		{"safety.response.gemini.json", "the answer was withheld (finishReason SAFETY): HARM_CATEGORY_DANGEROUS_CONTENT"},
	} {
		t.Run(tc.recorded, func(t *testing.T) {
			s, _ := session(t, textRequest)
			res := s.Response("", pdktest.WithUpstreamResponse(200, adaptertest.Read(t, tc.recorded)))
			if res.Action != pdk.ActionError || res.Error.Status != 400 || res.Error.Type != "invalid_request_error" ||
				!strings.Contains(res.Error.Message, tc.want) {
				t.Fatalf("action %d, error %v", res.Action, res.Error)
			}
		})
	}
	// In a stream, the block ends the stream with the error.
	s, _ := session(t, `{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`)
	_, errReply := adaptertest.Stream(t, s, []string{strings.ReplaceAll(adaptertest.Read(t, "blocked.response.gemini.json"), "\n", "")})
	if errReply == nil || !strings.Contains(errReply.Message, "the prompt was blocked") {
		t.Fatalf("stream error %v", errReply)
	}
}

func TestStreamTranslation(t *testing.T) {
	adaptertest.Streams(t, newAdapter, opts, []adaptertest.Case{
		{Name: "tools", Request: streamRequest, Recorded: "tools.stream.gemini.sse", Golden: "tools.stream.json"},
		{Name: "text", Request: streamRequest, Recorded: "text.stream.gemini.sse", Golden: "text.stream.json"},
	}, adaptertest.SSEFile)
}

func TestStreamToolCallFinish(t *testing.T) {
	s, _ := session(t, `{"model":"gemini-flash","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	chunks, _ := adaptertest.Stream(t, s, adaptertest.SSEData(adaptertest.Read(t, "tools.stream.gemini.sse")))
	if len(chunks) != 3 {
		t.Fatalf("%d chunks", len(chunks))
	}
	last := gjson.ParseBytes(chunks[2])
	if last.Get("choices.0.finish_reason").Str != "tool_calls" || last.Get("choices.0.delta.tool_calls.0.function.name").Str != "get_weather" ||
		last.Get("usage.completion_tokens").Int() != 98 || gjson.GetBytes(chunks[0], "usage").Exists() {
		t.Fatalf("chunks %s", chunks)
	}
	if gjson.GetBytes(chunks[0], "choices.0.delta.role").Str != "assistant" || gjson.GetBytes(chunks[1], "choices.0.delta.role").Exists() {
		t.Fatalf("role only on the first chunk: %s", chunks)
	}
}

func TestBadRequests(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"orphan tool result", `{"model":"m","messages":[{"role":"tool","tool_call_id":"nope","content":"1"}]}`, "tool_call_id"},
		{"unknown role", `{"model":"m","messages":[{"role":"robot","content":"1"}]}`, `unknown message role "robot"`},
		{"only system", `{"model":"m","messages":[{"role":"system","content":"1"}]}`, "at least one user"},
		{"audio part", `{"model":"m","messages":[{"role":"user","content":[{"type":"video","video":{}}]}]}`, "unsupported content part"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := pdktest.Request(t, &adapter{}, tc.body, pdktest.AsAdapter(), pdktest.WithAttr(pdk.AttrProviderModel, "g"))
			if res.Action != pdk.ActionError || res.Error.Status != 400 || !strings.Contains(res.Error.Message, tc.want) {
				t.Fatalf("action %d, error %v, failure %q", res.Action, res.Error, res.Failure)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	if _, refused := pdktest.Init(t, &adapter{}, pdktest.WithConfig(`{"safety":1}`)); refused == nil {
		t.Fatal("unknown key accepted")
	}
	if _, refused := pdktest.Init(t, &adapter{}, pdktest.WithConfig(`{"safety_settings":[{"category":"HARM_CATEGORY_HARASSMENT"}]}`)); refused == nil {
		t.Fatal("safety setting without threshold accepted")
	}
	_, res := session(t, textRequest, pdktest.WithConfig(`{"safety_settings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"}]}`))
	if got := gjson.GetBytes(res.Upstream.Body, "safetySettings.0.threshold").Str; got != "BLOCK_ONLY_HIGH" {
		t.Fatalf("safetySettings %s", res.Upstream.Body)
	}
}

// TestThoughtSignatureRoundTrip: the signature Gemini put on a function call
// comes back on that call in the next turn, which Gemini 3 requires.
func TestThoughtSignatureRoundTrip(t *testing.T) {
	s, _ := session(t, adaptertest.Read(t, "tools.request.json"))
	res := s.Response("", pdktest.WithUpstreamResponse(200, adaptertest.Read(t, "tools.response.gemini.json")))
	call := gjson.GetBytes(res.Response, "choices.0.message.tool_calls.0")
	next := `{"model":"gemini-flash","messages":[{"role":"user","content":"Weather in Lyon?"},
		{"role":"assistant","content":null,"tool_calls":[` + call.Raw + `]},
		{"role":"tool","tool_call_id":` + call.Get("id").Raw + `,"content":"{\"temperature\":21}"}]}`
	_, req := session(t, next)
	body := gjson.ParseBytes(req.Upstream.Body)
	want := gjson.Get(adaptertest.Read(t, "tools.response.gemini.json"), "candidates.0.content.parts.0.thoughtSignature").Str
	if got := body.Get("contents.1.parts.0.thoughtSignature").Str; want == "" || got != want {
		t.Fatalf("thoughtSignature %q, want %q in %s", got, want, req.Upstream.Body)
	}
	if body.Get("contents.2.parts.0.functionResponse.name").Str != "get_weather" || body.Get("contents.1.parts.0.functionCall.args.city").Str != "Lyon" {
		t.Fatalf("request %s", req.Upstream.Body)
	}
}
