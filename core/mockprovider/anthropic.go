package mockprovider

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Anthropic Messages API (POST /v1/messages), for adapters that speak
// it. It answers like the chat endpoint (the same text, token counts and
// fault directives) in Anthropic's formats: a message, or the stream events
// message_start, content_block_start, content_block_delta (text_delta or
// input_json_delta), content_block_stop, message_delta and message_stop.
// Errors have Anthropic's shape {"type":"error","error":{"type","message"}}.
// With Options.APIKey set, the key is expected in x-api-key; the
// anthropic-version header is required, as by the real API.

const pathMessages = "/v1/messages"

type anthropicRequest struct {
	Model     string          `json:"model"`
	MaxTokens *int            `json:"max_tokens"`
	System    json.RawMessage `json:"system"`
	Messages  []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Stream bool `json:"stream"`
	Tools  []struct {
		Name        string     `json:"name"`
		InputSchema toolSchema `json:"input_schema"`
	} `json:"tools"`
	ToolChoice *struct {
		Type string `json:"type"`
	} `json:"tool_choice"`
}

type anthropicBlock struct {
	Type    string          `json:"type"`
	Text    string          `json:"text"`
	Content json.RawMessage `json:"content"` // tool_result
}

func writeAnthropicError(w http.ResponseWriter, status int, typ, msg string) {
	b := append([]byte(`{"type":"error","error":{"type":`), appendString(nil, typ)...)
	b = append(append(append(b, `,"message":`...), appendString(nil, msg)...), "}}"...)
	writeJSON(w, status, b)
}

// anthropicErrorType is Anthropic's error type for a status.
func anthropicErrorType(status int) string {
	switch status {
	case 401:
		return "authentication_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 413:
		return "request_too_large"
	case 429:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

// blocksText is the text of a content (a string or blocks); tool results
// count when there is no other text.
func blocksText(raw json.RawMessage) (text string, toolResult bool, ok bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, false, true
	}
	var blocks []anthropicBlock
	if json.Unmarshal(raw, &blocks) != nil {
		return "", false, false
	}
	var sb, tr strings.Builder
	for _, b := range blocks {
		switch b.Type {
		case "text":
			sb.WriteString(b.Text)
		case "tool_result":
			toolResult = true
			if t, _, ok := blocksText(b.Content); ok {
				tr.WriteString(t)
			}
		}
	}
	if sb.Len() == 0 {
		return tr.String(), toolResult, true
	}
	return sb.String(), toolResult, true
}

func (h *handler) messages(w http.ResponseWriter, r *http.Request) {
	if h.opts.APIKey != "" && !constantTimeEqual(r.Header.Get("X-Api-Key"), h.opts.APIKey) {
		writeAnthropicError(w, http.StatusUnauthorized, "authentication_error", "invalid x-api-key")
		return
	}
	if r.Header.Get("Anthropic-Version") == "" {
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required")
		return
	}
	p := h.readBody(w, r)
	if p == nil {
		return
	}
	body := append([]byte(nil), *p...)
	putBuf(p)
	var req anthropicRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "There was an error parsing the body of your request.")
		return
	}
	switch {
	case req.Model == "":
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "model: Field required")
		return
	case req.MaxTokens == nil:
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "max_tokens: Field required")
		return
	case len(req.Messages) == 0:
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "messages: at least one message is required")
		return
	}
	input, lastUser, lastToolResult := 3, "", false
	for i, m := range req.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error",
				"messages."+strconv.Itoa(i)+".role: Input should be 'user' or 'assistant'")
			return
		}
		text, tr, ok := blocksText(m.Content)
		if !ok {
			writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "messages."+strconv.Itoa(i)+".content: Input should be a valid list")
			return
		}
		input += 3 + countWords(text)
		if m.Role == "user" {
			// Like the chat endpoint, the answer echoes the user's last
			// words, not a tool's result.
			lastToolResult = tr
			if !tr {
				lastUser = text
			}
		}
	}
	if sys, _, ok := blocksText(req.System); ok {
		input += countWords(sys)
	}
	f := parseFaults(req.Model)
	if !wait(r.Context(), h.opts.Latency+time.Duration(f.slowMS)*time.Millisecond) {
		return
	}
	if f.status != 0 {
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		writeAnthropicError(w, f.status, anthropicErrorType(f.status), "Mock failure with status "+strconv.Itoa(f.status)+" requested by model '"+req.Model+"'.")
		return
	}
	echo := truncateUTF8(lastUser, maxEchoBytes)
	var tool *toolCall
	if len(req.Tools) > 0 && !lastToolResult && (req.ToolChoice == nil || req.ToolChoice.Type != "none") {
		tool = newToolCall(req.Tools[0].Name, req.Tools[0].InputSchema, echo, body)
		tool.id = "toolu_" + strings.TrimPrefix(tool.id, "call_")
	}
	segs, stop := splitWords(replyPrefix+echo), "end_turn"
	if tool != nil {
		segs, stop = splitWords(tool.args), "tool_use"
	} else if len(segs) > *req.MaxTokens {
		segs, stop = segs[:*req.MaxTokens], "max_tokens"
	}
	id := string(appendHex16([]byte("msg_mock"), fnv1a64(body)))
	if req.Stream {
		h.streamMessages(w, r, id, req.Model, segs, tool, stop, input, f.cut)
		return
	}
	b := append([]byte(`{"id":`), appendString(nil, id)...)
	b = append(b, `,"type":"message","role":"assistant","model":`...)
	b = appendString(b, req.Model)
	b = append(b, `,"content":[`...)
	if tool != nil {
		b = append(b, `{"type":"tool_use","id":`...)
		b = appendString(b, tool.id)
		b = append(b, `,"name":`...)
		b = appendString(b, tool.name)
		b = append(append(append(b, `,"input":`...), tool.args...), '}')
	} else {
		b = append(b, `{"type":"text","text":`...)
		b = appendString(b, strings.Join(segs, ""))
		b = append(b, '}')
	}
	b = append(b, `],"stop_reason":"`...)
	b = append(b, stop...)
	b = append(b, `","stop_sequence":null,"usage":{"input_tokens":`...)
	b = appendInt(b, int64(input))
	b = append(b, `,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":`...)
	b = appendInt(b, int64(len(segs)))
	b = append(b, "}}\n"...)
	if f.cut {
		writeCut(w, "application/json", b)
	}
	writeJSON(w, http.StatusOK, b)
}

func (h *handler) streamMessages(w http.ResponseWriter, r *http.Request, id, model string, segs []string, tool *toolCall, stop string, input int, cut bool) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	events := 0
	send := func(typ string, data []byte) bool {
		if events > 0 && !wait(r.Context(), h.opts.ChunkDelay) {
			return false
		}
		var b bytes.Buffer
		b.WriteString("event: " + typ + "\ndata: ")
		b.Write(data)
		b.WriteString("\n\n")
		if _, err := w.Write(b.Bytes()); err != nil || rc.Flush() != nil {
			return false
		}
		events++
		if cut && events == 2 {
			panic(http.ErrAbortHandler)
		}
		return true
	}
	start := append([]byte(`{"type":"message_start","message":{"id":`), appendString(nil, id)...)
	start = append(start, `,"type":"message","role":"assistant","model":`...)
	start = appendString(start, model)
	start = append(start, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":`...)
	start = appendInt(start, int64(input))
	start = append(start, `,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`...)
	if !send("message_start", start) {
		return
	}
	if tool != nil {
		b := append([]byte(`{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":`), appendString(nil, tool.id)...)
		b = append(append(append(b, `,"name":`...), appendString(nil, tool.name)...), `,"input":{}}}`...)
		if !send("content_block_start", b) {
			return
		}
		for _, piece := range append([]string{""}, tool.argPieces()...) {
			b := append([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":`), appendString(nil, piece)...)
			if !send("content_block_delta", append(b, "}}"...)) {
				return
			}
		}
	} else {
		if !send("content_block_start", []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)) ||
			!send("ping", []byte(`{"type": "ping"}`)) {
			return
		}
		for _, s := range segs {
			b := append([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`), appendString(nil, s)...)
			if !send("content_block_delta", append(b, "}}"...)) {
				return
			}
		}
	}
	if !send("content_block_stop", []byte(`{"type":"content_block_stop","index":0}`)) {
		return
	}
	b := append([]byte(`{"type":"message_delta","delta":{"stop_reason":"`), stop...)
	b = append(b, `","stop_sequence":null},"usage":{"output_tokens":`...)
	b = appendInt(b, int64(len(segs)))
	if !send("message_delta", append(b, "}}"...)) {
		return
	}
	send("message_stop", []byte(`{"type":"message_stop"}`))
}
