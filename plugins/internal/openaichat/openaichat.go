// Package openaichat reads the canonical request (OpenAI chat completions)
// and writes the canonical response and stream chunks, for the adapters that
// translate to and from another provider's format. It builds JSON by
// appending to byte slices and reads it with gjson: encoding/json's
// reflection costs much more in a Wasm guest.
package openaichat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// Finish reasons of the canonical format.
const (
	FinishStop          = "stop"
	FinishLength        = "length"
	FinishToolCalls     = "tool_calls"
	FinishContentFilter = "content_filter"
)

// Usage is the token usage of an answer. Completion includes Reasoning, as
// OpenAI counts it.
type Usage struct {
	Prompt, Completion, Total int
	Cached, Reasoning         int
}

// ToolCall is one function call of the assistant. In a chunk, Index is the
// call's position in the message, and ID and Name are only sent with its
// first delta.
type ToolCall struct {
	Index    int
	ID, Name string
	Args     string
}

// Choice is one choice of a response or chunk: the message (or delta) and
// the finish reason ("" while a stream goes on).
type Choice struct {
	Index      int
	Role       bool // a chunk: include "role":"assistant"
	Content    string
	HasContent bool // content is present (even empty)
	ToolCalls  []ToolCall
	Finish     string
}

// Meta is what every response or chunk of one answer shares.
type Meta struct {
	ID      string
	Created int64
	Model   string
}

// AppendCompletion appends a chat.completion.
func AppendCompletion(b []byte, m *Meta, choices []Choice, u *Usage) []byte {
	return appendAnswer(b, m, choices, u, false)
}

// AppendChunk appends a chat.completion.chunk. With no choices it is the
// usage chunk that ends a stream.
func AppendChunk(b []byte, m *Meta, choices []Choice, u *Usage) []byte {
	return appendAnswer(b, m, choices, u, true)
}

func appendAnswer(b []byte, m *Meta, choices []Choice, u *Usage, chunk bool) []byte {
	object := "chat.completion"
	if chunk {
		object = "chat.completion.chunk"
	}
	b = appendHead(b, m, object)
	for i := range choices {
		c := &choices[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(c.Index), 10)
		if chunk {
			b = appendDelta(b, c)
		} else {
			b = appendMessage(b, c)
		}
		b = append(b, `},"logprobs":null,"finish_reason":`...)
		b = appendFinish(b, c.Finish)
		b = append(b, '}')
	}
	b = append(b, ']')
	if u != nil {
		b = AppendUsage(append(b, `,"usage":`...), u)
	}
	return append(b, '}')
}

func appendMessage(b []byte, c *Choice) []byte {
	b = append(b, `,"message":{"role":"assistant","content":`...)
	if c.HasContent || len(c.ToolCalls) == 0 {
		b = pdk.AppendJSONString(b, c.Content)
	} else {
		b = append(b, "null"...)
	}
	if len(c.ToolCalls) > 0 {
		b = appendToolCalls(b, c.ToolCalls, false, false)
	}
	return b
}

func appendDelta(b []byte, c *Choice) []byte {
	b = append(b, `,"delta":{`...)
	sep := false
	if c.Role {
		b = append(b, `"role":"assistant"`...)
		sep = true
	}
	if c.HasContent {
		if sep {
			b = append(b, ',')
		}
		b = pdk.AppendJSONString(append(b, `"content":`...), c.Content)
		sep = true
	}
	if len(c.ToolCalls) > 0 {
		b = appendToolCalls(b, c.ToolCalls, !sep, true)
	}
	return b
}

func appendHead(b []byte, m *Meta, object string) []byte {
	b = pdk.AppendJSONString(append(b, `{"id":`...), m.ID)
	b = append(b, `,"object":"`...)
	b = append(b, object...)
	b = strconv.AppendInt(append(b, `","created":`...), m.Created, 10)
	b = pdk.AppendJSONString(append(b, `,"model":`...), m.Model)
	return append(b, `,"choices":[`...)
}

// appendToolCalls appends `,"tool_calls":[...]` (without the comma when
// first); in a chunk each call carries its index.
func appendToolCalls(b []byte, calls []ToolCall, first, chunk bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, `"tool_calls":[`...)
	for i, tc := range calls {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if chunk {
			b = strconv.AppendInt(append(b, `"index":`...), int64(tc.Index), 10)
			b = append(b, ',')
		}
		if tc.ID != "" {
			b = pdk.AppendJSONString(append(b, `"id":`...), tc.ID)
			b = append(b, `,"type":"function",`...)
		}
		b = append(b, `"function":{`...)
		if tc.Name != "" {
			b = pdk.AppendJSONString(append(b, `"name":`...), tc.Name)
			b = append(b, ',')
		}
		b = pdk.AppendJSONString(append(b, `"arguments":`...), tc.Args)
		b = append(b, "}}"...)
	}
	return append(b, ']')
}

func appendFinish(b []byte, finish string) []byte {
	if finish == "" {
		return append(b, "null"...)
	}
	return pdk.AppendJSONString(b, finish)
}

// AppendUsage appends the usage object, with the cached and reasoning token
// details.
func AppendUsage(b []byte, u *Usage) []byte {
	total := u.Total
	if total == 0 {
		total = u.Prompt + u.Completion
	}
	b = strconv.AppendInt(append(b, `{"prompt_tokens":`...), int64(u.Prompt), 10)
	b = strconv.AppendInt(append(b, `,"completion_tokens":`...), int64(u.Completion), 10)
	b = strconv.AppendInt(append(b, `,"total_tokens":`...), int64(total), 10)
	b = strconv.AppendInt(append(b, `,"prompt_tokens_details":{"cached_tokens":`...), int64(u.Cached), 10)
	b = strconv.AppendInt(append(b, `},"completion_tokens_details":{"reasoning_tokens":`...), int64(u.Reasoning), 10)
	return append(b, "}}"...)
}

// Parse parses JSON held in b without copying it; the result is valid as
// long as b is not changed.
func Parse(b []byte) gjson.Result {
	return gjson.Parse(unsafe.String(unsafe.SliceData(b), len(b)))
}

// Text returns the text of a message content: a string, or the text parts of
// an array joined.
func Text(content gjson.Result) string {
	if content.Type == gjson.String {
		return content.Str
	}
	if !content.IsArray() {
		return ""
	}
	var sb strings.Builder
	content.ForEach(func(_, part gjson.Result) bool {
		if part.Get("type").Str == "text" {
			sb.WriteString(part.Get("text").Str)
		}
		return true
	})
	return sb.String()
}

// Parts calls fn for each part of a message content; a string content is
// one text part.
func Parts(content gjson.Result, fn func(part gjson.Result, typ string)) {
	if content.Type == gjson.String {
		fn(content, "text")
		return
	}
	content.ForEach(func(_, part gjson.Result) bool {
		fn(part, part.Get("type").Str)
		return true
	})
}

// DataURL splits a "data:<mime>;base64,<data>" URL.
func DataURL(url string) (mime, data string, ok bool) {
	rest, ok := strings.CutPrefix(url, "data:")
	if !ok {
		return "", "", false
	}
	head, data, ok := strings.Cut(rest, ",")
	if !ok {
		return "", "", false
	}
	mime, b64 := strings.CutSuffix(head, ";base64")
	if !b64 {
		return "", "", false
	}
	return mime, data, true
}

// Stops returns the stop sequences: "stop" may be a string or an array.
func Stops(stop gjson.Result) []string {
	if stop.Type == gjson.String {
		return []string{stop.Str}
	}
	var out []string
	stop.ForEach(func(_, s gjson.Result) bool {
		out = append(out, s.Str)
		return true
	})
	return out
}

// MaxTokens is max_completion_tokens, or the older max_tokens.
func MaxTokens(req Getter) gjson.Result {
	if v := req.Get("max_completion_tokens"); v.Exists() {
		return v
	}
	return req.Get("max_tokens")
}

// AppendStrings appends a JSON array of strings.
func AppendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = pdk.AppendJSONString(b, s)
	}
	return append(b, ']')
}

// AppendField appends `,"name":<raw>` when v exists; b must already hold a
// field or the object's "{" (first then leaves the comma out).
func AppendField(b []byte, name string, v gjson.Result, first bool) ([]byte, bool) {
	if !v.Exists() || v.Type == gjson.Null {
		return b, first
	}
	if !first {
		b = append(b, ',')
	}
	b = pdk.AppendJSONString(b, name)
	b = append(b, ':')
	return append(b, v.Raw...), false
}

// Args returns a tool call's arguments as a JSON object text: Gemini and
// Bedrock take an object where OpenAI has a string. Anything that is not an
// object is wrapped as {"value": ...}; no arguments are {}.
func Args(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "{}"
	}
	if gjson.Valid(s) && s[0] == '{' {
		return s
	}
	if gjson.Valid(s) {
		return `{"value":` + s + `}`
	}
	return string(pdk.AppendJSONString([]byte(`{"value":`), s)) + "}"
}

// Compact returns JSON text without insignificant space: tool arguments are
// a string in the canonical format, where the provider's indentation would
// show.
func Compact(raw string) string {
	var out bytes.Buffer
	if json.Compact(&out, []byte(raw)) != nil {
		return raw
	}
	return out.String()
}

// ToolNames maps the ids of the assistant's tool calls to the functions'
// names: a tool message carries only the id, where Gemini wants the name.
func ToolNames(messages gjson.Result) map[string]string {
	names := map[string]string{}
	messages.ForEach(func(_, m gjson.Result) bool {
		m.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
			names[tc.Get("id").Str] = tc.Get("function.name").Str
			return true
		})
		return true
	})
	return names
}

// NewMeta builds the id, time and model of an answer: the id follows the
// gateway's request id, so every chunk of a stream has the same one.
func NewMeta(now int64, model string) Meta {
	id, _ := pdk.Attr(pdk.AttrRequestID)
	if model == "" {
		model, _ = pdk.Attr(pdk.AttrModel)
	}
	return Meta{ID: "chatcmpl-" + id, Created: now, Model: model}
}

// Target is where a request goes: the provider's model name (the model
// mapping's, else the request's), base URL (else the adapter's default) and
// key.
type Target struct {
	Model, BaseURL, Key string
}

// ReadTarget reads the provider attributes for the canonical request r.
func ReadTarget(r Getter, defaultBaseURL string) Target {
	var t Target
	if t.Model, _ = pdk.Attr(pdk.AttrProviderModel); t.Model == "" {
		t.Model = r.Get("model").Str
	}
	if t.BaseURL, _ = pdk.Attr(pdk.AttrProviderURL); t.BaseURL == "" {
		t.BaseURL = defaultBaseURL
	}
	t.BaseURL = strings.TrimRight(t.BaseURL, "/")
	t.Key, _ = pdk.Attr(pdk.AttrProviderAPIKey)
	return t
}

// Send sets the provider request: its URL, headers given as name, value
// pairs (a pair with an empty value is left out) and body.
func Send(url string, body []byte, headers ...string) error {
	up := pdk.Upstream()
	if err := up.SetURL(url); err != nil {
		return fmt.Errorf("set url: %w", err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			continue
		}
		if err := up.SetHeader(headers[i], headers[i+1]); err != nil {
			return fmt.Errorf("set header %s: %w", headers[i], err)
		}
	}
	if err := up.SetBody(body); err != nil {
		return fmt.Errorf("set body: %w", err)
	}
	return nil
}

// AppendTurn appends a turn {"role":role,"<key>":[parts]} to the array of
// turns being built in b, or adds parts to the previous turn when it has the
// same role: Gemini and Converse want user and model turns to alternate, so
// tool results and the user message after them join one turn. last is the
// previous turn's role, "" for the first.
func AppendTurn(b []byte, last, role, key string, parts []byte) []byte {
	if role == last {
		b = append(append(b[:len(b)-2], ','), parts...)
		return append(b, "]}"...)
	}
	if last != "" {
		b = append(b, ',')
	}
	b = append(append(b, `{"role":"`...), role...)
	b = append(append(b, `","`...), key...)
	return append(append(append(b, `":[`...), parts...), "]}"...)
}

// SetCompletion builds a chat.completion in buf and makes it the response;
// it returns buf for reuse.
func SetCompletion(resp *pdk.Response, buf []byte, m *Meta, choices []Choice, u *Usage) ([]byte, error) {
	buf = AppendCompletion(buf[:0], m, choices, u)
	if err := resp.SetBody(buf); err != nil {
		return buf, fmt.Errorf("set response: %w", err)
	}
	return buf, nil
}

// SetChunk builds a chat.completion.chunk in buf and makes it the chunk; it
// returns buf for reuse.
func SetChunk(c *pdk.Chunk, buf []byte, m *Meta, choices []Choice, u *Usage) ([]byte, error) {
	buf = AppendChunk(buf[:0], m, choices, u)
	if err := c.SetBody(buf); err != nil {
		return buf, fmt.Errorf("set chunk: %w", err)
	}
	return buf, nil
}

// Fields holds the top-level fields of a JSON object, found in one pass.
// Each gjson lookup scans the text from its start, which in a Wasm guest
// costs tens of microseconds on a 2 KB body: reading fifteen settings of a
// request by path would cost more than the whole translation.
type Fields struct {
	keys []string
	vals []gjson.Result
}

// Getter is what reads values by path: a gjson.Result or Fields.
type Getter interface {
	Get(path string) gjson.Result
}

// Reset indexes the object b (parsed without a copy; keep b unchanged while
// the fields are in use).
func (f *Fields) Reset(b []byte) {
	f.keys, f.vals = f.keys[:0], f.vals[:0]
	Parse(b).ForEach(func(k, v gjson.Result) bool {
		f.keys = append(f.keys, k.Str)
		f.vals = append(f.vals, v)
		return true
	})
}

// Get returns the value at a path whose first key is a top-level field.
func (f *Fields) Get(path string) gjson.Result {
	key, rest, nested := strings.Cut(path, ".")
	for i, k := range f.keys {
		if k == key {
			if nested {
				return f.vals[i].Get(rest)
			}
			return f.vals[i]
		}
	}
	return gjson.Result{}
}

// TextChunk sets the chunk to a text delta of choice index, built in buf
// (returned for reuse). It is the fast path of the adapters' chunk hooks:
// most stream events are one text delta, which a few host lookups find
// without the guest parsing the event. text is only read during the call.
func TextChunk(c *pdk.Chunk, buf []byte, m *Meta, index int, role bool, text []byte) ([]byte, error) {
	ch := [1]Choice{{Index: index, Role: role, HasContent: true, Content: unsafe.String(unsafe.SliceData(text), len(text))}}
	return SetChunk(c, buf, m, ch[:], nil)
}

// AppendText appends the text of a message content (or of a text part's
// "text") as a JSON string literal. A string is copied as it stands in the
// request, which was checked as JSON by the host, rather than escaped again
// byte by byte; an array's text parts are joined.
func AppendText(b []byte, content gjson.Result) []byte {
	if content.Type == gjson.String {
		return append(b, content.Raw...)
	}
	return pdk.AppendJSONString(b, Text(content))
}

// HasText reports whether a message content has any text.
func HasText(content gjson.Result) bool {
	if content.Type == gjson.String {
		return content.Str != ""
	}
	return Text(content) != ""
}

// PartsFunc appends the parts of one user, assistant or tool message to
// parts and says which turn they belong to ("user" or the provider's name
// for the assistant); no parts leave the message out.
type PartsFunc func(m gjson.Result, role string, parts []byte) (turn string, out []byte, err error)

// AppendTurns appends the array of turns for messages, for providers that
// want the system prompt apart and user and model turns alternating (Gemini,
// Converse): system and developer messages are returned as text, every
// other message's parts come from fn under key, and consecutive turns of
// one role are joined. scratch is fn's buffer, returned for reuse.
func AppendTurns(b []byte, messages gjson.Result, key string, scratch []byte, fn PartsFunc) (out []byte, system []string, _ []byte, err error) {
	b = append(b, '[')
	last := ""
	messages.ForEach(func(_, m gjson.Result) bool {
		role := m.Get("role").Str
		if role == "system" || role == "developer" {
			system = append(system, Text(m.Get("content")))
			return true
		}
		var turn string
		if turn, scratch, err = fn(m, role, scratch[:0]); err != nil {
			return false
		}
		if len(scratch) > 0 {
			b = AppendTurn(b, last, turn, key, scratch)
			last = turn
		}
		return true
	})
	if err == nil && last == "" {
		err = errors.New("messages need at least one user or assistant message")
	}
	return append(b, ']'), system, scratch, err
}
