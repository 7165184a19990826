// Package jsonscan checks that a document is valid JSON in one pass without
// building anything, and on the way records the top-level members of an
// object. The gateway runs it once over every request body: its cost is part
// of every request, so strings (most of a chat request's bytes) are scanned
// eight bytes at a time, and nesting is tracked without recursion so that a
// hostile body of a million "[" costs a few bytes of stack, not megabytes.
package jsonscan

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// MaxDepth is the deepest nesting of arrays and objects a document may have.
const MaxDepth = 1000

// SyntaxError says where and why a document is not valid JSON.
type SyntaxError struct {
	Offset int // byte offset of the problem
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset) }

// Member is one top-level member of an object.
type Member struct {
	// Key is the raw key between its quotes; escapes are kept (KeyEscaped
	// says whether there are any).
	Key        []byte
	KeyEscaped bool
	// Value is the raw value, without surrounding whitespace.
	Value []byte
	// Elems is the number of elements when Value is an array, else -1.
	Elems int
	// FirstElem is the index of the array's first element in ScanElems'
	// spans (its Elems spans follow); 0 for Scan.
	FirstElem int
}

// Span is where one element of a top-level array starts and ends in the
// document (ScanElems).
type Span struct{ Start, End int }

// Valid reports whether b is exactly one JSON value, surrounded by optional
// whitespace, nested at most MaxDepth deep.
func Valid(b []byte) bool {
	_, err := scan(b, nil, recordNone, nil)
	return err == nil
}

// Scan checks b like Valid and, when b is an object, appends its top-level
// members to dst in document order (duplicate keys included).
func Scan(b []byte, dst []Member) ([]Member, error) { return scan(b, dst, recordObject, nil) }

// ScanElems is Scan that also appends to spans where each element of every
// array member starts and ends, so that element i of the messages is found
// without reading the array again.
func ScanElems(b []byte, dst []Member, spans []Span) ([]Member, []Span, error) {
	dst, err := scan(b, dst, recordObject, &spans)
	return dst, spans, err
}

// ScanAny is Scan that, when b is an array, appends its elements, with nil
// keys.
func ScanAny(b []byte, dst []Member) ([]Member, error) { return scan(b, dst, recordAny, nil) }

// What scan records.
const (
	recordNone   = iota
	recordObject // an object's members
	recordAny    // an object's members or an array's elements
)

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special flags, in the high bit of each of the eight bytes of x (the
// first in memory lowest), the bytes that are '"', '\\' or a control
// character (below 0x20). A flag can be false only above a true one (a
// borrow carries up), so zero is exact and the lowest flag is exact.
func special(x uint64) uint64 {
	q := x ^ (ones * '"')
	s := x ^ (ones * '\\')
	return ((q-ones)&^q | (s-ones)&^s | (x-ones*0x20)&^x) & highs
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanString scans a string whose opening quote is at i-1 and returns the
// offset after its closing quote, and whether it holds escapes.
func scanString(b []byte, i int) (int, bool, error) {
	escaped := false
	for {
		// Jump to the first quote, backslash or control character: eight
		// bytes at a time, then straight to the flagged byte.
		for i+8 <= len(b) {
			if m := special(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return i, escaped, &SyntaxError{i, "unterminated string"}
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return i, escaped, &SyntaxError{i, "unterminated string"}
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, escaped, &SyntaxError{i, `bad \u escape in string`}
				}
				i += 6
			default:
				return i, escaped, &SyntaxError{i, "bad escape in string"}
			}
		case c < 0x20:
			return i, escaped, &SyntaxError{i, "control character in string"}
		default:
			i++
		}
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func scanNumber(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return i, &SyntaxError{start, "bad number"}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, &SyntaxError{start, "bad number"}
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, &SyntaxError{start, "bad number"}
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i, nil
}

func scanLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, &SyntaxError{i, "invalid character " + quoteByte(b[i])}
	}
	return i + len(lit), nil
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}

// scan is one pass over b. The stack holds '{' or '[' per open container.
// spans, when not nil, receives the elements of the recorded arrays.
func scan(b []byte, dst []Member, record int, spans *[]Span) ([]Member, error) {
	var stackBuf [64]byte
	stack := stackBuf[:0]
	var cur Member // the top-level member being read
	recording := false
	i := skipSpace(b, 0)

value: // a value starts at i (whitespace skipped)
	if i >= len(b) {
		return dst, &SyntaxError{i, "unexpected end of input"}
	}
	if recording && len(stack) == 2 && stack[1] == '[' {
		cur.Elems++
		if spans != nil {
			*spans = append(*spans, Span{Start: i})
		}
	}
	if recording && len(stack) == 1 {
		if stack[0] == '[' {
			cur = Member{Elems: -1}
		}
		cur.Value = b[i:] // trimmed when the value ends
	}
	switch c := b[i]; c {
	case '{', '[':
		if len(stack) == MaxDepth {
			return dst, &SyntaxError{i, fmt.Sprintf("nested deeper than %d levels", MaxDepth)}
		}
		stack = append(stack, c)
		if len(stack) == 1 && (record == recordObject && c == '{' || record == recordAny) {
			recording = true
		}
		if recording && len(stack) == 2 && c == '[' {
			cur.Elems = 0
			if spans != nil {
				cur.FirstElem = len(*spans)
			}
		}
		i = skipSpace(b, i+1)
		if i < len(b) && (b[i] == '}' && c == '{' || b[i] == ']' && c == '[') {
			i++
			stack = stack[:len(stack)-1]
			goto end
		}
		if c == '{' {
			goto key
		}
		goto value
	case '"':
		var err error
		if i, _, err = scanString(b, i+1); err != nil {
			return dst, err
		}
	case 't':
		var err error
		if i, err = scanLiteral(b, i, "true"); err != nil {
			return dst, err
		}
	case 'f':
		var err error
		if i, err = scanLiteral(b, i, "false"); err != nil {
			return dst, err
		}
	case 'n':
		var err error
		if i, err = scanLiteral(b, i, "null"); err != nil {
			return dst, err
		}
	default:
		if c != '-' && !isDigit(c) {
			return dst, &SyntaxError{i, "invalid character " + quoteByte(c)}
		}
		var err error
		if i, err = scanNumber(b, i); err != nil {
			return dst, err
		}
	}

end: // a value ended just before i
	switch {
	case !recording:
	case len(stack) == 1:
		cur.Value = cur.Value[:len(cur.Value)-(len(b)-i)]
		dst = append(dst, cur)
	case len(stack) == 2 && stack[1] == '[' && spans != nil:
		(*spans)[len(*spans)-1].End = i
	}
	i = skipSpace(b, i)
	if len(stack) == 0 {
		if i != len(b) {
			return dst, &SyntaxError{i, "invalid character " + quoteByte(b[i]) + " after the value"}
		}
		return dst, nil
	}
	if i >= len(b) {
		return dst, &SyntaxError{i, "unexpected end of input"}
	}
	switch top := stack[len(stack)-1]; {
	case b[i] == ',':
		i = skipSpace(b, i+1)
		if top == '{' {
			goto key
		}
		goto value
	case b[i] == '}' && top == '{', b[i] == ']' && top == '[':
		i++
		stack = stack[:len(stack)-1]
		if len(stack) == 0 {
			recording = false
		}
		goto end
	default:
		return dst, &SyntaxError{i, "invalid character " + quoteByte(b[i]) + " after a value in an " + containerName(top)}
	}

key: // an object key starts at i (whitespace skipped)
	if i >= len(b) {
		return dst, &SyntaxError{i, "unexpected end of input"}
	}
	if b[i] != '"' {
		return dst, &SyntaxError{i, "invalid character " + quoteByte(b[i]) + " where an object key was expected"}
	}
	{
		start := i + 1
		var err error
		var esc bool
		if i, esc, err = scanString(b, start); err != nil {
			return dst, err
		}
		if recording && len(stack) == 1 {
			cur = Member{Key: b[start : i-1], KeyEscaped: esc, Elems: -1}
		}
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		if i >= len(b) {
			return dst, &SyntaxError{i, "unexpected end of input"}
		}
		return dst, &SyntaxError{i, "invalid character " + quoteByte(b[i]) + " after an object key"}
	}
	i = skipSpace(b, i+1)
	goto value
}

func containerName(c byte) string {
	if c == '{' {
		return "object"
	}
	return "array"
}
