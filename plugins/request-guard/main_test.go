package main

import (
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

const twoMessages = `{"model":"gpt-4o-mini","max_tokens":4000,"messages":[` +
	`{"role":"system","content":"0123456789"},{"role":"user","content":[{"type":"text","text":"abcde"},` +
	`{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}]}]}`

func TestRequest(t *testing.T) {
	tests := []struct {
		name        string
		config      string
		body        string
		wantStatus  int    // 0: continue
		wantType    string // error type
		wantMessage string // part of the error message
		wantTokens  map[string]string
		wantClamped bool
	}{
		{name: "no limits", config: `{}`, body: twoMessages,
			wantTokens: map[string]string{"max_tokens": "4000", "max_completion_tokens": ""}},
		{name: "model allowed by glob", config: `{"allow_models":["mistral-*","gpt-4o*"]}`, body: twoMessages},
		{name: "model not allowed", config: `{"allow_models":["mistral-*"]}`, body: twoMessages,
			wantStatus: 403, wantType: "permission_error", wantMessage: `model "gpt-4o-mini" is not allowed`},
		{name: "no model with allow list", config: `{"allow_models":["gpt-*"]}`, body: `{"messages":[]}`,
			wantStatus: 403, wantType: "permission_error", wantMessage: `model "" is not allowed`},
		{name: "messages at the limit", config: `{"max_messages":2}`, body: twoMessages},
		{name: "too many messages", config: `{"max_messages":1}`, body: twoMessages,
			wantStatus: 400, wantType: "invalid_request_error", wantMessage: "too many messages: 2 (max_messages is 1)"},
		{name: "prompt at the limit (text parts only)", config: `{"max_prompt_bytes":15}`, body: twoMessages},
		{name: "prompt too large", config: `{"max_prompt_bytes":14}`, body: twoMessages,
			wantStatus: 400, wantType: "invalid_request_error", wantMessage: "prompt too large: 15 bytes of message content (max_prompt_bytes is 14)"},
		{name: "prompt counts unescaped text", config: `{"max_prompt_bytes":2}`,
			body: `{"messages":[{"role":"user","content":"\u00e9"}]}`}, // é is 2 bytes
		{name: "clamp max_tokens", config: `{"max_tokens":1024}`, body: twoMessages,
			wantTokens: map[string]string{"max_tokens": "1024", "max_completion_tokens": ""}, wantClamped: true},
		{name: "clamp both fields", config: `{"max_tokens":100}`,
			body:       `{"max_tokens":500,"max_completion_tokens":200,"messages":[]}`,
			wantTokens: map[string]string{"max_tokens": "100", "max_completion_tokens": "100"}, wantClamped: true},
		{name: "under the limit untouched", config: `{"max_tokens":100}`,
			body:       `{"max_completion_tokens":50,"messages":[]}`,
			wantTokens: map[string]string{"max_tokens": "", "max_completion_tokens": "50"}},
		{name: "absent limit not added", config: `{"max_tokens":100}`, body: `{"messages":[]}`,
			wantTokens: map[string]string{"max_tokens": "", "max_completion_tokens": ""}},
		{name: "null limit left alone", config: `{"max_tokens":100}`, body: `{"max_tokens":null,"messages":[]}`,
			wantTokens: map[string]string{"max_tokens": "null"}},
		{name: "non-integer limit", config: `{"max_tokens":100}`, body: `{"max_tokens":"lots","messages":[]}`,
			wantStatus: 400, wantType: "invalid_request_error", wantMessage: "max_tokens must be an integer"},
		{name: "fraction", config: `{"max_tokens":100}`, body: `{"max_completion_tokens":2.5,"messages":[]}`,
			wantStatus: 400, wantType: "invalid_request_error", wantMessage: "max_completion_tokens must be an integer"},
		{name: "exponent", config: `{"max_tokens":100}`, body: `{"max_tokens":1e3,"messages":[]}`,
			wantStatus: 400, wantType: "invalid_request_error", wantMessage: "max_tokens must be an integer"},
		{name: "boolean", config: `{"max_tokens":100}`, body: `{"max_tokens":true,"messages":[]}`,
			wantStatus: 400, wantType: "invalid_request_error", wantMessage: "max_tokens must be an integer"},
		{name: "negative under the limit", config: `{"max_tokens":100}`, body: `{"max_tokens":-5,"messages":[]}`,
			wantTokens: map[string]string{"max_tokens": "-5"}},
		{name: "large clamped", config: `{"max_tokens":100}`, body: `{"max_tokens":900000000000,"messages":[]}`,
			wantTokens: map[string]string{"max_tokens": "100"}, wantClamped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := pdktest.Request(t, &guard{}, tt.body, pdktest.WithConfig(tt.config))
			if res.Failure != "" {
				t.Fatal(res.Failure)
			}
			if tt.wantStatus == 0 {
				if res.Action != pdk.Continue {
					t.Fatalf("action %d, error %v", res.Action, res.Error)
				}
			} else if res.Action != pdk.ActionError || res.Error.Status != tt.wantStatus ||
				res.Error.Type != tt.wantType || !strings.Contains(res.Error.Message, tt.wantMessage) {
				t.Fatalf("error = %v, want %d %s %q", res.Error, tt.wantStatus, tt.wantType, tt.wantMessage)
			}
			for field, want := range tt.wantTokens {
				if got := res.RequestPath(field); got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			if got := res.Attr(ClampedAttr) == "true"; got != tt.wantClamped {
				t.Errorf("%s = %q, want clamped %v", ClampedAttr, res.Attr(ClampedAttr), tt.wantClamped)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct{ config, want string }{
		{`{"max_tokens":-1}`, "must not be negative"},
		{`{"allow_models":[""]}`, "empty pattern"},
		{`{"max_token":10}`, "unknown field"},
		{`{"max_messages":"ten"}`, "cannot unmarshal"},
	} {
		_, refused := pdktest.Init(t, &guard{}, pdktest.WithConfig(tt.config))
		if refused == nil || !strings.Contains(refused.Message, tt.want) {
			t.Errorf("%s: refused = %v, want %q", tt.config, refused, tt.want)
		}
	}
}
