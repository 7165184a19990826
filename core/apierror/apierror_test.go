package apierror_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/wasmgate/wasmgate/core/apierror"
)

func TestStatusAndShape(t *testing.T) {
	tests := []struct {
		err    *apierror.Error
		status int
		typ    string
		param  any
		code   any
	}{
		{apierror.New(apierror.InvalidRequest, "bad").WithParam("model"), 400, "invalid_request_error", "model", "invalid_request"},
		{apierror.New(apierror.NotFound, "no").WithCode("model_not_found"), 404, "invalid_request_error", nil, "model_not_found"},
		{apierror.New(apierror.PayloadTooLarge, "big"), 413, "invalid_request_error", nil, "request_too_large"},
		{apierror.New(apierror.Upstream, "up"), 502, "upstream_error", nil, "upstream_error"},
		{apierror.New(apierror.UpstreamTimeout, "slow"), 504, "upstream_error", nil, "upstream_timeout"},
		{apierror.New(apierror.PluginFailed, "p"), 500, "plugin_error", nil, "plugin_failed"},
		{&apierror.Error{Kind: apierror.Plugin, Status: 429, Type: "rate_limit_error", Message: "slow"}, 429, "rate_limit_error", nil, nil},
	}
	for _, tc := range tests {
		var got struct {
			Error struct {
				Message string `json:"message"`
				Type    string `json:"type"`
				Param   any    `json:"param"`
				Code    any    `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(tc.err.JSON(), &got); err != nil {
			t.Fatalf("%s: %v", tc.err.JSON(), err)
		}
		if tc.err.HTTPStatus() != tc.status || got.Error.Type != tc.typ || got.Error.Param != tc.param || got.Error.Code != tc.code || got.Error.Message != tc.err.Message {
			t.Errorf("%s: status %d, want %d %q %v %v", tc.err.JSON(), tc.err.HTTPStatus(), tc.status, tc.typ, tc.param, tc.code)
		}
	}
}

func TestCauseNeverShown(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.1:443: secret-internal-detail")
	e := apierror.From(fmt.Errorf("wrapped: %w", cause))
	if e.Kind != apierror.Internal || string(e.JSON()) != `{"error":{"message":"internal error","type":"server_error","param":null,"code":"internal_error"}}` {
		t.Fatalf("%s", e.JSON())
	}
	if !errors.Is(e, cause) {
		t.Fatal("cause not kept for logs")
	}
	w := apierror.Wrap(apierror.Upstream, "provider failed", cause)
	if b := string(w.JSON()); b != `{"error":{"message":"provider failed","type":"upstream_error","param":null,"code":"upstream_error"}}` {
		t.Fatalf("%s", b)
	}
}

func TestMessageEscaping(t *testing.T) {
	e := apierror.New(apierror.InvalidRequest, "quote \" backslash \\ newline \n control \x01 <tag>")
	var v map[string]map[string]any
	if err := json.Unmarshal(e.JSON(), &v); err != nil || v["error"]["message"] != e.Message {
		t.Fatalf("%s: %v", e.JSON(), err)
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc…"},
		{"héllo", 2, "h…"}, // é is two bytes: never cut inside a rune
	} {
		if got := apierror.Truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestAnthropicShape(t *testing.T) {
	tests := []struct {
		err *apierror.Error
		typ string
	}{
		{apierror.New(apierror.InvalidRequest, "bad"), "invalid_request_error"},
		{apierror.New(apierror.Unauthorized, "who"), "authentication_error"},
		{apierror.New(apierror.Forbidden, "no"), "permission_error"},
		{apierror.New(apierror.NotFound, "gone"), "not_found_error"},
		{apierror.New(apierror.PayloadTooLarge, "big"), "request_too_large"},
		{apierror.New(apierror.RateLimited, "slow down"), "rate_limit_error"},
		{apierror.New(apierror.Upstream, "up"), "api_error"},
		{apierror.New(apierror.UpstreamTimeout, "slow"), "timeout_error"},
		{apierror.New(apierror.Unavailable, "busy"), "overloaded_error"},
		{&apierror.Error{Kind: apierror.Upstream, Status: 429, Message: "provider says slow"}, "rate_limit_error"},
	}
	for _, tc := range tests {
		var got struct {
			Type  string `json:"type"`
			Error struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(tc.err.AnthropicJSON(), &got); err != nil {
			t.Fatalf("%s: %v", tc.err.AnthropicJSON(), err)
		}
		if got.Type != "error" || got.Error.Type != tc.typ || got.Error.Message != tc.err.Message {
			t.Errorf("%s: want type %q", tc.err.AnthropicJSON(), tc.typ)
		}
	}
}
