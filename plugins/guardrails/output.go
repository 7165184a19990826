package main

import (
	"strings"
	"unicode/utf8"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// Output rules. A non-streamed response is checked whole. A stream is
// checked with a hold-back window: each text field (a choice's content or a
// tool call's arguments) keeps its last stream_holdback_bytes back, so that
// a match split across chunks is still seen whole before any of it goes
// out; the window also never ends inside a match. Block ends the stream with
// an error event; redact rewrites the text before it is sent. Allow and
// json_schema rules need the whole text: allow is decided when the choice
// finishes, and with a json_schema rule the whole output is held back until
// then (a schema cannot be checked on half a document).

func (p *plugin) OnResponse(resp *pdk.Response) pdk.Action {
	out := &p.out
	if len(out.rules) > 0 {
		if act, stop := p.checkResponse(resp); stop {
			return act
		}
	}
	if len(p.warned) > 0 {
		_ = resp.SetHeader(WarnHeader, strings.Join(p.warned, ","))
	}
	return pdk.Continue
}

func (p *plugin) checkResponse(resp *pdk.Response) (pdk.Action, bool) {
	out := &p.out
	var fields []pdk.Field
	var err error
	if out.schema {
		fields, err = resp.TextFields(out.m)
	} else if out.scans {
		fields, err = resp.Scan("", out.m)
	}
	if err != nil {
		return pdk.Error(500, "plugin_error", "guardrails: scan: "+err.Error()), true
	}
	seen := p.seenRules(len(out.rules))
	for _, f := range fields {
		for _, sp := range f.Spans {
			ri := out.ruleOf[sp.Kind]
			seen[ri] = true
			if r := &out.rules[ri]; r.check == checkDeny {
				if act, stop := p.violated(r, "response"); stop {
					return act, true
				}
			}
		}
	}
	for i := range out.rules {
		r := &out.rules[i]
		failed := r.check == checkAllow && !seen[i] ||
			r.check == checkSchema && !schemaHolds(r, fields)
		if failed {
			if act, stop := p.violated(r, "response"); stop {
				return act, true
			}
		}
	}
	for _, f := range fields {
		if text, changed := p.redact(out, f.Text, f.Spans); changed {
			if err := resp.SetStringBytes(f.Path, text); err != nil {
				return pdk.Error(500, "plugin_error", "guardrails: write "+f.Path+": "+err.Error()), true
			}
		}
	}
	return pdk.Continue, false
}

// violated applies a failed output rule's action (redact is applied later).
func (p *plugin) violated(r *rule, where string) (pdk.Action, bool) {
	switch r.Action {
	case actBlock:
		return blocked(400, "invalid_request_error", where, r), true
	case actWarn:
		p.warn(r, where)
	}
	return pdk.Continue, false
}

// schemaHolds checks every message content of the response against the
// rule's schema.
func schemaHolds(r *rule, fields []pdk.Field) bool {
	for _, f := range fields {
		if strings.HasSuffix(f.Path, ".content") && !validJSON(r.schema, f.Text) {
			return false
		}
	}
	return true
}

// streamField is the state of one text field of a stream.
type streamField struct {
	held []byte // text not yet sent
	all  []byte // the whole text, kept only for json_schema rules
}

func (p *plugin) OnChunk(c *pdk.Chunk) pdk.Action {
	out := &p.out
	if !out.scans && !out.schema {
		return pdk.Continue
	}
	fields, err := c.TextFields(out.m)
	if err != nil {
		return pdk.Error(500, "plugin_error", "guardrails: read chunk: "+err.Error())
	}
	done := map[string]bool{}
	for _, f := range fields {
		done[f.Path] = true
		if act, stop := p.streamText(c, f.Path, f.Text); stop {
			return act
		}
	}
	// A chunk that finishes a choice without text still flushes it.
	for path, sf := range p.stream {
		if !done[path] && (len(sf.held) > 0 || out.schema) && c.Finishes(path) {
			if act, stop := p.streamText(c, path, nil); stop {
				return act
			}
		}
	}
	return pdk.Continue
}

// streamText checks held-back text plus the new text of one field, sends
// what is safe and holds back the rest.
func (p *plugin) streamText(c *pdk.Chunk, path string, text []byte) (pdk.Action, bool) {
	out := &p.out
	if p.stream == nil {
		p.reset()
	}
	sf := p.stream[path]
	if sf == nil {
		sf = &streamField{}
		p.stream[path] = sf
	}
	buf := append(sf.held, text...)
	if out.schema && strings.HasSuffix(path, ".content") {
		sf.all = append(sf.all, text...)
	}
	fin := c.Finishes(path)
	var spans []pdk.Span
	if out.scans && len(buf) > 0 {
		var err error
		if spans, err = out.m.Find(buf); err != nil {
			return pdk.Error(500, "plugin_error", "guardrails: scan: "+err.Error()), true
		}
	}
	cut := len(buf)
	if !fin {
		cut = max(0, len(buf)-p.holdback)
		if out.schema {
			cut = 0
		}
	}
	for _, sp := range spans {
		ri := out.ruleOf[sp.Kind]
		r := &out.rules[ri]
		if r.check == checkAllow {
			p.allowed[ri] = true
			continue
		}
		if act, stop := p.violated(r, "response"); stop {
			return act, true
		}
		if sp.Start < cut && sp.End > cut {
			cut = sp.Start // never send half a match
		}
	}
	for cut > 0 && cut < len(buf) && !utf8.RuneStart(buf[cut]) {
		cut--
	}
	if fin {
		for i := range out.rules {
			r := &out.rules[i]
			failed := r.check == checkAllow && !p.allowed[i] ||
				r.check == checkSchema && strings.HasSuffix(path, ".content") && !validJSON(r.schema, sf.all)
			if failed {
				if act, stop := p.violated(r, "response"); stop {
					return act, true
				}
			}
		}
	}
	var send []pdk.Span
	for _, sp := range spans {
		if sp.End <= cut {
			send = append(send, sp)
		}
	}
	emit, changed := p.redact(out, buf[:cut], send)
	sf.held = append(sf.held[:0:0], buf[cut:]...)
	if !changed && cut == len(buf) && len(buf) == len(text) {
		return pdk.Continue, false // the chunk goes out as it came
	}
	if err := c.SetStringBytes(path, emit); err != nil {
		return pdk.Error(500, "plugin_error", "guardrails: write "+path+": "+err.Error()), true
	}
	return pdk.Continue, false
}
