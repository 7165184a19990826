// Command cohere is the adapter for Cohere's Chat API v2 (POST /v2/chat).
// Cohere v2 messages are close to OpenAI's: the request hook renames the
// sampling fields (stop -> stop_sequences, top_p -> p), maps tool_choice and
// response_format and keeps messages and tools. The response hook turns
// Cohere's message (content blocks, tool_calls), finish_reason and usage into
// a chat.completion; the chunk hook turns the stream's typed events
// (content-delta, tool-call-start/delta/end, message-end) into chunks.
package main

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/plugins/internal/openaichat"
)

// DefaultBaseURL is used when the provider has no base_url.
const DefaultBaseURL = "https://api.cohere.com"

type adapter struct {
	// Per request: reset in OnRequest.
	f       openaichat.Fields // the top-level fields of body
	body    []byte
	out     []byte
	text    []byte // a stream event's type or text
	meta    openaichat.Meta
	started bool // a stream's first chunk (with the role) went out
	calls   int  // tool calls started in a stream
}

// now is the clock; tests fix it.
var now = time.Now

func (a *adapter) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(a); err != nil {
		return errors.New("cohere: config: " + err.Error())
	}
	return nil
}

func (a *adapter) OnRequest(req *pdk.Request) pdk.Action {
	a.started, a.calls = false, 0
	a.body, _ = req.AppendBody(a.body[:0])
	a.f.Reset(a.body)
	r := &a.f
	t := openaichat.ReadTarget(r, DefaultBaseURL)
	a.meta = openaichat.NewMeta(now().Unix(), t.Model)
	out, err := translate(a.out[:0], r, t.Model)
	a.out = out
	if err != nil {
		return pdk.Error(400, "invalid_request_error", "cohere: "+err.Error())
	}
	accept := "application/json"
	if r.Get("stream").Bool() {
		accept = "text/event-stream"
	}
	bearer := ""
	if t.Key != "" {
		bearer = "Bearer " + t.Key
	}
	if err := openaichat.Send(t.BaseURL+"/v2/chat", a.out,
		"content-type", "application/json", "accept", accept, "authorization", bearer); err != nil {
		return fail("provider request", err)
	}
	return pdk.Continue
}

// translate appends the Cohere v2 request for the canonical request r.
func translate(b []byte, r *openaichat.Fields, model string) ([]byte, error) {
	b = pdk.AppendJSONString(append(b, `{"model":`...), model)
	b = append(b, `,"messages":[`...)
	var err error
	n := 0
	r.Get("messages").ForEach(func(_, m gjson.Result) bool {
		role := m.Get("role").Str
		if n > 0 {
			b = append(b, ',')
		}
		n++
		switch role {
		case "system", "developer":
			b = openaichat.AppendText(append(b, `{"role":"system","content":`...), m.Get("content"))
		case "user":
			b = append(b, `{"role":"user","content":`...)
			if c := m.Get("content"); c.IsArray() {
				b, err = appendUserParts(b, c)
			} else {
				b = openaichat.AppendText(b, c)
			}
		case "assistant":
			b = append(b, `{"role":"assistant"`...)
			if c := m.Get("content"); openaichat.HasText(c) {
				b = openaichat.AppendText(append(b, `,"content":`...), c)
			}
			if tcs := m.Get("tool_calls"); tcs.IsArray() {
				b = append(b, `,"tool_calls":[`...)
				i := 0
				tcs.ForEach(func(_, tc gjson.Result) bool {
					if i > 0 {
						b = append(b, ',')
					}
					i++
					b = pdk.AppendJSONString(append(b, `{"id":`...), tc.Get("id").Str)
					b = pdk.AppendJSONString(append(b, `,"type":"function","function":{"name":`...), tc.Get("function.name").Str)
					b = pdk.AppendJSONString(append(b, `,"arguments":`...), tc.Get("function.arguments").Str)
					b = append(b, "}}"...)
					return true
				})
				b = append(b, ']')
			}
		case "tool":
			b = pdk.AppendJSONString(append(b, `{"role":"tool","tool_call_id":`...), m.Get("tool_call_id").Str)
			b = openaichat.AppendText(append(b, `,"content":`...), m.Get("content"))
		default:
			err = errors.New("unknown message role " + strconv.Quote(role))
		}
		b = append(b, '}')
		return err == nil
	})
	if err != nil {
		return b, err
	}
	b = append(b, ']')
	if tools := r.Get("tools"); tools.IsArray() && tools.Get("#").Int() > 0 {
		// Cohere v2 takes OpenAI's tool definitions as they are.
		b = append(append(b, `,"tools":`...), tools.Raw...)
		switch tc := r.Get("tool_choice"); {
		case tc.Str == "required" || tc.IsObject():
			b = append(b, `,"tool_choice":"REQUIRED"`...)
		case tc.Str == "none":
			b = append(b, `,"tool_choice":"NONE"`...)
		}
	}
	if r.Get("stream").Bool() {
		b = append(b, `,"stream":true`...)
	}
	first := false
	b, _ = openaichat.AppendField(b, "temperature", r.Get("temperature"), first)
	b, _ = openaichat.AppendField(b, "p", r.Get("top_p"), first)
	b, _ = openaichat.AppendField(b, "max_tokens", openaichat.MaxTokens(r), first)
	b, _ = openaichat.AppendField(b, "seed", r.Get("seed"), first)
	b, _ = openaichat.AppendField(b, "frequency_penalty", r.Get("frequency_penalty"), first)
	b, _ = openaichat.AppendField(b, "presence_penalty", r.Get("presence_penalty"), first)
	if stops := openaichat.Stops(r.Get("stop")); len(stops) > 0 {
		b = openaichat.AppendStrings(append(b, `,"stop_sequences":`...), stops)
	}
	switch rf := r.Get("response_format"); rf.Get("type").Str {
	case "json_object":
		b = append(b, `,"response_format":{"type":"json_object"}`...)
	case "json_schema":
		b = append(b, `,"response_format":{"type":"json_object"`...)
		if s := rf.Get("json_schema.schema"); s.IsObject() {
			b = append(append(b, `,"json_schema":`...), s.Raw...)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendUserParts appends an array content: text parts and image_url parts
// (Cohere's vision models take OpenAI's image_url form).
func appendUserParts(b []byte, content gjson.Result) ([]byte, error) {
	b = append(b, '[')
	var err error
	i := 0
	openaichat.Parts(content, func(p gjson.Result, typ string) {
		if i > 0 {
			b = append(b, ',')
		}
		i++
		switch typ {
		case "text":
			b = pdk.AppendJSONString(append(b, `{"type":"text","text":`...), p.Get("text").Str)
			b = append(b, '}')
		case "image_url":
			b = pdk.AppendJSONString(append(b, `{"type":"image_url","image_url":{"url":`...), p.Get("image_url.url").Str)
			b = append(b, "}}"...)
		default:
			err = errors.New("unsupported content part type " + strconv.Quote(typ))
		}
	})
	return append(b, ']'), err
}

func (a *adapter) OnResponse(resp *pdk.Response) pdk.Action {
	a.body, _ = pdk.UpstreamResponse().AppendBody(a.body[:0])
	a.f.Reset(a.body)
	r := &a.f
	msg := r.Get("message")
	if !msg.Exists() {
		return pdk.Error(502, "upstream_error", "cohere: the response has no message")
	}
	c := openaichat.Choice{}
	var text strings.Builder
	msg.Get("content").ForEach(func(_, block gjson.Result) bool {
		if block.Get("type").Str == "text" {
			text.WriteString(block.Get("text").Str)
			c.HasContent = true
		}
		return true
	})
	c.Content = text.String()
	msg.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		c.ToolCalls = append(c.ToolCalls, openaichat.ToolCall{Index: len(c.ToolCalls), ID: tc.Get("id").Str,
			Name: tc.Get("function.name").Str, Args: tc.Get("function.arguments").Str})
		return true
	})
	if !c.HasContent && len(c.ToolCalls) > 0 {
		// The tool plan is the model's text before its calls.
		if plan := msg.Get("tool_plan").Str; plan != "" {
			c.Content, c.HasContent = plan, true
		}
	}
	c.Finish = finishReason(r.Get("finish_reason").Str)
	if c.Finish == "" {
		return pdk.Error(502, "upstream_error", "cohere: the answer ended with "+r.Get("finish_reason").Str)
	}
	if id := r.Get("id").Str; id != "" {
		a.meta.ID = strings.Clone(id) // id points into the reused body buffer
	}
	u := usage(r.Get("usage"))
	var err error
	if a.out, err = openaichat.SetCompletion(resp, a.out, &a.meta, []openaichat.Choice{c}, &u); err != nil {
		return fail("answer", err)
	}
	return pdk.Continue
}

func (a *adapter) OnChunk(c *pdk.Chunk) pdk.Action {
	// Most events are content deltas: two host lookups find the text
	// without parsing the event in the guest.
	up := pdk.UpstreamChunk()
	var ok bool
	if a.text, ok = up.AppendString(a.text[:0], "type"); ok && string(a.text) == "content-delta" {
		if a.text, ok = up.AppendString(a.text[:0], "delta.message.content.text"); ok {
			role := !a.started
			a.started = true
			var err error
			if a.out, err = openaichat.TextChunk(c, a.out, &a.meta, 0, role, a.text); err != nil {
				return fail("answer", err)
			}
			return pdk.Continue
		}
	}
	a.body, _ = up.AppendBody(a.body[:0])
	a.f.Reset(a.body)
	r := &a.f
	delta := r.Get("delta")
	ch := openaichat.Choice{Role: !a.started}
	var u *openaichat.Usage
	switch r.Get("type").Str {
	case "message-start":
		if id := r.Get("id").Str; id != "" {
			a.meta.ID = strings.Clone(id) // id points into the reused body buffer
		}
		ch.HasContent = true // the role, with empty content, as OpenAI's first chunk
	case "content-delta":
		ch.Content, ch.HasContent = delta.Get("message.content.text").Str, true
	case "tool-plan-delta":
		ch.Content, ch.HasContent = delta.Get("message.tool_plan").Str, true
	case "tool-call-start":
		tc := delta.Get("message.tool_calls")
		i := a.calls
		if v := r.Get("index"); v.Exists() {
			i = int(v.Int())
		}
		ch.ToolCalls = []openaichat.ToolCall{{Index: i, ID: tc.Get("id").Str,
			Name: tc.Get("function.name").Str, Args: tc.Get("function.arguments").Str}}
		a.calls = i + 1
	case "tool-call-delta":
		i := a.calls - 1
		if v := r.Get("index"); v.Exists() {
			i = int(v.Int())
		}
		ch.ToolCalls = []openaichat.ToolCall{{Index: i,
			Args: delta.Get("message.tool_calls.function.arguments").Str}}
	case "message-end":
		reason := delta.Get("finish_reason").Str
		if ch.Finish = finishReason(reason); ch.Finish == "" {
			return pdk.Error(502, "upstream_error", "cohere: the answer ended with "+reason)
		}
		v := usage(delta.Get("usage"))
		u = &v
	default:
		// content-start, content-end, tool-call-end, citations: nothing
		// for the client.
		if err := c.Drop(); err != nil {
			return fail("drop chunk", err)
		}
		return pdk.Continue
	}
	a.started = true
	var err error
	if a.out, err = openaichat.SetChunk(c, a.out, &a.meta, []openaichat.Choice{ch}, u); err != nil {
		return fail("answer", err)
	}
	return pdk.Continue
}

// finishReason maps Cohere's finish reasons; "" for the ones that are
// failures (ERROR, TIMEOUT).
func finishReason(reason string) string {
	switch reason {
	case "COMPLETE", "STOP_SEQUENCE":
		return openaichat.FinishStop
	case "MAX_TOKENS":
		return openaichat.FinishLength
	case "TOOL_CALL":
		return openaichat.FinishToolCalls
	}
	return ""
}

// usage maps Cohere's usage: the billed units when given (what the account
// is charged), the raw token counts otherwise.
func usage(u gjson.Result) openaichat.Usage {
	src := u.Get("billed_units")
	if !src.Get("input_tokens").Exists() {
		src = u.Get("tokens")
	}
	return openaichat.Usage{
		Prompt:     int(src.Get("input_tokens").Int()),
		Completion: int(src.Get("output_tokens").Int()),
		Cached:     int(u.Get("cached_tokens").Int()),
	}
}

func fail(what string, err error) pdk.Action {
	return pdk.Error(500, "plugin_error", "cohere: "+what+": "+err.Error())
}

func init() { pdk.Register(&adapter{}) }

func main() {}
