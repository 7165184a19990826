package openaichat

import (
	"testing"

	"github.com/tidwall/gjson"
)

var meta = Meta{ID: "chatcmpl-1", Created: 1764000000, Model: "m"}

func TestAnswers(t *testing.T) {
	call := []ToolCall{{Index: 0, ID: "call_1", Name: "f", Args: `{"a":1}`}}
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"completion with text", AppendCompletion(nil, &meta, []Choice{{Content: "hi", HasContent: true, Finish: FinishStop}}, &Usage{Prompt: 3, Completion: 2, Cached: 1}),
			`{"id":"chatcmpl-1","object":"chat.completion","created":1764000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5,"prompt_tokens_details":{"cached_tokens":1},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{"completion with only tool calls has null content", AppendCompletion(nil, &meta, []Choice{{ToolCalls: call, Finish: FinishToolCalls}}, nil),
			`{"id":"chatcmpl-1","object":"chat.completion","created":1764000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"logprobs":null,"finish_reason":"tool_calls"}]}`},
		{"chunk with role and tool call", AppendChunk(nil, &meta, []Choice{{Role: true, ToolCalls: call}}, nil),
			`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"logprobs":null,"finish_reason":null}]}`},
		{"chunk with an argument fragment", AppendChunk(nil, &meta, []Choice{{ToolCalls: []ToolCall{{Index: 1, Args: `"x`}}}}, nil),
			`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764000000,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"x"}}]},"logprobs":null,"finish_reason":null}]}`},
		{"usage chunk", AppendChunk(nil, &meta, nil, &Usage{Prompt: 1, Completion: 1, Total: 2, Reasoning: 1}),
			`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764000000,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":1}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !gjson.ValidBytes(tc.got) || string(tc.got) != tc.want {
				t.Errorf("got  %s\nwant %s", tc.got, tc.want)
			}
		})
	}
}

func TestRequestHelpers(t *testing.T) {
	if got := Text(gjson.Parse(`[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"b"}]`)); got != "ab" {
		t.Errorf("Text = %q", got)
	}
	if mime, data, ok := DataURL("data:image/png;base64,AAAA"); !ok || mime != "image/png" || data != "AAAA" {
		t.Errorf("DataURL = %q %q %v", mime, data, ok)
	}
	if _, _, ok := DataURL("data:text/plain,hello"); ok {
		t.Error("DataURL accepted a URL that is not base64")
	}
	if got := Stops(gjson.Parse(`"END"`)); len(got) != 1 || got[0] != "END" {
		t.Errorf("Stops = %q", got)
	}
	for in, want := range map[string]string{"": "{}", `{"a":1}`: `{"a":1}`, `[1]`: `{"value":[1]}`, `not json`: `{"value":"not json"}`} {
		if got := Args(in); got != want {
			t.Errorf("Args(%q) = %s, want %s", in, got, want)
		}
	}
	if got := Compact("{\n  \"a\": [1, 2]\n}"); got != `{"a":[1,2]}` {
		t.Errorf("Compact = %s", got)
	}
	var f Fields
	f.Reset([]byte(`{"model":"m","response_format":{"type":"json_schema"},"max_tokens":5}`))
	if f.Get("model").Str != "m" || f.Get("response_format.type").Str != "json_schema" || f.Get("missing").Exists() ||
		MaxTokens(&f).Int() != 5 {
		t.Error("Fields lookups")
	}
}

func TestAppendTurn(t *testing.T) {
	b := []byte("[")
	last := ""
	for _, turn := range [][2]string{{"user", `{"text":"a"}`}, {"model", `{"text":"b"}`}, {"user", `{"r":1}`}, {"user", `{"text":"c"}`}} {
		b = AppendTurn(b, last, turn[0], "parts", []byte(turn[1]))
		last = turn[0]
	}
	want := `[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"text":"b"}]},{"role":"user","parts":[{"r":1},{"text":"c"}]}]`
	if got := string(append(b, ']')); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
