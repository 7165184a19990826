package pdk

import "strings"

// Match reports whether s matches the pattern p, where "*" matches any run
// of characters (including none, and "/") and every other character
// matches itself: "gpt-4o*" matches "gpt-4o" and "gpt-4o-mini".
func Match(p, s string) bool {
	star := strings.IndexByte(p, '*')
	if star < 0 {
		return p == s
	}
	if !strings.HasPrefix(s, p[:star]) {
		return false
	}
	s, p = s[star:], p[star+1:]
	for {
		next := strings.IndexByte(p, '*')
		if next < 0 {
			return strings.HasSuffix(s, p) // the last literal is anchored at the end
		}
		i := strings.Index(s, p[:next])
		if i < 0 {
			return false
		}
		s, p = s[i+next:], p[next+1:]
	}
}
