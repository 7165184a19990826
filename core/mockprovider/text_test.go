package mockprovider

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "ctl \x00\x01\x1f\x7f", "\n\r\t\b\f",
		"<html>&amp;", "é日本語🙂", "\u2028\u2029", "bad \xff\xfe utf8", "trunc \xe6\x97",
	} {
		b := appendString(nil, s)
		if !json.Valid(b) {
			t.Errorf("%q: invalid JSON %s", s, b)
			continue
		}
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if !utf8.ValidString(s) {
			// encoding/json replaces every invalid byte.
			var sb strings.Builder
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				sb.WriteRune(r)
				i += n
			}
			want = sb.String()
		}
		if got != want {
			t.Errorf("%q round-tripped to %q", s, got)
		}
	}
}

func TestSplitWords(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"Mock reply to: hi", []string{"Mock", " reply", " to:", " hi"}},
		{"  a  b\n", []string{"  a", "  b\n"}},
		{"   ", []string{"   "}},
		{"x\u00a0y z", []string{"x", "\u00a0y", " z"}},
	} {
		got := splitWords(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{"", "a b", "  a\tb  c \n", "日本 語", "\xff a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs := splitWords(s)
		if strings.Join(segs, "") != s {
			t.Fatalf("segments %q do not rebuild %q", segs, s)
		}
		words := len(strings.Fields(s))
		if countWords(s) != words {
			t.Fatalf("countWords(%q) = %d, want %d", s, countWords(s), words)
		}
		if words > 0 && len(segs) != words {
			t.Fatalf("%d segments for %d words in %q", len(segs), words, s)
		}
		for _, seg := range segs[:max(len(segs)-1, 0)] {
			if countWords(seg) != 1 {
				t.Fatalf("segment %q of %q is not one word", seg, s)
			}
		}
	})
}

func TestTruncateUTF8(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 3, "hel"},
		{"héllo", 2, "h"},
		{"héllo", 3, "hé"},
		{"🙂🙂", 5, "🙂"},
	} {
		if got := truncateUTF8(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestParseFaults(t *testing.T) {
	for _, tt := range []struct {
		model string
		want  faults
	}{
		{"gpt-4o-mini", faults{}},
		{"mock-fail-429", faults{status: 429}},
		{"fail-500", faults{status: 500}},
		{"mock-fail-503-slow-20", faults{status: 503, slowMS: 20}},
		{"mock-slow-300", faults{slowMS: 300}},
		{"mock/slow-5", faults{slowMS: 5}},
		{"mock-cut", faults{cut: true}},
		{"cut", faults{cut: true}},
		{"mock-slow-50-cut", faults{slowMS: 50, cut: true}},
		{"mock-execute", faults{}},
		{"mock-cutter", faults{}},
		{"mock-fail-42x", faults{}},
		{"mock-fail-", faults{}},
		{"mock-fail-200", faults{}},
		{"mock-fail-600", faults{}},
		{"nofail-500", faults{}},
		{"x-fail-4x-fail-404", faults{status: 404}},
	} {
		if got := parseFaults(tt.model); got != tt.want {
			t.Errorf("parseFaults(%q) = %+v, want %+v", tt.model, got, tt.want)
		}
	}
}
