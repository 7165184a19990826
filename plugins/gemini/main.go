// Command gemini is the adapter for Google's Gemini API (generateContent and
// streamGenerateContent with alt=sse). Its request hook turns the canonical
// request into a Gemini request: system messages become systemInstruction,
// assistant turns the "model" role, tool calls and results functionCall and
// functionResponse parts, tools functionDeclarations whose JSON schemas are
// cleaned of what Gemini refuses. Its response and chunk hooks turn Gemini's
// candidates and usageMetadata back into a chat.completion and its chunks;
// a blocked prompt or a candidate stopped for safety becomes an API error.
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

// signatureMark separates a tool call's id from the Gemini thought
// signature carried in it ("~" is in neither base64 alphabet).
const signatureMark = "~sig~"

// DefaultBaseURL is used when the provider has no base_url.
const DefaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"

type adapter struct {
	// SafetySettings are passed to Gemini as they are (its safetySettings).
	SafetySettings []map[string]string `json:"safety_settings"`
	safety         []byte

	// Per request: reset in OnRequest.
	f       openaichat.Fields // the top-level fields of body
	body    []byte            // the canonical request, then the provider request
	out     []byte
	parts   []byte // one message's parts
	text    []byte // a stream event's text
	meta    openaichat.Meta
	stream  bool
	started map[int]bool // a stream's choices that had their role
	calls   map[int]int  // tool calls so far, per choice
}

// now is the clock; tests fix it.
var now = time.Now

func (a *adapter) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(a); err != nil {
		return errors.New("gemini: config: " + err.Error())
	}
	if len(a.SafetySettings) > 0 {
		a.safety = []byte(`[`)
		for i, s := range a.SafetySettings {
			if s["category"] == "" || s["threshold"] == "" {
				return errors.New("gemini: config: each safety_settings entry needs a category and a threshold")
			}
			if i > 0 {
				a.safety = append(a.safety, ',')
			}
			a.safety = pdk.AppendJSONString(append(a.safety, `{"category":`...), s["category"])
			a.safety = pdk.AppendJSONString(append(a.safety, `,"threshold":`...), s["threshold"])
			a.safety = append(a.safety, '}')
		}
		a.safety = append(a.safety, ']')
	}
	return nil
}

func (a *adapter) OnRequest(req *pdk.Request) pdk.Action {
	a.stream = req.Stream()
	if a.started == nil {
		a.started, a.calls = map[int]bool{}, map[int]int{}
	}
	clear(a.started)
	clear(a.calls)
	a.body, _ = req.AppendBody(a.body[:0])
	a.f.Reset(a.body)
	r := &a.f

	t := openaichat.ReadTarget(r, DefaultBaseURL)
	a.meta = openaichat.NewMeta(now().Unix(), t.Model)
	url := t.BaseURL + "/models/" + t.Model
	if a.stream {
		url += ":streamGenerateContent?alt=sse"
	} else {
		url += ":generateContent"
	}
	out, err := a.translate(a.out[:0], r)
	a.out = out
	if err != nil {
		return pdk.Error(400, "invalid_request_error", "gemini: "+err.Error())
	}
	if err := openaichat.Send(url, a.out, "content-type", "application/json", "x-goog-api-key", t.Key); err != nil {
		return fail("provider request", err)
	}
	return pdk.Continue
}

// translate appends the Gemini request for the canonical request r.
func (a *adapter) translate(b []byte, r *openaichat.Fields) ([]byte, error) {
	msgs := r.Get("messages")
	var names map[string]string // tool call ids to names, when a tool message needs them
	b = append(b, `{"contents":`...)
	b, system, scratch, err := openaichat.AppendTurns(b, msgs, "parts", a.parts, func(m gjson.Result, role string, parts []byte) (string, []byte, error) {
		switch role {
		case "user":
			parts, err := appendContentParts(parts, m.Get("content"))
			return "user", parts, err
		case "assistant":
			if c := m.Get("content"); openaichat.HasText(c) {
				parts = openaichat.AppendText(append(parts, `{"text":`...), c)
				parts = append(parts, '}')
			}
			m.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
				if len(parts) > 0 {
					parts = append(parts, ',')
				}
				parts = pdk.AppendJSONString(append(parts, `{"functionCall":{"name":`...), tc.Get("function.name").Str)
				parts = append(append(parts, `,"args":`...), openaichat.Args(tc.Get("function.arguments").Str)...)
				parts = append(parts, '}')
				if _, sig, ok := strings.Cut(tc.Get("id").Str, signatureMark); ok {
					parts = pdk.AppendJSONString(append(parts, `,"thoughtSignature":`...), sig)
				}
				parts = append(parts, '}')
				return true
			})
			return "model", parts, nil
		case "tool":
			if names == nil {
				names = openaichat.ToolNames(msgs)
			}
			name := names[m.Get("tool_call_id").Str]
			if name == "" {
				name = m.Get("name").Str
			}
			if name == "" {
				return "", parts, errors.New("a tool message's tool_call_id matches no tool call of an assistant message")
			}
			// A functionResponse is a user part: Gemini joins it with the
			// user message after it into one turn.
			parts = pdk.AppendJSONString(append(parts, `{"functionResponse":{"name":`...), name)
			parts = append(append(parts, `,"response":`...), toolResponse(openaichat.Text(m.Get("content")))...)
			return "user", append(parts, "}}"...), nil
		}
		return "", parts, errors.New("unknown message role " + strconv.Quote(role))
	})
	a.parts = scratch
	if err != nil {
		return b, err
	}
	if len(system) > 0 {
		b = pdk.AppendJSONString(append(b, `,"systemInstruction":{"parts":[{"text":`...), strings.Join(system, "\n\n"))
		b = append(b, "}]}"...)
	}
	if tools := r.Get("tools"); tools.IsArray() && tools.Get("#").Int() > 0 {
		b = append(b, `,"tools":[{"functionDeclarations":[`...)
		i := 0
		tools.ForEach(func(_, t gjson.Result) bool {
			fn := t.Get("function")
			if t.Get("type").Str != "function" || !fn.Exists() {
				return true
			}
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = pdk.AppendJSONString(append(b, `{"name":`...), fn.Get("name").Str)
			if d := fn.Get("description"); d.Exists() {
				b = append(append(b, `,"description":`...), d.Raw...)
			}
			// Gemini refuses an object schema without properties.
			if p := fn.Get("parameters"); p.IsObject() && p.Get("properties.@keys.#").Int() > 0 {
				b = cleanSchema(append(b, `,"parameters":`...), p)
			}
			b = append(b, '}')
			return true
		})
		b = append(b, "]}]"...)
		b = appendToolConfig(b, r.Get("tool_choice"))
	}
	if a.safety != nil {
		b = append(append(b, `,"safetySettings":`...), a.safety...)
	}
	b = appendGenerationConfig(b, r)
	return append(b, '}'), nil
}

// appendContentParts appends the Gemini parts of a user content.
func appendContentParts(b []byte, content gjson.Result) ([]byte, error) {
	var err error
	openaichat.Parts(content, func(p gjson.Result, typ string) {
		if err != nil {
			return
		}
		part := len(b)
		if part > 0 {
			b = append(b, ',')
		}
		switch typ {
		case "text":
			if p.IsObject() {
				p = p.Get("text")
			}
			b = openaichat.AppendText(append(b, `{"text":`...), p)
			b = append(b, '}')
		case "image_url", "input_audio", "file":
			url := p.Get("image_url.url").Str
			if mime, data, ok := openaichat.DataURL(url); ok {
				b = pdk.AppendJSONString(append(b, `{"inlineData":{"mimeType":`...), mime)
				b = pdk.AppendJSONString(append(b, `,"data":`...), data)
				b = append(b, "}}"...)
			} else if typ == "image_url" && url != "" {
				b = pdk.AppendJSONString(append(b, `{"fileData":{"mimeType":`...), mimeOf(url))
				b = pdk.AppendJSONString(append(b, `,"fileUri":`...), url)
				b = append(b, "}}"...)
			} else {
				err = errors.New("a content part of type " + strconv.Quote(typ) + " needs an image_url with a data: or http(s) URL")
			}
		default:
			err = errors.New("unsupported content part type " + strconv.Quote(typ))
		}
	})
	return b, err
}

// mimeOf guesses an image's type from its URL; Gemini needs one for
// fileData.
func mimeOf(url string) string {
	url, _, _ = strings.Cut(url, "?")
	switch {
	case strings.HasSuffix(url, ".png"):
		return "image/png"
	case strings.HasSuffix(url, ".webp"):
		return "image/webp"
	case strings.HasSuffix(url, ".gif"):
		return "image/gif"
	case strings.HasSuffix(url, ".pdf"):
		return "application/pdf"
	}
	return "image/jpeg"
}

// toolResponse is a functionResponse's response, which must be an object: a
// JSON object result as it is, anything else as {"content": ...}.
func toolResponse(s string) string {
	t := strings.TrimSpace(s)
	if len(t) > 0 && t[0] == '{' && gjson.Valid(t) {
		return t
	}
	return string(pdk.AppendJSONString([]byte(`{"content":`), s)) + "}"
}

func appendToolConfig(b []byte, choice gjson.Result) []byte {
	mode, name := "", ""
	switch {
	case choice.Str == "none":
		mode = "NONE"
	case choice.Str == "required":
		mode = "ANY"
	case choice.Str == "auto":
		mode = "AUTO"
	case choice.IsObject():
		mode, name = "ANY", choice.Get("function.name").Str
	default:
		return b
	}
	b = append(append(b, `,"toolConfig":{"functionCallingConfig":{"mode":"`...), mode...)
	b = append(b, '"')
	if name != "" {
		b = pdk.AppendJSONString(append(b, `,"allowedFunctionNames":[`...), name)
		b = append(b, ']')
	}
	return append(b, "}}"...)
}

func appendGenerationConfig(b []byte, r *openaichat.Fields) []byte {
	mark := len(b)
	b = append(b, `,"generationConfig":{`...)
	first := true
	b, first = openaichat.AppendField(b, "temperature", r.Get("temperature"), first)
	b, first = openaichat.AppendField(b, "topP", r.Get("top_p"), first)
	b, first = openaichat.AppendField(b, "maxOutputTokens", openaichat.MaxTokens(r), first)
	b, first = openaichat.AppendField(b, "candidateCount", r.Get("n"), first)
	b, first = openaichat.AppendField(b, "seed", r.Get("seed"), first)
	b, first = openaichat.AppendField(b, "presencePenalty", r.Get("presence_penalty"), first)
	b, first = openaichat.AppendField(b, "frequencyPenalty", r.Get("frequency_penalty"), first)
	if stops := openaichat.Stops(r.Get("stop")); len(stops) > 0 {
		if !first {
			b = append(b, ',')
		}
		b, first = openaichat.AppendStrings(append(b, `"stopSequences":`...), stops), false
	}
	switch rf := r.Get("response_format"); rf.Get("type").Str {
	case "json_object", "json_schema":
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `"responseMimeType":"application/json"`...)
		if s := rf.Get("json_schema.schema"); s.IsObject() {
			b = cleanSchema(append(b, `,"responseSchema":`...), s)
		}
	}
	if first {
		return b[:mark]
	}
	return append(b, '}')
}

// parse parses a Gemini answer (or stream event) in a.body; ok is false with
// the error for an error object or a blocked prompt.
func (a *adapter) parse() (r *openaichat.Fields, act pdk.Action, ok bool) {
	a.f.Reset(a.body)
	r = &a.f
	if r.Get("error").Exists() {
		return r, pdk.Error(502, "upstream_error", "gemini: "+r.Get("error.message").Str), false
	}
	if act, blocked := blockError(r); blocked {
		return r, act, false
	}
	return r, pdk.Continue, true
}

func (a *adapter) OnResponse(resp *pdk.Response) pdk.Action {
	a.body, _ = pdk.UpstreamResponse().AppendBody(a.body[:0])
	r, act, ok := a.parse()
	if !ok {
		return act
	}
	// The model version names the answer; a stream keeps the model it
	// started with, as its fast path does not read it.
	if v := r.Get("modelVersion").Str; v != "" {
		a.meta.Model = strings.Clone(v) // v points into the reused body buffer
	}
	var choices []openaichat.Choice
	var stopped pdk.Action
	blocked := false
	r.Get("candidates").ForEach(func(_, cand gjson.Result) bool {
		c, reason := a.choice(cand)
		if safetyStop(reason) && !c.HasContent && len(c.ToolCalls) == 0 {
			stopped, blocked = safetyError(reason, cand), true
			return false
		}
		c.Finish = finishReason(reason, len(c.ToolCalls) > 0)
		choices = append(choices, c)
		return true
	})
	if blocked {
		return stopped
	}
	if len(choices) == 0 {
		return pdk.Error(502, "upstream_error", "gemini: the response has no candidates")
	}
	u := usage(r.Get("usageMetadata"))
	var err error
	if a.out, err = openaichat.SetCompletion(resp, a.out, &a.meta, choices, &u); err != nil {
		return fail("answer", err)
	}
	return pdk.Continue
}

func (a *adapter) OnChunk(c *pdk.Chunk) pdk.Action {
	if act, done := a.textChunk(c); done {
		return act
	}
	a.body, _ = pdk.UpstreamChunk().AppendBody(a.body[:0])
	r, act, ok := a.parse()
	if !ok {
		return act
	}
	var choices []openaichat.Choice
	var stopped pdk.Action
	blocked, final := false, false
	r.Get("candidates").ForEach(func(_, cand gjson.Result) bool {
		ch, reason := a.choice(cand)
		if a.started == nil {
			a.started = map[int]bool{}
		}
		if !a.started[ch.Index] {
			ch.Role, a.started[ch.Index] = true, true
		}
		if reason != "" {
			if safetyStop(reason) {
				stopped, blocked = safetyError(reason, cand), true
				return false
			}
			ch.Finish = finishReason(reason, a.calls[ch.Index] > 0)
			final = true
		}
		choices = append(choices, ch)
		return true
	})
	if blocked {
		return stopped
	}
	if len(choices) == 0 && !final {
		return dropped(c)
	}
	// Gemini repeats usageMetadata on every event; the final event's counts
	// go out with the finish reason.
	var u *openaichat.Usage
	if final {
		v := usage(r.Get("usageMetadata"))
		u = &v
	}
	var err error
	if a.out, err = openaichat.SetChunk(c, a.out, &a.meta, choices, u); err != nil {
		return fail("answer", err)
	}
	return pdk.Continue
}

// textChunk handles the common event, one candidate with one text part and
// no finish reason, with a few host lookups; done is false for any other
// event.
func (a *adapter) textChunk(c *pdk.Chunk) (act pdk.Action, done bool) {
	up := pdk.UpstreamChunk()
	if n, _ := up.GetInt("candidates.#"); n != 1 {
		return act, false
	}
	if n, _ := up.GetInt("candidates.0.content.parts.#"); n != 1 {
		return act, false
	}
	if up.Has("candidates.0.finishReason") || up.Has("candidates.0.content.parts.0.thought") ||
		up.Has("promptFeedback.blockReason") || up.Has("error") {
		return act, false
	}
	var ok bool
	if a.text, ok = up.AppendString(a.text[:0], "candidates.0.content.parts.0.text"); !ok {
		return act, false
	}
	index, _ := up.GetInt("candidates.0.index")
	if a.started == nil {
		a.started = map[int]bool{}
	}
	role := !a.started[index]
	a.started[index] = true
	var err error
	if a.out, err = openaichat.TextChunk(c, a.out, &a.meta, index, role, a.text); err != nil {
		return fail("answer", err), true
	}
	return pdk.Continue, true
}

// choice turns a candidate's parts into a choice: text parts joined, function
// calls as tool calls, thought summaries left out.
func (a *adapter) choice(cand gjson.Result) (c openaichat.Choice, finishReason string) {
	// One pass over the candidate's fields: lookups by path would each scan
	// its parts and safety ratings again.
	var parts gjson.Result
	cand.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "index":
			c.Index = int(v.Int())
		case "finishReason":
			finishReason = v.Str
		case "content":
			parts = v.Get("parts")
		}
		return true
	})
	var text strings.Builder
	parts.ForEach(func(_, p gjson.Result) bool {
		var txt gjson.Result
		thought, call := false, false
		p.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "thought":
				thought = v.Bool()
			case "functionCall":
				call = true
			case "text":
				txt = v
			}
			return true
		})
		switch {
		case thought:
		case call:
			c.ToolCalls = append(c.ToolCalls, a.toolCall(c.Index, p))
		case txt.Exists():
			text.WriteString(txt.Str)
			c.HasContent = true
		}
		return true
	})
	c.Content = text.String()
	return c, finishReason
}

func dropped(c *pdk.Chunk) pdk.Action {
	if err := c.Drop(); err != nil {
		return fail("drop chunk", err)
	}
	return pdk.Continue
}

// toolCall turns a functionCall into a tool call. Gemini gives calls no id
// (or, lately, one): the canonical id is Gemini's, or made from the request
// id and the call's position, so it is stable within a stream.
//
// Gemini 3 refuses a conversation whose function calls come back without
// the thoughtSignature it gave them; the canonical format has no place for
// it, so it travels in the tool call's id after signatureMark, which clients
// send back unchanged, and the request hook puts it back on the call.
func (a *adapter) toolCall(choice int, part gjson.Result) openaichat.ToolCall {
	fc := part.Get("functionCall")
	if a.calls == nil {
		a.calls = map[int]int{}
	}
	n := a.calls[choice]
	a.calls[choice] = n + 1
	id := fc.Get("id").Str
	if id == "" {
		id = "call_" + strings.TrimPrefix(a.meta.ID, "chatcmpl-") + "_" + strconv.Itoa(choice) + "_" + strconv.Itoa(n)
	}
	if sig := part.Get("thoughtSignature").Str; sig != "" {
		id += signatureMark + sig
	}
	args := openaichat.Compact(fc.Get("args").Raw)
	if args == "" {
		args = "{}"
	}
	return openaichat.ToolCall{Index: n, ID: id, Name: fc.Get("name").Str, Args: args}
}

func finishReason(reason string, toolCalls bool) string {
	switch reason {
	case "MAX_TOKENS":
		return openaichat.FinishLength
	case "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL":
		return openaichat.FinishStop
	}
	if toolCalls {
		return openaichat.FinishToolCalls
	}
	return openaichat.FinishStop
}

// safetyStop reports whether a finish reason means Gemini withheld the
// answer.
func safetyStop(reason string) bool {
	switch reason {
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY":
		return true
	}
	return false
}

// blockError is the error for a prompt Gemini refused (promptFeedback).
func blockError(r *openaichat.Fields) (pdk.Action, bool) {
	reason := r.Get("promptFeedback.blockReason").Str
	if reason == "" {
		return pdk.Continue, false
	}
	msg := "gemini: the prompt was blocked (" + reason + ")"
	if cats := blockedCategories(r.Get("promptFeedback.safetyRatings")); cats != "" {
		msg += ": " + cats
	}
	return pdk.Error(400, "invalid_request_error", msg), true
}

// safetyError is the error for a candidate stopped for safety.
func safetyError(reason string, cand gjson.Result) pdk.Action {
	msg := "gemini: the answer was withheld (finishReason " + reason + ")"
	if cats := blockedCategories(cand.Get("safetyRatings")); cats != "" {
		msg += ": " + cats
	}
	return pdk.Error(400, "invalid_request_error", msg)
}

// blockedCategories names the safety categories rated as blocked or of
// high probability.
func blockedCategories(ratings gjson.Result) string {
	var cats []string
	ratings.ForEach(func(_, r gjson.Result) bool {
		if r.Get("blocked").Bool() || r.Get("probability").Str == "HIGH" {
			cats = append(cats, r.Get("category").Str)
		}
		return true
	})
	return strings.Join(cats, ", ")
}

// usage maps usageMetadata; completion tokens include the thinking tokens,
// as OpenAI counts reasoning.
func usage(m gjson.Result) openaichat.Usage {
	// One pass over the object: it is long (per-modality details), and
	// each lookup by path would scan it again.
	var u openaichat.Usage
	candidates := 0
	m.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "promptTokenCount":
			u.Prompt = int(v.Int())
		case "candidatesTokenCount":
			candidates = int(v.Int())
		case "totalTokenCount":
			u.Total = int(v.Int())
		case "cachedContentTokenCount":
			u.Cached = int(v.Int())
		case "thoughtsTokenCount":
			u.Reasoning = int(v.Int())
		}
		return true
	})
	u.Completion = candidates + u.Reasoning
	return u
}

func fail(what string, err error) pdk.Action {
	return pdk.Error(500, "plugin_error", "gemini: "+what+": "+err.Error())
}

func init() { pdk.Register(&adapter{}) }

func main() {}
