package main

import (
	"strconv"
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// streamed is a streamed answer put back together: one choice's text and
// tool calls, its finish reason and the usage. Fields are read by path on
// the host: decoding every chunk in the guest would cost more than the
// chunk's own relay.
type streamed struct {
	id, model, created string // raw JSON values
	content            strings.Builder
	tools              []toolCall
	finish             string // raw JSON
	usage              []byte // raw JSON
	chunks             int
}

type toolCall struct {
	id, name string
	args     strings.Builder
}

// add takes one canonical chunk, read through the host: done says the
// answer is complete (a finish reason, or the usage that follows it); ok
// false means the stream cannot be stored (more than one choice).
func (s *streamed) add(c *pdk.Chunk) (done, ok bool) {
	s.chunks++
	if s.id == "" {
		if v, ok := c.Get("id"); ok {
			s.id = string(v)
		}
		if v, ok := c.Get("model"); ok {
			s.model = string(v)
		}
		if v, ok := c.Get("created"); ok {
			s.created = string(v)
		}
	}
	if u, ok := c.Get("usage"); ok && string(u) != "null" {
		s.usage = append([]byte(nil), u...)
		if s.finish != "" {
			return true, true
		}
	}
	n, _ := c.GetInt("choices.#")
	switch {
	case n == 0:
		return false, true
	case n > 1:
		return false, false
	}
	if i, _ := c.GetInt("choices.0.index"); i != 0 {
		return false, false
	}
	if t, ok := c.GetString("choices.0.delta.content"); ok {
		s.content.WriteString(t)
	}
	if tn, _ := c.GetInt("choices.0.delta.tool_calls.#"); tn > 0 {
		for j := 0; j < tn; j++ {
			p := "choices.0.delta.tool_calls." + strconv.Itoa(j) + "."
			idx, _ := c.GetInt(p + "index")
			for len(s.tools) <= idx {
				s.tools = append(s.tools, toolCall{})
			}
			tc := &s.tools[idx]
			if v, ok := c.GetString(p + "id"); ok && v != "" {
				tc.id = v
			}
			if v, ok := c.GetString(p + "function.name"); ok && v != "" {
				tc.name = v
			}
			if v, ok := c.GetString(p + "function.arguments"); ok {
				tc.args.WriteString(v)
			}
		}
	}
	if f, ok := c.Get("choices.0.finish_reason"); ok && string(f) != "null" {
		s.finish = string(f)
		return true, true
	}
	return false, true
}

// completion is the assembled chat completion.
func (s *streamed) completion() []byte {
	b := []byte(`{"object":"chat.completion"`)
	for _, f := range [][2]string{{"id", s.id}, {"model", s.model}, {"created", s.created}} {
		if f[1] != "" {
			b = append(b, `,"`+f[0]+`":`+f[1]...)
		}
	}
	b = append(b, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	if s.content.Len() == 0 && len(s.tools) > 0 {
		b = append(b, "null"...)
	} else {
		b = pdk.AppendJSONString(b, s.content.String())
	}
	if len(s.tools) > 0 {
		b = append(b, `,"tool_calls":[`...)
		for i := range s.tools {
			tc := &s.tools[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = pdk.AppendJSONString(b, tc.id)
			b = append(b, `,"type":"function","function":{"name":`...)
			b = pdk.AppendJSONString(b, tc.name)
			b = append(b, `,"arguments":`...)
			b = pdk.AppendJSONString(b, tc.args.String())
			b = append(b, "}}"...)
		}
		b = append(b, ']')
	}
	finish := s.finish
	if finish == "" {
		finish = `"stop"`
	}
	b = append(b, `},"finish_reason":`+finish+`}]`...)
	if s.usage != nil {
		b = append(b, `,"usage":`...)
		b = append(b, s.usage...)
	}
	return append(b, '}')
}
