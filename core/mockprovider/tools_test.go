package mockprovider

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const weatherTools = `"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]`

func TestToolCalls(t *testing.T) {
	srv := newServer(t, Options{})
	resp, b := post(t, srv.URL+"/v1/chat/completions", `{"model":"m",`+weatherTools+`,"messages":[{"role":"user","content":"Paris"}]}`, nil)
	var c struct {
		Choices []struct {
			Message struct {
				Content   *string `json:"content"`
				ToolCalls []struct {
					ID       string `json:"id"`
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &c); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	m := c.Choices[0].Message
	if m.Content != nil || len(m.ToolCalls) != 1 || m.ToolCalls[0].Function.Name != "get_weather" ||
		m.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` || !strings.HasPrefix(m.ToolCalls[0].ID, "call_mock") || c.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("%s", b)
	}
	// After the tool's result, a text answer.
	_, b = post(t, srv.URL+"/v1/chat/completions", `{"model":"m",`+weatherTools+`,"messages":[{"role":"user","content":"Paris"},`+
		`{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"}]}`, nil)
	if !bytes.Contains(b, []byte(`"content":"Mock reply to: Paris"`)) || !bytes.Contains(b, []byte(`"finish_reason":"stop"`)) {
		t.Fatalf("%s", b)
	}
	// Streamed: the arguments in three pieces.
	resp, b = post(t, srv.URL+"/v1/chat/completions", `{"model":"m","stream":true,`+weatherTools+`,"messages":[{"role":"user","content":"Paris"}]}`, nil)
	evs, _ := sseEvents(bytes.NewReader(b))
	var args string
	for _, ev := range evs {
		var ch struct {
			Choices []struct {
				Delta struct {
					ToolCalls []struct{ Function struct{ Arguments string } } `json:"tool_calls"`
				} `json:"delta"`
			} `json:"choices"`
		}
		if ev != "[DONE]" && json.Unmarshal([]byte(ev), &ch) == nil && len(ch.Choices) > 0 && len(ch.Choices[0].Delta.ToolCalls) > 0 {
			args += ch.Choices[0].Delta.ToolCalls[0].Function.Arguments
		}
	}
	if len(evs) != 6 || args != `{"city":"Paris"}` {
		t.Fatalf("%d events, args %q\n%s", len(evs), args, b)
	}
}

func TestMessages(t *testing.T) {
	srv := newServer(t, Options{APIKey: "k"})
	hdr := map[string]string{"x-api-key": "k", "anthropic-version": "2023-06-01"}
	resp, b := post(t, srv.URL+"/v1/messages", `{"model":"claude","max_tokens":50,"messages":[{"role":"user","content":"hello there"}]}`, hdr)
	want := `{"id":"msg_mock`
	if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte(want)) || !bytes.Contains(b, []byte(`"content":[{"type":"text","text":"Mock reply to: hello there"}],"stop_reason":"end_turn"`)) ||
		!bytes.Contains(b, []byte(`"input_tokens":8,`)) || !bytes.Contains(b, []byte(`"output_tokens":5}`)) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	tools := `"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]`
	_, b = post(t, srv.URL+"/v1/messages", `{"model":"claude","max_tokens":50,"stream":true,`+tools+`,"messages":[{"role":"user","content":"Paris"}]}`, hdr)
	if !bytes.Contains(b, []byte("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\"")) ||
		bytes.Count(b, []byte(`"input_json_delta"`)) != 4 || !bytes.HasSuffix(b, []byte("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")) ||
		!bytes.Contains(b, []byte(`"stop_reason":"tool_use"`)) {
		t.Fatalf("%s", b)
	}
	for _, tc := range []struct {
		body   string
		hdr    map[string]string
		status int
		typ    string
	}{
		{`{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, map[string]string{"anthropic-version": "2023-06-01"}, 401, "authentication_error"},
		{`{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, map[string]string{"x-api-key": "k"}, 400, "invalid_request_error"},
		{`{"model":"c","messages":[{"role":"user","content":"x"}]}`, hdr, 400, "invalid_request_error"},
		{`{"model":"mock-fail-429","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, hdr, 429, "rate_limit_error"},
		{`{"model":"mock-fail-529","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, hdr, 529, "overloaded_error"},
	} {
		resp, b := post(t, srv.URL+"/v1/messages", tc.body, tc.hdr)
		var e struct {
			Type  string
			Error struct{ Type, Message string }
		}
		if json.Unmarshal(b, &e) != nil || resp.StatusCode != tc.status || e.Type != "error" || e.Error.Type != tc.typ || e.Error.Message == "" {
			t.Errorf("%s: %d %s", tc.body, resp.StatusCode, b)
		}
	}
}
