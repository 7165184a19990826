package main

import (
	"errors"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// The translation of the canonical request into a Messages request. The
// values never pass through the guest, and the guest does almost no work
// per value (in a Go guest every append costs tens of nanoseconds). First
// the fast way: one json_build call returns the request's settings, and a
// second one walks the messages on the host with a template per role and
// part type (built once), which gives up (BuildFail, a missing value) on
// anything it does not cover: errors, data: URLs of other media types,
// arguments that need a look. Then, for those, the general way: a shape
// query (roles, kinds of contents, numbers of tool calls and parts) and a
// body assembled from fragments, per message one fragment and the
// message's index, with the errors named.

// Roles of canonical messages, as the shape query codes them.
const (
	roleOther = iota
	roleSystem
	roleDeveloper
	roleUser
	roleAssistant
	roleTool
)

const roleNames = "system,developer,user,assistant,tool"

// Types of content parts.
const (
	partOther = iota
	partText
	partImage
)

func partCode(name string) byte {
	switch name {
	case "text":
		return partText
	case "image_url":
		return partImage
	}
	return partOther
}

// parseNames appends the codes of a JSON array of plain strings (block
// types) to dst. A name with an escape is left out: the caller, finding a
// code missing, reads every name unescaped (as the templates match them).
func parseNames(raw []byte, dst []byte, code func(string) byte) []byte {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '"' {
			continue
		}
		j, esc := i+1, false
		for j < len(raw) && raw[j] != '"' {
			if raw[j] == '\\' {
				esc = true
				j++
			}
			j++
		}
		if !esc {
			dst = append(dst, code(s(raw[i+1:j])))
		}
		i = j
	}
	return dst
}

// isNull reports whether a raw value read at b[start:] is absent or null.
func isNull(b []byte, start int) bool {
	return len(b) == start || s(b[start:]) == "null"
}

// sep ends a field of the shape query's output: NUL never occurs in JSON text.
const sep = "\x00"

const req0 = pdk.ObjRequest

// need is a value the built body requires (a BuildRequired copy): when the
// build reports one missing, diagnose finds which, to name it.
type need struct {
	what byte
	i, j int
}

const (
	needModel = iota
	needToolCallID
	needUseID
	needUseName
	needArgs
	needToolName
	needChoiceName
)

// field returns the NUL-terminated field at b[k:] and the index after it.
func field(b []byte, k int) ([]byte, int) {
	for i := k; i < len(b); i++ {
		if b[i] == 0 {
			return b[k:i], i + 1
		}
	}
	return b[k:], len(b)
}

// unquote strips the quotes of a raw JSON string (escapes stay).
func unquote(raw []byte) []byte {
	if len(raw) >= 2 && raw[0] == '"' {
		return raw[1 : len(raw)-1]
	}
	return raw
}

// atoi parses a non-negative JSON integer; -1 for anything else. (Not
// strconv.Atoi: its error allocates, and in Wasm an allocation costs more
// than a host call.)
func atoi(b []byte) int {
	if len(b) == 0 || len(b) > 9 {
		return -1
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

// frags are the program fragments of the translation, built once.
type frags struct {
	top   pdk.Builder // the settings query
	shape pdk.Builder // the shape query: the settings and the messages

	head pdk.Builder // max_tokens, sampling settings, stop, user

	user, userFirst           pdk.Builder // a user message with string content
	userParts, userPartsFirst pdk.Builder // the start of one with parts
	text, textFirst           pdk.Builder // a text block of a string content
	part, partFirst           pdk.Builder // a text block of a text part (the item)
	asst, asstFirst           pdk.Builder // the start of an assistant turn
	toolUse, toolUseEmpty     pdk.Builder // a tool_use block (the item), and one without arguments
	result, resultNext        pdk.Builder // a tool result opening a user turn, and one more
	resultFirst, resultOnly   pdk.Builder // and one without a turn or comma
	tool                      pdk.Builder // a tool definition (the base)
	choiceName                pdk.Builder // a named tool_choice

	// The templates of the fast way: the messages and the system prompt
	// (one walk over the messages each), and the tools.
	messages, tools pdk.Builder
}

func (f *frags) build(maxTokens int) {
	p := &f.top
	for _, path := range [...]string{"n", "response_format.type", "stream", "parallel_tool_calls", "tool_choice", "tools.#"} {
		p.Copy(req0, path, 0)
		p.Lit(sep)
	}
	p.Each(req0, "tools", sep, pdk.EachField{Path: "type", Flags: pdk.BuildCode, Names: "function"})
	p = &f.shape
	p.Append(&f.top)
	p.Each(req0, "messages", sep,
		pdk.EachField{Path: "role", Flags: pdk.BuildCode, Names: roleNames},
		pdk.EachField{Path: "content", Flags: pdk.BuildKind},
		pdk.EachField{Path: "tool_calls.#"},
		pdk.EachField{Path: "content.#"},
		pdk.EachField{Path: "content.#.type"})

	p = &f.head
	p.Lit(`,"max_tokens":`)
	p.Copy(req0, "max_completion_tokens", pdk.BuildOrNext)
	p.Copy(req0, "max_tokens", pdk.BuildOrNext)
	p.LitBytes(appendInt(nil, maxTokens))
	p.CopyOr(req0, "temperature", 0, `,"temperature":`, "", "")
	p.CopyOr(req0, "top_p", 0, `,"top_p":`, "", "")
	p.CopyOr(req0, "stop", pdk.BuildAsArray, `,"stop_sequences":`, "", "")
	p.CopyOr(req0, "user", 0, `,"metadata":{"user_id":`, "}", "")

	for k, c := range [...]string{"", ","} {
		u := [...]*pdk.Builder{&f.userFirst, &f.user}[k]
		u.Lit(c + `{"role":"user","content":`)
		u.Copy(pdk.BuildBase, "content", 0)
		u.Lit("}")
		[...]*pdk.Builder{&f.userPartsFirst, &f.userParts}[k].Lit(c + `{"role":"user","content":[`)
		[...]*pdk.Builder{&f.textFirst, &f.text}[k].CopyOr(pdk.BuildBase, "content", 0, c+`{"type":"text","text":`, "}", "")
		[...]*pdk.Builder{&f.partFirst, &f.part}[k].CopyOr(pdk.BuildItem, "text", 0, c+`{"type":"text","text":`, "}", c+`{"type":"text","text":""}`)
		[...]*pdk.Builder{&f.asstFirst, &f.asst}[k].Lit(c + `{"role":"assistant","content":[`)
	}
	for k, u := range [...]*pdk.Builder{&f.toolUse, &f.toolUseEmpty} {
		u.Lit(`{"type":"tool_use","id":`)
		u.Copy(pdk.BuildItem, "id", pdk.BuildRequired)
		u.Lit(`,"name":`)
		u.Copy(pdk.BuildItem, "function.name", pdk.BuildRequired)
		u.Lit(`,"input":`)
		if k == 0 { // the host parses the arguments string and checks it is JSON
			u.Copy(pdk.BuildItem, "function.arguments|@fromstr|@valid", pdk.BuildRequired)
		} else {
			u.Lit("{}")
		}
		u.Lit("}")
	}
	for k, c := range [...]string{`{"role":"user","content":[`, `,{"role":"user","content":[`, ",", ""} {
		r := [...]*pdk.Builder{&f.resultFirst, &f.result, &f.resultNext, &f.resultOnly}[k]
		r.Lit(c + `{"type":"tool_result","tool_use_id":`)
		r.Copy(pdk.BuildBase, "tool_call_id", pdk.BuildRequired)
		r.CopyOr(pdk.BuildBase, "content", 0, `,"content":`, "}", `,"content":""}`)
	}
	p = &f.tool
	p.Lit(`{"name":`)
	p.Copy(pdk.BuildBase, "function.name", pdk.BuildRequired)
	p.CopyOr(pdk.BuildBase, "function.description", 0, `,"description":`, "", "")
	p.CopyOr(pdk.BuildBase, "function.parameters", 0, `,"input_schema":`, "}", `,"input_schema":{"type":"object","properties":{}}}`)
	p = &f.choiceName
	p.Lit(`,"tool_choice":{"type":"tool","name":`)
	p.Copy(req0, "tool_choice.function.name", pdk.BuildRequired)
	f.templates()
}

// templates builds the fast way's programs from the fragments: what each
// role, content kind and part type becomes. A case the general way answers
// with an error, or decides with a look at a value, fails the build.
func (f *frags) templates() {
	fail := &pdk.Builder{}
	fail.Fail()
	// Text blocks of a content (system prompts, assistant turns): a string,
	// or the text parts of an array (other parts have no place there).
	textParts := &pdk.Builder{}
	textPart := &pdk.Builder{}
	textPart.Switch(pdk.BuildItem, "type", pdk.SwitchText, nil, pdk.Case{Name: "text", Then: &f.partFirst})
	textParts.Map(pdk.BuildBase, "content", "", ",", "", textPart)
	text := &pdk.Builder{}
	text.Switch(pdk.BuildBase, "content", pdk.SwitchKind, nil,
		pdk.Case{Name: "s", Then: &f.textFirst}, pdk.Case{Name: "a", Then: textParts})

	// User turns: a string as it is; parts as text and image blocks, a
	// data: URL of the media types Anthropic takes split into a base64
	// source, any other URL a url source.
	url := &pdk.Builder{}
	url.Lit(`{"type":"image","source":{"type":"url","url":`)
	url.CopyOr(pdk.BuildItem, "image_url.url", 0, "", "}}", `""}}`)
	images := []pdk.Case{}
	for _, mt := range [...]string{"image/png", "image/jpeg", "image/gif", "image/webp"} {
		data := &pdk.Builder{}
		data.Lit(`{"type":"image","source":{"type":"base64","media_type":"` + mt + `","data":"`)
		data.Cut(pdk.BuildItem, "image_url.url", pdk.BuildText, ",", "")
		data.Lit(`"}}`)
		images = append(images, pdk.Case{Name: "data:" + mt + ";base64,", Then: data})
	}
	images = append(images, pdk.Case{Name: "data:", Then: fail})
	image := &pdk.Builder{}
	image.Switch(pdk.BuildItem, "image_url.url", pdk.SwitchPrefix, url, images...)
	part := &pdk.Builder{}
	part.Switch(pdk.BuildItem, "type", pdk.SwitchText, fail,
		pdk.Case{Name: "text", Then: &f.partFirst}, pdk.Case{Name: "image_url", Then: image})
	parts := &pdk.Builder{}
	parts.Append(&f.userPartsFirst)
	parts.Map(pdk.BuildBase, "content", "", ",", "", part)
	parts.Lit("]}")
	user := &pdk.Builder{}
	user.Switch(pdk.BuildBase, "content", pdk.SwitchKind, fail,
		pdk.Case{Name: "se", Then: &f.userFirst}, pdk.Case{Name: "a", Then: parts})

	// Assistant turns: text and tool_use blocks, none at all when there is
	// nothing to say (Anthropic refuses empty turns). Empty arguments are
	// sent as {}; other arguments must be a JSON text (else the general way
	// says so).
	use := &pdk.Builder{}
	use.Switch(pdk.BuildItem, "function.arguments", pdk.SwitchKind, fail,
		pdk.Case{Name: "s", Then: &f.toolUse}, pdk.Case{Name: "e", Then: &f.toolUseEmpty})
	uses := &pdk.Builder{}
	uses.Map(pdk.BuildBase, "tool_calls", "", ",", "", use)
	turn := &pdk.Builder{}
	turn.Group(`{"role":"assistant","content":[`, ",", "]}", text, uses)
	asst := &pdk.Builder{}
	asst.Switch(pdk.BuildBase, "content", pdk.SwitchKind, fail, pdk.Case{Name: "seanu", Then: turn})

	// Tool results: a run of them is one user turn.
	open, shut := &pdk.Builder{}, &pdk.Builder{}
	open.Lit(`{"role":"user","content":[`)
	shut.Lit("]}")
	tool := &pdk.Builder{}
	tool.Switch(pdk.BuildPrev, "role", pdk.SwitchText, open, pdk.Case{Name: "tool"})
	tool.Append(&f.resultOnly)
	tool.Switch(pdk.BuildNext, "role", pdk.SwitchText, shut, pdk.Case{Name: "tool"})

	msg := &pdk.Builder{}
	msg.Switch(pdk.BuildBase, "role", pdk.SwitchText, fail,
		pdk.Case{Name: "system"}, pdk.Case{Name: "developer"},
		pdk.Case{Name: "user", Then: user}, pdk.Case{Name: "assistant", Then: asst}, pdk.Case{Name: "tool", Then: tool})
	system := &pdk.Builder{}
	system.Switch(pdk.BuildBase, "content", pdk.SwitchKind, fail,
		pdk.Case{Name: "s", Then: &f.textFirst}, pdk.Case{Name: "a", Then: textParts}, pdk.Case{Name: "enu"})
	sys := &pdk.Builder{}
	sys.Switch(pdk.BuildBase, "role", pdk.SwitchText, nil,
		pdk.Case{Name: "system", Then: system}, pdk.Case{Name: "developer", Then: system})

	p := &f.messages
	p.Lit(`,"messages":[`)
	p.Map(req0, "messages", "", ",", "", msg)
	p.Lit("]")
	p.Map(req0, "messages", `,"system":[`, ",", "]", sys)
	f.tools.Map(req0, "tools", `,"tools":[`, ",", "]", &f.tool)
}

// translateRequest builds the Messages request for the canonical request as
// the provider request body; a non-empty message is a client error.
func (a *adapter) translateRequest(req *pdk.Request) (string, error) {
	a.way = wayFast
	if !a.general {
		if done, err := a.buildFast(); done || err != nil {
			return "", err
		}
	}
	a.way, a.emptyArgs = wayGeneral, a.emptyArgs[:0]
	for {
		msg, err := a.buildRequest(req)
		if !errors.Is(err, pdk.ErrNotFound) {
			return msg, err
		}
		// A required value is missing, or a tool call's arguments are
		// empty (sent as {}): name the first, or build again.
		if msg = a.diagnose(req); msg != "" {
			return msg, nil
		}
	}
}

// How a request was built.
const (
	wayFast = iota + 1
	wayGeneral
)

// buildFast builds the body with the templates: done is false when the
// request needs the general way (an error to name, a case the templates
// leave out).
func (a *adapter) buildFast() (done bool, err error) {
	f := &a.frags
	if a.shape, err = f.top.AppendOutput(a.shape[:0]); err != nil {
		return false, err
	}
	_, st, msg := a.settings(a.shape)
	if msg != "" {
		return false, nil
	}
	// The program depends on the request only through the provider model
	// and these settings: a request of the same form as the last one (most
	// are) runs the program built for it, as it is.
	a.readModel()
	a.tmp = append(append(a.tmp[:0], a.attr...), 0, bit(st.stream), bit(st.noParallel), bit(st.nt > 0))
	a.tmp = append(a.tmp, a.choice...)
	p := &a.fast
	if !a.fastOK || s(a.tmp) != s(a.fastKey) {
		a.fastKey, a.fastOK = append(a.fastKey[:0], a.tmp...), false
		p.Reset()
		a.writeModel(p) // a.attr still holds the model read for the key
		p.Append(&f.head)
		if st.stream {
			p.Lit(`,"stream":true`)
		}
		p.Append(&f.messages)
		if st.nt > 0 {
			p.Append(&f.tools)
		}
		if msg := a.toolChoice(p, st.nt, st.noParallel); msg != "" {
			return false, nil
		}
		p.Lit("}")
		a.fastOK = true
	}
	if err = p.Build(pdk.ObjUpstreamRequest); errors.Is(err, pdk.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func bit(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// model writes the start of the body, the model.
func (a *adapter) model(p *pdk.Builder) {
	a.readModel()
	a.writeModel(p)
}

// readModel reads the provider model attribute into a.attr ("" if none).
func (a *adapter) readModel() {
	var ok bool
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderModel); !ok {
		a.attr = a.attr[:0]
	}
}

// writeModel writes the model of a.attr (readModel), or the request's.
func (a *adapter) writeModel(p *pdk.Builder) {
	if len(a.attr) > 0 {
		a.tmp = pdk.AppendJSONString(append(a.tmp[:0], `{"model":`...), s(a.attr))
		p.LitBytes(a.tmp)
	} else {
		p.Lit(`{"model":`)
		a.require(needModel, 0, 0)
		p.Copy(req0, "model", pdk.BuildRequired)
	}
}

// settings are what the body's form depends on besides the messages.
type settings struct {
	stream, noParallel bool
	nt                 int // tools
}

// settings reads the settings query's output (the start of the shape
// query's): k is where the messages' part starts; msg is a client error.
func (a *adapter) settings(b []byte) (k int, st settings, msg string) {
	var v []byte
	if v, k = field(b, k); len(v) > 0 && atoi(v) > 1 {
		return k, st, "n > 1 is not supported by the Messages API"
	}
	if v, k = field(b, k); len(v) > 0 && s(v) != `"text"` {
		return k, st, "response_format " + string(unquote(v)) + " is not supported by the Messages API"
	}
	v, k = field(b, k)
	st.stream = s(v) == "true"
	v, k = field(b, k)
	st.noParallel = s(v) == "false"
	v, k = field(b, k)
	a.choice = append(a.choice[:0], v...)
	v, k = field(b, k)
	st.nt = max(atoi(v), 0)
	for j := 0; j < st.nt; j++ {
		if k >= len(b) || b[k] != 1 {
			return k, st, "tools." + string(appendInt(nil, j)) + ": only function tools are supported"
		}
		k++
	}
	return k, st, ""
}

func (a *adapter) buildRequest(req *pdk.Request) (string, error) {
	f := &a.frags
	var err error
	if a.shape, err = f.shape.AppendOutput(a.shape[:0]); err != nil {
		return "", err
	}
	b := a.shape
	k, st, msg := a.settings(b)
	if msg != "" {
		return msg, nil
	}
	var v []byte
	a.roles, a.kinds, a.calls = a.roles[:0], a.kinds[:0], a.calls[:0]
	a.parts, a.partAt = a.parts[:0], a.partAt[:0]
	for i := 0; k+2 <= len(b); i++ {
		a.roles = append(a.roles, b[k])
		a.kinds = append(a.kinds, b[k+1])
		v, k = field(b, k+2)
		a.calls = append(a.calls, max(atoi(v), 0))
		var types []byte
		v, k = field(b, k)
		types, k = field(b, k)
		a.partAt = append(a.partAt, len(a.parts))
		if a.kinds[i] != pdk.KindArray {
			continue
		}
		np, start := max(atoi(v), 0), len(a.parts)
		if a.parts = parseNames(types, a.parts, partCode); len(a.parts)-start != np { // a part without a plain type: find it
			a.parts = a.parts[:start]
			for j := 0; j < np; j++ {
				a.tmp, _ = req.AppendString(a.tmp[:0], a.p2("messages", i, "content", j, "type"))
				a.parts = append(a.parts, partCode(s(a.tmp)))
			}
		}
	}
	a.partAt = append(a.partAt, len(a.parts))

	// The body.
	p := &a.prog
	p.Reset()
	a.sysProg.Reset()
	a.needs = a.needs[:0]
	a.model(p)
	p.Append(&f.head)
	if st.stream {
		p.Lit(`,"stream":true`)
	}
	p.Lit(`,"messages":[`)
	first, inTool := true, false
	for i, role := range a.roles {
		if inTool && role != roleTool {
			p.Lit("]}")
			inTool = false
		}
		switch role {
		case roleSystem, roleDeveloper:
			if msg := a.kindError(i); msg != "" {
				return msg, nil
			}
			if a.hasText(i) {
				more := a.sysProg.Len() > 0
				a.sysProg.BaseAt(req0, "messages", i)
				a.text(&a.sysProg, i, more)
			}
		case roleUser:
			p.BaseAt(req0, "messages", i)
			if msg := a.userContent(req, i, first); msg != "" {
				return msg, nil
			}
			first = false
		case roleAssistant:
			if msg := a.kindError(i); msg != "" {
				return msg, nil
			}
			text, calls := a.hasText(i), a.calls[i]
			if !text && calls == 0 {
				continue // nothing to say: Anthropic refuses empty turns
			}
			p.BaseAt(req0, "messages", i)
			a.pick(&f.asstFirst, &f.asst, first)
			first = false
			if text {
				a.text(p, i, false)
			}
			a.toolUses(i, calls, text)
			p.Lit("]}")
		case roleTool:
			p.BaseAt(req0, "messages", i)
			a.require(needToolCallID, i, 0)
			switch {
			case inTool:
				p.Append(&f.resultNext)
			case first:
				p.Append(&f.resultFirst)
			default:
				p.Append(&f.result)
			}
			first, inTool = false, true
		default:
			return "messages." + string(appendInt(nil, i)) + ": unsupported role", nil
		}
	}
	if inTool {
		p.Lit("]}")
	}
	p.Lit("]")
	if a.sysProg.Len() > 0 {
		p.Lit(`,"system":[`)
		p.Append(&a.sysProg)
		p.Lit("]")
	}
	a.toolList(st.nt)
	if msg := a.toolChoice(&a.prog, st.nt, st.noParallel); msg != "" {
		return msg, nil
	}
	p.Lit("}")
	return "", p.Build(pdk.ObjUpstreamRequest)
}

// pick appends the first fragment when first is true, else the other.
func (a *adapter) pick(first, other *pdk.Builder, isFirst bool) {
	if isFirst {
		a.prog.Append(first)
	} else {
		a.prog.Append(other)
	}
}

func (a *adapter) require(what byte, i, j int) { a.needs = append(a.needs, need{what, i, j}) }

// hasText reports whether message i's content gives a text block.
func (a *adapter) hasText(i int) bool {
	switch a.kinds[i] {
	case pdk.KindString:
		return true
	case pdk.KindArray:
		for _, t := range a.parts[a.partAt[i]:a.partAt[i+1]] {
			if t == partText {
				return true
			}
		}
	}
	return false
}

// kindError is the error for a content that is neither text nor parts.
func (a *adapter) kindError(i int) string {
	switch a.kinds[i] {
	case pdk.KindString, pdk.KindEmptyString, pdk.KindArray, pdk.KindNull, pdk.KindMissing:
		return ""
	}
	return "messages." + string(appendInt(nil, i)) + ".content must be a string or an array"
}

// text writes the text blocks of message i (the base) to b,
// comma-separated, with a leading comma when more is true.
func (a *adapter) text(b *pdk.Builder, i int, more bool) {
	f := &a.frags
	if a.kinds[i] == pdk.KindString {
		if more {
			b.Append(&f.text)
		} else {
			b.Append(&f.textFirst)
		}
		return
	}
	for j, t := range a.parts[a.partAt[i]:a.partAt[i+1]] {
		if t != partText {
			continue // only text has a place here (system, assistant turns)
		}
		b.ItemAt(pdk.BuildBase, "content", j)
		if more {
			b.Append(&f.part)
		} else {
			b.Append(&f.partFirst)
		}
		more = true
	}
}

// userContent writes a user message (the base): a string content as is,
// parts as text and image blocks.
func (a *adapter) userContent(req *pdk.Request, i int, first bool) string {
	f, p := &a.frags, &a.prog
	switch a.kinds[i] {
	case pdk.KindNull, pdk.KindMissing:
		return "messages." + string(appendInt(nil, i)) + ".content is missing"
	case pdk.KindString, pdk.KindEmptyString:
		a.pick(&f.userFirst, &f.user, first)
		return ""
	case pdk.KindArray:
	default:
		return "messages." + string(appendInt(nil, i)) + ".content must be a string or an array"
	}
	a.pick(&f.userPartsFirst, &f.userParts, first)
	for j, t := range a.parts[a.partAt[i]:a.partAt[i+1]] {
		switch t {
		case partText:
			p.ItemAt(pdk.BuildBase, "content", j)
			if j > 0 {
				p.Append(&f.part)
			} else {
				p.Append(&f.partFirst)
			}
		case partImage:
			// The image is read to split a data: URL into its media type
			// and data.
			a.tmp, _ = req.AppendString(a.tmp[:0], a.p2("messages", i, "content", j, "image_url.url"))
			a.img = a.img[:0]
			if j > 0 {
				a.img = append(a.img, ',')
			}
			var ok bool
			if a.img, ok = appendDataImage(a.img, a.tmp); ok {
				p.LitBytes(a.img)
				break
			}
			// A url source: the host copies the URL as it stands.
			p.LitBytes(append(a.img, `{"type":"image","source":{"type":"url","url":`...))
			p.ItemAt(pdk.BuildBase, "content", j)
			p.CopyOr(pdk.BuildItem, "image_url.url", 0, "", "}}", `""}}`)
		default:
			a.tmp, _ = req.AppendString(a.tmp[:0], a.p2("messages", i, "content", j, "type"))
			return "messages." + string(appendInt(nil, i)) + ".content." + string(appendInt(nil, j)) +
				": part type " + string(a.tmp) + " is not supported by the Messages API"
		}
	}
	p.Lit("]}")
	return ""
}

// appendDataImage writes an image block with a base64 source for a data:
// URL; ok is false for any other URL.
func appendDataImage(b, url []byte) (_ []byte, ok bool) {
	const data = "data:"
	if len(url) > len(data) && s(url[:len(data)]) == data {
		semi, comma := -1, -1
		for k := len(data); k < len(url) && k < 128; k++ {
			if url[k] == ';' && semi < 0 {
				semi = k
			}
			if url[k] == ',' {
				comma = k
				break
			}
		}
		if semi > 0 && comma > semi {
			b = append(b, `{"type":"image","source":{"type":"base64","media_type":`...)
			b = pdk.AppendJSONString(b, s(url[len(data):semi]))
			b = append(b, `,"data":"`...)
			b = append(b, url[comma+1:]...) // base64 needs no escaping
			return append(b, `"}}`...), true
		}
	}
	return b, false
}

// toolUses writes the tool_use blocks of an assistant message's (the
// base's) tool_calls; the arguments (a JSON string) become the input object.
func (a *adapter) toolUses(i, calls int, more bool) {
	f, p := &a.frags, &a.prog
	for j := 0; j < calls; j++ {
		if more || j > 0 {
			p.Lit(",")
		}
		p.ItemAt(pdk.BuildBase, "tool_calls", j)
		a.require(needUseID, i, j)
		a.require(needUseName, i, j)
		if a.emptyArgsAt(i, j) {
			p.Append(&f.toolUseEmpty)
		} else {
			a.require(needArgs, i, j)
			p.Append(&f.toolUse)
		}
	}
}

func (a *adapter) emptyArgsAt(i, j int) bool {
	for _, e := range a.emptyArgs {
		if e == [2]int{i, j} {
			return true
		}
	}
	return false
}

// toolList writes the tools.
func (a *adapter) toolList(nt int) {
	p := &a.prog
	if nt > 0 {
		p.Lit(`,"tools":[`)
		for j := 0; j < nt; j++ {
			if j > 0 {
				p.Lit(",")
			}
			p.BaseAt(req0, "tools", j)
			a.require(needToolName, j, 0)
			p.Append(&a.frags.tool)
		}
		p.Lit("]")
	}
}

// toolChoice writes tool_choice; a non-empty message is a client error.
func (a *adapter) toolChoice(p *pdk.Builder, nt int, noParallel bool) string {
	choice := ""
	switch {
	case len(a.choice) == 0 || s(a.choice) == "null":
		if noParallel && nt > 0 {
			choice = "auto"
		}
	case a.choice[0] == '"':
		switch s(a.choice) {
		case `"auto"`:
			choice = "auto"
		case `"required"`:
			choice = "any"
		case `"none"`:
			choice = "none"
		default:
			return "tool_choice: unknown value " + string(a.choice)
		}
	default:
		a.require(needChoiceName, 0, 0)
		p.Append(&a.frags.choiceName)
		if noParallel {
			p.Lit(`,"disable_parallel_tool_use":true`)
		}
		p.Lit("}")
		return ""
	}
	if choice != "" && (nt > 0 || choice == "none") {
		p.Lit(`,"tool_choice":{"type":"`)
		p.Lit(choice)
		p.Lit(`"`)
		if noParallel && choice != "none" {
			p.Lit(`,"disable_parallel_tool_use":true`)
		}
		p.Lit("}")
	}
	return ""
}

// diagnose finds the required value a build missed and names it, or, when
// it was only tool-call arguments left empty, marks them to be sent as {}
// and returns "" to build again.
func (a *adapter) diagnose(req *pdk.Request) string {
	empty := false
	for _, n := range a.needs {
		var path, what string
		switch n.what {
		case needModel:
			path, what = "model", "model"
		case needToolCallID:
			path = a.p("messages", n.i, "tool_call_id")
		case needUseID:
			path = a.p2("messages", n.i, "tool_calls", n.j, "id")
		case needUseName:
			path = a.p2("messages", n.i, "tool_calls", n.j, "function.name")
		case needToolName:
			path = a.p("tools", n.i, "function.name")
		case needChoiceName:
			path = "tool_choice.function.name"
		case needArgs:
			if _, ok := req.AppendRaw(a.tmp[:0], a.p2("messages", n.i, "tool_calls", n.j, "function.arguments|@fromstr|@valid")); ok {
				continue
			}
			if args, _ := req.GetString(a.p2("messages", n.i, "tool_calls", n.j, "function.arguments")); args != "" {
				return "messages." + string(appendInt(nil, n.i)) + ".tool_calls." + string(appendInt(nil, n.j)) +
					".function.arguments must be JSON"
			}
			a.emptyArgs = append(a.emptyArgs, [2]int{n.i, n.j})
			empty = true
			continue
		}
		if a.tmp, _ = req.AppendRaw(a.tmp[:0], path); len(a.tmp) > 0 && s(a.tmp) != "null" {
			continue
		}
		if what == "" {
			what = path
		}
		return what + " is missing"
	}
	if !empty {
		return "a required value is missing" // the request changed under us; never expected
	}
	return ""
}
