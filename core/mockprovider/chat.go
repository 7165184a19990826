package mockprovider

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type chatRequest struct {
	Model               *string        `json:"model"`
	Messages            []chatMessage  `json:"messages"`
	Stream              bool           `json:"stream"`
	StreamOptions       *streamOptions `json:"stream_options"`
	N                   *int           `json:"n"`
	MaxTokens           *int           `json:"max_tokens"`
	MaxCompletionTokens *int           `json:"max_completion_tokens"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type contentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

const maxChoices = 128

var validRoles = [...]string{"system", "developer", "user", "assistant", "tool", "function"}

// chatCall is a validated chat completion request and its deterministic
// answer.
type chatCall struct {
	id            string
	model         string
	segments      []string // answer content, one word per segment
	finish        string   // "stop" or "length"
	n             int
	stream        bool
	includeUsage  bool
	promptTokens  int
	faults        faults
	contentLength int
	tool          *toolCall // the answer is this tool call (for every choice)
}

func (h *handler) chatCompletions(w http.ResponseWriter, r *http.Request) {
	p := h.readBody(w, r)
	if p == nil {
		return
	}
	c, ok := parseChat(w, *p)
	putBuf(p)
	if !ok {
		return
	}
	if !wait(r.Context(), h.opts.Latency+time.Duration(c.faults.slowMS)*time.Millisecond) {
		return
	}
	if c.faults.reset {
		resetConn(w)
		return
	}
	if c.faults.status != 0 {
		writeFault(w, c.faults.status, c.model)
		return
	}
	if c.stream {
		h.streamChat(w, r, c)
		return
	}
	bp := getBuf()
	defer putBuf(bp)
	*bp = h.appendCompletion(*bp, c)
	if c.faults.cut {
		writeCut(w, "application/json", *bp)
	}
	writeJSON(w, http.StatusOK, *bp)
}

// parseChat validates a chat completion body like OpenAI does and computes
// the answer. On failure it has written the error response.
func parseChat(w http.ResponseWriter, body []byte) (*chatCall, bool) {
	var req chatRequest
	if err := parseChatRequest(body, &req); err != nil {
		writeDecodeError(w, err)
		return nil, false
	}
	if req.Model == nil || *req.Model == "" {
		writeError(w, http.StatusBadRequest, "you must provide a model parameter", typeInvalidRequest, "", "")
		return nil, false
	}
	if req.Messages == nil {
		writeError(w, http.StatusBadRequest, "Missing required parameter: 'messages'.", typeInvalidRequest, "messages", "missing_required_parameter")
		return nil, false
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest,
			"Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
			typeInvalidRequest, "messages", "empty_array")
		return nil, false
	}
	c := &chatCall{model: *req.Model, n: 1, stream: req.Stream, finish: "stop"}
	if req.StreamOptions != nil && !req.Stream {
		writeError(w, http.StatusBadRequest, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
			typeInvalidRequest, "stream_options", "")
		return nil, false
	}
	c.includeUsage = req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	if req.N != nil {
		if !checkRange(w, "n", *req.N, 1, maxChoices) {
			return nil, false
		}
		c.n = *req.N
	}
	maxTokens := 0
	for _, mt := range [...]struct {
		name string
		v    *int
	}{{"max_tokens", req.MaxTokens}, {"max_completion_tokens", req.MaxCompletionTokens}} {
		if mt.v == nil {
			continue
		}
		if !checkRange(w, mt.name, *mt.v, 1, 1<<30) {
			return nil, false
		}
		if maxTokens == 0 || *mt.v < maxTokens {
			maxTokens = *mt.v
		}
	}

	lastUser := ""
	c.promptTokens = 3
	for i := range req.Messages {
		m := &req.Messages[i]
		param := "messages[" + strconv.Itoa(i) + "]"
		if m.Role == "" {
			writeError(w, http.StatusBadRequest, "Missing required parameter: '"+param+".role'.",
				typeInvalidRequest, param+".role", "missing_required_parameter")
			return nil, false
		}
		if !validRole(m.Role) {
			writeError(w, http.StatusBadRequest,
				"Invalid value: '"+m.Role+"'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and 'function'.",
				typeInvalidRequest, param+".role", "invalid_value")
			return nil, false
		}
		text, ok := messageText(m.Content)
		if !ok {
			writeError(w, http.StatusBadRequest,
				"Invalid type for '"+param+".content': expected a string or an array of content parts.",
				typeInvalidRequest, param+".content", "invalid_type")
			return nil, false
		}
		c.promptTokens += 3 + countWords(text)
		if m.Role == "user" {
			lastUser = text
		}
	}

	c.segments = splitWords(replyPrefix + truncateUTF8(lastUser, maxEchoBytes))
	if c.tool = chatTools(body, &req, truncateUTF8(lastUser, maxEchoBytes)); c.tool != nil {
		c.segments, c.finish = splitWords(c.tool.args), "tool_calls"
	}
	if maxTokens > 0 && len(c.segments) > maxTokens && c.tool == nil {
		c.segments = c.segments[:maxTokens]
		c.finish = "length"
	}
	for _, s := range c.segments {
		c.contentLength += len(s)
	}
	c.faults = parseFaults(c.model)
	c.id = string(appendHex16([]byte("chatcmpl-mock"), fnv1a64(body)))
	return c, true
}

func validRole(r string) bool {
	for _, v := range validRoles {
		if r == v {
			return true
		}
	}
	return false
}

func checkRange(w http.ResponseWriter, name string, v, lo, hi int) bool {
	switch {
	case v < lo:
		writeError(w, http.StatusBadRequest,
			"Invalid '"+name+"': integer below minimum value. Expected a value >= "+strconv.Itoa(lo)+", but got "+strconv.Itoa(v)+" instead.",
			typeInvalidRequest, name, "integer_below_min_value")
		return false
	case v > hi:
		writeError(w, http.StatusBadRequest,
			"Invalid '"+name+"': integer above maximum value. Expected a value <= "+strconv.Itoa(hi)+", but got "+strconv.Itoa(v)+" instead.",
			typeInvalidRequest, name, "integer_above_max_value")
		return false
	}
	return true
}

// messageText returns the text of a message content: a string, null, or an
// array of content parts whose texts are joined with newlines.
func messageText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	switch raw[0] {
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
			return string(raw[1 : len(raw)-1]), true
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case '[':
		var parts []contentPart
		if json.Unmarshal(raw, &parts) != nil {
			return "", false
		}
		var sb strings.Builder
		for _, p := range parts {
			if p.Text == "" {
				continue
			}
			if sb.Len() > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(p.Text)
		}
		return sb.String(), true
	}
	return "", false
}

func (c *chatCall) completionTokens() int { return len(c.segments) * c.n }

func appendUsage(b []byte, prompt, completion int) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(completion), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt+completion), 10)
	return append(b, '}')
}

func (h *handler) appendHead(b []byte, c *chatCall, object string) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, c.id)
	b = append(b, `,"object":"`...)
	b = append(b, object...)
	b = append(b, `","created":`...)
	b = appendInt(b, h.opts.Created)
	b = append(b, `,"model":`...)
	b = appendString(b, c.model)
	return append(b, `,"system_fingerprint":"fp_mock"`...)
}

// appendCompletion appends the chat.completion object answering c.
func (h *handler) appendCompletion(b []byte, c *chatCall) []byte {
	var content []byte
	if c.n > 1 {
		content = appendContent(make([]byte, 0, c.contentLength+16), c.segments)
	}
	b = h.appendHead(b, c, "chat.completion")
	b = append(b, `,"choices":[`...)
	for i := 0; i < c.n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"message":{"role":"assistant","content":`...)
		if c.tool != nil {
			b = append(b, `null,"tool_calls":`...)
			b = appendToolCall(b, c.tool, false, c.tool.args)
		} else if content != nil {
			b = append(b, content...)
		} else {
			b = appendContent(b, c.segments)
		}
		b = append(b, `,"refusal":null},"logprobs":null,"finish_reason":"`...)
		b = append(b, c.finish...)
		b = append(b, `"}`...)
	}
	b = append(b, `],"usage":`...)
	b = appendUsage(b, c.promptTokens, c.completionTokens())
	return append(b, "}\n"...)
}

// appendContent appends the concatenated segments as one JSON string.
func appendContent(b []byte, segs []string) []byte {
	if len(segs) == 1 {
		return appendString(b, segs[0])
	}
	var sb strings.Builder
	for _, s := range segs {
		sb.WriteString(s)
	}
	return appendString(b, sb.String())
}

// writeCut sends the headers of a full response but only half of body, then
// drops the connection.
// resetConn drops the connection with a TCP reset, without any answer.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST instead of FIN
	}
	_ = conn.Close()
}

func writeCut(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body[:len(body)/2])
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// streamChat answers c as server-sent events: one chat.completion.chunk per
// word and choice, a final chunk per choice with finish_reason, the usage
// chunk if asked for, then [DONE].
func (h *handler) streamChat(w http.ResponseWriter, r *http.Request, c *chatCall) {
	rc := http.NewResponseController(w)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	head := h.appendHead(make([]byte, 0, 160+len(c.id)+len(c.model)), c, "chat.completion.chunk")
	tail := "]}\n\n"
	if c.includeUsage {
		tail = `],"usage":null}` + "\n\n"
	}
	bp := getBuf()
	defer putBuf(bp)
	ctx := r.Context()
	events := 0
	send := func(b []byte) bool {
		if events > 0 && !wait(ctx, h.opts.ChunkDelay) {
			return false
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		if rc.Flush() != nil {
			return false
		}
		events++
		if c.faults.cut && events == 2 {
			panic(http.ErrAbortHandler)
		}
		return true
	}
	chunk := func(b []byte) []byte {
		b = append(b[:0], "data: "...)
		b = append(b, head...)
		return append(b, `,"choices":[`...)
	}

	if c.tool != nil {
		// The call's head, then its arguments in pieces.
		for i, args := range append([]string{""}, c.tool.argPieces()...) {
			for j := 0; j < c.n; j++ {
				b := chunk(*bp)
				b = append(b, `{"index":`...)
				b = strconv.AppendInt(b, int64(j), 10)
				b = append(b, `,"delta":{`...)
				if i == 0 {
					b = append(b, `"role":"assistant","content":null,`...)
				}
				b = append(b, `"tool_calls":`...)
				b = appendToolCall(b, c.tool, true, args)
				b = append(b, `},"logprobs":null,"finish_reason":null}`...)
				b = append(b, tail...)
				*bp = b
				if !send(b) {
					return
				}
			}
		}
	}
	segs := c.segments
	if c.tool != nil {
		segs = nil // sent above
	}
	for i, seg := range segs {
		for j := 0; j < c.n; j++ {
			b := chunk(*bp)
			b = append(b, `{"index":`...)
			b = strconv.AppendInt(b, int64(j), 10)
			b = append(b, `,"delta":{`...)
			if i == 0 {
				b = append(b, `"role":"assistant",`...)
			}
			b = append(b, `"content":`...)
			b = appendString(b, seg)
			b = append(b, `},"logprobs":null,"finish_reason":null}`...)
			b = append(b, tail...)
			*bp = b
			if !send(b) {
				return
			}
		}
	}
	for j := 0; j < c.n; j++ {
		b := chunk(*bp)
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(j), 10)
		b = append(b, `,"delta":{},"logprobs":null,"finish_reason":"`...)
		b = append(b, c.finish...)
		b = append(b, `"}`...)
		b = append(b, tail...)
		*bp = b
		if !send(b) {
			return
		}
	}
	if c.includeUsage {
		b := chunk(*bp)
		b = append(b, `],"usage":`...)
		b = appendUsage(b, c.promptTokens, c.completionTokens())
		b = append(b, "}\n\n"...)
		*bp = b
		if !send(b) {
			return
		}
	}
	send([]byte("data: [DONE]\n\n"))
}
