// Package apierror is the one error vocabulary of the gateway. Every error a
// client can see is an *Error with a Kind; the Kind alone decides the HTTP
// status and the OpenAI error type, so that mapping lives in one place.
// The wrapped cause is for logs only and never reaches a client.
package apierror

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Kind classifies an error.
type Kind int

const (
	Internal         Kind = iota // a bug or an unexpected condition
	InvalidRequest               // malformed JSON, wrong types, missing fields
	Unauthorized                 // missing or bad credentials
	Forbidden                    // credentials fine, action not allowed
	NotFound                     // unknown model, route or path
	MethodNotAllowed             // wrong HTTP method
	PayloadTooLarge              // body over the configured limit
	RateLimited                  // too many requests
	PluginFailed                 // a plugin trapped, timed out or returned garbage
	Upstream                     // the provider failed or answered an error
	UpstreamTimeout              // the provider did not answer in time
	Unavailable                  // the gateway is not ready or is shutting down
	Plugin                       // an error a plugin chose to return (status and type are the plugin's)
	BudgetExceeded               // a key's or team's budget is spent for the period
)

var kinds = [...]struct {
	status int
	typ    string
	code   string
}{
	Internal:         {http.StatusInternalServerError, "server_error", "internal_error"},
	InvalidRequest:   {http.StatusBadRequest, "invalid_request_error", "invalid_request"},
	Unauthorized:     {http.StatusUnauthorized, "authentication_error", "invalid_api_key"},
	Forbidden:        {http.StatusForbidden, "permission_error", "forbidden"},
	NotFound:         {http.StatusNotFound, "invalid_request_error", "not_found"},
	MethodNotAllowed: {http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed"},
	PayloadTooLarge:  {http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large"},
	RateLimited:      {http.StatusTooManyRequests, "rate_limit_error", "rate_limit_exceeded"},
	PluginFailed:     {http.StatusInternalServerError, "plugin_error", "plugin_failed"},
	Upstream:         {http.StatusBadGateway, "upstream_error", "upstream_error"},
	UpstreamTimeout:  {http.StatusGatewayTimeout, "upstream_error", "upstream_timeout"},
	Unavailable:      {http.StatusServiceUnavailable, "server_error", "unavailable"},
	Plugin:           {http.StatusBadRequest, "invalid_request_error", ""},
	BudgetExceeded:   {http.StatusPaymentRequired, "insufficient_quota", "budget_exceeded"},
}

// Error is an error a client may see. Message, Param and Code are safe to
// show; Cause is not.
type Error struct {
	Kind    Kind
	Message string
	Param   string
	Code    string
	// Status and Type override the Kind's for errors whose status comes from
	// elsewhere (a plugin's choice, a provider's 4xx).
	Status int
	Type   string
	// RetryAfter, when set, becomes the Retry-After header.
	RetryAfter string
	Cause      error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// HTTPStatus is the status the client gets.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return kinds[e.Kind].status
}

// ErrType is the OpenAI error type the client gets.
func (e *Error) ErrType() string {
	if e.Type != "" {
		return e.Type
	}
	return kinds[e.Kind].typ
}

// ErrCode is the OpenAI error code the client gets ("" renders as null).
func (e *Error) ErrCode() string {
	if e.Code != "" {
		return e.Code
	}
	return kinds[e.Kind].code
}

// New makes an error of a kind with a client-safe message.
func New(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// Newf is New with formatting.
func Newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap makes an error of a kind whose cause is logged but not shown.
func Wrap(k Kind, msg string, cause error) *Error {
	return &Error{Kind: k, Message: msg, Cause: cause}
}

// WithParam sets the offending parameter.
func (e *Error) WithParam(p string) *Error { e.Param = p; return e }

// WithCode sets the error code.
func (e *Error) WithCode(c string) *Error { e.Code = c; return e }

// From turns any error into an *Error. Errors that are not already one are
// internal: their text is never shown.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(Internal, "internal error", err)
}

// Truncate shortens s, a value echoed in a message, to at most n bytes on a
// rune boundary, marking the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// JSON renders the error in OpenAI's shape:
// {"error":{"message":…,"type":…,"param":…,"code":…}}.
func (e *Error) JSON() []byte {
	b := make([]byte, 0, 96+len(e.Message))
	b = append(b, `{"error":{"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"type":`...)
	b = appendString(b, e.ErrType())
	b = append(b, `,"param":`...)
	b = appendNullable(b, e.Param)
	b = append(b, `,"code":`...)
	b = appendNullable(b, e.ErrCode())
	return append(b, "}}"...)
}

func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// AnthropicType is the error type of Anthropic's Messages API for the
// error's status, so that an Anthropic client sees the classes it knows.
func (e *Error) AnthropicType() string {
	switch s := e.HTTPStatus(); {
	case s == http.StatusUnauthorized:
		return "authentication_error"
	case s == http.StatusForbidden:
		return "permission_error"
	case s == http.StatusNotFound:
		return "not_found_error"
	case s == http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case s == http.StatusTooManyRequests:
		return "rate_limit_error"
	case s == 529 || s == http.StatusServiceUnavailable:
		return "overloaded_error"
	case s == http.StatusGatewayTimeout:
		return "timeout_error"
	case s >= 500:
		return "api_error"
	}
	return "invalid_request_error"
}

// AnthropicJSON renders the error in Anthropic's shape:
// {"type":"error","error":{"type":…,"message":…}}.
func (e *Error) AnthropicJSON() []byte {
	b := make([]byte, 0, 64+len(e.Message))
	b = append(b, `{"type":"error","error":{"type":`...)
	b = appendString(b, e.AnthropicType())
	b = append(b, `,"message":`...)
	b = appendString(b, e.Message)
	return append(b, "}}"...)
}
