// Package upstream sends provider requests: one pooled keep-alive HTTP client
// for every provider, with per-request timeouts and streaming bodies. It
// knows nothing of plugins; the gateway gives it a ready request.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// Client is the shared provider client.
type Client struct{ hc *http.Client }

// New makes a client whose connection pool is sized for a busy gateway.
func New() *Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
		DisableCompression:    true, // bodies go through as sent; SSE must not be buffered by gzip
	}
	return &Client{hc: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a provider redirect is an error, not a place to send a key
	}}}
}

// Request is one provider request.
type Request struct {
	Method string
	URL    string
	Header [][2]string
	Body   []byte
}

// Do sends r. The response body must be closed by the caller; ctx bounds the
// whole exchange including reading a stream.
func (c *Client) Do(ctx context.Context, r *Request) (*http.Response, error) {
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, bytesReader(r.Body))
	if err != nil {
		return nil, &Error{Reason: ReasonBadRequest, Err: err}
	}
	for _, h := range r.Header {
		req.Header.Set(h[0], h[1])
	}
	if req.Header.Get("Content-Type") == "" && len(r.Body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, classify(ctx, err)
	}
	return resp, nil
}

// CloseIdle closes idle connections (on shutdown).
func (c *Client) CloseIdle() { c.hc.CloseIdleConnections() }

// Reason classifies a failed provider request.
type Reason string

const (
	ReasonTimeout    Reason = "timeout"
	ReasonConnect    Reason = "connect"
	ReasonCanceled   Reason = "canceled"
	ReasonBadRequest Reason = "bad_request"
	ReasonOther      Reason = "other"
)

// Error is a provider request that got no response.
type Error struct {
	Reason Reason
	Err    error
}

func (e *Error) Error() string {
	return "provider request failed (" + string(e.Reason) + "): " + e.Err.Error()
}
func (e *Error) Unwrap() error { return e.Err }

func classify(ctx context.Context, err error) error {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &Error{Reason: ReasonTimeout, Err: err}
	case errors.Is(ctx.Err(), context.Canceled):
		return &Error{Reason: ReasonCanceled, Err: err}
	case errors.As(err, &oe) && oe.Op == "dial":
		return &Error{Reason: ReasonConnect, Err: err}
	}
	return &Error{Reason: ReasonOther, Err: err}
}

func bytesReader(b []byte) io.Reader {
	if len(b) == 0 {
		return http.NoBody
	}
	return bytes.NewReader(b) // lets net/http set GetBody and ContentLength
}
