package anthropicapi

import (
	"encoding/json"
	"strings"

	"github.com/wasmgate/wasmgate/core/apierror"
)

// Canonical response types (the subset the translation reads).
type chatResponse struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content   *string        `json:"content"`
			Refusal   *string        `json:"refusal"`
			ToolCalls []chatToolCall `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *chatUsage `json:"usage"`
}

type chatUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	PromptTokensDetails *struct {
		CachedTokens        int `json:"cached_tokens"`
		CacheCreationTokens int `json:"cache_creation_tokens"`
	} `json:"prompt_tokens_details"`
}

// Usage is Anthropic's usage object. Anthropic counts cached input apart
// from input_tokens; the canonical prompt_tokens includes it.
type Usage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

func usageFrom(u *chatUsage) Usage {
	if u == nil {
		return Usage{}
	}
	out := Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens}
	if d := u.PromptTokensDetails; d != nil {
		out.CacheReadInputTokens = d.CachedTokens
		out.CacheCreationInputTokens = d.CacheCreationTokens
		out.InputTokens -= d.CachedTokens + d.CacheCreationTokens
		if out.InputTokens < 0 {
			out.InputTokens = 0
		}
	}
	return out
}

// OutBlock is a content block of a translated message.
type OutBlock struct {
	Type  string          `json:"type"`
	Text  *string         `json:"text,omitempty"`
	ID    string          `json:"id,omitempty"`
	Name  string          `json:"name,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
}

// Message is a Messages API response.
type MessageResponse struct {
	ID           string     `json:"id"`
	Type         string     `json:"type"`
	Role         string     `json:"role"`
	Model        string     `json:"model"`
	Content      []OutBlock `json:"content"`
	StopReason   *string    `json:"stop_reason"`
	StopSequence *string    `json:"stop_sequence"`
	Usage        Usage      `json:"usage"`
}

// StopReason maps a canonical finish_reason to Anthropic's stop_reason.
func StopReason(finish string) string {
	switch finish {
	case "length":
		return "max_tokens"
	case "tool_calls", "function_call":
		return "tool_use"
	case "content_filter":
		return "refusal"
	}
	return "end_turn"
}

// messageID gives a canonical id Anthropic's "msg_" prefix.
func messageID(id string) string {
	if strings.HasPrefix(id, "msg_") {
		return id
	}
	return "msg_" + strings.TrimPrefix(id, "chatcmpl-")
}

// toolInput is a tool call's arguments as a JSON object; arguments that are
// not JSON (a model's slip) are kept as a string under "arguments".
func toolInput(args string) json.RawMessage {
	if strings.TrimSpace(args) == "" {
		return json.RawMessage("{}")
	}
	if json.Valid([]byte(args)) {
		return compact(json.RawMessage(args))
	}
	b, _ := json.Marshal(map[string]string{"arguments": args})
	return b
}

// FromChat turns a canonical chat completion into a Messages API response.
// model is the model the client asked for.
func FromChat(body []byte, model string) ([]byte, error) {
	var r chatResponse
	if err := json.Unmarshal(body, &r); err != nil || len(r.Choices) == 0 {
		return nil, apierror.New(apierror.Upstream, "the provider's answer has no choices")
	}
	c := r.Choices[0]
	out := MessageResponse{ID: messageID(r.ID), Type: "message", Role: "assistant", Model: model, Content: []OutBlock{},
		Usage: usageFrom(r.Usage)}
	text := c.Message.Content
	if (text == nil || *text == "") && c.Message.Refusal != nil {
		text = c.Message.Refusal
	}
	if text != nil && *text != "" {
		out.Content = append(out.Content, OutBlock{Type: "text", Text: text})
	}
	for _, tc := range c.Message.ToolCalls {
		out.Content = append(out.Content, OutBlock{Type: "tool_use", ID: tc.ID, Name: tc.Function.Name, Input: toolInput(tc.Function.Arguments)})
	}
	stop := StopReason(c.FinishReason)
	out.StopReason = &stop
	return json.Marshal(out)
}

// ErrorFromChat re-renders an error body in OpenAI's shape (a plugin's
// short-circuit answer) in Anthropic's shape.
func ErrorFromChat(status int, body []byte) []byte {
	var r struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &r)
	e := &apierror.Error{Kind: apierror.Plugin, Status: status, Message: r.Error.Message}
	if e.Message == "" {
		e.Message = "request failed"
	}
	return e.AnthropicJSON()
}
