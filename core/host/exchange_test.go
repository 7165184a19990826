package host

import "testing"

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
			ex.IndexRequest()
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
	ex.SetRequest([]byte(`{"model":"a","stream":true}`))
	ex.IndexRequest()
	// A changed body is indexed anew.
	ex.setBody(0, []byte(`{"model":"c"}`))
	if v, _ := ex.Top("model"); v.Str != "c" {
		t.Fatalf("after a body change: model = %q", v.Str)
	}
	if _, ok := ex.Top("stream"); ok {
		t.Fatal("a stale index survived the body change")
	}
}
