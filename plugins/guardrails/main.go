// Command guardrails checks requests and responses against input and output
// rules: deny and allow lists, regular expressions, built-in detectors,
// prompt size and model limits, prompt-injection and jailbreak heuristics,
// and JSON-schema validation of structured outputs. A rule that fails
// blocks (an API error naming the rule, never the matched text), warns (a
// response header, a log line, a metric and the attribute guardrails.warn)
// or redacts the matched text. Output rules apply to streams through a
// hold-back window.
package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// WarnAttr carries the names of the rules that warned, comma-separated.
const WarnAttr = "guardrails.warn"

// WarnHeader is the response header with the rules that warned.
const WarnHeader = "x-wasmgate-guardrails-warn"

// Redacted replaces text a redact rule matched.
const Redacted = "[REDACTED]"

const (
	actBlock  = "block"
	actWarn   = "warn"
	actRedact = "redact"
)

type config struct {
	Input          []ruleConfig `json:"input"`
	Output         []ruleConfig `json:"output"`
	StreamHoldback int          `json:"stream_holdback_bytes"`
}

type plugin struct {
	in, out  direction
	holdback int

	// Per-request state, reset by the request hook.
	warned  []string
	stream  map[string]*streamField
	allowed map[int]bool // output allow rules seen in the stream so far
	text    []byte
	seen    []bool
}

// seenRules returns a cleared slice of n flags, reused across requests.
func (p *plugin) seenRules(n int) []bool {
	if cap(p.seen) < n {
		p.seen = make([]bool, n)
	}
	p.seen = p.seen[:n]
	clear(p.seen)
	return p.seen
}

func (p *plugin) Init(cfg pdk.Config) error {
	var c config
	if err := cfg.UnmarshalStrict(&c); err != nil {
		return errors.New("guardrails: config: " + err.Error())
	}
	if c.StreamHoldback < 0 {
		return errors.New("guardrails: config: stream_holdback_bytes must not be negative")
	}
	p.holdback = c.StreamHoldback
	if p.holdback == 0 {
		p.holdback = 256
	}
	names := map[string]bool{}
	var err error
	if p.in, err = compileRules("input", c.Input, names); err != nil {
		return err
	}
	if p.out, err = compileRules("output", c.Output, names); err != nil {
		return err
	}
	return nil
}

func (p *plugin) reset() {
	p.warned = p.warned[:0]
	clear(p.stream)
	clear(p.allowed)
	if p.stream == nil {
		p.stream, p.allowed = map[string]*streamField{}, map[int]bool{}
	}
}

// blocked is the answer of a block rule: it names the rule, never the text.
func blocked(status int, typ, what string, r *rule) pdk.Action {
	return pdk.Error(status, typ, what+" blocked by guardrail "+strconv.Quote(r.Name))
}

// warn records a warning once per rule and request.
func (p *plugin) warn(r *rule, where string) {
	for _, w := range p.warned {
		if w == r.Name {
			return
		}
	}
	p.warned = append(p.warned, r.Name)
	pdk.Log(pdk.LogWarn, "guardrails: rule "+strconv.Quote(r.Name)+" warned on the "+where)
	_ = pdk.SetAttr(WarnAttr, strings.Join(p.warned, ","))
	_ = pdk.MetricAdd("warn", r.Name, 1) // wasmgate_plugin_events_total{event="warn",label=rule}
}

func (p *plugin) OnRequest(req *pdk.Request) pdk.Action {
	p.reset()
	in := &p.in
	for i := range in.rules {
		r := &in.rules[i]
		var failed bool
		switch r.check {
		case checkModels:
			failed = !r.modelAllowed(req.Model())
			if failed && r.Action == actBlock {
				return pdk.Error(403, "permission_error", "model "+strconv.Quote(req.Model())+" blocked by guardrail "+strconv.Quote(r.Name))
			}
		case checkSize:
			failed = r.MaxPromptBytes > 0 && p.promptBytes(req, r.MaxPromptBytes) > r.MaxPromptBytes ||
				r.MaxMessages > 0 && req.MessageCount() > r.MaxMessages
		default:
			continue
		}
		if failed {
			if r.Action == actBlock {
				return blocked(400, "invalid_request_error", "request", r)
			}
			p.warn(r, "request")
		}
	}
	if !in.scans {
		return pdk.Continue
	}
	fields, err := req.Scan("", in.m)
	if err != nil {
		return pdk.Error(500, "plugin_error", "guardrails: scan: "+err.Error())
	}
	seen := p.seenRules(len(in.rules))
	for _, f := range fields {
		for _, sp := range f.Spans {
			ri := in.ruleOf[sp.Kind]
			r := &in.rules[ri]
			if r.check == checkInjection && !fromUser(req, f.Path) {
				continue
			}
			seen[ri] = true
			if r.check == checkAllow {
				continue
			}
			switch r.Action {
			case actBlock:
				return blocked(400, "invalid_request_error", "request", r)
			case actWarn:
				p.warn(r, "request")
			}
		}
	}
	for i := range in.rules {
		if r := &in.rules[i]; r.check == checkAllow && !seen[i] {
			if r.Action == actBlock {
				return blocked(400, "invalid_request_error", "request", r)
			}
			p.warn(r, "request")
		}
	}
	for _, f := range fields {
		if out, changed := p.redact(in, f.Text, f.Spans); changed {
			if err := req.SetStringBytes(f.Path, out); err != nil {
				return pdk.Error(500, "plugin_error", "guardrails: write "+f.Path+": "+err.Error())
			}
		}
	}
	return pdk.Continue
}

// redact returns text with the spans of redact rules replaced.
func (p *plugin) redact(d *direction, text []byte, spans []pdk.Span) ([]byte, bool) {
	out, last, changed := p.text[:0], 0, false
	for _, sp := range spans {
		r := &d.rules[d.ruleOf[sp.Kind]]
		if r.Action != actRedact || r.check == checkAllow {
			continue
		}
		out = append(append(out, text[last:sp.Start]...), Redacted...)
		last, changed = sp.End, true
	}
	out = append(out, text[last:]...)
	p.text = out
	return out, changed
}

// fromUser reports whether a request text field belongs to a user or tool
// message: injection heuristics do not judge the operator's system prompt
// or the model's own turns.
func fromUser(req *pdk.Request, path string) bool {
	rest := strings.TrimPrefix(path, "messages.")
	i, _, _ := strings.Cut(rest, ".")
	role, _ := req.GetString("messages." + i + ".role")
	return role == "user" || role == "tool" || role == "function"
}

// promptBytes is the bytes of message text (contents, text parts, tool-call
// arguments). The raw size of the messages bounds it from above, so the
// text is only read when that bound is over the limit.
func (p *plugin) promptBytes(req *pdk.Request, limit int) int {
	size, ok := req.Size("messages")
	if !ok || size <= limit {
		return 0
	}
	fields, err := req.TextFields(p.in.m)
	if err != nil {
		return size
	}
	total := 0
	for _, f := range fields {
		total += len(f.Text)
	}
	return total
}

func init() { pdk.Register(&plugin{}) }

func main() {}
