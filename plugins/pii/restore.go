package main

import (
	"bytes"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// Reversible mode: the model sees [EMAIL_1] and may write it back; the
// response hooks put the original value in its place. Only placeholders this
// request issued are restored, from the instance's per-request state.

func (p *plugin) OnResponse(resp *pdk.Response) pdk.Action {
	if !p.cfg.Reversible || len(p.pairs) == 0 {
		return pdk.Continue
	}
	fields, err := resp.Scan("", p.ph)
	if err != nil {
		return pdk.Error(500, "plugin_error", "pii: read response: "+err.Error())
	}
	for _, f := range fields {
		out, last, changed := p.out[:0], 0, false
		for _, sp := range f.Spans {
			if v, ok := p.original(f.Text[sp.Start:sp.End]); ok {
				out = append(append(out, f.Text[last:sp.Start]...), v...)
				last, changed = sp.End, true
			}
		}
		out = append(out, f.Text[last:]...)
		p.out = out
		if !changed {
			continue
		}
		if err := resp.SetStringBytes(f.Path, out); err != nil {
			return pdk.Error(500, "plugin_error", "pii: write "+f.Path+": "+err.Error())
		}
	}
	return pdk.Continue
}

// OnChunk restores placeholders in a stream. A placeholder may be split
// across chunks ("[EMA" then "IL_1]"), so a trailing "[" followed by what
// could still become a placeholder is held back, per text field, and put in
// front of the field's next text; a chunk that ends its choice
// (finish_reason set) gets what is still held back.
func (p *plugin) OnChunk(c *pdk.Chunk) pdk.Action {
	if !p.cfg.Reversible || len(p.pairs) == 0 {
		return pdk.Continue
	}
	fields, err := c.TextFields(p.ph)
	if err != nil {
		return pdk.Error(500, "plugin_error", "pii: read chunk: "+err.Error())
	}
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.Path] = true
		text := f.Text
		held := p.pending[f.Path]
		if held != "" {
			text = append([]byte(held), text...)
		}
		out, tail := p.restore(p.out[:0], text, true)
		if tail != nil && c.Finishes(f.Path) {
			out, tail = append(out, tail...), nil
		}
		p.out = out
		if tail != nil || held != "" {
			p.pending[f.Path] = string(tail)
		}
		if held == "" && len(out) == len(f.Text) {
			continue // nothing restored or held back
		}
		if err := c.SetStringBytes(f.Path, out); err != nil {
			return pdk.Error(500, "plugin_error", "pii: write "+f.Path+": "+err.Error())
		}
	}
	// Flush what is held back for choices this chunk finishes.
	for path, held := range p.pending {
		if held == "" || seen[path] {
			continue
		}
		if !c.Finishes(path) {
			continue
		}
		if err := c.SetString(path, p.restoreString(held)); err != nil {
			return pdk.Error(500, "plugin_error", "pii: write "+path+": "+err.Error())
		}
		p.pending[path] = ""
	}
	for path, held := range p.pending {
		if held != "" {
			continue
		}
		delete(p.pending, path)
	}
	return pdk.Continue
}

func (p *plugin) restoreString(s string) string {
	out, tail := p.restore(nil, []byte(s), false)
	return string(append(out, tail...))
}

// restore appends text to out with the placeholders of this request
// replaced by their values. With holdBack, a trailing part that may still
// become a placeholder is returned as tail instead of being written.
func (p *plugin) restore(out, text []byte, holdBack bool) (_, tail []byte) {
	for i := 0; i < len(text); {
		j := bytes.IndexByte(text[i:], '[')
		if j < 0 {
			return append(out, text[i:]...), nil
		}
		k := i + j
		out = append(out, text[i:k]...)
		end := bytes.IndexByte(text[k:], ']')
		if end < 0 {
			last := k + bytes.LastIndexByte(text[k:], '[')
			out = append(out, text[k:last]...)
			if holdBack && p.mayBecomePlaceholder(text[last:]) {
				return out, text[last:]
			}
			return append(out, text[last:]...), nil
		}
		if v, ok := p.original(text[k : k+end+1]); ok {
			out = append(out, v...)
			i = k + end + 1
			continue
		}
		out = append(out, '[')
		i = k + 1
	}
	return out, nil
}

// mayBecomePlaceholder reports whether s, which starts with "[" and has no
// "]", is the start of a placeholder.
func (p *plugin) mayBecomePlaceholder(s []byte) bool {
	if len(s) > p.maxPH {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
