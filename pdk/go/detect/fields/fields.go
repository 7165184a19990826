// Package fields walks the text fields of a canonical (OpenAI
// chat-completions) object: what a user or a model wrote, as opposed to
// model names, ids and parameters. The host's matching helpers and pdktest's
// fake host both use it, so that "all text" means the same to both.
package fields

import (
	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go/detect"
)

// Object ids of pdk/ABI.md.
const (
	Request  = 0
	Response = 1
	Chunk    = 2
)

// Walk calls fn with the path and string value of every text field of the
// object obj's body: message contents (strings and text parts) and tool-call
// arguments of a request; the message contents and tool-call arguments of a
// response's choices; the delta contents and tool-call arguments of a
// chunk's choices. Paths are json_set paths, valid during the call. It stops
// when fn returns false.
func Walk(obj int, body []byte, fn func(path []byte, text string) bool) {
	walk(obj, body, func(path []byte, v gjson.Result) bool { return fn(path, v.Str) })
}

// walk is Walk giving each field's gjson result: its Index and Raw locate
// the string literal in body. The results alias body, which must not change
// during the walk.
func walk(obj int, body []byte, fn func(path []byte, v gjson.Result) bool) {
	switch obj {
	case Request:
		walkMessages(body, "messages", "", fn)
	case Response:
		walkMessages(body, "choices", "message", fn)
	case Chunk:
		walkMessages(body, "choices", "delta", fn)
	}
}

// AppendScan appends m's findings in obj's body to dst in detect's wire
// layout (detect.AppendGroup): in the string at path, or in every text field
// (Walk) when path is "". With all, fields without findings are given too.
// ok is false when path names no string.
func AppendScan(dst []byte, obj int, body []byte, path string, m *detect.Matcher, all bool) (out []byte, ok bool) {
	var spans []detect.Span
	scan := func(p []byte, text string) bool {
		spans = m.Find(spans[:0], text)
		if len(spans) > 0 || all {
			dst = detect.AppendGroup(dst, p, text, spans)
		}
		return true
	}
	if path == "" {
		Walk(obj, body, scan)
		return dst, true
	}
	r := gjson.GetBytes(body, path)
	if r.Type != gjson.String {
		return dst, false
	}
	scan([]byte(path), r.Str)
	return dst, true
}
