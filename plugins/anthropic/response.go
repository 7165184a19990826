package main

import (
	"time"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// finishReason maps Anthropic's stop_reason to the canonical finish_reason.
func finishReason(stop []byte) string {
	switch s(stop) {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	}
	return "stop" // end_turn, stop_sequence, pause_turn
}

// usage is Anthropic's token counts; input excludes cached input.
type usage struct{ in, out, cacheWrite, cacheRead int }

// read sets the counts present under base; others keep their value. Four
// plain lookups: a GJSON multipath reading them at once costs the host more
// allocations than the calls it saves.
func (u *usage) read(o pdk.Object, base string, a *adapter) {
	for _, f := range [...]struct {
		name string
		v    *int
	}{{"input_tokens", &u.in}, {"output_tokens", &u.out}, {"cache_creation_input_tokens", &u.cacheWrite}, {"cache_read_input_tokens", &u.cacheRead}} {
		a.path = append(append(a.path[:0], base...), f.name...)
		if v, ok := o.GetInt(s(a.path)); ok {
			*f.v = v
		}
	}
}

// appendUsage writes the canonical usage: prompt_tokens counts all input,
// cached or not, as OpenAI does; prompt_tokens_details says how much was
// read from and written to the cache. Anthropic counts thinking in the
// output tokens without a separate figure, so reasoning_tokens is 0.
func appendUsage(b []byte, u usage) []byte {
	prompt := u.in + u.cacheWrite + u.cacheRead
	b = append(b, `{"prompt_tokens":`...)
	b = appendInt(b, prompt)
	b = append(b, `,"completion_tokens":`...)
	b = appendInt(b, u.out)
	b = append(b, `,"total_tokens":`...)
	b = appendInt(b, prompt+u.out)
	b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
	b = appendInt(b, u.cacheRead)
	b = append(b, `,"cache_creation_tokens":`...)
	b = appendInt(b, u.cacheWrite)
	return append(b, `},"completion_tokens_details":{"reasoning_tokens":0}}`...)
}

// OnResponse turns a Messages response into a chat completion.
func (a *adapter) OnResponse(resp *pdk.Response) pdk.Action {
	up := pdk.UpstreamResponse()
	a.tmp, _ = up.AppendRaw(a.tmp[:0], "content.#.type")
	a.roles = parseNames(a.tmp, a.roles[:0], blockCode)
	b := append(a.body[:0], `{"id":`...)
	n := len(b)
	if b, _ = up.AppendRaw(b, "id"); isNull(b, n) {
		b = append(b[:n], `""`...)
	}
	b = append(b, `,"object":"chat.completion","created":`...)
	b = appendInt(b, int(time.Now().Unix()))
	b = append(b, `,"model":`...)
	n = len(b)
	if b, _ = up.AppendRaw(b, "model"); isNull(b, n) {
		b = append(b[:n], `""`...)
	}
	b = append(b, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	b = a.appendBlocksText(b, up.Object, blockText, "text")
	if a.count(blockThinking) > 0 {
		b = append(b, `,"reasoning_content":`...)
		b = a.appendBlocksText(b, up.Object, blockThinking, "thinking")
	}
	tools := a.count(blockToolUse)
	if tools > 0 {
		b = append(b, `,"tool_calls":[`...)
		t := 0
		for k, typ := range a.roles {
			if typ != blockToolUse {
				continue
			}
			if t > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b, _ = up.AppendRaw(b, a.p("content", k, "id"))
			b = append(b, `,"type":"function","function":{"name":`...)
			b, _ = up.AppendRaw(b, a.p("content", k, "name"))
			b = append(b, `,"arguments":""}}`...)
			t++
		}
		b = append(b, ']')
	}
	b = append(b, `},"logprobs":null,"finish_reason":"`...)
	a.tmp, _ = up.AppendString(a.tmp[:0], "stop_reason")
	b = append(b, finishReason(a.tmp)...)
	b = append(b, `"}],"usage":`...)
	var u usage
	u.read(up.Object, "usage.", a)
	b = appendUsage(b, u)
	a.body = append(b, '}')
	if err := resp.SetBody(a.body); err != nil {
		return fail("set response", err)
	}
	// The arguments are the input object as a JSON string: the host escapes it.
	t := 0
	for k, typ := range a.roles {
		if typ != blockToolUse {
			continue
		}
		a.tmp, _ = up.AppendRaw(a.tmp[:0], a.p("content", k, "input"))
		if len(a.tmp) == 0 {
			a.tmp = append(a.tmp, "{}"...)
		}
		if err := resp.SetStringBytes(a.p("choices.0.message.tool_calls", t, "function.arguments"), a.tmp); err != nil {
			return fail("set tool arguments", err)
		}
		t++
	}
	return pdk.Continue
}

// Content block types of a response, read at once from "content.#.type".
const (
	blockOther = iota
	blockText
	blockToolUse
	blockThinking
)

func blockCode(name string) byte {
	switch name {
	case "text":
		return blockText
	case "tool_use":
		return blockToolUse
	case "thinking":
		return blockThinking
	}
	return blockOther
}

func (a *adapter) count(typ byte) int {
	n := 0
	for _, t := range a.roles {
		if t == typ {
			n++
		}
	}
	return n
}

// appendBlocksText writes the text of the blocks of one type as one JSON
// string (null if none). One block, the usual case, is copied raw.
func (a *adapter) appendBlocksText(b []byte, o pdk.Object, typ byte, field string) []byte {
	switch a.count(typ) {
	case 0:
		return append(b, "null"...)
	case 1:
		for k, t := range a.roles {
			if t == typ {
				b, _ = o.AppendRaw(b, a.p("content", k, field))
				return b
			}
		}
	}
	a.sys = a.sys[:0]
	for k, t := range a.roles {
		if t == typ {
			a.sys, _ = o.AppendString(a.sys, a.p("content", k, field))
		}
	}
	return pdk.AppendJSONString(b, s(a.sys))
}
