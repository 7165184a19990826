package fields

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// unescape must decode exactly as gjson does, whatever the input.
func checkUnescape(t *testing.T, inner string) {
	t.Helper()
	if got, want := unescape(inner), gjson.Parse(`"`+inner+`"`).Str; got != want {
		t.Fatalf("unescape(%q) = %q, gjson gives %q", inner, got, want)
	}
}

func TestUnescapeAsGJSON(t *testing.T) {
	for _, s := range []string{
		`plain`, `a\"b`, `\\\/\b\f\n\r\t`, `caf\u00e9 \u2028`, `\ud83d\ude00 smile`, `\uD83D\uDE00`,
		`lone \ud83d end`, `lone \ude00 end`, `\ud83d\u0041`, `\ud83d\ud83d\ude00`, `cut \u12`, `bad \uzzzz`,
		`\x unknown`, `{\"args\":\"EMP-123456\",\"n\":1}`, `ünïcode \" mixed`,
	} {
		checkUnescape(t, s)
	}
}

func FuzzUnescape(f *testing.F) {
	f.Add(`a\"b\u00e9\ud83d\ude00`)
	f.Add(`\ud83d\u`)
	f.Fuzz(func(t *testing.T, s string) {
		n := 0 // backslashes at the end: an odd count escapes the closing quote
		for n < len(s) && s[len(s)-1-n] == '\\' {
			n++
		}
		if n%2 == 1 || strings.Contains(s, `"`) || !strings.Contains(s, `\`) {
			return // not the inner text of a literal with escapes (the only one decoded)
		}
		checkUnescape(t, s)
	})
}
