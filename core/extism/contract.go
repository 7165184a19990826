package extism

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/host"
)

// Instance is one running Extism plugin, used by one request at a time.
type Instance struct {
	plugin  *Plugin
	p       *extism.Plugin
	dead    bool
	elapsed time.Duration // how long the last call ran
}

// Input is what a hook function gets (docs/extism.md).
type Input struct {
	Phase    string            `json:"phase"`
	Text     string            `json:"text"`
	Request  json.RawMessage   `json:"request"`
	Response json.RawMessage   `json:"response,omitempty"`
	Chunk    json.RawMessage   `json:"chunk,omitempty"`
	Headers  map[string]string `json:"headers"`
	Attrs    map[string]string `json:"attrs"`
}

// Output is what a hook function returns; empty output is "continue".
type Output struct {
	Action   string             `json:"action"`
	Text     *string            `json:"text"`
	Request  json.RawMessage    `json:"request"`
	Response json.RawMessage    `json:"response"`
	Chunk    json.RawMessage    `json:"chunk"`
	Headers  map[string]*string `json:"headers"`
	Attrs    map[string]*string `json:"attrs"`
	Status   int                `json:"status"`
	Body     json.RawMessage    `json:"body"`
	Error    *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// textPath is where the phase's "text" lives in its body.
func textPath(ph abi.Phase, ex *host.Exchange) (obj []byte, path string) {
	switch ph {
	case abi.PhaseResponse:
		return ex.FinalResponse(), "choices.0.message.content"
	case abi.PhaseChunk:
		return ex.FinalChunk(), "choices.0.delta.content"
	}
	roles := gjson.GetBytes(ex.Request, "messages.#.role").Array()
	for i := len(roles) - 1; i >= 0; i-- {
		if roles[i].Str == "user" {
			return ex.Request, "messages." + strconv.Itoa(i) + ".content"
		}
	}
	return ex.Request, ""
}

func headerMap(h host.Header) map[string]string {
	m := make(map[string]string, len(h))
	for _, f := range h {
		m[strings.ToLower(f.Name)] = f.Value
	}
	return m
}

// Call runs the hook of phase ph on ex, through the JSON contract.
func (in *Instance) Call(ph abi.Phase, ex *host.Exchange, adapter bool) (abi.Action, error) {
	start := time.Now()
	act, err := in.call(ph, ex, adapter)
	in.elapsed = time.Since(start)
	return act, err
}

// Elapsed is how long the last call ran.
func (in *Instance) Elapsed() time.Duration { return in.elapsed }

func (in *Instance) call(ph abi.Phase, ex *host.Exchange, adapter bool) (abi.Action, error) {
	fail := func(reason host.Reason, err error) (abi.Action, error) {
		in.dead = true
		return 0, &host.Failure{Plugin: in.plugin.name, Phase: ph.String(), Reason: reason, Err: err}
	}
	if adapter {
		return fail(host.ReasonMalformed, errors.New("an Extism plugin cannot be a provider adapter"))
	}
	body, path := textPath(ph, ex)
	inp := Input{Phase: ph.String(), Request: ex.Request, Attrs: map[string]string{}}
	if path != "" {
		inp.Text = gjson.GetBytes(body, path).String()
	}
	switch ph {
	case abi.PhaseRequest:
		inp.Headers = headerMap(ex.ReqHeader)
	case abi.PhaseResponse:
		inp.Response, inp.Headers = ex.FinalResponse(), headerMap(ex.RespHeader)
	case abi.PhaseChunk:
		inp.Chunk, inp.Headers = ex.FinalChunk(), map[string]string{}
		if len(inp.Chunk) == 0 {
			inp.Chunk = nil
		}
	}
	for _, f := range ex.Attrs() {
		inp.Attrs[f.Name] = f.Value
	}
	var buf bytes.Buffer
	buf.Grow(len(ex.Request) + 256)
	if err := json.NewEncoder(&buf).Encode(&inp); err != nil {
		return fail(host.ReasonMalformed, err)
	}
	ctx := withHosts(context.Background(), in.plugin.hosts)
	rc, out, err := in.p.CallWithContext(ctx, phaseFn[ph], buf.Bytes())
	if err != nil {
		reason := callReason(err)
		if reason == host.ReasonNotAllowed && !errors.Is(err, errNotAllowed) {
			err = fmt.Errorf("%w: %w", err, errNotAllowed)
		}
		return fail(reason, err)
	}
	if rc != 0 {
		return fail(host.ReasonTrap, fmt.Errorf("%s returned %d: %s", phaseFn[ph], rc, in.p.GetError()))
	}
	if len(out) > in.plugin.lim.MaxOutputBytes {
		return fail(host.ReasonOutputLimit, fmt.Errorf("output of %d bytes", len(out)))
	}
	if len(bytes.TrimSpace(out)) == 0 {
		return abi.ActionContinue, nil
	}
	var o Output
	d := json.NewDecoder(bytes.NewReader(out))
	d.DisallowUnknownFields()
	if err := d.Decode(&o); err != nil {
		return fail(host.ReasonMalformed, fmt.Errorf("output is not the contract's JSON: %w", err))
	}
	act, err := apply(ph, ex, &o, path)
	if err != nil {
		return fail(host.ReasonMalformed, err)
	}
	return act, nil
}

// callReason classifies a failed call. The SDK reports a refused host and
// a timeout only as text (its host functions panic; wazero turns the panic
// into an error): "HTTP request to '…' is not allowed" and our redirect
// check's errNotAllowed, and a cancelled context.
func callReason(err error) host.Reason {
	msg := err.Error()
	switch {
	case errors.Is(err, errNotAllowed) || strings.Contains(msg, "is not allowed"):
		return host.ReasonNotAllowed
	case strings.Contains(msg, "deadline exceeded") || strings.Contains(msg, "context"):
		return host.ReasonTimeout
	}
	return host.ReasonTrap
}

// apply makes the output's changes to the exchange.
func apply(ph abi.Phase, ex *host.Exchange, o *Output, textAt string) (abi.Action, error) {
	isObject := func(b json.RawMessage) bool { return gjson.ValidBytes(b) && gjson.ParseBytes(b).IsObject() }
	if o.Request != nil {
		if ph != abi.PhaseRequest || !isObject(o.Request) {
			return 0, errors.New(`"request" is only for the request phase, and must be a JSON object`)
		}
		ex.SetRequest(append([]byte(nil), o.Request...))
	}
	if o.Response != nil {
		if ph != abi.PhaseResponse || !isObject(o.Response) {
			return 0, errors.New(`"response" is only for the response phase, and must be a JSON object`)
		}
		ex.Response = append([]byte(nil), o.Response...)
	}
	if o.Chunk != nil {
		if ph != abi.PhaseChunk {
			return 0, errors.New(`"chunk" is only for the chunk phase`)
		}
		switch {
		case string(o.Chunk) == "null":
			ex.Chunk, ex.ChunkSet = []byte{}, true // dropped
		case isObject(o.Chunk):
			ex.Chunk, ex.ChunkSet = append([]byte(nil), o.Chunk...), true
		default:
			return 0, errors.New(`"chunk" must be a JSON object or null`)
		}
	}
	if o.Text != nil {
		if textAt == "" {
			return 0, errors.New(`"text" given, but the request has no user message`)
		}
		body, _ := textPath(ph, ex)
		b, err := sjson.SetBytes(body, textAt, *o.Text)
		if err != nil {
			return 0, err
		}
		switch ph {
		case abi.PhaseRequest:
			ex.SetRequest(b)
		case abi.PhaseResponse:
			ex.Response = b
		case abi.PhaseChunk:
			ex.Chunk, ex.ChunkSet = b, true
		}
	}
	for name, v := range o.Headers {
		h := &ex.ReqHeader
		switch ph {
		case abi.PhaseResponse:
			h = &ex.RespHeader
		case abi.PhaseChunk:
			return 0, errors.New(`"headers" cannot change in the chunk phase: a stream's headers are sent`)
		}
		if name == "" || strings.HasPrefix(name, ":") || strings.ContainsAny(name, " \r\n:") || v != nil && strings.ContainsAny(*v, "\r\n") {
			return 0, fmt.Errorf("header %q: invalid name or value", name)
		}
		if v == nil {
			h.Del(name)
		} else {
			h.Set(name, *v)
		}
	}
	for name, v := range o.Attrs {
		if name == "" || strings.HasPrefix(name, abi.AttrPrefix) {
			return 0, fmt.Errorf("attribute %q: reserved or empty", name)
		}
		if v == nil {
			ex.DelAttr(name)
		} else {
			ex.SetAttr(name, *v)
		}
	}
	switch o.Action {
	case "", "continue":
		return abi.ActionContinue, nil
	case "respond":
		if ph == abi.PhaseChunk || o.Status < 200 || o.Status > 599 || !isObject(o.Body) {
			return 0, errors.New(`"respond" needs a status 200-599 and a JSON object "body", and is not for chunks`)
		}
		ex.ShortStatus, ex.ShortBody = o.Status, append([]byte(nil), o.Body...)
		return abi.ActionRespond, nil
	case "error":
		if o.Status < 400 || o.Status > 599 || o.Error == nil || o.Error.Type == "" || len(o.Error.Type) > 64 {
			return 0, errors.New(`"error" needs a status 400-599 and "error": {"type" (1-64 bytes), "message"}`)
		}
		msg := o.Error.Message
		if len(msg) > 1024 {
			msg = msg[:1024]
		}
		ex.ShortStatus, ex.ErrType, ex.ErrMessage = o.Status, o.Error.Type, msg
		return abi.ActionError, nil
	}
	return 0, fmt.Errorf("unknown action %q", o.Action)
}
