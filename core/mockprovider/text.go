package mockprovider

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replyPrefix starts every chat completion content.
const replyPrefix = "Mock reply to: "

// maxEchoBytes bounds how much of the last user message is echoed.
const maxEchoBytes = 200

// truncateUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// spaceAt reports whether a whitespace rune starts at s[i], and its size.
func spaceAt(s string, i int) (bool, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f', 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r), size
}

// countWords counts whitespace-separated words, like len(strings.Fields(s)).
func countWords(s string) int {
	n := 0
	inWord := false
	for i := 0; i < len(s); {
		sp, size := spaceAt(s, i)
		if !sp && !inWord {
			n++
		}
		inWord = !sp
		i += size
	}
	return n
}

// splitWords splits s into segments that each hold one word with the
// whitespace before it (like " reply"); whitespace at the start of s goes
// with the first segment and whitespace at the end with the last one.
// Concatenating the segments gives s back, and there are exactly
// countWords(s) of them (one if s is only whitespace).
func splitWords(s string) []string {
	if s == "" {
		return nil
	}
	segs := make([]string, 0, 16)
	start, cut := 0, -1 // cut: where the whitespace after the last word starts
	inWord := false
	for i := 0; i < len(s); {
		sp, size := spaceAt(s, i)
		if sp && inWord {
			cut = i
		}
		if !sp && cut >= 0 {
			segs = append(segs, s[start:cut])
			start, cut = cut, -1
		}
		inWord = !sp
		i += size
	}
	return append(segs, s[start:])
}

// fnv1a64 hashes b with 64-bit FNV-1a.
func fnv1a64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func fnv1a64String(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// splitmix64 advances *x and returns the next value of the SplitMix64
// sequence.
func splitmix64(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// appendHex16 appends v as 16 lowercase hex digits.
func appendHex16(b []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(v>>uint(shift))&0xf])
	}
	return b
}

// faults are the fault-injection directives carried by a model name.
type faults struct {
	status int // fail-<status>: 400-599, or 0
	slowMS int // slow-<ms>, or 0
	cut    bool
	reset  bool
}

func parseFaults(model string) faults {
	var f faults
	if n, ok := directiveNumber(model, "fail-"); ok && n >= 400 && n <= 599 {
		f.status = n
	}
	if n, ok := directiveNumber(model, "slow-"); ok {
		f.slowMS = n
	}
	f.cut = hasDirective(model, "cut")
	f.reset = hasDirective(model, "reset")
	return f
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// directiveNumber finds name followed by digits (e.g. "fail-" "429"), delimited
// by non-alphanumeric characters or the ends of s, and returns the number.
func directiveNumber(s, name string) (int, bool) {
	for off := 0; off+len(name) <= len(s); {
		i := indexFrom(s, name, off)
		if i < 0 {
			return 0, false
		}
		off = i + 1
		if i > 0 && isAlnum(s[i-1]) {
			continue
		}
		j := i + len(name)
		n, k := 0, j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' && k-j < 9 {
			n = n*10 + int(s[k]-'0')
			k++
		}
		if k == j || (k < len(s) && isAlnum(s[k])) {
			continue
		}
		return n, true
	}
	return 0, false
}

// hasDirective reports whether word occurs in s delimited by
// non-alphanumeric characters or the ends of s.
func hasDirective(s, word string) bool {
	for off := 0; off+len(word) <= len(s); {
		i := indexFrom(s, word, off)
		if i < 0 {
			return false
		}
		off = i + 1
		end := i + len(word)
		if (i == 0 || !isAlnum(s[i-1])) && (end == len(s) || !isAlnum(s[end])) {
			return true
		}
	}
	return false
}

func indexFrom(s, sub string, off int) int {
	i := strings.Index(s[off:], sub)
	if i < 0 {
		return -1
	}
	return off + i
}
