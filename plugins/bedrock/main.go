// Command bedrock is the adapter for Amazon Bedrock's Converse and
// ConverseStream APIs. Its request hook turns the canonical request into a
// Converse request (system, messages of content blocks, inferenceConfig,
// toolConfig with toolUse and toolResult blocks) and signs it with AWS
// Signature Version 4 (or sends a Bedrock API key as a bearer token). Its
// response hook turns the Converse output, stopReason and usage into a
// chat.completion; its chunk hook turns each ConverseStream event, decoded
// from the binary event stream by the gateway, into a chunk.
package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/plugins/internal/openaichat"
)

type adapter struct {
	// Region is the AWS region to sign for; by default the one in the
	// provider's base_url (bedrock-runtime.<region>.amazonaws.com).
	Region string `json:"region"`

	// Per request: reset in OnRequest.
	f         openaichat.Fields // the top-level fields of body
	body      []byte
	out       []byte
	blocksBuf []byte // one message's content blocks
	text      []byte // a stream event's text
	meta      openaichat.Meta
	blocks    map[int]int // a stream's content block index -> tool call index
	calls     int
}

func (a *adapter) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(a); err != nil {
		return errors.New("bedrock: config: " + err.Error())
	}
	return nil
}

func (a *adapter) OnRequest(req *pdk.Request) pdk.Action {
	if a.blocks == nil {
		a.blocks = map[int]int{}
	}
	clear(a.blocks)
	a.calls = 0
	a.body, _ = req.AppendBody(a.body[:0])
	a.f.Reset(a.body)
	r := &a.f
	t := openaichat.ReadTarget(r, "")
	a.meta = openaichat.NewMeta(now().Unix(), t.Model)
	if t.BaseURL == "" {
		return pdk.Error(500, "plugin_error", "bedrock: the provider has no base_url")
	}
	url := t.BaseURL + "/model/" + escapeSegment(t.Model) + "/converse"
	accept := "application/json"
	if req.Stream() {
		url += "-stream"
		accept = "application/vnd.amazon.eventstream"
	}
	out, err := a.translate(a.out[:0], r)
	a.out = out
	if err != nil {
		return pdk.Error(400, "invalid_request_error", "bedrock: "+err.Error())
	}
	headers := []string{"content-type", "application/json", "accept", accept}
	if creds, ok := parseKey(t.Key); ok {
		region := a.Region
		if region == "" {
			region = regionOf(t.BaseURL)
		}
		if region == "" {
			return pdk.Error(500, "plugin_error", "bedrock: no region: set region in the adapter_config or use a bedrock-runtime.<region>.amazonaws.com base_url")
		}
		signed, err := sign(url, a.out, creds, region, now())
		if err != nil {
			return fail("sign", err)
		}
		for _, h := range signed {
			headers = append(headers, h[0], h[1])
		}
	} else if t.Key != "" {
		headers = append(headers, "authorization", "Bearer "+t.Key)
	}
	if err := openaichat.Send(url, a.out, headers...); err != nil {
		return fail("provider request", err)
	}
	return pdk.Continue
}

// translate appends the Converse request for the canonical request r.
func (a *adapter) translate(b []byte, r *openaichat.Fields) ([]byte, error) {
	b = append(b, `{"messages":`...)
	b, system, scratch, err := openaichat.AppendTurns(b, r.Get("messages"), "content", a.blocksBuf, func(m gjson.Result, role string, blocks []byte) (string, []byte, error) {
		switch role {
		case "user":
			blocks, err := appendUserBlocks(blocks, m.Get("content"))
			return "user", blocks, err
		case "assistant":
			if c := m.Get("content"); openaichat.HasText(c) {
				blocks = appendText(blocks, c)
			}
			m.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
				if len(blocks) > 0 {
					blocks = append(blocks, ',')
				}
				blocks = pdk.AppendJSONString(append(blocks, `{"toolUse":{"toolUseId":`...), tc.Get("id").Str)
				blocks = pdk.AppendJSONString(append(blocks, `,"name":`...), tc.Get("function.name").Str)
				blocks = append(append(blocks, `,"input":`...), openaichat.Args(tc.Get("function.arguments").Str)...)
				blocks = append(blocks, "}}"...)
				return true
			})
			return "assistant", blocks, nil
		case "tool":
			// A toolResult is a user block: Converse joins it with the user
			// message after it into one turn.
			blocks = pdk.AppendJSONString(append(blocks, `{"toolResult":{"toolUseId":`...), m.Get("tool_call_id").Str)
			blocks = append(blocks, `,"content":[`...)
			blocks = appendText(blocks, m.Get("content"))
			return "user", append(blocks, `],"status":"success"}}`...), nil
		}
		return "", blocks, errors.New("unknown message role " + strconv.Quote(role))
	})
	a.blocksBuf = scratch
	if err != nil {
		return b, err
	}
	if len(system) > 0 {
		b = append(b, `,"system":[`...)
		for i, s := range system {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(pdk.AppendJSONString(append(b, `{"text":`...), s), '}')
		}
		b = append(b, ']')
	}
	mark := len(b)
	b = append(b, `,"inferenceConfig":{`...)
	first := true
	b, first = openaichat.AppendField(b, "maxTokens", openaichat.MaxTokens(r), first)
	b, first = openaichat.AppendField(b, "temperature", r.Get("temperature"), first)
	b, first = openaichat.AppendField(b, "topP", r.Get("top_p"), first)
	if stops := openaichat.Stops(r.Get("stop")); len(stops) > 0 {
		if !first {
			b = append(b, ',')
		}
		b, first = openaichat.AppendStrings(append(b, `"stopSequences":`...), stops), false
	}
	if first {
		b = b[:mark]
	} else {
		b = append(b, '}')
	}
	if tools := r.Get("tools"); tools.IsArray() && tools.Get("#").Int() > 0 {
		b = append(b, `,"toolConfig":{"tools":[`...)
		i := 0
		tools.ForEach(func(_, t gjson.Result) bool {
			fn := t.Get("function")
			if !fn.Exists() {
				return true
			}
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = pdk.AppendJSONString(append(b, `{"toolSpec":{"name":`...), fn.Get("name").Str)
			if d := fn.Get("description"); d.Exists() {
				b = append(append(b, `,"description":`...), d.Raw...)
			}
			params := fn.Get("parameters").Raw
			if params == "" {
				params = `{"type":"object","properties":{}}`
			}
			b = append(append(append(b, `,"inputSchema":{"json":`...), params...), "}}}"...)
			return true
		})
		b = append(b, ']')
		// Converse has no "none": without a choice the model decides.
		switch tc := r.Get("tool_choice"); {
		case tc.Str == "auto":
			b = append(b, `,"toolChoice":{"auto":{}}`...)
		case tc.Str == "required":
			b = append(b, `,"toolChoice":{"any":{}}`...)
		case tc.IsObject():
			b = pdk.AppendJSONString(append(b, `,"toolChoice":{"tool":{"name":`...), tc.Get("function.name").Str)
			b = append(b, "}}"...)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendText appends a text block of a content's text.
func appendText(b []byte, content gjson.Result) []byte {
	b = openaichat.AppendText(append(b, `{"text":`...), content)
	return append(b, '}')
}

// appendUserBlocks appends the content blocks of a user message. Images go
// as bytes: Converse takes no image URLs.
func appendUserBlocks(b []byte, content gjson.Result) ([]byte, error) {
	var err error
	openaichat.Parts(content, func(p gjson.Result, typ string) {
		if err != nil {
			return
		}
		mark := len(b)
		if mark > 0 {
			b = append(b, ',')
		}
		switch typ {
		case "text":
			if p.IsObject() {
				p = p.Get("text")
			}
			if !openaichat.HasText(p) { // Converse refuses empty text blocks
				b = b[:mark]
				return
			}
			b = appendText(b, p)
		case "image_url":
			mime, data, ok := openaichat.DataURL(p.Get("image_url.url").Str)
			format, known := strings.CutPrefix(mime, "image/")
			if !ok || !known {
				err = errors.New("images must be data: URLs (base64); Bedrock takes no image links")
				return
			}
			if format == "jpg" {
				format = "jpeg"
			}
			b = pdk.AppendJSONString(append(b, `{"image":{"format":`...), format)
			b = pdk.AppendJSONString(append(b, `,"source":{"bytes":`...), data)
			b = append(b, "}}}"...)
		default:
			err = errors.New("unsupported content part type " + strconv.Quote(typ))
		}
	})
	return b, err
}

func (a *adapter) OnResponse(resp *pdk.Response) pdk.Action {
	a.body, _ = pdk.UpstreamResponse().AppendBody(a.body[:0])
	a.f.Reset(a.body)
	r := &a.f
	msg := r.Get("output.message")
	if !msg.Exists() {
		return pdk.Error(502, "upstream_error", "bedrock: the response has no output message")
	}
	c := openaichat.Choice{}
	var text strings.Builder
	msg.Get("content").ForEach(func(_, block gjson.Result) bool {
		if t := block.Get("text"); t.Exists() {
			text.WriteString(t.Str)
			c.HasContent = true
		} else if tu := block.Get("toolUse"); tu.Exists() {
			c.ToolCalls = append(c.ToolCalls, openaichat.ToolCall{Index: len(c.ToolCalls), ID: tu.Get("toolUseId").Str,
				Name: tu.Get("name").Str, Args: openaichat.Compact(tu.Get("input").Raw)})
		}
		return true
	})
	c.Content = text.String()
	c.Finish = finishReason(r.Get("stopReason").Str)
	u := usage(r.Get("usage"))
	var err error
	if a.out, err = openaichat.SetCompletion(resp, a.out, &a.meta, []openaichat.Choice{c}, &u); err != nil {
		return fail("answer", err)
	}
	return pdk.Continue
}

// OnChunk translates one ConverseStream event. The event's type travels in
// the event-stream headers; the payload's fields tell the types apart as
// well: messageStart has role, contentBlockStart start, contentBlockDelta
// delta, messageStop stopReason, metadata usage, contentBlockStop only the
// block index.
func (a *adapter) OnChunk(c *pdk.Chunk) pdk.Action {
	// Most events are text deltas: one host lookup finds the text without
	// parsing the event in the guest.
	up := pdk.UpstreamChunk()
	var ok bool
	if a.text, ok = up.AppendString(a.text[:0], "delta.text"); ok {
		var err error
		if a.out, err = openaichat.TextChunk(c, a.out, &a.meta, 0, false, a.text); err != nil {
			return fail("answer", err)
		}
		return pdk.Continue
	}
	a.body, _ = up.AppendBody(a.body[:0])
	a.f.Reset(a.body)
	r := &a.f
	choices := []openaichat.Choice{{}}
	var u *openaichat.Usage
	block := int(r.Get("contentBlockIndex").Int())
	switch {
	case r.Get("delta").Exists():
		d := r.Get("delta")
		if t := d.Get("text"); t.Exists() {
			choices[0].Content, choices[0].HasContent = t.Str, true
		} else if in := d.Get("toolUse.input"); in.Exists() {
			i, ok := a.blocks[block]
			if !ok {
				return pdk.Error(502, "upstream_error", "bedrock: a tool input delta for a block that did not start")
			}
			choices[0].ToolCalls = []openaichat.ToolCall{{Index: i, Args: in.Str}}
		} else {
			return drop(c) // reasoning and other block kinds
		}
	case r.Get("start.toolUse").Exists():
		tu := r.Get("start.toolUse")
		if a.blocks == nil {
			a.blocks = map[int]int{}
		}
		a.blocks[block] = a.calls
		choices[0].ToolCalls = []openaichat.ToolCall{{Index: a.calls, ID: tu.Get("toolUseId").Str, Name: tu.Get("name").Str}}
		a.calls++
	case r.Get("stopReason").Exists():
		choices[0].Finish = finishReason(r.Get("stopReason").Str)
	case r.Get("usage").Exists():
		v := usage(r.Get("usage"))
		u, choices = &v, nil
	case r.Get("role").Exists():
		choices[0].Role, choices[0].HasContent = true, true
	default:
		return drop(c) // contentBlockStop, or a start of another kind
	}
	var err error
	if a.out, err = openaichat.SetChunk(c, a.out, &a.meta, choices, u); err != nil {
		return fail("answer", err)
	}
	return pdk.Continue
}

func drop(c *pdk.Chunk) pdk.Action {
	if err := c.Drop(); err != nil {
		return fail("drop chunk", err)
	}
	return pdk.Continue
}

func finishReason(reason string) string {
	switch reason {
	case "tool_use":
		return openaichat.FinishToolCalls
	case "max_tokens", "model_context_window_exceeded":
		return openaichat.FinishLength
	case "guardrail_intervened", "content_filtered":
		return openaichat.FinishContentFilter
	}
	return openaichat.FinishStop
}

// usage maps Converse usage. Bedrock counts cache reads and writes apart
// from inputTokens; OpenAI's prompt_tokens includes them.
func usage(u gjson.Result) openaichat.Usage {
	cached := int(u.Get("cacheReadInputTokens").Int())
	prompt := int(u.Get("inputTokens").Int()) + cached + int(u.Get("cacheWriteInputTokens").Int())
	out := int(u.Get("outputTokens").Int())
	return openaichat.Usage{Prompt: prompt, Completion: out, Total: prompt + out, Cached: cached}
}

func fail(what string, err error) pdk.Action {
	return pdk.Error(500, "plugin_error", "bedrock: "+what+": "+err.Error())
}

func init() { pdk.Register(&adapter{}) }

func main() {}
