package gateway

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/apierror"
	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/host"
	"github.com/wasmgate/wasmgate/core/upstream"
)

// Dispatch: after the request phase the call tries its targets in order
// (the router's wasmgate.targets, or the requested model's provider). Each
// target is retried with backoff, rotates keys on 401/403/429 and falls back
// to the next target on the failures of fallback_on. A stream counts as sent
// once its first event has arrived; until then it may still fall back.

// target is one place a request may go.
type target struct {
	prov  *provider
	model string   // the provider's model name
	key   *provKey // pinned by the router, or nil for any
}

// outcome classifies one attempt.
type outcome struct {
	status  int    // the provider's status, 0 without an answer
	kind    string // "timeout", "connect", "canceled", "too_large" without an answer
	retryIn time.Duration
}

func (o outcome) ok() bool { return o.kind == "" && o.status > 0 && o.status < 400 }

// providerFault reports whether the provider (not the client) failed: what
// breakers and error rates count.
func (o outcome) providerFault() bool {
	return o.kind == "timeout" || o.kind == "connect" || o.status >= 500
}

// keyFault reports whether the key was refused: the next key may do better.
func (o outcome) keyFault() bool {
	return o.status == http.StatusUnauthorized || o.status == http.StatusForbidden || o.status == http.StatusTooManyRequests
}

func (o outcome) class() string {
	switch {
	case o.kind != "":
		return o.kind
	case o.status < 400:
		return "ok"
	case o.status == http.StatusTooManyRequests, o.status == http.StatusUnauthorized, o.status == http.StatusForbidden:
		return strconv.Itoa(o.status)
	case o.status >= 500:
		return "5xx"
	}
	return "4xx"
}

// matches reports whether fallback_on lists the outcome.
func (o outcome) matches(triggers []config.Trigger) bool {
	for _, t := range triggers {
		switch {
		case t.Kind != "" && t.Kind == o.kind,
			t.Status != 0 && t.Status == o.status,
			t.Class != 0 && o.status/100 == t.Class:
			return true
		}
	}
	return false
}

// targets is the list to try: the router's, or the requested model's.
func (c *call) targets() ([]target, error) {
	spec, routed := c.ex.Attr(abi.AttrTargets)
	if !routed || strings.TrimSpace(spec) == "" {
		if c.model == nil {
			return nil, c.unknownModel()
		}
		c.one[0] = target{prov: c.model.provider, model: c.model.upstream}
		return c.one[:], nil
	}
	list := make([]target, 0, 4)
	for item := range strings.SplitSeq(spec, ",") {
		t, err := c.rt.parseTarget(strings.TrimSpace(item))
		if err != nil {
			c.g.logger.Warn("router target skipped", "request_id", c.ex.RequestIDAttr(), "target", apierror.Truncate(item, 128), "error", err)
			continue
		}
		list = append(list, t)
	}
	if len(list) == 0 {
		return nil, apierror.New(apierror.Unavailable, "the router named no usable provider for this request").WithCode("no_provider_available")
	}
	return list, nil
}

func (c *call) unknownModel() error {
	m, _ := c.ex.Attr(abi.AttrModel)
	return apierror.Newf(apierror.NotFound, "the model %q does not exist", apierror.Truncate(m, 128)).WithParam("model").WithCode("model_not_found")
}

// parseTarget reads "provider/model[#key]", or a configured model id.
func (r *runtime) parseTarget(s string) (target, error) {
	s, keyID, pinned := strings.Cut(s, "#")
	name, model, ok := strings.Cut(s, "/")
	if !ok {
		m := r.models[s]
		if m == nil {
			return target{}, fmt.Errorf("no provider in %q and no such model", s)
		}
		name, model = m.provider.name, m.upstream
	}
	p := r.providers[name]
	if p == nil {
		return target{}, fmt.Errorf("unknown provider %q", name)
	}
	if model == "" {
		return target{}, errors.New("empty model")
	}
	t := target{prov: p, model: model}
	if pinned {
		for _, k := range p.routing.keys {
			if k.id == keyID {
				t.key = k
			}
		}
		if t.key == nil {
			return target{}, fmt.Errorf("provider %q has no key %q", name, keyID)
		}
	}
	return t, nil
}

func (c *call) fallbackOn() []config.Trigger {
	spec, ok := c.ex.Attr(abi.AttrFallbackOn)
	if !ok {
		return c.rt.routing.fallbackOn
	}
	var list []config.Trigger
	for item := range strings.SplitSeq(spec, ",") {
		if t, err := config.ParseTrigger(strings.TrimSpace(item)); err == nil {
			list = append(list, t)
		}
	}
	return list
}

// sendToTargets sends the request to its targets until one answers.
func (c *call) sendToTargets(ctx context.Context) (*Reply, error) {
	targets, err := c.targets()
	if err != nil {
		return nil, err
	}
	if c.model == nil {
		// A routed alias: the metrics take the configured model the router
		// resolved it to, if any ("none" otherwise), never the client's name.
		if m, _ := c.ex.Top("model"); m.Str != "" {
			c.model = c.rt.models[m.Str]
		}
	}
	d := &c.rt.cfg.Dispatch
	triggers := c.fallbackOn()
	deadline := c.deadline
	if d.TotalTimeout > 0 {
		if t := c.start.Add(d.TotalTimeout); t.Before(deadline) {
			deadline = t
		}
	}
	var lastErr error
	// The first pass skips providers out of rotation; when every target was
	// skipped for health, the second pass tries them anyway: a provider
	// judged unhealthy may still answer.
	for pass := 0; pass < 2 && lastErr == nil; pass++ {
		for ti := range targets {
			t := &targets[ti]
			if pass == 0 && !t.prov.routing.healthy(time.Now()) {
				continue
			}
			if pass == 1 && t.prov.routing.healthy(time.Now()) {
				continue
			}
			if c.served != nil && c.served.prov != t.prov {
				c.g.routingMetrics.fallbacks.WithLabelValues(c.served.prov.name, t.prov.name).Inc()
			}
			reply, err, next := c.tryTarget(ctx, t, triggers, deadline, ti < len(targets)-1)
			if !next {
				if reply == nil && err == nil { // out of attempts or time before this target
					if err = lastErr; err == nil {
						err = apierror.New(apierror.UpstreamTimeout, "the request ran out of time before a provider answered")
					}
				}
				return reply, err
			}
			if err != nil {
				lastErr = err
			}
		}
	}
	if lastErr == nil {
		lastErr = apierror.New(apierror.Unavailable, "no provider is available for this request (circuit open)").WithCode("no_provider_available")
	}
	return nil, lastErr
}

// tryTarget sends to one target, with retries and key rotation. next says
// the caller should go on with the next target (err is the last failure, or
// nil when no key of the target could be tried).
func (c *call) tryTarget(ctx context.Context, t *target, triggers []config.Trigger, deadline time.Time, more bool) (_ *Reply, _ error, next bool) {
	d := &c.rt.cfg.Dispatch
	var tried []*provKey // keys that refused (401/403/429): rotated away from
	var lastErr error
	for retry := 0; ; {
		if c.attempts >= d.MaxAttempts || !time.Now().Before(deadline) {
			return nil, lastErr, false // dispatch answers with the last failure
		}
		key, done := t.prov.routing.pick(t.key, tried)
		if key == nil {
			return nil, lastErr, true
		}
		c.attempts++
		c.served = t
		c.key = key
		reply, err, o := c.attempt(ctx, t, key, deadline)
		done(!o.providerFault() && !o.keyFault())
		if o.kind != "canceled" {
			t.prov.routing.stats.Observe(time.Now(), time.Since(c.attemptStart), o.providerFault())
		}
		if class := o.class(); class == "ok" {
			key.okAttempts.Inc()
		} else {
			c.g.routingMetrics.attempts.WithLabelValues(t.prov.name, key.id, class).Inc()
		}
		if err == nil || o.ok() {
			return reply, err, false
		}
		lastErr = err
		if o.kind == "canceled" || o.kind == "too_large" {
			return nil, err, false
		}
		if o.keyFault() && t.key == nil && len(t.prov.routing.keys) > 1 {
			tried = append(tried, key)
			if len(tried) < len(t.prov.routing.keys) {
				continue // the next key, at once
			}
		}
		if !o.matches(triggers) {
			return nil, err, false
		}
		if more && (o.retryIn > 0 || o.keyFault()) {
			return nil, err, true // another provider answers sooner than a rate limit clears
		}
		if retry >= d.Retries {
			return nil, err, true
		}
		wait := backoff(d.Backoff, d.MaxBackoff, retry)
		if o.retryIn > 0 {
			if o.retryIn > d.MaxRetryAfter {
				return nil, err, true
			}
			wait = o.retryIn
		}
		if time.Now().Add(wait).After(deadline) {
			return nil, err, true
		}
		if !sleep(ctx, wait) {
			return nil, err, false
		}
		retry++
		c.g.routingMetrics.retries.WithLabelValues(t.prov.name).Inc()
		tried = tried[:0]
	}
}

// backoff is the wait before retry n (from 0): exponential, with full jitter
// in its upper half so that clients that failed together do not come back
// together.
func backoff(base, maxWait time.Duration, n int) time.Duration {
	d := base << min(n, 16)
	if d > maxWait || d <= 0 {
		d = maxWait
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// attempt sends the request once to a target with a key.
func (c *call) attempt(ctx context.Context, t *target, key *provKey, deadline time.Time) (*Reply, error, outcome) {
	c.attemptStart = time.Now()
	c.useProvider(t.prov)
	ex := &c.ex
	ex.UpURL, ex.UpMethod, ex.UpBody, ex.UpHeader = "", "", nil, ex.UpHeader[:0]
	ex.UpStatus, ex.UpRespHeader, ex.UpRespBody = 0, ex.UpRespHeader[:0], nil
	secret, ok := key.value()
	if !ok {
		what := fmt.Sprintf("the key %q of provider %q", key.id, t.prov.name)
		if len(t.prov.routing.keys) == 1 {
			what = fmt.Sprintf("the key of provider %q", t.prov.name)
		}
		return nil, apierror.New(apierror.Unavailable, what+" is not available yet"), outcome{kind: "no_key"}
	}
	ex.APIKey = secret
	ex.SetAttr(abi.AttrProvider, t.prov.name)
	ex.SetAttr(abi.AttrProviderURL, t.prov.baseURL)
	ex.SetAttr(abi.AttrProviderModel, t.model)
	c.upModel = t.model
	if err := c.adaptRequest(ctx); err != nil {
		return nil, err, outcome{kind: "adapter"}
	}
	if d := c.attemptStart.Add(t.prov.cfg.Timeout); d.Before(deadline) {
		deadline = d
	}
	resp, cancel, err := c.roundTrip(ctx, deadline)
	if err != nil {
		return nil, err, failure(ctx, err)
	}
	o := outcome{status: resp.Status}
	if resp.Status >= 400 {
		o.retryIn = retryAfter(resp.Get("Retry-After"))
		if resp.Stream != nil {
			// The error body is small: read it for the message, then close.
			b, _ := io.ReadAll(io.LimitReader(resp.Stream, 1<<20))
			resp.Stream.Close()
			resp.Body, resp.Stream = b, nil
		}
		cancel()
		return nil, c.providerError(resp, resp.Body), o
	}
	if resp.Stream != nil && strings.HasPrefix(resp.Get("Content-Type"), "text/event-stream") {
		// Wait for the first event: a stream that breaks before it can
		// still go elsewhere, as nothing has reached the client.
		first, err := firstEvent(resp.Stream)
		if err != nil {
			resp.Stream.Close()
			cancel()
			o = failure(ctx, err)
			if o.kind == "" || o.kind == "other" {
				o.kind = "connect"
			}
			return nil, apierror.Wrap(apierror.Upstream, fmt.Sprintf("provider %q broke off the stream before its first event", t.prov.name), err), o
		}
		resp.Stream = &prefixed{Reader: io.MultiReader(bytes.NewReader(first), resp.Stream), Closer: resp.Stream}
	}
	reply, err := c.answer(ctx, resp, cancel)
	return reply, err, o
}

// failure classifies a provider request that got no answer.
func failure(ctx context.Context, err error) outcome {
	if ctx.Err() != nil {
		return outcome{kind: "canceled"}
	}
	var ue *upstream.Error
	if errors.As(err, &ue) {
		switch ue.Reason {
		case upstream.ReasonTimeout:
			return outcome{kind: "timeout"}
		case upstream.ReasonCanceled:
			return outcome{kind: "canceled"}
		case upstream.ReasonTooLarge, upstream.ReasonBadRequest:
			return outcome{kind: "too_large"}
		}
		return outcome{kind: "connect"} // refused, reset, closed: the connection failed
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return outcome{kind: "timeout"}
	}
	return outcome{kind: "connect"}
}

// retryAfter reads a Retry-After of seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// firstEvent reads a stream up to the end of its first event (a blank line).
func firstEvent(r io.Reader) ([]byte, error) {
	br := bufio.NewReaderSize(r, 4<<10)
	var b []byte
	for {
		line, err := br.ReadSlice('\n')
		b = append(b, line...)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if t := bytes.TrimRight(line, "\r\n"); len(t) == 0 && len(b) > len(line) {
			// Whatever the reader buffered past the event goes back in front.
			rest, _ := br.Peek(br.Buffered())
			return append(b, rest...), nil
		}
	}
}

// prefixed is a stream whose first bytes were already read.
type prefixed struct {
	io.Reader
	io.Closer
}

// useProvider makes p the call's provider, giving back the previous
// provider's adapter instance (it belongs to that provider's pool).
func (c *call) useProvider(p *provider) {
	if c.prov == p {
		return
	}
	last := len(c.pipe.slots)
	if in := c.inst[last]; in != nil && c.prov != nil && c.prov.adapter != nil {
		c.prov.adapter.pool.Release(in)
	}
	c.inst[last] = nil
	c.prov = p
}

// routingHeaders tell the client who served the request: provider, model,
// key id (never the key) and attempts.
func (c *call) routingHeaders(h *host.Header) {
	if c.served == nil {
		return
	}
	h.Set("x-wasmgate-provider", c.served.prov.name)
	h.Set("x-wasmgate-model", c.served.model)
	if c.key != nil {
		h.Set("x-wasmgate-key-id", c.key.id)
	}
	h.Set("x-wasmgate-attempts", strconv.Itoa(c.attempts))
}
