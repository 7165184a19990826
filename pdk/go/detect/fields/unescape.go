package fields

import (
	"strconv"
	"unicode/utf8"
	"unicode/utf16"
)

// unescape decodes the text of a JSON string literal (without its quotes)
// exactly as gjson does (held to it by a differential fuzz test), for
// strings that hold a backslash. It copies each run between escapes whole,
// where gjson appends byte by byte.
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] != '\\' && s[j] >= ' ' {
			j++
		}
		b = append(b, s[i:j]...)
		i = j
		if i >= len(s) || s[i] < ' ' || i+1 >= len(s) {
			break // the end; gjson stops at a control byte or a lone backslash
		}
		switch s[i+1] {
		case '\\', '/', '"':
			b = append(b, s[i+1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if i+6 > len(s) {
				return string(b)
			}
			r := hex4(s[i+2:])
			i += 6
			if r >= 0xD800 && r < 0xDC00 && len(s)-i >= 6 && s[i] == '\\' && s[i+1] == 'u' {
				if r2 := hex4(s[i+2:]); r2 >= 0xDC00 && r2 < 0xE000 {
					r = utf16.DecodeRune(r, r2)
					i += 6
				}
			}
			b = utf8.AppendRune(b, r) // a lone surrogate becomes U+FFFD
			continue
		default:
			return string(b) // gjson stops at an unknown escape
		}
		i += 2
	}
	return string(b)
}

// hex4 is the value of four hex digits, 0 when they are not (as gjson).
func hex4(s string) rune {
	n, _ := strconv.ParseUint(s[:4], 16, 64)
	return rune(n)
}
