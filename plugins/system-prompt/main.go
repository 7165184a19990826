// Command system-prompt makes sure every request carries a system prompt. In
// mode "insert" (the default) it puts a system message first unless the
// conversation already starts with a system or developer message; in mode
// "prepend" it also puts the prompt in front of an existing one.
package main

import (
	"errors"

	"github.com/wasmgate/wasmgate/pdk/go"
)

type systemPrompt struct {
	Prompt string `json:"prompt"`
	Mode   string `json:"mode"`

	message []byte // {"role":"system","content":<prompt>}
	role    []byte // the first message's role as read, reused between requests
	raw     []byte // the messages array as read, reused between requests
	scratch []byte // the new messages array, reused between requests
}

func (p *systemPrompt) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(p); err != nil {
		return errors.New("system-prompt: config: " + err.Error())
	}
	if p.Prompt == "" {
		return errors.New("system-prompt: config: prompt is required")
	}
	switch p.Mode {
	case "":
		p.Mode = "insert"
	case "insert", "prepend":
	default:
		return errors.New(`system-prompt: config: mode must be "insert" or "prepend"`)
	}
	p.message = pdk.AppendJSONString([]byte(`{"role":"system","content":`), p.Prompt)
	p.message = append(p.message, '}')
	return nil
}

func (p *systemPrompt) OnRequest(req *pdk.Request) pdk.Action {
	// Read into a reused buffer: a string would be an allocation per
	// request, and allocating is slow in a Go guest.
	p.role, _ = req.AppendString(p.role[:0], "messages.0.role")
	if string(p.role) == "system" || string(p.role) == "developer" {
		if p.Mode == "prepend" {
			return p.prepend(req)
		}
		return pdk.Continue
	}
	return p.insert(req)
}

// insert puts the system message in front of the messages array. The array
// is copied as raw bytes, never decoded.
func (p *systemPrompt) insert(req *pdk.Request) pdk.Action {
	raw, ok := req.AppendRaw(p.raw[:0], "messages")
	if !ok {
		raw = append(raw, "[]"...)
	}
	p.raw = raw
	rest, ok := afterOpenBracket(raw)
	if !ok {
		return pdk.Error(400, "invalid_request_error", "messages must be an array")
	}
	b := append(p.scratch[:0], '[')
	b = append(b, p.message...)
	if !isEmptyArrayRest(rest) {
		b = append(b, ',')
	}
	b = append(b, rest...)
	p.scratch = b
	if err := req.Set("messages", b); err != nil {
		return pdk.Error(500, "plugin_error", "system-prompt: "+err.Error())
	}
	return pdk.Continue
}

// prepend puts the prompt and a blank line in front of the content of the
// first (system or developer) message. An array content gets a text part in
// front.
func (p *systemPrompt) prepend(req *pdk.Request) pdk.Action {
	raw, _ := req.Get("messages.0.content")
	var err error
	if len(raw) > 0 && raw[0] == '[' {
		part := pdk.AppendJSONString([]byte(`{"type":"text","text":`), p.Prompt+"\n\n")
		part = append(part, '}')
		rest, _ := afterOpenBracket(raw)
		b := append(append([]byte{'['}, part...), ',')
		if isEmptyArrayRest(rest) {
			b = b[:len(b)-1]
		}
		err = req.Set("messages.0.content", append(b, rest...))
	} else {
		content := req.Message(0).Content
		if content == "" {
			err = req.SetString("messages.0.content", p.Prompt)
		} else {
			err = req.SetString("messages.0.content", p.Prompt+"\n\n"+content)
		}
	}
	if err != nil {
		return pdk.Error(500, "plugin_error", "system-prompt: "+err.Error())
	}
	return pdk.Continue
}

// afterOpenBracket returns what follows the '[' of a JSON array.
func afterOpenBracket(raw []byte) ([]byte, bool) {
	for i, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '[':
			return raw[i+1:], true
		}
		return nil, false
	}
	return nil, false
}

// isEmptyArrayRest reports whether rest (what follows '[') is just ']'.
func isEmptyArrayRest(rest []byte) bool {
	for _, c := range rest {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == ']'
	}
	return false
}

func init() { pdk.Register(&systemPrompt{}) }

func main() {}
