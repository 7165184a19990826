package fields

import (
	"errors"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go/detect"
)

func TestRedact(t *testing.T) {
	spec := detect.Spec{Builtin: []string{"email", "ssn", "ipv4"}, Custom: []detect.Pattern{{Words: []string{"Falcon"}}},
		Redact: &detect.Redact{HashKey: "k1", Rules: []detect.RedactRule{
			{Kind: "email", Action: detect.ActMask, Label: "EMAIL"},
			{Kind: "ssn", Action: detect.ActBlock, Label: "SSN"},
			{Kind: "custom_0", Action: detect.ActHash, Label: "PROJECT"},
		}}}
	m, err := detect.Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	const req = `{"model":"m","messages":[{"role":"user","content":"to a@x.io, \"a@x.io\"\n and b@y.org on 10.0.0.1"},` +
		`{"role":"user","content":[{"type":"text","text":"Falcon by b@y.org"},{"type":"image_url","image_url":{"url":"c@z.io"}}]},` +
		`{"role":"assistant","content":null,"tool_calls":[{"function":{"name":"f","arguments":"{\"to\":\"a@x.io\"}"}}]}]}`
	tests := []struct {
		name, body, path string
		want             map[string]string // path -> text after
		blocked          detect.Kind
		pairs            []detect.Pair
		counts           []detect.KindCount
	}{
		{name: "all fields", body: req, want: map[string]string{
			"messages.0.content":                         "to [EMAIL_1], \"[EMAIL_1]\"\n and [EMAIL_2] on 10.0.0.1",
			"messages.1.content.0.text":                  "[PROJECT_90bf93bca843] by [EMAIL_2]", // HMAC-SHA256("k1", "Falcon")[:6]
			"messages.1.content.1.image_url.url":         "c@z.io",
			"messages.2.tool_calls.0.function.arguments": `{"to":"[EMAIL_1]"}`,
			"model": "m",
		}, pairs: []detect.Pair{{Placeholder: "[EMAIL_1]", Value: "a@x.io"}, {Placeholder: "[EMAIL_2]", Value: "b@y.org"}},
			counts: []detect.KindCount{{Kind: detect.Email, Count: 5}, {Kind: detect.Custom, Count: 1}}},
		{name: "one path", body: req, path: "messages.1.content.0.text", want: map[string]string{
			"messages.0.content":        "to a@x.io, \"a@x.io\"\n and b@y.org on 10.0.0.1",
			"messages.1.content.0.text": "[PROJECT_90bf93bca843] by [EMAIL_1]",
		}, pairs: []detect.Pair{{Placeholder: "[EMAIL_1]", Value: "b@y.org"}}, counts: []detect.KindCount{{Kind: detect.Custom, Count: 1}, {Kind: detect.Email, Count: 1}}},
		{name: "blocked", body: `{"messages":[{"content":"a@x.io"},{"content":"ssn 123-45-6789"}]}`, blocked: detect.SSN},
		{name: "nothing found", body: `{"messages":[{"content":"hello 10.0.0.1"}]}`},
	}
	var r Redactor // reused, as the host does
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, blocked, err := r.Redact(nil, Request, []byte(tt.body), tt.path, m)
			if err != nil || blocked != tt.blocked {
				t.Fatalf("blocked %v, err %v", blocked, err)
			}
			if tt.want == nil {
				if out != nil || len(r.Placeholders.Pairs) > 0 {
					t.Fatalf("wrote %s", out)
				}
				return
			}
			if !gjson.ValidBytes(out) {
				t.Fatalf("invalid JSON: %s", out)
			}
			for p, w := range tt.want {
				if got := gjson.GetBytes(out, p).String(); got != w {
					t.Errorf("%s = %q, want %q", p, got, w)
				}
			}
			if got := r.Placeholders.Pairs; len(got) != len(tt.pairs) || len(got) > 0 && got[0] != tt.pairs[0] || len(got) > 1 && got[1] != tt.pairs[1] {
				t.Errorf("pairs %v, want %v", got, tt.pairs)
			}
			if got := r.Placeholders.Counts; len(got) != len(tt.counts) || len(got) > 0 && got[0] != tt.counts[0] || len(got) > 1 && got[1] != tt.counts[1] {
				t.Errorf("counts %v, want %v", got, tt.counts)
			}
		})
	}
	if _, _, err := r.Redact(nil, Request, []byte(req), "model.x", m); !errors.Is(err, ErrNotString) {
		t.Errorf("a path without a string: %v", err)
	}
}

func TestRedactSpecErrors(t *testing.T) {
	for _, rules := range [][]detect.RedactRule{
		{{Kind: "nope", Action: "mask", Label: "X"}},
		{{Kind: "custom_3", Action: "mask", Label: "X"}},
		{{Kind: "email", Action: "erase", Label: "X"}},
		{{Kind: "email", Action: "hash", Label: "X"}}, // no hash_key
		{{Kind: "email", Action: "mask", Label: "a b"}},
		{{Kind: "email", Action: "mask", Label: "X"}, {Kind: "email", Action: "block", Label: "Y"}},
	} {
		if _, err := detect.Compile(detect.Spec{Builtin: []string{"email"}, Redact: &detect.Redact{Rules: rules}}); err == nil {
			t.Errorf("%v: compiled", rules)
		}
	}
}
