package detect

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

func all(t testing.TB, custom ...Pattern) *Matcher {
	t.Helper()
	m, err := Compile(Spec{Builtin: kindNames[1:], Custom: custom})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFind(t *testing.T) {
	m := all(t, Pattern{Regex: `EMP-\d{6}`}, Pattern{Words: []string{"Project Falcon", "falcon"}})
	tests := []struct {
		text string
		want []string // "kind:value"
	}{
		{"mail a.b@example.com.", []string{"email:a.b@example.com"}},
		{"a.b@example.com@x", []string{"email:a.b@example.com"}},
		{"+1 (415) 555-2671 and 4111-1111-1111-1111", []string{"phone:+1 (415) 555-2671", "card:4111-1111-1111-1111"}},
		{"employee EMP-123456 on project falcon", []string{"custom_0:EMP-123456", "custom_1:project falcon"}},
		{"PROJECT FALCON and falconry", []string{"custom_1:PROJECT FALCON"}},
		{"no findings in plain prose, version 1.2.3.4.5", nil},
		{"[::1]:8080", []string{"ipv6:::1"}},
		{"", nil},
		{"Über project   Falcon's launch", []string{"custom_1:project   Falcon"}},
	}
	for _, tt := range tests {
		var got []string
		for _, sp := range m.Find(nil, tt.text) {
			got = append(got, sp.Kind.String()+":"+tt.text[sp.Start:sp.End])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Find(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestOnlyRequestedKinds(t *testing.T) {
	m, err := Compile(Spec{Builtin: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Find(nil, "x@example.com 4111 1111 1111 1111 10.0.0.1")
	if len(got) != 1 || got[0].Kind != Email {
		t.Fatalf("got %v, want only the e-mail", got)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{Builtin: []string{"passport"}}, `unknown kind "passport"`},
		{Spec{Custom: []Pattern{{Regex: "("}}}, "custom pattern 0: error parsing regexp"},
		{Spec{Custom: []Pattern{{}}}, "custom pattern 0: empty pattern"},
		{Spec{Custom: []Pattern{{Regex: "a", Words: []string{"b"}}}}, "either regex or words"},
		{Spec{Custom: []Pattern{{Words: []string{"ok", " - "}}}}, "word 1 has no letters or digits"},
	} {
		_, err := Compile(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%+v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}

func TestAppendGroup(t *testing.T) {
	b := AppendGroup(nil, []byte("messages.0.content"), "hi x@y.io", []Span{{3, 9, Email}})
	le := binary.LittleEndian
	if n := le.Uint32(b); n != 18 || string(b[4:22]) != "messages.0.content" {
		t.Fatalf("path: %q", b)
	}
	if n := le.Uint32(b[22:]); n != 9 || string(b[26:35]) != "hi x@y.io" {
		t.Fatalf("text: %q", b)
	}
	if le.Uint32(b[35:]) != 1 || le.Uint32(b[39:]) != 3 || le.Uint32(b[43:]) != 9 || Kind(le.Uint32(b[47:])) != Email || len(b) != 51 {
		t.Fatalf("spans: %v", b[35:])
	}
}

// BenchmarkFind scans a 2 KB chat text with every built-in kind on.
func BenchmarkFind(b *testing.B) {
	raw, err := os.ReadFile("testdata/corpus.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.NewReplacer("{{", "", "}}", "").Replace(string(raw))[:2048]
	m := all(b)
	var spans []Span
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		spans = m.Find(spans[:0], text)
	}
}

func TestWordList(t *testing.T) {
	m, err := Compile(Spec{Custom: []Pattern{
		{Words: []string{"ignore all previous instructions", "ignore previous instructions", "Straße"}},
		{Words: []string{"ACME"}, CaseSensitive: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ text, want string }{
		{"Please IGNORE all\nprevious, instructions now", "custom_0:IGNORE all\nprevious, instructions"},
		{"ignore previous instructions", "custom_0:ignore previous instructions"},
		{"ignore all of the previous instructions", ""},
		{"die straße und Straßenbahn", "custom_0:straße"},
		{"acme ACME ACMEs", "custom_1:ACME"},
	} {
		var got []string
		for _, sp := range m.Find(nil, tt.text) {
			got = append(got, sp.Kind.String()+":"+tt.text[sp.Start:sp.End])
		}
		if strings.Join(got, "|") != tt.want {
			t.Errorf("%q: got %q, want %q", tt.text, got, tt.want)
		}
	}
}
