// Package upstream sends provider requests: pooled keep-alive connections,
// per-request timeouts and streaming bodies. It knows nothing of plugins;
// the gateway gives it a ready request.
//
// Buffered exchanges go through fasthttp's client (the server side already
// runs on fasthttp through Fiber): it reads and writes on the caller's
// goroutine, which saves the two goroutine hand-offs per request that
// net/http's client makes; on a busy gateway that is a large share of the CPU
// a request costs. Streams go through net/http, whose body reader follows the
// request context for as long as the stream lasts.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/wasmgate/wasmgate/core/rawsock"
)

// Client is the shared provider client.
type Client struct {
	fast *fasthttp.Client
	std  *http.Client

	// uris holds parsed provider URLs (string → *fasthttp.URI): a gateway
	// sends to a few URLs over and over, and parsing one is a visible share
	// of a request's CPU. At most maxURIs are kept; others are parsed each
	// time, so URLs built from request data cannot grow it without bound.
	uris  sync.Map
	nURIs atomic.Int32
}

// maxURIs bounds the parsed-URL cache.
const maxURIs = 512

// New makes a client whose connection pools are sized for a busy gateway.
func New() *Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialRaw(&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}),
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
		DisableCompression:    true, // SSE must not be buffered by gzip
	}
	dialer := &fasthttp.TCPDialer{Concurrency: 1000}
	return &Client{
		fast: &fasthttp.Client{
			Name:                          "wasmgate",
			MaxConnsPerHost:               4096,
			MaxIdleConnDuration:           90 * time.Second,
			MaxConnWaitTimeout:            10 * time.Second,
			NoDefaultUserAgentHeader:      false,
			DisableHeaderNamesNormalizing: false,
			DisablePathNormalizing:        true, // the adapter's URL goes out as written
			ReadBufferSize:                16 << 10,
			Dial: func(addr string) (net.Conn, error) {
				c, err := dialer.Dial(addr)
				if err != nil {
					return nil, err
				}
				return rawsock.Wrap(c), nil // see package rawsock
			},
		},
		std: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a provider redirect is an error, not a place to send a key
		}},
	}
}

// dialRaw dials with d and wraps the connection (see package rawsock).
func dialRaw(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return rawsock.Wrap(c), nil
	}
}

// Request is one provider request.
type Request struct {
	Method string
	URL    string
	Header [][2]string
	Body   []byte
	// MaxResponseBytes bounds a buffered response body.
	MaxResponseBytes int
	// Deadline bounds a buffered exchange (Do); zero means ctx's deadline.
	Deadline time.Time
	// SkipHeaders drops a successful buffered response's headers when no
	// one will read them (an error response keeps them, for Retry-After).
	SkipHeaders bool
	// Slack is spare capacity to leave after a buffered response's body,
	// for the caller to grow it in place.
	Slack int
}

// Response is a provider's answer: Body for a buffered exchange, Stream for
// a streamed one (the caller closes it).
type Response struct {
	Status int
	Header [][2]string
	Body   []byte
	Stream io.ReadCloser
}

// Get returns a response header (case-insensitive).
func (r *Response) Get(name string) string {
	for _, h := range r.Header {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// ErrTooLarge is a buffered response over Request.MaxResponseBytes.
var ErrTooLarge = errors.New("provider response over the size limit")

// Do sends r and reads the whole response, within r.Deadline (or ctx's).
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	c.setURI(req, r.URL)
	req.Header.SetMethod(method(r.Method))
	for _, h := range r.Header {
		req.Header.Set(h[0], h[1])
	}
	if len(req.Header.ContentType()) == 0 || string(req.Header.ContentType()) == "application/octet-stream" {
		req.Header.SetContentType("application/json")
	}
	req.SetBodyRaw(r.Body)
	deadline := r.Deadline
	if deadline.IsZero() {
		var ok bool
		if deadline, ok = ctx.Deadline(); !ok {
			deadline = time.Now().Add(10 * time.Minute)
		}
	}
	if err := c.fast.DoDeadline(req, resp, deadline); err != nil {
		return nil, classify(ctx, err)
	}
	if r.MaxResponseBytes > 0 && len(resp.Body()) > r.MaxResponseBytes {
		return nil, &Error{Reason: ReasonTooLarge, Err: ErrTooLarge}
	}
	body := resp.Body()
	out := &Response{Status: resp.StatusCode(), Body: append(make([]byte, 0, len(body)+r.Slack), body...)}
	if !r.SkipHeaders || out.Status >= 400 {
		resp.Header.VisitAll(func(k, v []byte) { out.Header = append(out.Header, [2]string{string(k), string(v)}) })
	}
	return out, nil
}

// setURI gives req the parsed form of url, parsing it once per URL.
func (c *Client) setURI(req *fasthttp.Request, url string) {
	if u, ok := c.uris.Load(url); ok {
		req.SetURI(u.(*fasthttp.URI)) // a copy: the cached one is only read
		return
	}
	req.SetRequestURI(url)
	if c.nURIs.Load() >= maxURIs {
		return
	}
	u := &fasthttp.URI{}
	req.URI().CopyTo(u)
	if _, loaded := c.uris.LoadOrStore(url, u); !loaded {
		c.nURIs.Add(1)
	}
}

// Stream sends r and returns as soon as the response headers arrive; the
// body is read from Response.Stream. ctx bounds the whole exchange.
func (c *Client) Stream(ctx context.Context, r *Request) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, method(r.Method), r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, &Error{Reason: ReasonBadRequest, Err: err}
	}
	for _, h := range r.Header {
		req.Header.Set(h[0], h[1])
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.std.Do(req)
	if err != nil {
		return nil, classify(ctx, err)
	}
	out := &Response{Status: resp.StatusCode, Stream: resp.Body}
	for name, vals := range resp.Header {
		for _, v := range vals {
			out.Header = append(out.Header, [2]string{name, v})
		}
	}
	return out, nil
}

func method(m string) string {
	if m == "" {
		return http.MethodPost
	}
	return m
}

// CloseIdle closes idle connections (on shutdown).
func (c *Client) CloseIdle() {
	c.std.CloseIdleConnections()
	c.fast.CloseIdleConnections()
}

// Reason classifies a failed provider request.
type Reason string

const (
	ReasonTimeout    Reason = "timeout"
	ReasonConnect    Reason = "connect"
	ReasonCanceled   Reason = "canceled"
	ReasonBadRequest Reason = "bad_request"
	ReasonTooLarge   Reason = "too_large"
	ReasonOther      Reason = "other"
)

// Error is a provider request that got no usable response.
type Error struct {
	Reason Reason
	Err    error
}

func (e *Error) Error() string {
	return "provider request failed (" + string(e.Reason) + "): " + e.Err.Error()
}
func (e *Error) Unwrap() error { return e.Err }

func classify(ctx context.Context, err error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, fasthttp.ErrTimeout),
		errors.As(err, &ne) && ne.Timeout():
		return &Error{Reason: ReasonTimeout, Err: err}
	case errors.Is(ctx.Err(), context.Canceled):
		return &Error{Reason: ReasonCanceled, Err: err}
	case errors.As(err, &oe) && oe.Op == "dial", errors.Is(err, fasthttp.ErrDialTimeout),
		errors.Is(err, fasthttp.ErrNoFreeConns):
		return &Error{Reason: ReasonConnect, Err: err}
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return &Error{Reason: ReasonTooLarge, Err: err}
	}
	return &Error{Reason: ReasonOther, Err: err}
}
