package plugincheck

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
	"go.yaml.in/yaml/v3"

	"github.com/wasmgate/wasmgate/core/abi"
)

// Case is one golden case, a YAML file in the plugin's cases/ folder:
//
//	name: tags the tenant
//	config: {header: x-tenant}        # optional; else the manifest's config
//	phase: request                    # request (default), response or chunk
//	request: {model: m, messages: [{role: user, content: hi}]}
//	headers: {x-tenant: acme}
//	attrs: {}
//	response: {...}                   # the canonical response (response phase)
//	chunk: {...}                      # the canonical chunk (chunk phase)
//	expect:
//	  action: continue                # continue, respond or error
//	  status: 403                     # of respond / error
//	  error_type: invalid_request_error
//	  message_contains: blocked
//	  request: {messages.0.content: "[acme] hi"}   # JSON path -> value
//	  response: {choices.0.message.content: "..."}
//	  chunk: {choices.0.delta.content: "..."}
//	  body: {choices.0.message.content: "..."}     # of respond
//	  headers: {x-tenant: acme}       # request headers
//	  response_headers: {x-a: "1"}    # headers for the client (response phase)
//	  attrs: {tenant: acme}
//	  start_error: "is required"      # the config must be refused at start
type Case struct {
	Name     string            `yaml:"name"`
	Config   map[string]any    `yaml:"config"`
	Phase    string            `yaml:"phase"`
	Request  any               `yaml:"request"`
	Headers  map[string]string `yaml:"headers"`
	Attrs    map[string]string `yaml:"attrs"`
	Response any               `yaml:"response"`
	Chunk    any               `yaml:"chunk"`
	Expect   struct {
		Action          string            `yaml:"action"`
		Status          int               `yaml:"status"`
		ErrorType       string            `yaml:"error_type"`
		MessageContains string            `yaml:"message_contains"`
		Request         map[string]any    `yaml:"request"`
		Response        map[string]any    `yaml:"response"`
		Chunk           map[string]any    `yaml:"chunk"`
		Body            map[string]any    `yaml:"body"`
		Headers         map[string]string `yaml:"headers"`
		ResponseHeaders map[string]string `yaml:"response_headers"`
		Attrs           map[string]string `yaml:"attrs"`
		// StartError: the plugin must refuse to start with this config,
		// with a message containing this text.
		StartError string `yaml:"start_error"`
	} `yaml:"expect"`
}

func checkCases(ctx context.Context, rep *Report, plugin loaded, config []byte, dir string, required bool) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	files = append(files, more...)
	sort.Strings(files)
	if len(files) == 0 {
		if required {
			rep.add("golden cases", false, "no *.yaml cases in %s", dir)
		} else {
			rep.add("golden cases", true, "none shipped (add YAML cases in %s)", dir)
		}
		return
	}
	for _, f := range files {
		name := filepath.Base(f)
		var c Case
		b, err := os.ReadFile(f)
		if err == nil {
			err = yaml.Unmarshal(b, &c)
		}
		if err != nil {
			rep.add("case "+name, false, "%v", err)
			continue
		}
		if c.Name != "" {
			name += " (" + c.Name + ")"
		}
		if msg := runCase(ctx, plugin, config, c); msg != "" {
			rep.add("case "+name, false, "%s", msg)
		} else {
			rep.add("case "+name, true, "")
		}
	}
}

// runCase runs one case and says what was wrong, or "".
func runCase(ctx context.Context, plugin loaded, config []byte, c Case) string {
	if c.Config != nil {
		config, _ = json.Marshal(c.Config)
	}
	ph := abi.PhaseRequest
	switch c.Phase {
	case "", "request":
	case "response":
		ph = abi.PhaseResponse
	case "chunk":
		ph = abi.PhaseChunk
	default:
		return fmt.Sprintf("phase %q: want request, response or chunk", c.Phase)
	}
	pool, err := plugin.newPool(ctx, config)
	if want := c.Expect.StartError; want != "" {
		if err == nil {
			pool.Close()
			return fmt.Sprintf("started; want a refusal containing %q", want)
		}
		if !strings.Contains(err.Error(), want) {
			return fmt.Sprintf("refused with %q; want it to contain %q", firstLine(err), want)
		}
		return ""
	}
	if err != nil {
		return firstLine(err)
	}
	defer pool.Close()
	if pool.Mask()&ph.Bit() == 0 {
		return fmt.Sprintf("the plugin has no %s hook", ph)
	}
	req, err := jsonOf(c.Request, sampleRequest)
	if err != nil {
		return "request: " + err.Error()
	}
	resp, err := jsonOf(c.Response, sampleResponse)
	if err != nil {
		return "response: " + err.Error()
	}
	chunk, err := jsonOf(c.Chunk, sampleChunk)
	if err != nil {
		return "chunk: " + err.Error()
	}
	ex := exchange(ph, req, resp, chunk, c.Headers, c.Attrs)
	act, err := (&runner{pool: pool}).call(ctx, ph, ex)
	if err != nil {
		return "plugin failure: " + firstLine(err)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	want := c.Expect.Action
	if want == "" {
		want = "continue"
	}
	if got := [...]string{"continue", "respond", "error"}[act]; got != want {
		detail := ""
		if act == abi.ActionError {
			detail = fmt.Sprintf(" (%d %s: %s)", ex.ShortStatus, ex.ErrType, ex.ErrMessage)
		}
		bad("action %s%s, want %s", got, detail, want)
	}
	if c.Expect.Status != 0 && ex.ShortStatus != c.Expect.Status {
		bad("status %d, want %d", ex.ShortStatus, c.Expect.Status)
	}
	if c.Expect.ErrorType != "" && ex.ErrType != c.Expect.ErrorType {
		bad("error type %q, want %q", ex.ErrType, c.Expect.ErrorType)
	}
	if c.Expect.MessageContains != "" && !strings.Contains(ex.ErrMessage, c.Expect.MessageContains) {
		bad("error message %q, want it to contain %q", ex.ErrMessage, c.Expect.MessageContains)
	}
	for _, p := range []struct {
		what  string
		body  []byte
		paths map[string]any
	}{
		{"request", ex.Request, c.Expect.Request},
		{"response", ex.FinalResponse(), c.Expect.Response},
		{"chunk", ex.FinalChunk(), c.Expect.Chunk},
		{"body", ex.ShortBody, c.Expect.Body},
	} {
		for path, v := range p.paths {
			got := gjson.GetBytes(p.body, path)
			if !sameJSON(got, v) {
				wantJSON, _ := json.Marshal(v)
				gotText := got.Raw
				if !got.Exists() {
					gotText = "nothing"
				}
				bad("%s %s = %s, want %s", p.what, path, gotText, wantJSON)
			}
		}
	}
	for k, v := range c.Expect.Headers {
		if got, _ := ex.ReqHeader.Get(k); got != v {
			bad("header %s = %q, want %q", k, got, v)
		}
	}
	for k, v := range c.Expect.ResponseHeaders {
		if got, _ := ex.RespHeader.Get(k); got != v {
			bad("response header %s = %q, want %q", k, got, v)
		}
	}
	for k, v := range c.Expect.Attrs {
		if got, _ := ex.Attr(k); got != v {
			bad("attribute %s = %q, want %q", k, got, v)
		}
	}
	return strings.Join(problems, "; ")
}

// jsonOf turns a YAML value (a mapping, or a string of JSON) into JSON.
func jsonOf(v any, def string) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return []byte(def), nil
	case string:
		if !json.Valid([]byte(v)) {
			return nil, fmt.Errorf("not JSON: %q", v)
		}
		return []byte(v), nil
	default:
		return json.Marshal(v)
	}
}

// sameJSON compares a value found by path with an expected YAML value.
func sameJSON(got gjson.Result, want any) bool {
	if !got.Exists() {
		return false
	}
	wantJSON, err := json.Marshal(want)
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal([]byte(got.Raw), &a) != nil || json.Unmarshal(wantJSON, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}
