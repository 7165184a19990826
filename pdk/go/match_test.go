package pdk_test

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/detect"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

// scanner compiles its spec in Init and reports what a scan returns.
type scanner struct {
	spec pdk.MatchSpec
	m    pdk.Matcher
	path string
	all  bool
	got  []string
	err  error
}

func (s *scanner) Init(pdk.Config) error {
	var err error
	s.m, err = pdk.CompileMatcher(s.spec)
	return err
}

func (s *scanner) record(fs []pdk.Field, err error) {
	s.got, s.err = nil, err
	for _, f := range fs {
		var spans []string
		for _, sp := range f.Spans {
			spans = append(spans, sp.Kind.String()+"="+string(f.Text[sp.Start:sp.End]))
		}
		s.got = append(s.got, f.Path+":"+strings.Join(spans, ","))
	}
}

func (s *scanner) OnRequest(req *pdk.Request) pdk.Action {
	if s.all {
		s.record(req.TextFields(s.m))
	} else {
		s.record(req.Scan(s.path, s.m))
	}
	return pdk.Continue
}

func (s *scanner) OnChunk(c *pdk.Chunk) pdk.Action {
	s.record(c.TextFields(s.m))
	return pdk.Continue
}

func TestMatchScan(t *testing.T) {
	body := `{"model":"m","messages":[{"role":"system","content":"no data here"},` +
		`{"role":"user","content":[{"type":"text","text":"mail ana@example.com"},{"type":"text","text":"call +44 20 7946 0958 re EMP-123456"}]},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"card\":\"4111 1111 1111 1111\"}"}}]}]}`
	spec := pdk.MatchSpec{Builtin: pdk.BuiltinKinds(), Custom: []pdk.MatchPattern{{Regex: `EMP-\d{6}`}}}
	tests := []struct {
		path string
		all  bool
		want string
		err  error
	}{
		{"", false, "messages.1.content.0.text:email=ana@example.com|messages.1.content.1.text:phone=+44 20 7946 0958,custom_0=EMP-123456|" +
			"messages.2.tool_calls.0.function.arguments:card=4111 1111 1111 1111", nil},
		{"", true, "messages.0.content:|messages.1.content.0.text:email=ana@example.com|messages.1.content.1.text:phone=+44 20 7946 0958,custom_0=EMP-123456|" +
			"messages.2.tool_calls.0.function.arguments:card=4111 1111 1111 1111", nil},
		{"messages.1.content.0.text", false, "messages.1.content.0.text:email=ana@example.com", nil},
		{"messages.0.content", false, "", nil},
		{"model", false, "", nil}, // a string without findings
		{"messages.9.content", false, "", pdk.ErrNotFound},
		{"messages", false, "", pdk.ErrNotFound}, // not a string
	}
	for _, tt := range tests {
		s := &scanner{spec: spec, path: tt.path, all: tt.all}
		pdktest.Request(t, s, body)
		if got := strings.Join(s.got, "|"); got != tt.want || s.err != tt.err {
			t.Errorf("scan %q all=%v = %q, %v; want %q, %v", tt.path, tt.all, got, s.err, tt.want, tt.err)
		}
	}
}

func TestMatchChunkAndText(t *testing.T) {
	s := &scanner{spec: pdk.MatchSpec{Builtin: []string{"email"}}}
	pdktest.Chunk(t, s, `{"choices":[{"index":0,"delta":{"content":"write to bo@example.org"}}]}`)
	if got := strings.Join(s.got, "|"); got != "choices.0.delta.content:email=bo@example.org" {
		t.Fatalf("chunk: %q", got)
	}
	var spans []pdk.Span
	var ferr error
	pdktest.Request(t, pdk.RequestFunc(func(*pdk.Request) pdk.Action {
		spans, ferr = s.m.Find([]byte("x ab@example.com y cd@example.net"))
		spans = append([]pdk.Span(nil), spans...)
		return pdk.Continue
	}), `{"messages":[]}`, pdktest.WithConfig(`{}`))
	// The RequestFunc has no Init: it uses the matcher of the scanner's
	// instance, which this instance did not compile.
	if ferr != pdk.ErrInvalid || spans != nil {
		t.Fatalf("foreign matcher: %v %v", spans, ferr)
	}
}

func TestMatchFind(t *testing.T) {
	p := &finder{}
	res := pdktest.Request(t, p, `{"messages":[]}`)
	if res.Failure != "" || p.err != nil || fmt.Sprint(p.spans) != "[{2 16 email} {19 33 email}]" {
		t.Fatalf("%v %v %s", p.spans, p.err, res.Failure)
	}
}

type finder struct {
	m     pdk.Matcher
	spans []pdk.Span
	err   error
}

func (f *finder) Init(pdk.Config) (err error) {
	f.m, err = pdk.CompileMatcher(pdk.MatchSpec{Builtin: []string{"email"}})
	return err
}

func (f *finder) OnRequest(*pdk.Request) pdk.Action {
	f.spans, f.err = f.m.Find([]byte("x ab@example.com y cd@example.net"))
	return pdk.Continue
}

func TestMatchCompileRefused(t *testing.T) {
	for _, spec := range []pdk.MatchSpec{
		{Builtin: []string{"passport"}},
		{Custom: []pdk.MatchPattern{{Regex: "("}}},
	} {
		_, refused := pdktest.Init(t, &scanner{spec: spec})
		if refused == nil || !strings.Contains(refused.Message, "match_compile: invalid spec") {
			t.Errorf("%+v: %v", spec, refused)
		}
	}
}

// TestMatchKindsAgreeWithDetect keeps the PDK's kind numbers and names equal
// to the host's detector.
func TestMatchKindsAgreeWithDetect(t *testing.T) {
	for _, k := range detect.Builtins {
		pk, ok := pdk.ParseKind(k.String())
		if !ok || uint32(pk) != uint32(k) {
			t.Errorf("kind %s: detect %d, pdk %d", k, k, pk)
		}
	}
	if len(pdk.BuiltinKinds()) != len(detect.Builtins) || uint32(pdk.KindCustom) != uint32(detect.Custom) {
		t.Error("kind lists differ")
	}
}

// TestMatchABIDocument checks the helper table of ABI.md against the
// imports of match_wasip1.go.
func TestMatchABIDocument(t *testing.T) {
	doc, err := os.ReadFile("../ABI.md")
	if err != nil {
		t.Skip("ABI.md not found (not in the wasmgate repository)")
	}
	f, err := parser.ParseFile(token.NewFileSet(), "match_wasip1.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string]int{}
	for _, c := range f.Comments {
		for _, l := range c.List {
			if rest, ok := strings.CutPrefix(l.Text, "//go:wasmimport wasmgate "); ok {
				imports[rest] = 0
			}
		}
	}
	s := string(doc)
	i := strings.Index(s, "| helper | signature | result |")
	if i < 0 {
		t.Fatal("ABI.md has no matching helper table")
	}
	rows := 0
	for _, line := range strings.Split(s[i:], "\n")[2:] {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		name := strings.Trim(strings.Split(line, "|")[1], " `")
		if _, ok := imports[name]; !ok {
			t.Errorf("ABI.md helper %s is not imported", name)
		}
		rows++
	}
	if rows != len(imports) {
		t.Errorf("ABI.md has %d helpers, match_wasip1.go imports %d", rows, len(imports))
	}
}
