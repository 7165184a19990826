package fields

import (
	"bytes"
	"strconv"
	"unsafe"

	"github.com/tidwall/gjson"
)

// A one-pass reader of the few JSON shapes walk needs. gjson's ForEach
// parses each message two to four times over (to find where a value ends,
// then again key by key); on a 2 KB chat that cost as much as the detectors
// themselves. The reader never panics and stops at the first malformed
// byte: a body that is not valid JSON has no text fields.

type reader struct {
	b   []byte
	bad bool
}

func (r *reader) ws(i int) int {
	for i < len(r.b) {
		switch r.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// str returns the end of the string literal at b[i] (after its quote) and
// whether it has escapes; -1 if there is none.
func (r *reader) str(i int) (end int, esc bool) {
	if i >= len(r.b) || r.b[i] != '"' {
		return -1, false
	}
	// Find the next quote and look for a backslash before it: two fast
	// byte searches instead of a loop over every byte.
	for i++; ; {
		q := bytes.IndexByte(r.b[i:], '"')
		if q < 0 {
			return -1, false
		}
		bs := bytes.IndexByte(r.b[i:i+q], '\\')
		if bs < 0 {
			return i + q + 1, esc
		}
		esc, i = true, i+bs+2 // past the backslash and the byte it escapes
		if i > len(r.b) {
			return -1, false
		}
	}
}

// skip returns the end of the value at b[i], or -1.
func (r *reader) skip(i int) int {
	if i >= len(r.b) {
		return -1
	}
	switch r.b[i] {
	case '"':
		end, _ := r.str(i)
		return end
	case '{', '[':
		depth := 0
		for ; i < len(r.b); i++ {
			switch r.b[i] {
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			case '"':
				end, _ := r.str(i)
				if end < 0 {
					return -1
				}
				i = end - 1
			}
		}
		return -1
	}
	for ; i < len(r.b); i++ { // number, true, false, null
		switch r.b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// members reads an object or array at b[i] that opens with open and
// closes with close: member is called with the start of each member and
// returns where it ends (or -1 to stop). It returns the end, or -1.
func (r *reader) members(i int, open, close byte, member func(n, at int) int) int {
	if i >= len(r.b) || r.b[i] != open {
		return -1
	}
	i = r.ws(i + 1)
	if i < len(r.b) && r.b[i] == close {
		return i + 1
	}
	for n := 0; i < len(r.b); n++ {
		if i = member(n, i); i < 0 {
			return -1
		}
		if i = r.ws(i); i >= len(r.b) {
			return -1
		}
		switch r.b[i] {
		case close:
			return i + 1
		case ',':
			i = r.ws(i + 1)
		default:
			return -1
		}
	}
	return -1
}

// object calls fn with each key and the start of its value in the object
// at b[i]; fn returns where the value ends (or -1 to stop). It returns the
// end of the object, or -1.
func (r *reader) object(i int, fn func(key []byte, v int) int) int {
	return r.members(i, '{', '}', func(_, at int) int {
		end, esc := r.str(at)
		if end < 0 {
			return -1
		}
		key := r.b[at+1 : end-1]
		if esc {
			key = []byte(gjson.ParseBytes(r.b[at:end]).Str)
		}
		colon := r.ws(end)
		if colon >= len(r.b) || r.b[colon] != ':' {
			return -1
		}
		return fn(key, r.ws(colon+1))
	})
}

// array calls fn with the index and start of each element of the array at
// b[i]; fn returns where the element ends (or -1 to stop).
func (r *reader) array(i int, fn func(n, v int) int) int {
	return r.members(i, '[', ']', fn)
}

// field finds the first key named name in the object at b[i]; -1 if none.
func (r *reader) field(i int, name string) int {
	at := -1
	r.object(i, func(key []byte, v int) int {
		if at < 0 && string(key) == name {
			at = v
			return -1 // found: stop
		}
		return r.skip(v)
	})
	return at
}

// result is the string literal at b[i:end] as gjson gives it: Raw and
// Index locate it in the body, Str is its value (pointing into the body
// unless it has escapes).
func (r *reader) result(i, end int, esc bool) gjson.Result {
	raw := unsafe.String(unsafe.SliceData(r.b[i:]), end-i)
	res := gjson.Result{Type: gjson.String, Raw: raw, Index: i, Str: raw[1 : len(raw)-1]}
	if esc {
		res.Str = unescape(res.Str)
	}
	return res
}

// walkMessages is walk over the list of messages (request) or choices
// (response, chunk) with one pass over the body.
func walkMessages(body []byte, list, msg string, fn func(path []byte, v gjson.Result) bool) {
	r := &reader{b: body}
	top := r.ws(0)
	at := r.field(top, list)
	if at < 0 {
		return
	}
	path := make([]byte, 0, 64)
	// text reports the string value at v, if it is one, to fn; it returns
	// where the value ends.
	text := func(p []byte, v int) int {
		end, esc := r.str(v)
		if end < 0 {
			return r.skip(v)
		}
		if !fn(p, r.result(v, end, esc)) {
			return -1
		}
		return end
	}
	// message reads the message object at m, whose paths start with base.
	message := func(base []byte, m int) int {
		n := len(base)
		return r.object(m, func(key []byte, v int) int {
			switch string(key) {
			case "content":
				if v < len(body) && body[v] == '[' {
					return r.array(v, func(j, part int) int {
						return parts(r, part, func(t int) int {
							p := append(strconv.AppendInt(append(base[:n], "content."...), int64(j), 10), ".text"...)
							return text(p, t)
						})
					})
				}
				return text(append(base[:n], "content"...), v)
			case "tool_calls":
				return r.array(v, func(j, tc int) int {
					end := r.skip(tc)
					if f := r.field(tc, "function"); f >= 0 {
						if a := r.field(f, "arguments"); a >= 0 {
							p := append(strconv.AppendInt(append(base[:n], "tool_calls."...), int64(j), 10), ".function.arguments"...)
							if text(p, a) < 0 {
								return -1
							}
						}
					}
					return end
				})
			}
			return r.skip(v)
		})
	}
	r.array(at, func(idx, m int) int {
		base := append(strconv.AppendInt(append(append(path[:0], list...), '.'), int64(idx), 10), '.')
		if msg == "" {
			return message(base, m)
		}
		seen := false // the first key named msg counts, as in gjson's Get
		return r.object(m, func(key []byte, v int) int {
			if seen || string(key) != msg {
				return r.skip(v)
			}
			seen = true
			if v < len(body) && body[v] == '{' {
				return message(append(append(base, msg...), '.'), v)
			}
			return r.skip(v)
		})
	})
}

// parts calls text with the start of a content part's "text" when the part
// has type "text" (the last of each key counts, as in gjson's ForEach), and
// returns the end of the part.
func parts(r *reader, part int, text func(t int) int) int {
	isText, t := false, -1
	end := r.object(part, func(key []byte, v int) int {
		switch string(key) {
		case "type":
			e, esc := r.str(v)
			isText = e > 0 && !esc && string(r.b[v+1:e-1]) == "text"
			if e > 0 {
				return e
			}
		case "text":
			t = v
		}
		return r.skip(v)
	})
	if end < 0 || !isText || t < 0 {
		return end
	}
	if text(t) < 0 {
		return -1
	}
	return end
}
