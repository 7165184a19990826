package main

import (
	"github.com/wasmgate/wasmgate/pdk/go"
)

// Roles of canonical messages, read all at once from "messages.#.role".
const (
	roleOther = iota
	roleSystem
	roleUser
	roleAssistant
	roleTool
)

func roleCode(name string) byte {
	switch name {
	case "system", "developer":
		return roleSystem
	case "user":
		return roleUser
	case "assistant":
		return roleAssistant
	case "tool":
		return roleTool
	}
	return roleOther
}

// parseNames reads a JSON array of plain strings (roles, block types: no
// escapes) into codes.
func parseNames(raw []byte, dst []byte, code func(string) byte) []byte {
	dst = dst[:0]
	for i := 0; i < len(raw); i++ {
		if raw[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(raw) && raw[j] != '"' {
			j++
		}
		dst = append(dst, code(s(raw[i+1:j])))
		i = j
	}
	return dst
}

// isNull reports whether a raw value read at b[start:] is absent or null.
func isNull(b []byte, start int) bool {
	return len(b) == start || s(b[start:]) == "null"
}

// translateRequest writes the Messages request for the canonical request
// into a.body; a non-empty result is a client error.
func (a *adapter) translateRequest(req *pdk.Request) string {
	var ok bool
	b := append(a.body[:0], `{"model":`...)
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderModel); ok && len(a.attr) > 0 {
		b = pdk.AppendJSONString(b, s(a.attr))
	} else if b, ok = req.AppendRaw(b, "model"); !ok {
		return "model is missing"
	}
	b = append(b, `,"max_tokens":`...)
	n := len(b)
	b, _ = req.AppendRaw(b, "max_completion_tokens")
	if isNull(b, n) {
		b, _ = req.AppendRaw(b[:n], "max_tokens")
		if isNull(b, n) {
			b = appendInt(b[:n], a.MaxTokens)
		}
	}
	if v, ok := req.GetInt("n"); ok && v > 1 {
		return "n > 1 is not supported by the Messages API"
	}
	if t, ok := req.GetString("response_format.type"); ok && t != "text" {
		return "response_format " + t + " is not supported by the Messages API"
	}
	if req.Stream() {
		b = append(b, `,"stream":true`...)
	}
	for _, f := range [...]string{"temperature", "top_p"} {
		n = len(b)
		b = append(append(append(b, `,"`...), f...), `":`...)
		m := len(b)
		if b, _ = req.AppendRaw(b, f); isNull(b, m) {
			b = b[:n]
		}
	}
	n = len(b)
	b = append(b, `,"stop_sequences":`...)
	m := len(b)
	b, _ = req.AppendRaw(b, "stop")
	switch {
	case isNull(b, m):
		b = b[:n]
	case b[m] == '"':
		b = append(b[:m], '[')
		b, _ = req.AppendRaw(b, "stop")
		b = append(b, ']')
	}
	n = len(b)
	b = append(b, `,"metadata":{"user_id":`...)
	m = len(b)
	if b, _ = req.AppendRaw(b, "user"); isNull(b, m) {
		b = b[:n]
	} else {
		b = append(b, '}')
	}

	a.tmp, _ = req.AppendRaw(a.tmp[:0], "messages.#.role")
	a.roles = parseNames(a.tmp, a.roles, roleCode)
	sys := a.sys[:0]
	b = append(b, `,"messages":[`...)
	first, inTool := true, false
	sep := func() {
		if !first {
			b = append(b, ',')
		}
		first = false
	}
	closeTool := func() {
		if inTool {
			b = append(b, "]}"...)
			inTool = false
		}
	}
	for i, role := range a.roles {
		switch role {
		case roleSystem:
			var msg string
			if sys, msg = a.appendText(sys, req, i, len(sys) > 0); msg != "" {
				return msg
			}
		case roleUser:
			closeTool()
			sep()
			b = append(b, `{"role":"user","content":`...)
			var msg string
			if b, msg = a.appendUserContent(b, req, i); msg != "" {
				return msg
			}
			b = append(b, '}')
		case roleAssistant:
			closeTool()
			start, wasFirst := len(b), first
			sep()
			b = append(b, `{"role":"assistant","content":[`...)
			k := len(b)
			var msg string
			if b, msg = a.appendText(b, req, i, false); msg != "" {
				return msg
			}
			if b, msg = a.appendToolUses(b, req, i, len(b) > k); msg != "" {
				return msg
			}
			if len(b) == k { // nothing to say: Anthropic refuses empty turns
				b, first = b[:start], wasFirst
				continue
			}
			b = append(b, "]}"...)
		case roleTool:
			if !inTool {
				sep()
				b = append(b, `{"role":"user","content":[`...)
				inTool = true
			} else {
				b = append(b, ',')
			}
			b = append(b, `{"type":"tool_result","tool_use_id":`...)
			m := len(b)
			if b, _ = req.AppendRaw(b, a.p("messages", i, "tool_call_id")); isNull(b, m) {
				return "messages." + string(appendInt(nil, i)) + ".tool_call_id is missing"
			}
			b = append(b, `,"content":`...)
			m = len(b)
			if b, _ = req.AppendRaw(b, a.p("messages", i, "content")); isNull(b, m) {
				b = append(b[:m], `""`...)
			}
			b = append(b, '}')
		default:
			return "messages." + string(appendInt(nil, i)) + ": unsupported role"
		}
	}
	closeTool()
	b = append(b, ']')
	if len(sys) > 0 {
		b = append(append(append(b, `,"system":[`...), sys...), ']')
	}
	a.sys = sys
	var msg string
	if b, msg = a.appendTools(b, req); msg != "" {
		return msg
	}
	a.body = append(b, '}')
	return ""
}

// appendText appends the text blocks of message i's content (a string or
// text parts), comma-separated, with a leading comma when more is true.
func (a *adapter) appendText(b []byte, req *pdk.Request, i int, more bool) ([]byte, string) {
	n := len(b)
	if more {
		b = append(b, ',')
	}
	k := len(b)
	b = append(b, `{"type":"text","text":`...)
	m := len(b)
	b, _ = req.AppendRaw(b, a.p("messages", i, "content"))
	switch {
	case isNull(b, m) || s(b[m:]) == `""`:
		return b[:n], ""
	case b[m] == '"':
		return append(b, '}'), ""
	case b[m] != '[':
		return b[:n], "messages." + string(appendInt(nil, i)) + ".content must be a string or an array"
	}
	b = b[:k]
	parts, _ := req.GetInt(a.p("messages", i, "content.#"))
	wrote := false
	for j := 0; j < parts; j++ {
		a.tmp, _ = req.AppendString(a.tmp[:0], a.p2("messages", i, "content", j, "type"))
		if s(a.tmp) != "text" {
			continue // only text has a place here (system, assistant turns)
		}
		if wrote {
			b = append(b, ',')
		}
		b = append(b, `{"type":"text","text":`...)
		b, _ = req.AppendRaw(b, a.p2("messages", i, "content", j, "text"))
		b = append(b, '}')
		wrote = true
	}
	if !wrote {
		return b[:n], ""
	}
	return b, ""
}

// appendUserContent appends a user message's content: a string as is,
// parts as text and image blocks.
func (a *adapter) appendUserContent(b []byte, req *pdk.Request, i int) ([]byte, string) {
	m := len(b)
	b, _ = req.AppendRaw(b, a.p("messages", i, "content"))
	switch {
	case isNull(b, m):
		return b[:m], "messages." + string(appendInt(nil, i)) + ".content is missing"
	case b[m] == '"':
		return b, ""
	case b[m] != '[':
		return b[:m], "messages." + string(appendInt(nil, i)) + ".content must be a string or an array"
	}
	b = append(b[:m], '[')
	parts, _ := req.GetInt(a.p("messages", i, "content.#"))
	for j := 0; j < parts; j++ {
		if j > 0 {
			b = append(b, ',')
		}
		a.tmp, _ = req.AppendString(a.tmp[:0], a.p2("messages", i, "content", j, "type"))
		switch s(a.tmp) {
		case "text":
			b = append(b, `{"type":"text","text":`...)
			b, _ = req.AppendRaw(b, a.p2("messages", i, "content", j, "text"))
			b = append(b, '}')
		case "image_url":
			a.tmp, _ = req.AppendString(a.tmp[:0], a.p2("messages", i, "content", j, "image_url.url"))
			b = appendImage(b, a.tmp)
		default:
			return b, "messages." + string(appendInt(nil, i)) + ".content." + string(appendInt(nil, j)) +
				": part type " + string(a.tmp) + " is not supported by the Messages API"
		}
	}
	return append(b, ']'), ""
}

// appendImage writes an image block for an image URL: a data: URL becomes a
// base64 source, anything else a url source.
func appendImage(b, url []byte) []byte {
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
			return append(b, `"}}`...)
		}
	}
	b = append(b, `{"type":"image","source":{"type":"url","url":`...)
	b = pdk.AppendJSONString(b, s(url))
	return append(b, "}}"...)
}

// appendToolUses appends the tool_use blocks of an assistant message's
// tool_calls; the arguments (a JSON string) become the input object.
func (a *adapter) appendToolUses(b []byte, req *pdk.Request, i int, more bool) ([]byte, string) {
	calls, _ := req.GetInt(a.p("messages", i, "tool_calls.#"))
	for j := 0; j < calls; j++ {
		if more || j > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"tool_use","id":`...)
		b, _ = req.AppendRaw(b, a.p2("messages", i, "tool_calls", j, "id"))
		b = append(b, `,"name":`...)
		b, _ = req.AppendRaw(b, a.p2("messages", i, "tool_calls", j, "function.name"))
		b = append(b, `,"input":`...)
		// The host parses the arguments string and checks it is JSON.
		var ok bool
		if b, ok = req.AppendRaw(b, a.p2("messages", i, "tool_calls", j, "function.arguments|@fromstr|@valid")); !ok {
			if args, _ := req.GetString(a.p2("messages", i, "tool_calls", j, "function.arguments")); args != "" {
				return b, "messages." + string(appendInt(nil, i)) + ".tool_calls." + string(appendInt(nil, j)) +
					".function.arguments must be JSON"
			}
			b = append(b, "{}"...)
		}
		b = append(b, '}')
	}
	return b, ""
}

// appendTools appends tools and tool_choice.
func (a *adapter) appendTools(b []byte, req *pdk.Request) ([]byte, string) {
	nt, _ := req.GetInt("tools.#")
	if nt > 0 {
		b = append(b, `,"tools":[`...)
		for j := 0; j < nt; j++ {
			if t, _ := req.GetString(a.p("tools", j, "type")); t != "function" {
				return b, "tools." + string(appendInt(nil, j)) + ": only function tools are supported"
			}
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b, _ = req.AppendRaw(b, a.p("tools", j, "function.name"))
			n := len(b)
			b = append(b, `,"description":`...)
			m := len(b)
			if b, _ = req.AppendRaw(b, a.p("tools", j, "function.description")); isNull(b, m) {
				b = b[:n]
			}
			b = append(b, `,"input_schema":`...)
			m = len(b)
			if b, _ = req.AppendRaw(b, a.p("tools", j, "function.parameters")); isNull(b, m) {
				b = append(b[:m], `{"type":"object","properties":{}}`...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	noParallel := false
	if v, ok := req.GetBool("parallel_tool_calls"); ok && !v {
		noParallel = true
	}
	a.tmp, _ = req.AppendRaw(a.tmp[:0], "tool_choice")
	choice := ""
	switch {
	case isNull(a.tmp, 0):
		if noParallel && nt > 0 {
			choice = "auto"
		}
	case a.tmp[0] == '"':
		switch s(a.tmp) {
		case `"auto"`:
			choice = "auto"
		case `"required"`:
			choice = "any"
		case `"none"`:
			choice = "none"
		default:
			return b, "tool_choice: unknown value " + string(a.tmp)
		}
	default:
		b = append(b, `,"tool_choice":{"type":"tool","name":`...)
		m := len(b)
		if b, _ = req.AppendRaw(b, "tool_choice.function.name"); isNull(b, m) {
			return b, "tool_choice.function.name is missing"
		}
		if noParallel {
			b = append(b, `,"disable_parallel_tool_use":true`...)
		}
		return append(b, '}'), ""
	}
	if choice != "" && (nt > 0 || choice == "none") {
		b = append(append(append(b, `,"tool_choice":{"type":"`...), choice...), '"')
		if noParallel && choice != "none" {
			b = append(b, `,"disable_parallel_tool_use":true`...)
		}
		b = append(b, '}')
	}
	return b, ""
}
