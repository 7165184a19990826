package jsonenc

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// check asserts that AppendString wrote a JSON literal that decodes to s
// with each invalid byte as U+FFFD (as encoding/json reads and writes it),
// escapes U+2028 and U+2029 for JavaScript, and leaves HTML characters as
// they are.
func check(t *testing.T, s string) {
	t.Helper()
	got := AppendString([]byte("prefix:"), s)
	lit, ok := strings.CutPrefix(string(got), "prefix:")
	if !ok {
		t.Fatalf("%q: prefix lost: %s", s, got)
	}
	var back string
	if err := json.Unmarshal([]byte(lit), &back); err != nil {
		t.Fatalf("%q: %s is not a JSON string: %v", s, lit, err)
	}
	var want strings.Builder
	for _, r := range s { // a range over a string yields U+FFFD per invalid byte
		want.WriteRune(r)
	}
	if back != want.String() {
		t.Errorf("%q: %s decodes to %q", s, lit, back)
	}
	if strings.ContainsAny(lit, "\u2028\u2029") || !utf8.ValidString(lit) {
		t.Errorf("%q: %s has a raw line separator or invalid UTF-8", s, lit)
	}
	if strings.Contains(lit, `\u003c`) || strings.Contains(lit, `\u0026`) {
		t.Errorf("%q: %s escapes HTML", s, lit)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{
		"", "plain ascii", `quote " and backslash \`, "lines\n\r\ttabs",
		"\x00\x01\x08\x0c\x1f control", "<html> & stays", "héllo wörld ✓ 😀",
		"bad utf-8 \xff\xfe end", "truncated \xe2\x82", "line sep \u2028 para sep \u2029",
	} {
		check(t, s)
	}
	if got := string(AppendString(nil, "a\"b\n\x01\u2028")); got != `"a\"b\n\u0001\u2028"` {
		t.Errorf("escapes: %s", got)
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("hello \"world\"\n")
	f.Add("\xff\u2028<")
	f.Fuzz(check)
}
