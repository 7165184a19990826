package main

import (
	"time"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// streamState is what one stream's translation remembers between events.
type streamState struct {
	id, model []byte
	head      []byte // the chunk prefix up to and including `"choices":[`
	out       []byte
	tools     []int // content block index of each tool call, by tool call index
	u         usage
}

func (a *adapter) buildHead() {
	st := &a.st
	h := append(st.head[:0], `{"id":`...)
	if len(st.id) == 0 {
		h = append(h, `""`...)
	} else {
		h = append(h, st.id...)
	}
	h = append(h, `,"object":"chat.completion.chunk","created":`...)
	h = appendInt(h, int(time.Now().Unix()))
	h = append(h, `,"model":`...)
	if len(st.model) == 0 {
		h = append(h, `""`...)
	} else {
		h = append(h, st.model...)
	}
	st.head = append(h, `,"choices":[`...)
}

// delta starts a chunk with one choice whose delta follows.
func (a *adapter) delta() []byte {
	if len(a.st.head) == 0 {
		a.buildHead()
	}
	return append(append(a.st.out[:0], a.st.head...), `{"index":0,"delta":`...)
}

const endDelta = `,"logprobs":null,"finish_reason":null}]}`

func (a *adapter) emit(c *pdk.Chunk, b []byte) pdk.Action {
	a.st.out = b
	if err := c.SetBody(b); err != nil {
		return fail("set chunk", err)
	}
	return pdk.Continue
}

func drop(c *pdk.Chunk) pdk.Action {
	if err := c.Drop(); err != nil {
		return fail("drop chunk", err)
	}
	return pdk.Continue
}

// toolIndex is the tool call index of a content block, -1 if none.
func (a *adapter) toolIndex(block int) int {
	for k, b := range a.st.tools {
		if b == block {
			return k
		}
	}
	return -1
}

// OnChunk turns one Messages stream event into a chat.completion.chunk.
func (a *adapter) OnChunk(c *pdk.Chunk) pdk.Action {
	up := pdk.UpstreamChunk()
	a.tmp, _ = up.AppendString(a.tmp[:0], "type")
	st := &a.st
	switch s(a.tmp) {
	case "message_start":
		st.id, _ = up.AppendRaw(st.id[:0], "message.id")
		st.model, _ = up.AppendRaw(st.model[:0], "message.model")
		st.u.read(up.Object, "message.usage.", a)
		a.buildHead()
		b := append(a.delta(), `{"role":"assistant","content":""}`...)
		return a.emit(c, append(b, endDelta...))
	case "content_block_start":
		a.tmp, _ = up.AppendString(a.tmp[:0], "content_block.type")
		if s(a.tmp) != "tool_use" {
			return drop(c) // text and thinking blocks start empty
		}
		block, _ := up.GetInt("index")
		k := len(st.tools)
		st.tools = append(st.tools, block)
		b := append(a.delta(), `{"tool_calls":[{"index":`...)
		b = appendInt(b, k)
		b = append(b, `,"id":`...)
		b, _ = up.AppendRaw(b, "content_block.id")
		b = append(b, `,"type":"function","function":{"name":`...)
		b, _ = up.AppendRaw(b, "content_block.name")
		b = append(b, `,"arguments":""}}]}`...)
		return a.emit(c, append(b, endDelta...))
	case "content_block_delta":
		a.tmp, _ = up.AppendString(a.tmp[:0], "delta.type")
		switch s(a.tmp) {
		case "text_delta":
			b := append(a.delta(), `{"content":`...)
			b, _ = up.AppendRaw(b, "delta.text")
			return a.emit(c, append(append(b, '}'), endDelta...))
		case "input_json_delta":
			block, _ := up.GetInt("index")
			k := a.toolIndex(block)
			if k < 0 {
				return pdk.Error(502, "upstream_error", "anthropic: input_json_delta for a block that is not a tool_use")
			}
			b := append(a.delta(), `{"tool_calls":[{"index":`...)
			b = appendInt(b, k)
			b = append(b, `,"function":{"arguments":`...)
			b, _ = up.AppendRaw(b, "delta.partial_json")
			return a.emit(c, append(append(b, "}}]}"...), endDelta...))
		case "thinking_delta":
			b := append(a.delta(), `{"reasoning_content":`...)
			b, _ = up.AppendRaw(b, "delta.thinking")
			return a.emit(c, append(append(b, '}'), endDelta...))
		}
		return drop(c) // signature_delta and deltas of later API versions
	case "message_delta":
		st.u.read(up.Object, "usage.", a) // cumulative counts
		a.tmp, _ = up.AppendString(a.tmp[:0], "delta.stop_reason")
		b := append(a.delta(), `{},"logprobs":null,"finish_reason":"`...)
		b = append(b, finishReason(a.tmp)...)
		return a.emit(c, append(b, `"}]}`...))
	case "message_stop":
		if err := pdk.SetAttr(pdk.AttrUpstreamDone, "true"); err != nil {
			return fail("set "+pdk.AttrUpstreamDone, err)
		}
		if len(st.head) == 0 {
			a.buildHead()
		}
		b := append(append(st.out[:0], st.head...), `],"usage":`...)
		b = appendUsage(b, st.u)
		return a.emit(c, append(b, '}'))
	case "error":
		typ, _ := up.GetString("error.type")
		msg, _ := up.GetString("error.message")
		if typ == "" || len(typ) > 64 {
			typ = "api_error"
		}
		return pdk.Error(errorStatus(typ), typ, "anthropic: "+msg)
	}
	return drop(c) // ping, content_block_stop, events of later API versions
}

// errorStatus is the HTTP status of an Anthropic error type.
func errorStatus(typ string) int {
	switch typ {
	case "invalid_request_error":
		return 400
	case "authentication_error":
		return 401
	case "permission_error":
		return 403
	case "not_found_error":
		return 404
	case "request_too_large":
		return 413
	case "rate_limit_error":
		return 429
	case "timeout_error":
		return 504
	case "overloaded_error":
		return 529
	}
	return 500
}
