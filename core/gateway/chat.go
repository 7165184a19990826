package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/anthropicapi"
	"github.com/wasmgate/wasmgate/core/apierror"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/jsonscan"
	"github.com/wasmgate/wasmgate/core/upstream"
)

// Request is a chat request as the server hands it over. The gateway owns
// Body from then on (plugins rewrite it in place).
type Request struct {
	Path      string
	Body      []byte
	Header    host.Header
	RequestID string
}

// Reply is what the server sends back: a JSON body, or a server-sent event
// stream when Stream is set.
type Reply struct {
	Status int
	Header host.Header
	Body   []byte
	// Stream writes the events; the server flushes after each Flush call.
	Stream func(w Flusher)
}

// Flusher is where a stream goes: each Flush sends what was written so far.
type Flusher interface {
	io.Writer
	Flush() error
}

// call is one request in flight.
type call struct {
	g        *Gateway
	rt       *runtime
	route    *route
	pipe     *pipeline
	model    *model
	prov     *provider
	ex       host.Exchange
	inst     []hookInstance // per slot; the adapter's is last
	skip     []bool         // fail-open slots that failed: not called again
	start    time.Time
	deadline time.Time // the whole request's
	stream   bool

	// Dispatch (dispatch.go): the target and key of the last attempt.
	served       *target
	key          *provKey
	attempts     int
	attemptStart time.Time
	upModel      string
	endpoint     endpoint
	api          api
	// anth translates the stream for an Anthropic client.
	anth     *anthropicapi.Stream
	finished bool       // a relayed chunk carried a finish_reason
	gov      govCall    // governance: key, limits, usage (governance.go)
	span     trace.Span // tracing: the request's span (tracing.go)

	// Kept here so that a request does not allocate them: the one target
	// of a request the router did not route, and the provider request.
	one  [1]target
	ureq upstream.Request
	hdr  [][2]string // ureq's headers; its buffer is kept across requests
}

// endpoint is what the client asked for: chat or embeddings.
type endpoint uint8

const (
	endpointChat endpoint = iota
	endpointEmbeddings
)

func (e endpoint) String() string {
	if e == endpointEmbeddings {
		return "embeddings"
	}
	return "chat"
}

// api is the ingress API whose formats (errors, responses, streams) the
// client gets.
type api uint8

const (
	apiOpenAI api = iota
	apiAnthropic
)

var callPool = sync.Pool{New: func() any { return new(call) }}

// Chat serves POST /v1/chat/completions. It never returns a Go error: every
// failure is a Reply in the API's error format.
func (g *Gateway) Chat(ctx context.Context, req *Request) *Reply {
	return g.serve(ctx, req, endpointChat, apiOpenAI, "")
}

// Embeddings serves POST /v1/embeddings: the route's provider adapter
// translates it; the pipeline's plugins, which work on chat, do not run.
func (g *Gateway) Embeddings(ctx context.Context, req *Request) *Reply {
	return g.serve(ctx, req, endpointEmbeddings, apiOpenAI, "")
}

// Messages serves Anthropic's POST /v1/messages: the request is translated
// to the canonical format, runs the same pipeline and provider as a chat
// request, and the answer (or stream) is translated back.
func (g *Gateway) Messages(ctx context.Context, req *Request) *Reply {
	body, err := anthropicapi.ToChat(req.Body)
	if err != nil {
		return errorReply(apierror.From(err), req.RequestID, apiAnthropic)
	}
	req.Body = body
	return g.serve(ctx, req, endpointChat, apiAnthropic, gjson.GetBytes(body, "model").Str)
}

// serve runs one request of an endpoint; model is the client's model name
// for Anthropic replies.
func (g *Gateway) serve(ctx context.Context, req *Request, ep endpoint, a api, model string) *Reply {
	start := time.Now()
	rt := g.runtime()
	if rt == nil {
		return errorReply(apierror.New(apierror.Unavailable, "the gateway is starting"), req.RequestID, a)
	}
	c := callPool.Get().(*call)
	c.g, c.rt, c.start, c.deadline = g, rt, start, start.Add(g.timeout) // finish left the rest reset
	c.endpoint, c.api = ep, a
	if a == apiAnthropic {
		c.anth = anthropicapi.NewStream(model)
	}
	ctx = c.startSpan(ctx, req) // tracing
	g.metrics.InFlight.Inc()
	reply, err := c.run(ctx, req)
	if err == nil && a == apiAnthropic && reply.Stream == nil {
		reply, err = anthropicReply(reply, model)
	}
	if err != nil {
		ae := apierror.From(err)
		reply = errorReply(ae, req.RequestID, c.api)
		c.routingHeaders(&reply.Header) // dispatch.go
		if ae.Kind == apierror.Internal || ae.Cause != nil {
			g.logger.Warn("request failed", "request_id", req.RequestID, "status", ae.HTTPStatus(), "error", err)
		}
	}
	if reply.Stream == nil {
		c.finish(reply.Status)
	} else {
		inner := reply.Stream
		reply.Stream = func(w Flusher) {
			defer c.finish(reply.Status)
			inner(w)
		}
	}
	return reply
}

// finish releases everything the call holds.
func (c *call) finish(status int) {
	g := c.g
	c.settle(status)  // governance: charge and record usage
	c.endSpan(status) // tracing
	elapsed := time.Since(c.start).Seconds()
	if c.route != nil && c.model != nil {
		// The common case, without label lookups: a cached pair of series.
		rm := c.rt.routeMetrics(g, c.route, c.model)
		if status == http.StatusOK {
			rm.ok.Inc()
		} else {
			g.metrics.Requests.WithLabelValues(c.route.name, c.model.id, strconv.Itoa(status)).Inc()
		}
		rm.dur.Observe(elapsed)
	} else {
		model := "none"
		if c.model != nil {
			model = c.model.id
		}
		g.metrics.Requests.WithLabelValues("none", model, strconv.Itoa(status)).Inc()
		g.metrics.RequestDuration.WithLabelValues("none", model).Observe(elapsed)
	}
	g.metrics.InFlight.Dec()
	for i, in := range c.inst {
		if in != nil {
			c.slot(i).pool.Release(in)
		}
	}
	c.rt.release()
	// Keep the buffers, drop every reference a pooled call would pin.
	clear(c.hdr) // no provider key left behind in a pooled call
	*c = call{inst: c.inst[:0], skip: c.skip[:0], ex: c.ex, hdr: c.hdr[:0]}
	c.ex.Reset()
	callPool.Put(c)
}

func (c *call) slot(i int) *slot {
	if i == len(c.pipe.slots) {
		return c.prov.adapter
	}
	return c.pipe.slots[i]
}

func (c *call) run(ctx context.Context, req *Request) (*Reply, error) {
	if err := c.authenticate(ctx, req); err != nil { // governance: the wasmgate key
		return nil, err
	}
	if c.endpoint == endpointEmbeddings {
		return c.runEmbeddings(ctx, req)
	}
	model, err := c.loadModel(req.Body)
	if err != nil {
		return nil, err
	}
	ex := &c.ex
	stream, _ := ex.Top("stream")
	if n, ok := ex.TopElems("messages"); !ok || n == 0 {
		return nil, apierror.New(apierror.InvalidRequest, "messages must be a non-empty array").WithParam("messages")
	}
	if stream.Exists() {
		if stream.Type != gjson.True && stream.Type != gjson.False {
			return nil, apierror.New(apierror.InvalidRequest, "stream must be a boolean").WithParam("stream")
		}
		c.stream = stream.Type == gjson.True
	}
	if err := c.resolve(req, model); err != nil {
		return nil, err
	}

	if err := c.admit(ctx, req, model); err != nil { // governance: limits and budgets
		return nil, err
	}

	// Request phase, in pipeline order.
	for i := range c.pipe.slots {
		if r, err := c.hook(ctx, i, abi.PhaseRequest); err != nil {
			return nil, err
		} else if r != nil {
			return c.localReply(ctx, i, r) // replay.go: back through the plugins before i
		}
	}
	return c.sendToTargets(ctx) // dispatch.go: adaptRequest, roundTrip and answer per attempt
}

// loadModel loads body (see load) and returns its model, which chat and
// embeddings requests alike must name.
func (c *call) loadModel(body []byte) (string, error) {
	if err := c.load(body); err != nil {
		return "", err
	}
	m, _ := c.ex.Top("model")
	if m.Type != gjson.String || m.Str == "" {
		return "", apierror.New(apierror.InvalidRequest, "model must be a non-empty string").WithParam("model")
	}
	return m.Str, nil
}

// load checks that body is a JSON object and makes it the request. One
// pass checks the JSON and finds the top-level fields the gateway needs; the
// index it builds serves the plugins' lookups too.
func (c *call) load(body []byte) error {
	c.ex.SetRequest(body)
	object, err := c.ex.IndexRequest()
	if err != nil {
		return apierror.New(apierror.InvalidRequest, "the request body is not valid JSON: "+err.Error())
	}
	if !object {
		return apierror.New(apierror.InvalidRequest, "the request body must be a JSON object")
	}
	return nil
}

// resolve finds the model and route of a request and fills the exchange's
// headers and attributes. A model that is not configured may still be
// routed (an alias of the router's): dispatch says 404 when nothing claimed
// it; dispatch also picks the provider and key of each attempt.
func (c *call) resolve(req *Request, modelName string) error {
	c.model = c.rt.models[modelName]
	c.route = c.rt.match(req.Path, modelName)
	if c.route == nil {
		return apierror.Newf(apierror.NotFound, "no route for model %q", apierror.Truncate(modelName, 128)).WithParam("model").WithCode("model_not_found")
	}
	c.pipe = c.route.pipeline
	n := len(c.pipe.slots) + 1
	c.inst = append(c.inst[:0], make([]hookInstance, n)...)
	c.skip = append(c.skip[:0], make([]bool, n)...)

	ex := &c.ex
	ex.ReqHeader = append(ex.ReqHeader[:0], req.Header...)
	ex.ProviderStats = c.rt.statsFunc // routing.go
	ex.SetAttr(abi.AttrRequestID, req.RequestID)
	ex.SetAttr(abi.AttrRoute, c.route.name)
	ex.SetAttr(abi.AttrPipeline, c.pipe.name)
	ex.SetAttr(abi.AttrModel, modelName)
	ex.SetAttr(abi.AttrStream, strconv.FormatBool(c.stream))
	ex.SetAttr(abi.AttrEndpoint, c.endpoint.String())
	if c.model != nil { // the default target; dispatch sets them per attempt
		ex.SetAttr(abi.AttrProvider, c.model.provider.name)
		ex.SetAttr(abi.AttrProviderURL, c.model.provider.baseURL)
		ex.SetAttr(abi.AttrProviderModel, c.model.upstream)
	}
	return nil
}

// hook calls one slot's hook. A non-nil reply or error ends the phase.
func (c *call) hook(ctx context.Context, i int, ph abi.Phase) (*Reply, error) {
	s := c.slot(i)
	if s.mask&ph.Bit() == 0 || c.skip[i] {
		return nil, nil
	}
	in := c.inst[i]
	if in == nil {
		var err error
		if in, err = s.pool.Acquire(ctx); err != nil {
			return c.failed(i, ph, err)
		}
		c.inst[i] = in
	}
	sp := c.pluginSpan(ctx, s, ph) // tracing
	act, err := in.Call(ph, &c.ex, s.adapter)
	s.calls[ph].Observe(in.Elapsed().Seconds())
	endPluginSpan(sp, act, err) // tracing
	if ph == abi.PhaseRequest && !c.later(s) {
		// Nothing more for this plugin in this request: give the instance
		// back now rather than hold it through the provider's answer, so a
		// few warm instances serve many concurrent requests.
		s.pool.Release(in)
		c.inst[i] = nil
	}
	if err != nil {
		return c.failed(i, ph, err)
	}
	switch act {
	case abi.ActionRespond:
		return &Reply{Status: c.ex.ShortStatus, Body: c.ex.ShortBody, Header: c.replyHeader()}, nil
	case abi.ActionError:
		return nil, &apierror.Error{Kind: apierror.Plugin, Status: c.ex.ShortStatus, Type: c.ex.ErrType, Message: c.ex.ErrMessage}
	}
	return nil, nil
}

// later reports whether a slot has a hook after the request phase for this
// request: a response hook for a buffered answer, a chunk hook for a stream.
func (c *call) later(s *slot) bool {
	if c.stream {
		return s.mask&abi.HookChunk != 0
	}
	return s.mask&abi.HookResponse != 0
}

// failed applies a slot's on_error policy to a failed hook.
func (c *call) failed(i int, ph abi.Phase, err error) (*Reply, error) {
	s := c.slot(i)
	reason := "unavailable"
	var f *host.Failure
	if errors.As(err, &f) {
		reason = string(f.Reason)
	}
	policy := "fail_closed"
	if s.failOpen {
		policy = "fail_open"
	}
	c.g.metrics.PluginFailures.WithLabelValues(s.plugin, ph.String(), reason, policy).Inc()
	c.g.logger.Warn("plugin failed", "plugin", s.plugin, "phase", ph.String(), "reason", reason, "policy", policy,
		"request_id", c.ex.RequestIDAttr(), "error", err)
	if s.failOpen {
		c.skip[i] = true
		return nil, nil
	}
	return nil, pluginFailed(s.plugin, err)
}

// pluginFailed is the client's error for a plugin that failed closed; the
// cause goes to the log only.
func pluginFailed(plugin string, cause error) error {
	return apierror.Wrap(apierror.PluginFailed, fmt.Sprintf("plugin %q failed", plugin), cause)
}

// adaptRequest turns the canonical request into the provider request.
func (c *call) adaptRequest(ctx context.Context) error {
	ex := &c.ex
	if c.prov.adapter == nil {
		// Built-in OpenAI-compatible passthrough.
		ex.UpURL = c.prov.chatURL
		if c.endpoint == endpointEmbeddings {
			ex.UpURL = c.prov.baseURL + "/embeddings"
		}
		if m, _ := ex.Top("model"); m.Str != c.upModel {
			b, err := sjson.SetBytes(ex.Request, "model", c.upModel)
			if err != nil {
				return apierror.Wrap(apierror.Internal, "internal error", err)
			}
			ex.SetRequest(b)
		}
		if c.stream {
			// Usage on streams, asked for even if the client did not (as
			// the openai adapter does).
			if _, set := ex.Top("stream_options"); !set {
				b, err := sjson.SetRawBytes(ex.Request, "stream_options", []byte(`{"include_usage":true}`))
				if err != nil {
					return apierror.Wrap(apierror.Internal, "internal error", err)
				}
				ex.SetRequest(b)
			}
		}
		if ex.APIKey != "" {
			ex.UpHeader.Set("authorization", "Bearer "+ex.APIKey)
		}
		return nil
	}
	if r, err := c.hook(ctx, len(c.pipe.slots), abi.PhaseRequest); err != nil {
		return err
	} else if r != nil {
		return pluginFailed(c.prov.adapter.plugin, errors.New("an adapter may not short-circuit"))
	}
	if ex.UpURL == "" {
		return pluginFailed(c.prov.adapter.plugin, errors.New("the adapter did not set :url"))
	}
	return nil
}

// roundTrip sends one attempt to the provider, within deadline; a stream's
// cancel ends its body's context.
func (c *call) roundTrip(ctx context.Context, deadline time.Time) (*upstream.Response, context.CancelFunc, error) {
	ex := &c.ex
	timeout := c.prov.cfg.Timeout
	hdr := c.hdr[:0]
	for _, f := range ex.UpHeader {
		hdr = append(hdr, [2]string{f.Name, f.Value})
	}
	c.hdr = hdr
	ureq := &c.ureq
	*ureq = upstream.Request{Method: ex.UpMethod, URL: ex.UpURL, Header: hdr, Body: ex.UpstreamBody(),
		MaxResponseBytes: int(c.prov.cfg.MaxResponseBytes), Deadline: deadline,
		// Only the adapter's response hook reads the provider's headers.
		SkipHeaders: c.prov.adapter == nil || c.prov.adapter.mask&abi.HookResponse == 0}
	if c.endpoint == endpointChat {
		ureq.Slack = usageSlack // normalizeUsageChecked completes the usage in place
	}
	t := time.Now()
	resp, cancel, err := c.dispatch(ctx, ureq, deadline)
	if err == nil && resp.Status == http.StatusUnauthorized && c.rekey(ctx, ureq) {
		if resp.Stream != nil {
			resp.Stream.Close()
		}
		cancel()
		t = time.Now()
		resp, cancel, err = c.dispatch(ctx, ureq, deadline)
	}
	if err != nil {
		cancel()
		return nil, nil, c.upstreamFailed(err, timeout)
	}
	if resp.Status == http.StatusOK {
		c.prov.up200.Observe(time.Since(t).Seconds())
	} else {
		c.g.metrics.Upstream.WithLabelValues(c.prov.name, strconv.Itoa(resp.Status)).Observe(time.Since(t).Seconds())
	}
	return resp, cancel, nil
}

// answer runs the response side of a provider's answer; attempt has
// already turned an error status (>= 400) into the provider's error.
func (c *call) answer(ctx context.Context, resp *upstream.Response, cancel context.CancelFunc) (*Reply, error) {
	ex := &c.ex
	ex.UpStatus = resp.Status
	for _, h := range resp.Header {
		ex.UpRespHeader.Add(h[0], h[1])
	}
	if resp.Stream != nil {
		return c.streamReply(ctx, resp, cancel)
	}
	defer cancel()
	ex.UpRespBody = resp.Body
	if c.prov.adapter != nil {
		if r, err := c.hook(ctx, len(c.pipe.slots), abi.PhaseResponse); err != nil || r != nil {
			return r, err
		}
	}
	switch {
	case ex.Response != nil: // the adapter's answer, checked when it was set
		if c.endpoint == endpointChat {
			ex.Response = normalizeUsage(ex.Response)
		}
	case c.endpoint == endpointChat: // one scan checks and finds the usage
		b, err := normalizeUsageChecked(resp.Body, true) // the client's copy, with usageSlack to spare
		if err != nil {
			return nil, apierror.Newf(apierror.Upstream, "provider %q sent a response that is not JSON", c.prov.name)
		}
		ex.Response = b
	default:
		if !jsonscan.Valid(resp.Body) {
			return nil, apierror.Newf(apierror.Upstream, "provider %q sent a response that is not JSON", c.prov.name)
		}
		ex.Response = resp.Body
	}
	return c.responsePhase(ctx, c.pipelineLen()-1)
}

// responsePhase runs the response hooks of the pipeline's slots from
// slot last down to the first on the exchange's response, and answers
// with what they leave.
func (c *call) responsePhase(ctx context.Context, last int) (*Reply, error) {
	ex := &c.ex
	for i := last; i >= 0; i-- {
		if r, err := c.hook(ctx, i, abi.PhaseResponse); err != nil || r != nil {
			return r, err
		}
	}
	status := ex.RespStatus
	if status == 0 {
		status = http.StatusOK
	}
	return &Reply{Status: status, Header: c.replyHeader(), Body: ex.Response}, nil
}

func noCancel() {}

// dispatch sends the provider request. A stream's body outlives send: its
// context carries the deadline. A buffered exchange needs no context timer.
func (c *call) dispatch(ctx context.Context, ureq *upstream.Request, deadline time.Time) (*upstream.Response, context.CancelFunc, error) {
	ctx, sp := c.upstreamSpan(ctx, ureq) // tracing: a span per attempt
	if c.stream {
		sctx, cancel := context.WithDeadline(ctx, deadline)
		resp, err := c.g.client.Stream(sctx, ureq)
		endUpstreamSpan(sp, resp, err) // tracing
		return resp, cancel, err
	}
	resp, err := c.g.client.Do(ctx, ureq)
	endUpstreamSpan(sp, resp, err) // tracing
	return resp, noCancel, err
}

// rekey handles a provider that refused its key (401): the key may have
// been rotated at its source since it was last read, so it is read once
// more, and when it changed the new key replaces the old one wherever the
// provider request carries it (a header, the URL) for one more try.
func (c *call) rekey(ctx context.Context, ureq *upstream.Request) bool {
	old := c.ex.APIKey
	src := c.key.src // the key of this attempt (dispatch.go)
	if src == nil || old == "" {
		return false
	}
	key, changed, err := src.Reread(ctx, old)
	if err != nil {
		c.g.logger.Warn("provider key not read again after a 401", "provider", c.prov.name, "secret", src.String(), "error", err)
		return false
	}
	if !changed || key == "" {
		return false
	}
	for i := range ureq.Header {
		ureq.Header[i][1] = strings.ReplaceAll(ureq.Header[i][1], old, key)
	}
	ureq.URL = strings.ReplaceAll(ureq.URL, old, key)
	c.ex.APIKey = key
	c.g.logger.Info("provider refused its key; trying once more with the key read again", "provider", c.prov.name, "secret", src.String())
	return true
}

// streamReply checks a streamed answer and hands the relay to the server.
func (c *call) streamReply(ctx context.Context, resp *upstream.Response, cancel context.CancelFunc) (*Reply, error) {
	ct := resp.Get("Content-Type")
	pump := c.pump
	switch {
	case strings.HasPrefix(ct, "text/event-stream"):
	case strings.HasPrefix(ct, eventStreamType):
		pump = c.pumpEventStream
	default:
		resp.Stream.Close()
		cancel()
		return nil, apierror.Newf(apierror.Upstream, "provider %q did not stream (content type %q)", c.prov.name, apierror.Truncate(ct, 64))
	}
	return &Reply{Status: http.StatusOK, Header: c.replyHeader(), Stream: func(w Flusher) {
		defer cancel()
		defer resp.Stream.Close()
		pump(ctx, resp.Stream, w)
	}}, nil
}

// upstreamFailed maps a provider request that got no answer.
func (c *call) upstreamFailed(err error, timeout time.Duration) error {
	reason := upstream.ReasonOther
	var ue *upstream.Error
	if errors.As(err, &ue) {
		reason = ue.Reason
	}
	c.g.metrics.UpstreamErrors.WithLabelValues(c.prov.name, string(reason)).Inc()
	switch reason {
	case upstream.ReasonTimeout:
		return apierror.Wrap(apierror.UpstreamTimeout, fmt.Sprintf("provider %q did not answer within %s", c.prov.name, timeout), err)
	case upstream.ReasonTooLarge:
		return apierror.Wrap(apierror.Upstream, fmt.Sprintf("provider %q sent a response over %d bytes", c.prov.name, c.prov.cfg.MaxResponseBytes), err)
	}
	return apierror.Wrap(apierror.Upstream, fmt.Sprintf("provider %q is unreachable", c.prov.name), err)
}

// replyHeader is the header plugins set for the client, plus the request id.
func (c *call) replyHeader() host.Header {
	h := make(host.Header, 0, len(c.ex.RespHeader)+5) // + request id and routing headers
	h = append(h, c.ex.RespHeader...)
	h.Set("x-request-id", c.ex.RequestIDAttr())
	c.routingHeaders(&h) // dispatch.go
	return h
}

// providerError maps a provider's error answer to the API's error: the
// provider's status and Retry-After are kept (so clients' retry logic sees
// what the provider said), 4xx answers keep their type and code too; the
// message is the provider's, with the provider key scrubbed should it echo
// it. Error bodies in OpenAI's shape ({"error":{"message"}}), Anthropic's
// ({"type":"error","error":{"type","message"}}) and the plain
// {"message"} of other providers are understood.
func (c *call) providerError(resp *upstream.Response, body []byte) error {
	errObj := gjson.GetBytes(body, "error")
	msg := errObj.Get("message").String()
	if msg == "" {
		msg = gjson.GetBytes(body, "message").String()
	}
	if msg == "" {
		msg = http.StatusText(resp.Status)
	}
	if k := c.ex.APIKey; k != "" {
		msg = strings.ReplaceAll(msg, k, "[redacted]")
	}
	msg = fmt.Sprintf("provider %q answered %d: %s", c.prov.name, resp.Status, apierror.Truncate(msg, 512))
	e := &apierror.Error{Kind: apierror.Upstream, Message: msg, RetryAfter: resp.Get("Retry-After")}
	if resp.Status >= 400 && resp.Status <= 599 {
		e.Status = resp.Status
	}
	if resp.Status < 500 {
		e.Status = resp.Status
		e.Type = errObj.Get("type").String()
		if e.Type == "" {
			e.Type = "upstream_error"
		}
		e.Code = errObj.Get("code").String()
	}
	return e
}

// ErrorReply renders an API error as a reply; the server uses it too, for the
// errors it finds itself (body too large, unknown path).
func ErrorReply(e *apierror.Error, requestID string) *Reply {
	return errorReply(e, requestID, apiOpenAI)
}

// AnthropicErrorReply is ErrorReply in Anthropic's error shape, for the
// server's own errors on the Messages endpoint.
func AnthropicErrorReply(e *apierror.Error, requestID string) *Reply {
	return errorReply(e, requestID, apiAnthropic)
}

func errorReply(e *apierror.Error, requestID string, a api) *Reply {
	r := &Reply{Status: e.HTTPStatus()}
	if a == apiAnthropic {
		r.Body = e.AnthropicJSON()
	} else {
		r.Body = e.JSON()
	}
	if requestID != "" {
		r.Header.Set("x-request-id", requestID)
	}
	if e.RetryAfter != "" {
		r.Header.Set("retry-after", e.RetryAfter)
	}
	return r
}

// NewRequestID makes a request id.
func NewRequestID() string {
	var b [20]byte
	return string(strconv.AppendUint(append(b[:0], "req_"...), rand.Uint64(), 36))
}
