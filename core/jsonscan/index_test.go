package jsonscan

import (
	"os"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestIndexAgreesWithGJSON checks every node of Index against gjson: each
// container's children, in order, with their keys and raw values.
func TestIndexAgreesWithGJSON(t *testing.T) {
	chat, err := os.ReadFile("testdata/chat.json")
	if err != nil {
		t.Fatal(err)
	}
	tools, err := os.ReadFile("../../plugins/anthropic/testdata/request-tools.json")
	if err != nil {
		t.Fatal(err)
	}
	// Quotes and escapes at every offset of an eight-byte block.
	var strs []string
	for n := range 18 {
		s := strings.Repeat("a", n)
		strs = append(strs, `"`+s+`"`, `"`+s+`\"b"`, `"`+s+`\\"`, `"`+s+`\u00e9\\\"x"`)
	}
	blocks := `{` + strings.Join(strs, `:1,`) + `:[` + strings.Join(strs, ",") + `]}`
	if !Valid([]byte(blocks)) {
		t.Fatalf("not JSON: %s", blocks)
	}
	for _, doc := range []string{string(chat), string(tools), blocks, `{}`, `[]`, ` [ 1 , {"a" : [ ], "b\"c":{"d":null}} ,"x\"y", true ] `,
		`{"k":{"":1,"e":[[],[{}]]},"n":-1.5e3}`, `"s"`, `7`} {
		nodes := Index([]byte(doc), nil)
		if nodes[0].Parent != -1 {
			t.Fatalf("%s: root parent %d", doc, nodes[0].Parent)
		}
		var check func(k int, v gjson.Result)
		check = func(k int, v gjson.Result) {
			n := nodes[k]
			if got := doc[n.Start:n.End]; got != strings.TrimSpace(v.Raw) {
				t.Fatalf("%s: node %d = %q, want %q", doc, k, got, v.Raw)
			}
			c := int32(-1)
			if k+1 < len(nodes) && nodes[k+1].Parent == int32(k) {
				c = int32(k + 1)
			}
			if !v.IsObject() && !v.IsArray() {
				return
			}
			v.ForEach(func(key, val gjson.Result) bool {
				if c < 0 {
					t.Fatalf("%s: node %d lacks a child %s", doc, k, val.Raw)
				}
				if key.Type == gjson.String && doc[nodes[c].KeyStart:nodes[c].KeyEnd] != key.Raw[1:len(key.Raw)-1] {
					t.Fatalf("%s: key %q, want %s", doc, doc[nodes[c].KeyStart:nodes[c].KeyEnd], key.Raw)
				}
				check(int(c), val)
				c = nodes[c].Next
				return true
			})
			if c >= 0 {
				t.Fatalf("%s: node %d has an extra child %d", doc, k, c)
			}
		}
		check(0, gjson.Parse(doc))
	}
}

// TestIndexEndsOnBadInput: Index expects checked input, but no input makes it
// loop or panic.
func TestIndexEndsOnBadInput(t *testing.T) {
	for _, doc := range []string{`{"a" 1}`, `{"a":,}`, `[,,]`, `{`, `[`, `"abc`, `{"a":[}`, `:`, `,`, `]]]`, `{"a":1,,"b"}`, `{1:2}`, "\x00", ` `, `"ab\`, `{"a\`, `["abcdefgh\`} {
		nodes := Index([]byte(doc), nil)
		for _, n := range nodes {
			if n.Start < 0 || int(n.End) > len(doc) || n.KeyEnd > int32(len(doc)) {
				t.Errorf("%q: node out of range %+v", doc, n)
			}
		}
	}
}

// FuzzIndex: on any input, valid or not, Index ends and every offset it
// returns lies inside the input (a node left open by a cut input keeps End
// 0, as TestIndexEndsOnBadInput allows: Index's callers pass valid JSON).
func FuzzIndex(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":"c\"d"}],"e":null}`, `["abcdefgh\`, `{"a" 1}`, `[[[[`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, n := range Index([]byte(doc), nil) {
			if n.Start < 0 || int(n.End) > len(doc) || n.KeyEnd > int32(len(doc)) {
				t.Fatalf("%q: node out of range %+v", doc, n)
			}
		}
	})
}
