// Package anthropicapi translates between Anthropic's Messages API and the
// gateway's canonical format (OpenAI chat completions), so that an Anthropic
// client reaches any provider through the same pipeline: requests become
// canonical requests, canonical responses and stream chunks become Anthropic
// messages and stream events.
package anthropicapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/wasmgate/wasmgate/core/apierror"
)

// Request is the part of a Messages API request the translation reads.
type Request struct {
	Model         string          `json:"model"`
	MaxTokens     *int            `json:"max_tokens"`
	System        json.RawMessage `json:"system"`
	Messages      []Message       `json:"messages"`
	Stream        bool            `json:"stream"`
	Temperature   *float64        `json:"temperature"`
	TopP          *float64        `json:"top_p"`
	TopK          *int            `json:"top_k"`
	StopSequences []string        `json:"stop_sequences"`
	Tools         []Tool          `json:"tools"`
	ToolChoice    *ToolChoice     `json:"tool_choice"`
	Metadata      *struct {
		UserID string `json:"user_id"`
	} `json:"metadata"`
}

// Message is one turn.
type Message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// Block is one content block of a message.
type Block struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Source *struct {
		Type      string `json:"type"`
		MediaType string `json:"media_type"`
		Data      string `json:"data"`
		URL       string `json:"url"`
	} `json:"source"`
	// tool_use
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
	// tool_result
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`
}

// Tool is a client tool.
type Tool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// ToolChoice says whether and which tool the model must call.
type ToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use"`
}

// Canonical request types (the subset the translation writes).
type chatRequest struct {
	Model             string          `json:"model"`
	Messages          []chatMessage   `json:"messages"`
	MaxTokens         *int            `json:"max_tokens,omitempty"`
	Temperature       *float64        `json:"temperature,omitempty"`
	TopP              *float64        `json:"top_p,omitempty"`
	Stop              []string        `json:"stop,omitempty"`
	Stream            bool            `json:"stream,omitempty"`
	StreamOptions     *streamOptions  `json:"stream_options,omitempty"`
	Tools             []chatTool      `json:"tools,omitempty"`
	ToolChoice        json.RawMessage `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls,omitempty"`
	User              string          `json:"user,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content,omitempty"`
	ToolCalls  []chatToolCall  `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

type chatPart struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url,omitempty"`
}

type chatToolCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description,omitempty"`
		Parameters  json.RawMessage `json:"parameters,omitempty"`
	} `json:"function"`
}

func invalid(param, format string, args ...any) error {
	return apierror.Newf(apierror.InvalidRequest, format, args...).WithParam(param)
}

// ToChat turns a Messages API request body into a canonical chat request.
// A request the canonical format cannot express is refused with a client
// error, never silently changed.
func ToChat(body []byte) ([]byte, error) {
	var r Request
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&r); err != nil {
		return nil, apierror.New(apierror.InvalidRequest, "the request body is not a valid Messages API request: "+apierror.Truncate(jsonProblem(err), 200))
	}
	if r.Model == "" {
		return nil, invalid("model", "model: field required")
	}
	if r.MaxTokens == nil {
		return nil, invalid("max_tokens", "max_tokens: field required")
	}
	if *r.MaxTokens < 1 {
		return nil, invalid("max_tokens", "max_tokens: must be at least 1")
	}
	if len(r.Messages) == 0 {
		return nil, invalid("messages", "messages: at least one message is required")
	}
	out := chatRequest{Model: r.Model, MaxTokens: r.MaxTokens, Temperature: r.Temperature, TopP: r.TopP,
		Stop: r.StopSequences, Stream: r.Stream}
	if r.Stream {
		// The final message_delta carries the usage: always ask for it.
		out.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	if r.Metadata != nil {
		out.User = r.Metadata.UserID
	}
	if sys, err := systemText(r.System); err != nil {
		return nil, err
	} else if sys != "" {
		out.Messages = append(out.Messages, chatMessage{Role: "system", Content: mustJSON(sys)})
	}
	for i, m := range r.Messages {
		msgs, err := messageToChat(i, m)
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, msgs...)
	}
	for i, t := range r.Tools {
		if t.Type != "" && t.Type != "custom" {
			return nil, invalid("tools", "tools.%d: server tool type %q is not supported through this gateway", i, t.Type)
		}
		if t.Name == "" {
			return nil, invalid("tools", "tools.%d.name: field required", i)
		}
		var ct chatTool
		ct.Type = "function"
		ct.Function.Name, ct.Function.Description, ct.Function.Parameters = t.Name, t.Description, t.InputSchema
		out.Tools = append(out.Tools, ct)
	}
	if tc := r.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto":
			out.ToolChoice = json.RawMessage(`"auto"`)
		case "any":
			out.ToolChoice = json.RawMessage(`"required"`)
		case "none":
			out.ToolChoice = json.RawMessage(`"none"`)
		case "tool":
			if tc.Name == "" {
				return nil, invalid("tool_choice", "tool_choice.name: field required")
			}
			out.ToolChoice = json.RawMessage(`{"type":"function","function":{"name":` + string(mustJSON(tc.Name)) + `}}`)
		default:
			return nil, invalid("tool_choice", "tool_choice.type: unknown value %q", apierror.Truncate(tc.Type, 32))
		}
		if tc.DisableParallelToolUse {
			f := false
			out.ParallelToolCalls = &f
		}
	}
	return json.Marshal(out)
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "the request body"
		}
		return field + ": must be " + jsonKind(te.Type) + ", got " + te.Value
	}
	return "malformed JSON"
}

// jsonKind names a Go type the way the API's users know it: as a JSON type,
// never as a Go type name.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v) // strings and plain values always marshal
	return b
}

// systemText joins a system prompt given as a string or as text blocks.
func systemText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var blocks []Block
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", invalid("system", "system: must be a string or an array of text blocks")
	}
	parts := make([]string, 0, len(blocks))
	for i, b := range blocks {
		if b.Type != "text" {
			return "", invalid("system", "system.%d.type: must be \"text\"", i)
		}
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, "\n\n"), nil
}

// blocks reads a message's content: a string is one text block.
func blocks(raw json.RawMessage, param string) ([]Block, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []Block{{Type: "text", Text: s}}, nil
	}
	var bs []Block
	if err := json.Unmarshal(raw, &bs); err != nil {
		return nil, invalid("messages", "%s: must be a string or an array of content blocks", param)
	}
	return bs, nil
}

// messageToChat turns one Anthropic message into canonical messages: tool
// results become "tool" messages ahead of the user's remaining content.
func messageToChat(i int, m Message) ([]chatMessage, error) {
	param := "messages." + itoa(i) + ".content"
	bs, err := blocks(m.Content, param)
	if err != nil {
		return nil, err
	}
	switch m.Role {
	case "user":
		var out []chatMessage
		var parts []chatPart
		for j, b := range bs {
			switch b.Type {
			case "text":
				parts = append(parts, chatPart{Type: "text", Text: b.Text})
			case "image":
				p, err := imagePart(b, param+"."+itoa(j))
				if err != nil {
					return nil, err
				}
				parts = append(parts, p)
			case "tool_result":
				text, err := toolResultText(b, param+"."+itoa(j))
				if err != nil {
					return nil, err
				}
				if b.IsError {
					text = "Error: " + text
				}
				out = append(out, chatMessage{Role: "tool", ToolCallID: b.ToolUseID, Content: mustJSON(text)})
			default:
				return nil, invalid("messages", "%s.%d.type: block type %q is not supported in a user message", param, j, apierror.Truncate(b.Type, 32))
			}
		}
		if len(parts) > 0 {
			out = append(out, chatMessage{Role: "user", Content: partsJSON(parts)})
		}
		return out, nil
	case "assistant":
		msg := chatMessage{Role: "assistant"}
		var text strings.Builder
		for j, b := range bs {
			switch b.Type {
			case "text":
				text.WriteString(b.Text)
			case "tool_use":
				input := b.Input
				if len(input) == 0 || string(input) == "null" {
					input = json.RawMessage("{}")
				}
				var tc chatToolCall
				tc.ID, tc.Type = b.ID, "function"
				tc.Function.Name, tc.Function.Arguments = b.Name, string(compact(input))
				msg.ToolCalls = append(msg.ToolCalls, tc)
			case "thinking", "redacted_thinking":
				// Provider-specific reasoning: the canonical format has no place for it.
			default:
				return nil, invalid("messages", "%s.%d.type: block type %q is not supported in an assistant message", param, j, apierror.Truncate(b.Type, 32))
			}
		}
		if text.Len() > 0 || len(msg.ToolCalls) == 0 {
			msg.Content = mustJSON(text.String())
		}
		return []chatMessage{msg}, nil
	}
	return nil, invalid("messages", "messages.%d.role: must be \"user\" or \"assistant\", got %q", i, apierror.Truncate(m.Role, 32))
}

// partsJSON keeps a lone text part a plain string, as most providers expect.
func partsJSON(parts []chatPart) json.RawMessage {
	if len(parts) == 1 && parts[0].Type == "text" {
		return mustJSON(parts[0].Text)
	}
	b, _ := json.Marshal(parts)
	return b
}

func imagePart(b Block, param string) (chatPart, error) {
	p := chatPart{Type: "image_url", ImageURL: &struct {
		URL string `json:"url"`
	}{}}
	switch {
	case b.Source == nil:
		return p, invalid("messages", "%s.source: field required", param)
	case b.Source.Type == "base64":
		p.ImageURL.URL = "data:" + b.Source.MediaType + ";base64," + b.Source.Data
	case b.Source.Type == "url":
		p.ImageURL.URL = b.Source.URL
	default:
		return p, invalid("messages", "%s.source.type: must be \"base64\" or \"url\"", param)
	}
	return p, nil
}

// toolResultText flattens a tool result's content (a string or text blocks).
func toolResultText(b Block, param string) (string, error) {
	if len(b.Content) == 0 || string(b.Content) == "null" {
		return "", nil
	}
	bs, err := blocks(b.Content, param+".content")
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for k, c := range bs {
		if c.Type != "text" {
			return "", invalid("messages", "%s.content.%d.type: only text is supported in a tool result", param, k)
		}
		sb.WriteString(c.Text)
	}
	return sb.String(), nil
}

func compact(raw json.RawMessage) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

func itoa(i int) string { return strconv.Itoa(i) }
