package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func TestRequest(t *testing.T) {
	tests := []struct {
		name   string
		config string
		body   string
		want   string // the messages array after the hook, compacted
	}{
		{
			name:   "insert before a user message",
			config: `{"prompt":"Be concise."}`,
			body:   `{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
			want:   `[{"role":"system","content":"Be concise."},{"role":"user","content":"hi"}]`,
		},
		{
			name:   "insert keeps the other messages byte for byte",
			config: `{"prompt":"P","mode":"insert"}`,
			body:   `{"messages": [ {"role":"user","content":"a \u00e9"} , {"role":"assistant","content":null} ]}`,
			want:   `[{"role":"system","content":"P"},{"role":"user","content":"a é"},{"role":"assistant","content":null}]`,
		},
		{
			name:   "insert keeps an existing system message",
			config: `{"prompt":"P"}`,
			body:   `{"messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}]}`,
			want:   `[{"role":"system","content":"S"},{"role":"user","content":"hi"}]`,
		},
		{
			name:   "insert keeps a developer message",
			config: `{"prompt":"P"}`,
			body:   `{"messages":[{"role":"developer","content":"D"}]}`,
			want:   `[{"role":"developer","content":"D"}]`,
		},
		{
			name:   "insert into an empty array",
			config: `{"prompt":"P"}`,
			body:   `{"messages":[]}`,
			want:   `[{"role":"system","content":"P"}]`,
		},
		{
			name:   "insert without messages",
			config: `{"prompt":"P"}`,
			body:   `{"model":"m"}`,
			want:   `[{"role":"system","content":"P"}]`,
		},
		{
			name:   "insert escapes the prompt",
			config: `{"prompt":"Say \"hi\"\nthen stop."}`,
			body:   `{"messages":[{"role":"user","content":"x"}]}`,
			want:   `[{"role":"system","content":"Say \"hi\"\nthen stop."},{"role":"user","content":"x"}]`,
		},
		{
			name:   "prepend to a system message",
			config: `{"prompt":"P","mode":"prepend"}`,
			body:   `{"messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}]}`,
			want:   `[{"role":"system","content":"P\n\nS"},{"role":"user","content":"hi"}]`,
		},
		{
			name:   "prepend to an empty system message",
			config: `{"prompt":"P","mode":"prepend"}`,
			body:   `{"messages":[{"role":"system","content":""}]}`,
			want:   `[{"role":"system","content":"P"}]`,
		},
		{
			name:   "prepend to array content",
			config: `{"prompt":"P","mode":"prepend"}`,
			body:   `{"messages":[{"role":"developer","content":[{"type":"text","text":"D"}]}]}`,
			want:   `[{"role":"developer","content":[{"type":"text","text":"P\n\n"},{"type":"text","text":"D"}]}]`,
		},
		{
			name:   "prepend inserts when there is no system message",
			config: `{"prompt":"P","mode":"prepend"}`,
			body:   `{"messages":[{"role":"user","content":"hi"}]}`,
			want:   `[{"role":"system","content":"P"},{"role":"user","content":"hi"}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := pdktest.Request(t, &systemPrompt{}, tt.body, pdktest.WithConfig(tt.config))
			if res.Action != pdk.Continue || res.Failure != "" {
				t.Fatalf("action %d failure %q error %v", res.Action, res.Failure, res.Error)
			}
			if got := compact(t, res.RequestPath("messages")); got != compact(t, tt.want) {
				t.Errorf("messages = %s\nwant       %s", got, tt.want)
			}
		})
	}
}

// The same instance serves many requests; the reused buffer must not leak
// one request into the next.
func TestReuse(t *testing.T) {
	s := pdktest.New(t, &systemPrompt{}, pdktest.WithConfig(`{"prompt":"P"}`))
	long := s.Request(`{"messages":[{"role":"user","content":"a long first message"}]}`)
	short := s.Request(`{"messages":[{"role":"user","content":"b"}]}`)
	if got := short.RequestPath("messages.1.content"); got != "b" || short.RequestPath("messages.#") != "2" {
		t.Errorf("second request: %s (first %s)", short.Request, long.Request)
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct{ config, want string }{
		{`{}`, "prompt is required"},
		{`{"prompt":""}`, "prompt is required"},
		{`{"prompt":"P","mode":"replace"}`, "mode must be"},
		{`{"prompt":"P","extra":1}`, "unknown field"},
	} {
		_, refused := pdktest.Init(t, &systemPrompt{}, pdktest.WithConfig(tt.config))
		if refused == nil || !strings.Contains(refused.Message, tt.want) {
			t.Errorf("%s: refused = %v, want %q", tt.config, refused, tt.want)
		}
	}
	res := pdktest.Request(t, &systemPrompt{}, `{"messages":{"role":"user"}}`, pdktest.WithConfig(`{"prompt":"P"}`))
	if res.Error == nil || res.Error.Status != 400 {
		t.Errorf("messages not an array: %v", res.Error)
	}
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
