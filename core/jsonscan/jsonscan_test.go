package jsonscan

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

var validityCases = []struct {
	doc  string
	want bool
}{
	{`{}`, true},
	{` { "a" : 1 } `, true},
	{`[]`, true},
	{`"x"`, true},
	{`0`, true},
	{`-0.5e+10`, true},
	{`1E5`, true},
	{`true`, true},
	{`null`, true},
	{`{"a":[1,{"b":"c\u00e9\n"}],"d":null}`, true},
	{"\"caf\xc3\xa9 and a long enough string to use the wide path\"", true},
	{"", false},
	{`   `, false},
	{`{`, false},
	{`{"a"}`, false},
	{`{"a":}`, false},
	{`{"a":1,}`, false},
	{`[1,]`, false},
	{`[1 2]`, false},
	{`{"a":1}}`, false},
	{`{"a":1} x`, false},
	{`01`, false},
	{`-`, false},
	{`1.`, false},
	{`1.e5`, false},
	{`1e`, false},
	{`+1`, false},
	{`tru`, false},
	{`nul`, false},
	{`"abc`, false},
	{`"a\x"`, false},
	{`"a\u12G4"`, false},
	{"\"tab\there\"", false},
	{"\"a long string with a newline\n in the middle of it\"", false},
	{`{1:2}`, false},
	{`[}`, false},
	{`{]`, false},
	{`{"a" 1}`, false},
}

func TestValid(t *testing.T) {
	for _, tc := range validityCases {
		if got := Valid([]byte(tc.doc)); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.doc, got, tc.want)
		}
		if std := json.Valid([]byte(tc.doc)); std != tc.want {
			t.Errorf("test case %q disagrees with encoding/json (%v)", tc.doc, std)
		}
	}
}

// TestStringSpecialEveryOffset puts each kind of special byte at every
// offset of a string against the eight-byte steps of the scan: the scan
// must stop exactly there, agree with encoding/json, and name the offset
// of a control character or a bad escape.
func TestStringSpecialEveryOffset(t *testing.T) {
	for _, special := range []string{`\"`, `\u00e9`, "\x01", "\x1f", `\x`, `"`} {
		for pos := 0; pos < 24; pos++ {
			// é is two bytes: the special byte is at 6 + 2*(pos/2) + pos%2.
			at := 6 + 2*(pos/2) + pos%2
			doc := `{"k":"` + strings.Repeat("é", pos/2) + strings.Repeat("a", pos%2) + special + strings.Repeat("b", 20) + `"}`
			_, err := Scan([]byte(doc), nil)
			if got, want := err == nil, json.Valid([]byte(doc)); got != want {
				t.Errorf("%q: valid %v, encoding/json says %v", doc, got, want)
			}
			var se *SyntaxError
			if errors.As(err, &se) && special != `"` && se.Offset != at {
				t.Errorf("%q: error at %d, want %d", doc, se.Offset, at)
			}
		}
	}
}

func TestSyntaxErrorSaysWhere(t *testing.T) {
	_, err := Scan([]byte(`{"model": "x", "messages": [1,]}`), nil)
	se, ok := err.(*SyntaxError)
	if !ok {
		t.Fatalf("err = %v, want a *SyntaxError", err)
	}
	if se.Offset != 30 || !strings.Contains(se.Error(), "at byte 30") {
		t.Errorf("err = %v (offset %d), want the offset of the stray ']' (30)", err, se.Offset)
	}
}

func TestDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if !Valid([]byte(ok)) {
		t.Errorf("nesting of exactly MaxDepth refused")
	}
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	_, err := Scan([]byte(deep), nil)
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("err = %v, want a nesting error", err)
	}
	// A hostile body: a million opening brackets costs no recursion.
	if Valid([]byte(strings.Repeat("[", 1<<20))) {
		t.Errorf("unterminated brackets accepted")
	}
}

func TestMembers(t *testing.T) {
	doc := []byte(` {"model" : "gpt-4o", "messages":[{"role":"user","content":"hi"}, {"role":"assistant"} ,[] ], "n":2,
		"empty":[], "obj":{"a":[1,2]}, "k\"ey":true, "model":"dup"} `)
	got, err := Scan(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		key, value string
		escaped    bool
		elems      int
	}{
		{"model", `"gpt-4o"`, false, -1},
		{"messages", `[{"role":"user","content":"hi"}, {"role":"assistant"} ,[] ]`, false, 3},
		{"n", `2`, false, -1},
		{"empty", `[]`, false, 0},
		{"obj", `{"a":[1,2]}`, false, -1},
		{`k\"ey`, `true`, true, -1},
		{"model", `"dup"`, false, -1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d members, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if string(g.Key) != w.key || string(g.Value) != w.value || g.KeyEscaped != w.escaped || g.Elems != w.elems {
			t.Errorf("member %d = {%q %q %v %d}, want {%q %q %v %d}", i, g.Key, g.Value, g.KeyEscaped, g.Elems, w.key, w.value, w.escaped, w.elems)
		}
	}
	// Not an object: no members, still checked.
	if m, err := Scan([]byte(`[{"a":1}]`), nil); err != nil || len(m) != 0 {
		t.Errorf("array document: members %v, err %v", m, err)
	}
}

func TestScanAnyElements(t *testing.T) {
	got, err := ScanAny([]byte(` [ {"a":[1,2]}, "x\"y" ,[[3],4], 5 ,null,[]] `), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		value string
		elems int
	}{{`{"a":[1,2]}`, -1}, {`"x\"y"`, -1}, {`[[3],4]`, 2}, {`5`, -1}, {`null`, -1}, {`[]`, 0}}
	if len(got) != len(want) {
		t.Fatalf("%d elements, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		if g := got[i]; g.Key != nil || string(g.Value) != w.value || g.Elems != w.elems {
			t.Errorf("element %d = {%q %q %d}, want %q %d", i, g.Key, g.Value, g.Elems, w.value, w.elems)
		}
	}
	// An object's members, as Scan gives them.
	if m, err := ScanAny([]byte(`{"k":[1]}`), nil); err != nil || len(m) != 1 || string(m[0].Key) != "k" || m[0].Elems != 1 {
		t.Errorf("object: %v, %v", m, err)
	}
	if _, err := ScanAny([]byte(`[1,]`), nil); err == nil {
		t.Error("[1,] accepted")
	}
}

func TestChatRequestAgreesWithGJSON(t *testing.T) {
	doc, err := os.ReadFile("testdata/chat.json")
	if err != nil {
		t.Fatal(err)
	}
	members, err := Scan(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	gjson.ParseBytes(doc).ForEach(func(k, v gjson.Result) bool {
		if n >= len(members) || string(members[n].Key) != k.Str || string(members[n].Value) != v.Raw {
			t.Errorf("member %d differs from gjson's %q", n, k.Str)
		}
		if v.IsArray() && members[n].Elems != int(gjson.Get(v.Raw, "#").Int()) {
			t.Errorf("member %q: %d elements, gjson counts %d", k.Str, members[n].Elems, gjson.Get(v.Raw, "#").Int())
		}
		n++
		return true
	})
	if n != len(members) {
		t.Errorf("gjson sees %d members, Scan %d", n, len(members))
	}
}

func FuzzValid(f *testing.F) {
	for _, tc := range validityCases {
		f.Add([]byte(tc.doc))
	}
	f.Add([]byte(`{"messages":[{"role":"user"}, "x" ,[1,[]],{}, 2.5e3,null],"n":[],"tools":[true]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", b, got, want)
		}
		if json.Valid(b) {
			checkSpans(t, b)
		}
	})
}

// checkSpans checks that ScanElems' members are Scan's and that its spans
// are the elements gjson finds in each array member.
func checkSpans(t *testing.T, doc []byte) {
	t.Helper()
	want, _ := Scan(doc, nil)
	members, spans, err := ScanElems(doc, nil, nil)
	if err != nil || len(members) != len(want) {
		t.Fatalf("ScanElems(%q): %d members, %v; Scan has %d", doc, len(members), err, len(want))
	}
	for _, m := range members {
		if m.Elems < 0 {
			continue
		}
		var elems []string
		gjson.ParseBytes(m.Value).ForEach(func(_, v gjson.Result) bool {
			elems = append(elems, v.Raw)
			return true
		})
		if m.Elems != len(elems) || m.FirstElem+m.Elems > len(spans) {
			t.Fatalf("member %q of %q: %d elements from %d of %d spans, gjson finds %d", m.Key, doc, m.Elems, m.FirstElem, len(spans), len(elems))
		}
		for k, e := range elems {
			if sp := spans[m.FirstElem+k]; string(doc[sp.Start:sp.End]) != e {
				t.Errorf("member %q element %d: span %q, gjson %q", m.Key, k, doc[sp.Start:sp.End], e)
			}
		}
	}
}

func TestScanElemsAgreesWithGJSON(t *testing.T) {
	doc, err := os.ReadFile("testdata/chat.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{string(doc), `{"a":[]}`, `{"a":[ 1 , "x" ,{"b":[2]} ,[ ]],"c":{"d":[3]},"e":[{}]}`, `[1,2]`, `"x"`} {
		checkSpans(t, []byte(d))
	}
}

func BenchmarkValid(b *testing.B) {
	doc, err := os.ReadFile("testdata/chat.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("jsonscan", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for range b.N {
			if !Valid(doc) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("jsonscan-members", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		var m []Member
		for range b.N {
			var err error
			if m, err = Scan(doc, m[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gjson", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for range b.N {
			if !gjson.ValidBytes(doc) {
				b.Fatal("invalid")
			}
		}
	})
}
