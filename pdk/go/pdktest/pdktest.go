// Package pdktest runs a wasmgate plugin's hooks in plain go test, against an
// in-memory host with the semantics of the real one (pdk/ABI.md): paths,
// phases, adapter-only objects, reserved attributes and the output limit.
//
//	func TestPrefix(t *testing.T) {
//		res := pdktest.Request(t, &plugin{}, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
//			pdktest.WithConfig(`{"prefix":"> "}`))
//		if got := res.RequestPath("messages.0.content"); got != "> hi" {
//			t.Fatalf("content = %q", got)
//		}
//	}
//
// Each call runs Init with the configuration, like the host does for a new
// instance, then the hook. A Session keeps one instance, its attributes and
// its request across the request, response and chunk phases.
//
// The plugin code runs natively, so the package-level state of the plugin is
// shared by all calls; calls are serialised.
package pdktest

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/internal/fakehost"
)

// mu serialises calls: the PDK keeps the plugin and its host in package
// variables, as a Wasm instance does.
var mu sync.Mutex

// Option configures a run.
type Option func(*options)

type options struct {
	config       string
	attrs        [][2]string
	secrets      map[string]string
	headers      [][2]string
	request      *string
	status       int
	respHeaders  [][2]string
	adapter      bool
	upStatus     int
	upBody       *string
	upHeaders    [][2]string
	upChunk      *string
	maxOutput    int
	maxOutputSet bool
	stats        *string
}

// WithConfig sets the plugin's configuration JSON (the slot's config).
func WithConfig(json string) Option { return func(o *options) { o.config = json } }

// WithAttr sets a request attribute, including host attributes such as
// "wasmgate.provider.base_url".
func WithAttr(name, value string) Option {
	return func(o *options) { o.attrs = append(o.attrs, [2]string{name, value}) }
}

// WithSecret grants the plugin a secret by name (secret_get).
func WithSecret(name, value string) Option {
	return func(o *options) {
		if o.secrets == nil {
			o.secrets = map[string]string{}
		}
		o.secrets[name] = value
	}
}

// WithHeader sets a client request header.
func WithHeader(name, value string) Option {
	return func(o *options) { o.headers = append(o.headers, [2]string{name, value}) }
}

// WithRequest sets the canonical request for the response and chunk phases.
func WithRequest(json string) Option { return func(o *options) { o.request = &json } }

// WithStatus sets the response status for the response phase (default 200).
func WithStatus(code int) Option { return func(o *options) { o.status = code } }

// WithResponseHeader sets a response header for the response phase.
func WithResponseHeader(name, value string) Option {
	return func(o *options) { o.respHeaders = append(o.respHeaders, [2]string{name, value}) }
}

// AsAdapter runs the plugin as the provider's adapter: it may use the
// upstream objects and read "wasmgate.provider.api_key".
func AsAdapter() Option { return func(o *options) { o.adapter = true } }

// WithUpstreamResponse sets the provider response for an adapter's response
// or chunk hook.
func WithUpstreamResponse(status int, body string) Option {
	return func(o *options) { o.upStatus, o.upBody = status, &body }
}

// WithUpstreamHeader sets a provider response header.
func WithUpstreamHeader(name, value string) Option {
	return func(o *options) { o.upHeaders = append(o.upHeaders, [2]string{name, value}) }
}

// WithUpstreamChunk sets the provider event data for an adapter's chunk hook.
func WithUpstreamChunk(data string) Option { return func(o *options) { o.upChunk = &data } }

// WithProviderStats sets what provider_stats returns, in the host's text
// form (pdk.ParseProviderStats).
func WithProviderStats(text string) Option { return func(o *options) { o.stats = &text } }

// WithMaxOutputBytes sets the output limit per hook call (default 1 MiB;
// 0 for none).
func WithMaxOutputBytes(n int) Option {
	return func(o *options) { o.maxOutput, o.maxOutputSet = n, true }
}

// Reply is a response given with pdk.Respond.
type Reply struct {
	Status int
	Body   []byte
}

// ErrorReply is an error given with pdk.Error (or by a refused Init).
type ErrorReply struct {
	Status  int
	Type    string
	Message string
}

// String formats the error as "status type: message" ("" for nil).
func (e *ErrorReply) String() string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message)
}

// UpstreamRequest is the provider request an adapter built.
type UpstreamRequest struct {
	URL     string
	Method  string            // POST unless set
	Headers map[string]string // lower-case names, without pseudo-headers
	Body    []byte            // the body the host sends: the canonical request unless set
	BodySet bool              // the adapter set the body
}

// LogEntry is one log line of the plugin.
type LogEntry struct {
	Level   int
	Message string
}

// Result is the outcome of one hook call.
type Result struct {
	Action pdk.Action
	Called bool // the hook ran: its bit was in the plugin's hook mask

	Request         []byte            // the canonical request after the hook
	RequestHeaders  map[string]string // client request headers
	Response        []byte            // the canonical response after the hook (response phase)
	Status          int               // the response status (response phase)
	ResponseHeaders map[string]string // response headers for the client, without ":status"
	Chunk           []byte            // the chunk after the hook (chunk phase)
	Dropped         bool              // the chunk was dropped (body set to empty)
	Upstream        UpstreamRequest   // the provider request (adapters, request phase)

	Respond *Reply      // set when the hook returned pdk.Respond
	Error   *ErrorReply // set when the hook returned pdk.Error
	Attrs   map[string]string
	Logs    []LogEntry

	// Failure is why the host would treat this call as a plugin failure (a
	// panic, malformed output, output over the limit); "" if none. The
	// slot's on_error decides what the client gets then.
	Failure string
}

// Attr returns an attribute after the hook.
func (r *Result) Attr(name string) string { return r.Attrs[name] }

// RequestPath returns the value at a gjson path of the final request: a
// string's text, otherwise the raw JSON ("" if missing).
func (r *Result) RequestPath(path string) string { return Path(r.Request, path) }

// ResponsePath is RequestPath for the final response.
func (r *Result) ResponsePath(path string) string { return Path(r.Response, path) }

// ChunkPath is RequestPath for the final chunk.
func (r *Result) ChunkPath(path string) string { return Path(r.Chunk, path) }

// Path returns the value at a gjson path of a JSON document: a string's text,
// otherwise the raw JSON ("" if missing).
func Path(json []byte, path string) string {
	res := gjson.GetBytes(json, path)
	if res.Type == gjson.String {
		return res.Str
	}
	return res.Raw
}

// Session is one plugin instance: Init has run, and attributes and the
// request carry over from one phase to the next, as on the host.
type Session struct {
	t      testing.TB
	plugin any
	host   *fakehost.Host
	mask   uint32
	opts   options
}

// New registers plugin, runs its Init with the configuration and returns a
// session. A refused Init fails the test; use Init to test refusals.
func New(t testing.TB, plugin any, opts ...Option) *Session {
	t.Helper()
	s := &Session{t: t, plugin: plugin, host: fakehost.New()}
	for _, o := range opts {
		o(&s.opts)
	}
	s.put(s.opts)
	mask, errReply, failure := s.init()
	if failure != "" {
		t.Fatalf("pdktest: Init failed: %s", failure)
	}
	if errReply != nil {
		t.Fatalf("pdktest: Init refused: %s", errReply)
	}
	s.mask = mask
	return s
}

// Init runs the plugin's Init with the options' configuration and returns the
// hook mask, or the error the plugin gave when it refused to start.
func Init(t testing.TB, plugin any, opts ...Option) (mask uint32, refused *ErrorReply) {
	t.Helper()
	s := &Session{t: t, plugin: plugin, host: fakehost.New()}
	for _, o := range opts {
		o(&s.opts)
	}
	mask, refused, failure := s.init()
	if failure != "" {
		t.Fatalf("pdktest: Init failed: %s", failure)
	}
	return mask, refused
}

func (s *Session) init() (mask uint32, refused *ErrorReply, failure string) {
	mu.Lock()
	defer mu.Unlock()
	h := s.host
	h.Config = []byte(s.opts.config)
	h.Begin(fakehost.PhaseInit)
	r, failure := s.call(fakehost.Init)
	if failure != "" {
		return 0, nil, failure
	}
	if r < 0 {
		if h.SentErr == nil {
			return 0, &ErrorReply{Status: 500, Type: "plugin_error", Message: "refused to start"}, ""
		}
		return 0, &ErrorReply{Status: h.SentErr.Status, Type: h.SentErr.Type, Message: h.SentErr.Message}, ""
	}
	if uint32(r)&^pdk.HookAll != 0 {
		return 0, nil, fmt.Sprintf("hook mask %d has unknown bits", r)
	}
	return uint32(r), nil, ""
}

// call runs fn on the session's host with the session's plugin registered,
// turning a panic into a failure.
func (s *Session) call(fn func() int32) (r int32, failure string) {
	fakehost.Current = s.host
	fakehost.Register(s.plugin)
	defer func() {
		fakehost.Current = nil
		if p := recover(); p != nil {
			failure = fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(), ""
}

// Mask returns the plugin's hook mask.
func (s *Session) Mask() uint32 { return s.mask }

// Attrs returns the session's attributes.
func (s *Session) Attrs() map[string]string { return clone(s.host.Attrs) }

// apply merges the call's options over the session's and puts the call's
// attributes, headers and request on the host. The session's own attributes,
// headers and request were put there once by New, so what the plugin changed
// in one phase carries over to the next.
func (s *Session) apply(opts []Option) options {
	var extra options
	for _, f := range opts {
		f(&extra)
	}
	o := s.opts
	if extra.adapter {
		o.adapter = true
	}
	if extra.maxOutputSet {
		o.maxOutput, o.maxOutputSet = extra.maxOutput, true
	}
	if extra.status != 0 {
		o.status = extra.status
	}
	o.respHeaders = append(append([][2]string(nil), o.respHeaders...), extra.respHeaders...)
	o.upHeaders = append(append([][2]string(nil), o.upHeaders...), extra.upHeaders...)
	if extra.upBody != nil {
		o.upStatus, o.upBody = extra.upStatus, extra.upBody
	}
	if extra.upChunk != nil {
		o.upChunk = extra.upChunk
	}
	s.put(extra)
	h := s.host
	h.Adapter = o.adapter
	h.MaxOutput = 1 << 20
	if o.maxOutputSet {
		h.MaxOutput = o.maxOutput
	}
	return o
}

// put puts attributes, client headers and the request of o on the host.
func (s *Session) put(o options) {
	h := s.host
	for _, a := range o.attrs {
		h.Attrs[a[0]] = a[1]
	}
	if o.secrets != nil {
		h.Secrets = o.secrets
	}
	for _, kv := range o.headers {
		h.Objs[fakehost.ObjRequest].Headers[strings.ToLower(kv[0])] = kv[1]
	}
	if o.request != nil {
		h.Objs[fakehost.ObjRequest].SetBody([]byte(*o.request))
	}
	if o.stats != nil {
		h.ProviderStats = *o.stats
	}
}

// Request runs the request hook on body, the canonical request.
func (s *Session) Request(body string, opts ...Option) *Result {
	s.t.Helper()
	mu.Lock()
	defer mu.Unlock()
	h := s.host
	req := &h.Objs[fakehost.ObjRequest]
	s.apply(opts)
	req.SetBody([]byte(body))
	if !gjson.Valid(body) {
		s.t.Fatalf("pdktest: request body is not valid JSON: %s", body)
	}
	up := &h.Objs[fakehost.ObjUpstreamRequest]
	*up = fakehost.Obj{Headers: map[string]string{}}
	res := s.run(fakehost.PhaseRequest, pdk.HookRequest, fakehost.OnRequest)
	res.Upstream = UpstreamRequest{Method: "POST", Headers: map[string]string{}, Body: req.Body}
	for k, v := range up.Headers {
		switch k {
		case ":url":
			res.Upstream.URL = v
		case ":method":
			res.Upstream.Method = v
		default:
			res.Upstream.Headers[k] = v
		}
	}
	if _, ok := res.Upstream.Headers["content-type"]; !ok && res.Upstream.URL != "" {
		res.Upstream.Headers["content-type"] = "application/json" // the host's default (pdk/ABI.md)
	}
	if up.HasBody {
		res.Upstream.Body, res.Upstream.BodySet = up.Body, true
	}
	res.Upstream.Body = append([]byte(nil), res.Upstream.Body...)
	return res
}

// Response runs the response hook on body, the canonical response (for an
// adapter, body may be "" when only WithUpstreamResponse is given: the
// provider's body then passes through unless the adapter sets one).
func (s *Session) Response(body string, opts ...Option) *Result {
	s.t.Helper()
	mu.Lock()
	defer mu.Unlock()
	h := s.host
	resp := &h.Objs[fakehost.ObjResponse]
	*resp = fakehost.Obj{Headers: map[string]string{}}
	if body != "" {
		if !gjson.Valid(body) {
			s.t.Fatalf("pdktest: response body is not valid JSON: %s", body)
		}
		resp.SetBody([]byte(body))
	}
	o := s.apply(opts)
	status := o.status
	if status == 0 {
		status = 200
	}
	resp.Headers[":status"] = fmt.Sprint(status)
	for _, kv := range o.respHeaders {
		resp.Headers[strings.ToLower(kv[0])] = kv[1]
	}
	s.setUpstream(o)
	res := s.run(fakehost.PhaseResponse, pdk.HookResponse, fakehost.OnResponse)
	if !resp.HasBody {
		if up := &h.Objs[fakehost.ObjUpstreamResponse]; up.HasBody {
			resp.SetBody(up.Body)
		}
	}
	res.Response = append([]byte(nil), resp.Body...)
	fmt.Sscan(resp.Headers[":status"], &res.Status)
	return res
}

// Chunk runs the chunk hook on body, one canonical chat.completion.chunk (for
// an adapter, "" with WithUpstreamChunk).
func (s *Session) Chunk(body string, opts ...Option) *Result {
	s.t.Helper()
	mu.Lock()
	defer mu.Unlock()
	h := s.host
	ch := &h.Objs[fakehost.ObjChunk]
	*ch = fakehost.Obj{Headers: map[string]string{}}
	if body != "" {
		if !gjson.Valid(body) {
			s.t.Fatalf("pdktest: chunk body is not valid JSON: %s", body)
		}
		ch.SetBody([]byte(body))
	}
	o := s.apply(opts)
	resp := &h.Objs[fakehost.ObjResponse]
	for _, kv := range o.respHeaders {
		resp.Headers[strings.ToLower(kv[0])] = kv[1]
	}
	s.setUpstream(o)
	uc := &h.Objs[fakehost.ObjUpstreamChunk]
	*uc = fakehost.Obj{Headers: map[string]string{}}
	if o.upChunk != nil {
		uc.SetBody([]byte(*o.upChunk))
	}
	res := s.run(fakehost.PhaseChunk, pdk.HookChunk, fakehost.OnChunk)
	if !ch.HasBody && uc.HasBody {
		ch.SetBody(uc.Body)
	}
	res.Chunk = append([]byte(nil), ch.Body...)
	res.Dropped = ch.HasBody && len(ch.Body) == 0
	return res
}

func (s *Session) setUpstream(o options) {
	up := &s.host.Objs[fakehost.ObjUpstreamResponse]
	if o.upBody == nil && len(o.upHeaders) == 0 {
		return
	}
	*up = fakehost.Obj{Headers: map[string]string{}}
	if o.upBody != nil {
		up.SetBody([]byte(*o.upBody))
	}
	status := o.upStatus
	if status == 0 {
		status = 200
	}
	up.Headers[":status"] = fmt.Sprint(status)
	for _, kv := range o.upHeaders {
		up.Headers[strings.ToLower(kv[0])] = kv[1]
	}
}

// run calls one hook and collects what the host would see.
func (s *Session) run(phase fakehost.Phase, bit uint32, hook func() int32) *Result {
	h := s.host
	h.Begin(phase)
	h.Logs = nil
	res := &Result{}
	if s.mask&bit != 0 {
		res.Called = true
		r, failure := s.call(hook)
		res.Action = pdk.Action(uint32(r))
		switch {
		case failure != "":
			res.Failure = failure
		case len(h.Failures) > 0:
			res.Failure = strings.Join(h.Failures, "; ")
		case res.Action == pdk.ActionContinue:
		case res.Action == pdk.ActionRespond && phase != fakehost.PhaseChunk && h.Sent != nil:
			res.Respond = &Reply{Status: h.Sent.Status, Body: h.Sent.Body}
		case res.Action == pdk.ActionError && h.SentErr != nil:
			e := h.SentErr
			res.Error = &ErrorReply{Status: e.Status, Type: e.Type, Message: e.Message}
		default:
			res.Failure = fmt.Sprintf("malformed output: action %d without a matching send_response/send_error", r)
		}
		if res.Failure != "" {
			s.t.Logf("pdktest: plugin failure: %s", res.Failure)
		}
	}
	req := &h.Objs[fakehost.ObjRequest]
	res.Request = append([]byte(nil), req.Body...)
	res.RequestHeaders = clone(req.Headers)
	res.ResponseHeaders = clone(h.Objs[fakehost.ObjResponse].Headers)
	delete(res.ResponseHeaders, ":status")
	res.Attrs = clone(h.Attrs)
	for _, l := range h.Logs {
		res.Logs = append(res.Logs, LogEntry{Level: l.Level, Message: l.Message})
	}
	return res
}

func clone(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Request runs Init and the request hook of plugin on body.
func Request(t testing.TB, plugin any, body string, opts ...Option) *Result {
	t.Helper()
	return New(t, plugin, opts...).Request(body)
}

// Response runs Init and the response hook of plugin on body (set the request
// with WithRequest).
func Response(t testing.TB, plugin any, body string, opts ...Option) *Result {
	t.Helper()
	return New(t, plugin, opts...).Response(body)
}

// Chunk runs Init and the chunk hook of plugin on body (set the request with
// WithRequest).
func Chunk(t testing.TB, plugin any, body string, opts ...Option) *Result {
	t.Helper()
	return New(t, plugin, opts...).Chunk(body)
}

// CacheFunc answers a plugin's cache_call operations in a test: the
// operation's JSON in, the answer out (nil for no entry), or a result below
// zero (pdk.ResultUnavailable for a backend that is down).
type CacheFunc = fakehost.CacheFunc

// SetCache makes fn the cache service for the rest of the test; without it
// cache_call is denied, as for a plugin without the cache capability.
func SetCache(t testing.TB, fn CacheFunc) {
	old := fakehost.Cache
	fakehost.Cache = fn
	t.Cleanup(func() { fakehost.Cache = old })
}
