package main

import (
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

const request = `{"model":"gpt-4o-mini","messages":[` +
	`{"role":"system","content":"You help the support team."},` +
	`{"role":"user","content":"I am ana.silva@example.com, call +44 20 7946 0958. Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32."},` +
	`{"role":"user","content":[{"type":"text","text":"SSN 123-45-6789 from 10.20.30.40 and 2001:db8::1, again ana.silva@example.com"},` +
	`{"type":"image_url","image_url":{"url":"https://example.com/a.png"}},{"type":"text","text":"key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123 token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ employee EMP-123456"}]},` +
	`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"email\":\"bo@example.org\"}"}}]}]}`

const custom = `"custom":[{"name":"employee_id","regex":"EMP-\\d{6}"}]`

func TestMask(t *testing.T) {
	res := pdktest.Request(t, &plugin{}, request, pdktest.WithConfig(`{`+custom+`}`))
	if res.Failure != "" || res.Error != nil {
		t.Fatalf("%s %v", res.Failure, res.Error)
	}
	want := map[string]string{
		"messages.0.content":                         "You help the support team.",
		"messages.1.content":                         "I am [EMAIL_1], call [PHONE_1]. Card [CARD_1], IBAN [IBAN_1].",
		"messages.2.content.0.text":                  "SSN [SSN_1] from [IPV4_1] and [IPV6_1], again [EMAIL_1]",
		"messages.2.content.1.image_url.url":         "https://example.com/a.png",
		"messages.2.content.2.text":                  "key [API_KEY_1] token [JWT_1] employee [EMPLOYEE_ID_1]",
		"messages.3.tool_calls.0.function.arguments": `{"email":"[EMAIL_2]"}`,
	}
	for path, w := range want {
		if got := res.RequestPath(path); got != w {
			t.Errorf("%s = %q, want %q", path, got, w)
		}
	}
	if got := res.Attr(FoundAttr); got != "api_key=1,card=1,email=3,employee_id=1,iban=1,ipv4=1,ipv6=1,jwt=1,phone=1,ssn=1" {
		t.Errorf("%s = %q", FoundAttr, got)
	}
}

func TestActions(t *testing.T) {
	tests := []struct {
		name, config string
		check        func(t *testing.T, r *pdktest.Result)
	}{
		{"block", `{"entities":{"ssn":"block"}}`, func(t *testing.T, r *pdktest.Result) {
			if r.Error == nil || r.Error.Status != 400 || r.Error.Type != "invalid_request_error" ||
				!strings.Contains(r.Error.Message, "type SSN") || strings.Contains(r.Error.Message, "123-45") {
				t.Fatalf("error %v", r.Error)
			}
			if strings.Contains(string(r.Request), "[EMAIL_1]") {
				t.Fatal("a blocked request was rewritten")
			}
		}},
		{"hash", `{"entities":{"email":"hash"},"hash_key":"k1"}`, func(t *testing.T, r *pdktest.Result) {
			got := r.RequestPath("messages.1.content")
			if !strings.HasPrefix(got, "I am [EMAIL_") || strings.Contains(got, "ana.silva") || strings.Contains(got, "[EMAIL_1]") {
				t.Fatalf("content %q", got)
			}
			h := got[len("I am ") : len("I am ")+len("[EMAIL_")+12+1]
			if again := r.RequestPath("messages.2.content.0.text"); !strings.Contains(again, h) {
				t.Fatalf("the same value hashes differently: %q vs %q", h, again)
			}
		}},
		{"off", `{"entities":{"email":"off","phone":"off"}}`, func(t *testing.T, r *pdktest.Result) {
			if got := r.RequestPath("messages.1.content"); !strings.HasPrefix(got, "I am ana.silva@example.com, call +44 20 7946 0958. Card [CARD_1]") {
				t.Fatalf("content %q", got)
			}
		}},
		{"custom words", `{"custom":[{"name":"PROJECT","words":["support team"],"action":"mask"}]}`, func(t *testing.T, r *pdktest.Result) {
			if got := r.RequestPath("messages.0.content"); got != "You help the [PROJECT_1]." {
				t.Fatalf("content %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pdktest.Request(t, &plugin{}, request, pdktest.WithConfig(tt.config))
			if r.Failure != "" {
				t.Fatal(r.Failure)
			}
			tt.check(t, r)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct{ config, want string }{
		{`{"entities":{"passport":"mask"}}`, `unknown type "passport"`},
		{`{"entities":{"email":"drop"}}`, `action "drop" is not one of`},
		{`{"entities":{"email":"hash"}}`, "hash_key is required"},
		{`{"custom":[{"name":"bad name","regex":"x"}]}`, "custom[0].name"},
		{`{"custom":[{"name":"X","regex":"("}]}`, "invalid spec"},
		{`{"reversable":true}`, `unknown field "reversable"`},
	} {
		_, refused := pdktest.Init(t, &plugin{}, pdktest.WithConfig(tt.config))
		if refused == nil || !strings.Contains(refused.Message, tt.want) {
			t.Errorf("%s: %v, want %q", tt.config, refused, tt.want)
		}
	}
}

func TestReversibleResponse(t *testing.T) {
	s := pdktest.New(t, &plugin{}, pdktest.WithConfig(`{"reversible":true,`+custom+`}`))
	s.Request(request)
	res := s.Response(`{"id":"r","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",` +
		`"content":"Dear [EMAIL_1], we will call [PHONE_1]; [EMAIL_9] and [NOTE_1] stay.",` +
		`"tool_calls":[{"id":"t","type":"function","function":{"name":"mail","arguments":"{\"to\":\"[EMAIL_2]\",\"id\":\"[EMPLOYEE_ID_1]\"}"}}]},"finish_reason":"stop"}]}`)
	if got := res.ResponsePath("choices.0.message.content"); got != "Dear ana.silva@example.com, we will call +44 20 7946 0958; [EMAIL_9] and [NOTE_1] stay." {
		t.Errorf("content %q", got)
	}
	if got := res.ResponsePath("choices.0.message.tool_calls.0.function.arguments"); got != `{"to":"bo@example.org","id":"EMP-123456"}` {
		t.Errorf("arguments %q", got)
	}
	// The next request on the same instance must not restore the last
	// request's values.
	s.Request(`{"model":"m","messages":[{"role":"user","content":"hello"}]}`)
	res = s.Response(`{"choices":[{"index":0,"message":{"role":"assistant","content":"[EMAIL_1]"}}]}`)
	if got := res.ResponsePath("choices.0.message.content"); got != "[EMAIL_1]" {
		t.Errorf("a value of the previous request leaked: %q", got)
	}
}

func TestNotReversible(t *testing.T) {
	s := pdktest.New(t, &plugin{}, pdktest.WithConfig(`{}`))
	s.Request(request)
	res := s.Response(`{"choices":[{"index":0,"message":{"role":"assistant","content":"[EMAIL_1]"}}]}`)
	if got := res.ResponsePath("choices.0.message.content"); got != "[EMAIL_1]" {
		t.Errorf("restored without reversible: %q", got)
	}
}

func chunk(content string, finish bool) string {
	fr := "null"
	if finish {
		fr = `"stop"`
	}
	return `{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":` + quote(content) + `},"finish_reason":` + fr + `}]}`
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestReversibleStream sends the answer in pieces that split placeholders
// at every position and checks what the client would read.
func TestReversibleStream(t *testing.T) {
	answer := "Hi [EMAIL_1], [link](x) [PHONE_1][EMAIL_2] a[b [EMAIL_1]"
	want := "Hi ana.silva@example.com, [link](x) +44 20 7946 0958bo@example.org a[b ana.silva@example.com"
	for size := 1; size <= 12; size++ {
		s := pdktest.New(t, &plugin{}, pdktest.WithConfig(`{"reversible":true}`))
		s.Request(request)
		var got strings.Builder
		for i := 0; i < len(answer); i += size {
			end := min(i+size, len(answer))
			res := s.Chunk(chunk(answer[i:end], false))
			if res.Failure != "" {
				t.Fatal(res.Failure)
			}
			got.WriteString(res.ChunkPath("choices.0.delta.content"))
		}
		res := s.Chunk(`{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`)
		got.WriteString(res.ChunkPath("choices.0.delta.content"))
		if got.String() != want {
			t.Errorf("pieces of %d: got %q, want %q", size, got.String(), want)
		}
	}
}

// TestStreamTrailingBracket: a held-back "[" that never becomes a
// placeholder is given out when the choice finishes.
func TestStreamTrailingBracket(t *testing.T) {
	s := pdktest.New(t, &plugin{}, pdktest.WithConfig(`{"reversible":true}`))
	s.Request(request)
	a := s.Chunk(chunk("see [EMAIL", false)).ChunkPath("choices.0.delta.content")
	b := s.Chunk(chunk("", true)).ChunkPath("choices.0.delta.content")
	if a != "see " || b != "[EMAIL" {
		t.Fatalf("got %q + %q", a, b)
	}
}
