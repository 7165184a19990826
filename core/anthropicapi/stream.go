package anthropicapi

import (
	"encoding/json"
	"io"

	"github.com/wasmgate/wasmgate/core/apierror"
)

type chatChunk struct {
	ID      string `json:"id"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content   *string        `json:"content"`
			Refusal   *string        `json:"refusal"`
			ToolCalls []chatToolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *chatUsage `json:"usage"`
}

// blockDelta is the content_block_delta event, the one sent per chunk: a
// struct, not maps, to spare the allocations. Fields are in the order
// (sorted) that the maps of the other events marshal in.
type blockDelta struct {
	Delta delta  `json:"delta"`
	Index int    `json:"index"`
	Type  string `json:"type"`
}

type delta struct {
	PartialJSON string `json:"partial_json,omitempty"`
	Text        string `json:"text,omitempty"`
	Type        string `json:"type"`
}

// Stream turns canonical chat.completion.chunk events into Messages API
// stream events: message_start, then per content block content_block_start,
// content_block_delta (text_delta or input_json_delta) and
// content_block_stop, then message_delta (stop reason and usage) and
// message_stop. Only the first choice is translated (Anthropic has no n).
type Stream struct {
	model   string
	started bool
	block   int    // index of the open block, -1 when none
	kind    string // "text" or "tool_use"
	tool    int    // canonical tool-call index of the open tool_use block
	next    int    // index of the next block
	stop    string
	usage   Usage
	buf     []byte
}

// NewStream starts a translation for a request for model.
func NewStream(model string) *Stream { return &Stream{model: model, block: -1, tool: -1} }

func (s *Stream) event(w io.Writer, typ string, v any) {
	b, _ := json.Marshal(v) // the values below always marshal
	s.buf = append(s.buf[:0], "event: "...)
	s.buf = append(s.buf, typ...)
	s.buf = append(s.buf, "\ndata: "...)
	s.buf = append(s.buf, b...)
	s.buf = append(s.buf, "\n\n"...)
	_, _ = w.Write(s.buf)
}

func (s *Stream) start(w io.Writer, id string) {
	if s.started {
		return
	}
	s.started = true
	s.event(w, "message_start", map[string]any{"type": "message_start", "message": MessageResponse{
		ID: messageID(id), Type: "message", Role: "assistant", Model: s.model, Content: []OutBlock{}}})
}

func (s *Stream) closeBlock(w io.Writer) {
	if s.block < 0 {
		return
	}
	s.event(w, "content_block_stop", map[string]any{"type": "content_block_stop", "index": s.block})
	s.block, s.kind, s.tool = -1, "", -1
}

func (s *Stream) open(w io.Writer, kind string, block OutBlock) {
	s.closeBlock(w)
	s.block, s.kind = s.next, kind
	s.next++
	s.event(w, "content_block_start", map[string]any{"type": "content_block_start", "index": s.block, "content_block": block})
}

// Chunk translates one canonical chunk and writes the events it makes.
func (s *Stream) Chunk(w io.Writer, chunk []byte) error {
	var c chatChunk
	if err := json.Unmarshal(chunk, &c); err != nil {
		return apierror.Wrap(apierror.Upstream, "the provider sent a stream event that is not a chat chunk", err)
	}
	s.start(w, c.ID)
	if c.Usage != nil {
		s.usage = usageFrom(c.Usage)
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		d := ch.Delta
		text := d.Content
		if text == nil || *text == "" {
			text = d.Refusal
		}
		if text != nil && *text != "" {
			if s.kind != "text" {
				empty := ""
				s.open(w, "text", OutBlock{Type: "text", Text: &empty})
			}
			s.event(w, "content_block_delta", blockDelta{Index: s.block, Type: "content_block_delta",
				Delta: delta{Text: *text, Type: "text_delta"}})
		}
		for _, tc := range d.ToolCalls {
			idx := s.tool
			if tc.Index != nil {
				idx = *tc.Index
			}
			if s.kind != "tool_use" || idx != s.tool {
				s.open(w, "tool_use", OutBlock{Type: "tool_use", ID: tc.ID, Name: tc.Function.Name, Input: json.RawMessage("{}")})
				s.tool = idx
			}
			if tc.Function.Arguments != "" {
				s.event(w, "content_block_delta", blockDelta{Index: s.block, Type: "content_block_delta",
					Delta: delta{PartialJSON: tc.Function.Arguments, Type: "input_json_delta"}})
			}
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			s.stop = StopReason(*ch.FinishReason)
		}
	}
	return nil
}

// Done ends the message: the open block, message_delta and message_stop.
func (s *Stream) Done(w io.Writer) {
	s.start(w, "")
	s.closeBlock(w)
	stop := s.stop
	if stop == "" {
		stop = "end_turn"
	}
	s.event(w, "message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": s.usage})
	s.event(w, "message_stop", map[string]string{"type": "message_stop"})
}

// Error ends the stream with an error event.
func (s *Stream) Error(w io.Writer, e *apierror.Error) {
	s.buf = append(s.buf[:0], "event: error\ndata: "...)
	s.buf = append(s.buf, e.AnthropicJSON()...)
	s.buf = append(s.buf, "\n\n"...)
	_, _ = w.Write(s.buf)
}
