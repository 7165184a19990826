package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// Node is one value of a document indexed by Index: its bytes b[Start:End],
// for an object member its key b[KeyStart:KeyEnd] (between the quotes), the
// index of its parent (-1 for the document) and of its next sibling (-1 for
// none). Nodes are in document order, so a container's first child, if any,
// is the node right after it.
type Node struct {
	Start, End, KeyStart, KeyEnd int32
	Parent, Next                 int32
	KeyEscaped                   bool
}

// Index appends a node for every value of b, at every depth, to dst. b must
// be one valid JSON value (Valid or Scan said so): Index does not check it
// again. It is one pass, so that a reader of many nested values (a program
// walking every message's fields) does not parse them again and again.
func Index(b []byte, dst []Node) []Node {
	type open struct{ node, last int32 }
	var stackBuf [32]open
	stack := stackBuf[:0]
	i := skipSpace(b, 0)
	keyStart, keyEnd, keyEsc := int32(0), int32(0), false
	for i < len(b) {
		// A value starts at i. (Input that is not valid JSON gives nodes
		// that mean nothing, but the loop still ends: every turn moves on.)
		from := i
		n := int32(len(dst))
		parent := int32(-1)
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			parent = top.node
			if top.last >= 0 {
				dst[top.last].Next = n
			}
			top.last = n
		}
		dst = append(dst, Node{Start: int32(i), KeyStart: keyStart, KeyEnd: keyEnd, KeyEscaped: keyEsc, Parent: parent, Next: -1})
		keyStart, keyEnd, keyEsc = 0, 0, false
		switch c := b[i]; {
		case c == '{' || c == '[':
			stack = append(stack, open{n, -1})
			i = skipSpace(b, i+1)
			if i < len(b) && (b[i] == '}' || b[i] == ']') {
				break // closed below
			}
			if c == '{' && i < len(b) {
				i, keyStart, keyEnd, keyEsc = readKey(b, i)
			}
			continue
		case c == '"':
			i, _ = skipString(b, i+1)
			dst[n].End = int32(i)
		default: // number or literal
			for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != ']' && b[i] != '}' {
				i++
			}
			dst[n].End = int32(i)
		}
		// After a value: close containers, then move to the next value.
		i = skipSpace(b, i)
		for i < len(b) && (b[i] == '}' || b[i] == ']') && len(stack) > 0 {
			dst[stack[len(stack)-1].node].End = int32(i + 1)
			stack = stack[:len(stack)-1]
			i = skipSpace(b, i+1)
		}
		if len(stack) == 0 {
			break
		}
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		if i < len(b) && b[dst[stack[len(stack)-1].node].Start] == '{' {
			i, keyStart, keyEnd, keyEsc = readKey(b, i)
		}
		if i == from {
			i++
		}
	}
	return dst
}

// readKey reads an object key at i and the colon after it; it returns the
// offset of the value and the key's bounds.
func readKey(b []byte, i int) (int, int32, int32, bool) {
	start := i + 1
	end, esc := skipString(b, start)
	i = skipSpace(b, end)
	if i < len(b) && b[i] == ':' {
		i = skipSpace(b, i+1)
	}
	return i, int32(start), int32(end - 1), esc
}

// skipString returns the offset after the closing quote of a string of a
// valid document whose opening quote is at i-1, and whether it holds
// escapes. Unlike scanString it checks nothing, and it jumps to the first
// quote or backslash of eight bytes: most strings Index meets are short
// keys and values, where a check per byte after the eight-byte test is
// most of the work.
func skipString(b []byte, i int) (int, bool) {
	escaped := false
	for {
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q := x ^ (ones * '"')
			s := x ^ (ones * '\\')
			// The lowest byte flagged is exact: a false positive needs a
			// borrow from a true one below it.
			m := ((q-ones)&^q | (s-ones)&^s) & highs
			if m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i >= len(b) {
			return len(b), escaped // unterminated: only in input not checked
		}
		switch b[i] {
		case '"':
			return i + 1, escaped
		case '\\':
			escaped = true
			i += 2
		default:
			i++
		}
	}
}
