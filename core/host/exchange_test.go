package host

import (
	"testing"
	"unsafe"

	"github.com/tidwall/gjson"
)

func TestTopKey(t *testing.T) {
	tests := []struct {
		path, key, rest string
		ok              bool
	}{
		{"model", "model", "", true},
		{"messages.#", "messages", "#", true},
		{"messages.0.content", "messages", "0.content", true},
		{"max_tokens", "max_tokens", "", true},
		{"", "", "", false},
		{".x", "", "", false},
		{`a\.b`, "", "", false},
		{"mess*", "", "", false},
		{"messages|@reverse", "", "", false},
		{"@this", "", "", false},
		{"#", "", "", false},
	}
	for _, tc := range tests {
		key, rest, ok := topKey(tc.path)
		if key != tc.key || rest != tc.rest || ok != tc.ok {
			t.Errorf("topKey(%q) = %q, %q, %v; want %q, %q, %v", tc.path, key, rest, ok, tc.key, tc.rest, tc.ok)
		}
	}
}

func TestTopIndex(t *testing.T) {
	for _, full := range []bool{false, true} {
		ex := &Exchange{}
		ex.SetRequest([]byte(`{"model":"a","messages":[{"role":"user"}],"model":"b","stream":true}`))
		if full {
			if object, err := ex.IndexRequest(); !object || err != nil {
				t.Fatalf("IndexRequest = %v, %v; want an object", object, err)
			}
		}
		for range 2 { // the second time from what was remembered
			if v, ok := ex.Top("model"); !ok || v.Str != "a" {
				t.Fatalf("full=%v: model = %v %v; the first of duplicate keys must win, as in a path lookup", full, v, ok)
			}
			if _, ok := ex.Top("nope"); ok {
				t.Fatalf("full=%v: found a missing key", full)
			}
		}
	}
	ex := &Exchange{}
	ex.SetRequest([]byte(`{"model":"a","stream":true,"messages":[1,[2,3],{"a":[4]}]}`))
	if _, err := ex.IndexRequest(); err != nil {
		t.Fatal(err)
	}
	if n, ok := ex.TopElems("messages"); !ok || n != 3 {
		t.Fatalf("TopElems(messages) = %d, %v; want 3", n, ok)
	}
	if _, ok := ex.TopElems("model"); ok {
		t.Fatal("TopElems of a string")
	}
	// A changed body is indexed anew.
	ex.setBody(0, []byte(`{"model":"c"}`))
	if v, _ := ex.Top("model"); v.Str != "c" {
		t.Fatalf("after a body change: model = %q", v.Str)
	}
	if _, ok := ex.Top("stream"); ok {
		t.Fatal("a stale index survived the body change")
	}
	if _, ok := ex.TopElems("messages"); ok {
		t.Fatal("a stale element count survived the body change")
	}
}

func TestIndexRequestChecksJSON(t *testing.T) {
	for _, tc := range []struct {
		body   string
		object bool
		err    bool
	}{
		{`{"a":1}`, true, false},
		{` [1,2] `, false, false},
		{`"x"`, false, false},
		{`{"a":1,}`, false, true},
		{`{"a":1} {}`, false, true},
		{``, false, true},
	} {
		ex := &Exchange{}
		ex.SetRequest([]byte(tc.body))
		object, err := ex.IndexRequest()
		if object != tc.object || (err != nil) != tc.err {
			t.Errorf("IndexRequest(%q) = %v, %v; want object %v, error %v", tc.body, object, err, tc.object, tc.err)
		}
	}
}

func TestInternTableCopiesAndReuses(t *testing.T) {
	var tab internTable
	mem := []byte("authorization")
	a := tab.get(mem)
	mem[0] = 'X' // the guest reuses its buffer
	if a != "authorization" {
		t.Fatalf("interned string aliases guest memory: %q", a)
	}
	mem[0] = 'a'
	b := tab.get(mem)
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("the same bytes were copied twice")
	}
	// Past the table's size the oldest entries go; values stay correct.
	for i := range 40 {
		v := []byte{byte('a' + i%26), byte('0' + i/26)}
		if got := tab.get(v); got != string(v) {
			t.Fatalf("get(%q) = %q", v, got)
		}
	}
	if got := tab.get(make([]byte, 600)); len(got) != 600 {
		t.Fatalf("long value: %d bytes", len(got))
	}
}

// The request's path lookups, which start at remembered fields and array
// elements, answer as a lookup over the whole body does.
func TestRequestPath(t *testing.T) {
	body := `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"t"}]},` +
		`{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{\"a\":1}"}}]}],"n":2,"a.b":{"c":1}}`
	ex := &Exchange{}
	ex.SetRequest([]byte(body))
	for round := 0; round < 2; round++ { // the second round reads remembered entries
		for _, p := range []string{"model", "messages", "messages.0", "messages.0.role", "messages.1.content.0.text",
			"messages.2.tool_calls.0.function.arguments", "messages.2.tool_calls.0.function.arguments|@fromstr|@valid",
			"messages.3", "messages.3.role", "messages.#", "messages.#.role", "messages.-1", "messages.01.role", "messages.1x",
			"n", "n.0", "nope", "a\\.b.c", "messages.999999999.role"} {
			got, want := ex.requestPath(p), gjson.Get(body, p)
			if got.Raw != want.Raw || got.Exists() != want.Exists() {
				t.Errorf("round %d %q: %q, want %q", round, p, got.Raw, want.Raw)
			}
		}
		if round == 0 {
			ex.IndexRequest()
		}
	}
	ex.SetRequest([]byte(`{"messages":[{"role":"user"}]}`))
	if got := ex.requestPath("messages.0.role").Str; got != "user" {
		t.Fatalf("stale element after a new body: %q", got)
	}
}
