package mockprovider

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// parseChatRequest decodes a chat completion body into req. It tries a
// small single-pass parser first, which accepts the common shapes of
// request bodies and fills req exactly as encoding/json would; anything it
// is not sure about (an error, an escape in a key, a duplicate field, ...)
// goes through encoding/json, which also words the error messages.
func parseChatRequest(body []byte, req *chatRequest) error {
	p := fastParser{b: body}
	if p.chatRequest(req) {
		return nil
	}
	*req = chatRequest{}
	return json.Unmarshal(body, req)
}

// fastParser is a JSON scanner for chatRequest. Its methods return false
// when the input is invalid or outside what they handle.
type fastParser struct {
	b     []byte
	i     int
	depth int
}

const maxFastDepth = 256

var chatKeys = [...]string{"model", "messages", "stream", "stream_options", "n", "max_tokens", "max_completion_tokens"}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips whitespace and then c.
func (p *fastParser) consume(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *fastParser) chatRequest(req *chatRequest) bool {
	if !p.consume('{') {
		return false
	}
	var seen uint
	if !p.consume('}') {
		for {
			key, ok := p.plainBytes()
			if !ok || !p.consume(':') {
				return false
			}
			idx := -1
			for k, name := range chatKeys {
				if string(key) == name {
					idx = k
					break
				}
			}
			if idx < 0 {
				if !p.unrelatedKey(key, chatKeys[:]) || !p.skipValue() {
					return false
				}
			} else {
				if seen&(1<<idx) != 0 || p.peek() == 'n' { // duplicate or null
					return false
				}
				seen |= 1 << idx
				if !p.chatField(req, idx) {
					return false
				}
			}
			if p.consume(',') {
				continue
			}
			if p.consume('}') {
				break
			}
			return false
		}
	}
	p.ws()
	return p.i == len(p.b)
}

func (p *fastParser) chatField(req *chatRequest, idx int) bool {
	key := chatKeys[idx]
	switch key {
	case "model":
		b, ok := p.plainBytes()
		if !ok {
			return false
		}
		s := string(b)
		req.Model = &s
	case "messages":
		return p.messages(req)
	case "stream":
		v, ok := p.boolean()
		req.Stream = v
		return ok
	case "stream_options":
		return p.streamOptions(req)
	default: // n, max_tokens, max_completion_tokens
		v, ok := p.integer()
		if !ok {
			return false
		}
		switch key {
		case "n":
			req.N = &v
		case "max_tokens":
			req.MaxTokens = &v
		default:
			req.MaxCompletionTokens = &v
		}
	}
	return true
}

func (p *fastParser) messages(req *chatRequest) bool {
	if !p.consume('[') {
		return false
	}
	req.Messages = make([]chatMessage, 0, 8)
	if p.consume(']') {
		return true
	}
	for {
		if !p.consume('{') {
			return false
		}
		var m chatMessage
		if !p.consume('}') {
			for {
				key, ok := p.plainBytes()
				if !ok || !p.consume(':') {
					return false
				}
				switch string(key) {
				case "role":
					role, ok := p.plainBytes()
					if !ok {
						return false
					}
					m.Role = internRole(role)
				case "content":
					p.ws()
					start := p.i
					if !p.skipValue() {
						return false
					}
					m.Content = json.RawMessage(p.b[start:p.i])
				default:
					if !p.unrelatedKey(key, []string{"role", "content"}) || !p.skipValue() {
						return false
					}
				}
				if p.consume(',') {
					continue
				}
				if p.consume('}') {
					break
				}
				return false
			}
		}
		req.Messages = append(req.Messages, m)
		if p.consume(',') {
			continue
		}
		return p.consume(']')
	}
}

func (p *fastParser) streamOptions(req *chatRequest) bool {
	if !p.consume('{') {
		return false
	}
	so := &streamOptions{}
	req.StreamOptions = so
	if p.consume('}') {
		return true
	}
	for {
		key, ok := p.plainBytes()
		if !ok || !p.consume(':') {
			return false
		}
		if string(key) == "include_usage" {
			if so.IncludeUsage, ok = p.boolean(); !ok {
				return false
			}
		} else if !p.unrelatedKey(key, []string{"include_usage"}) || !p.skipValue() {
			return false
		}
		if p.consume(',') {
			continue
		}
		return p.consume('}')
	}
}

// unrelatedKey reports whether encoding/json would surely not match key to
// one of the field names (it matches case-insensitively, with Unicode
// folding).
func (p *fastParser) unrelatedKey(key []byte, names []string) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	for _, n := range names {
		if len(key) == len(n) && bytes.EqualFold(key, []byte(n)) {
			return false
		}
	}
	return true
}

// internRole returns b as a string, without allocating for the usual roles.
func internRole(b []byte) string {
	for _, r := range validRoles {
		if string(b) == r {
			return r
		}
	}
	return string(b)
}

// plainBytes reads a string without escapes, in valid UTF-8. The result
// aliases the input.
func (p *fastParser) plainBytes() ([]byte, bool) {
	if !p.consume('"') {
		return nil, false
	}
	start := p.i
	ascii := true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return nil, false
}

func (p *fastParser) boolean() (bool, bool) {
	p.ws()
	rest := p.b[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		return true, p.delimited()
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
		return false, p.delimited()
	}
	return false, false
}

// delimited reports whether a literal or number ends at p.i.
func (p *fastParser) delimited() bool {
	if p.i == len(p.b) {
		return true
	}
	switch p.b[p.i] {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

// integer reads a JSON integer of at most 9 digits.
func (p *fastParser) integer() (int, bool) {
	p.ws()
	neg := false
	if p.i < len(p.b) && p.b[p.i] == '-' {
		neg = true
		p.i++
	}
	start, v := p.i, 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		v = v*10 + int(p.b[p.i]-'0')
		p.i++
	}
	n := p.i - start
	if n == 0 || n > 9 || (n > 1 && p.b[start] == '0') || !p.delimited() {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// skipValue skips one valid JSON value.
func (p *fastParser) skipValue() bool {
	switch p.peek() {
	case '"':
		return p.skipString()
	case '{':
		return p.skipContainer('{', '}', true)
	case '[':
		return p.skipContainer('[', ']', false)
	case 't':
		return p.literal("true")
	case 'f':
		return p.literal("false")
	case 'n':
		return p.literal("null")
	default:
		return p.skipNumber()
	}
}

func (p *fastParser) literal(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return p.delimited()
	}
	return false
}

func (p *fastParser) skipContainer(open, close byte, object bool) bool {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxFastDepth || !p.consume(open) {
		return false
	}
	if p.consume(close) {
		return true
	}
	for {
		if object {
			if p.peek() != '"' || !p.skipString() || !p.consume(':') {
				return false
			}
		}
		if !p.skipValue() {
			return false
		}
		if p.consume(',') {
			continue
		}
		return p.consume(close)
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipString skips a string starting at p.i, checking its escapes.
func (p *fastParser) skipString() bool {
	p.i++ // opening quote
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return false
			}
			switch p.b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if p.i+6 > len(p.b) || !isHex(p.b[p.i+2]) || !isHex(p.b[p.i+3]) || !isHex(p.b[p.i+4]) || !isHex(p.b[p.i+5]) {
					return false
				}
				p.i += 6
			default:
				return false
			}
		default:
			p.i++
		}
	}
	return false
}

// skipNumber skips a number with JSON's grammar.
func (p *fastParser) skipNumber() bool {
	b, i := p.b, p.i
	digits := func() int {
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - s
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	p.i = i
	return p.delimited()
}
