// Command anthropic is the adapter for Anthropic's Messages API. It turns
// the canonical request (OpenAI chat completions) into a Messages request,
// and the Messages response and stream events back into a chat completion
// and chat.completion.chunk events: system prompt, multi-part content and
// images, tool use and tool results, stop reasons and usage with cache
// tokens.
//
// The translation works on JSON paths through the host: the guest copies raw
// JSON values from the canonical request into the provider body (the host
// writes them straight into the guest's buffer) and never decodes a body.
package main

import (
	"errors"
	"strconv"
	"strings"
	"unsafe"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// Defaults of the config.
const (
	DefaultPath      = "/v1/messages"
	DefaultVersion   = "2023-06-01"
	DefaultMaxTokens = 4096
)

type adapter struct {
	Path      string            `json:"path"`
	Version   string            `json:"version"`
	Beta      string            `json:"beta"`
	MaxTokens int               `json:"max_tokens"`
	Headers   map[string]string `json:"headers"`

	headers [][2]string

	// Buffers reused across requests: in Wasm an allocation costs more than
	// a host call. They hold one request's data at a time and are reset at
	// the start of each hook that uses them.
	body, sys, tmp, path, roles []byte
	attr                        []byte

	// The request translation's programs and what its shape queries found
	// (request.go).
	frags         frags
	prog, sysProg pdk.Builder
	// fast is the fast way's program for the form of request in fastKey
	// (the provider model and the settings it depends on).
	fast                    pdk.Builder
	fastKey                 []byte
	fastOK                  bool
	shape, choice, img      []byte
	kinds, parts, toolTypes []byte
	calls, partAt           []int
	needs                   []need
	emptyArgs               [][2]int
	baseURL, url, key       string // provider settings, never request data
	// way is how the last request was built (wayFast, wayGeneral); general
	// makes the general way the only one (tests compare the two).
	way     byte
	general bool

	st streamState
}

func (a *adapter) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(a); err != nil {
		return errors.New("anthropic: config: " + err.Error())
	}
	if a.Path == "" {
		a.Path = DefaultPath
	}
	if !strings.HasPrefix(a.Path, "/") {
		return errors.New(`anthropic: config: path must start with "/"`)
	}
	if a.Version == "" {
		a.Version = DefaultVersion
	}
	if a.MaxTokens == 0 {
		a.MaxTokens = DefaultMaxTokens
	}
	if a.MaxTokens < 0 {
		return errors.New("anthropic: config: max_tokens must be positive")
	}
	var err error
	if a.headers, err = pdk.HeaderList(a.Headers); err != nil {
		return errors.New("anthropic: config: " + err.Error())
	}
	a.body = make([]byte, 0, 8<<10)
	a.sys = make([]byte, 0, 1<<10)
	a.tmp = make([]byte, 0, 1<<10)
	a.path = make([]byte, 0, 64)
	a.frags.build(a.MaxTokens)
	return nil
}

// s views b as a string for a host call, without a copy.
func s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// p builds a path from a prefix, an index and a suffix in the path buffer.
func (a *adapter) p(prefix string, i int, suffix string) string {
	a.path = append(append(a.path[:0], prefix...), '.')
	a.path = appendInt(a.path, i)
	if suffix != "" {
		a.path = append(append(a.path, '.'), suffix...)
	}
	return s(a.path)
}

// p2 builds prefix.i.mid.j.suffix.
func (a *adapter) p2(prefix string, i int, mid string, j int, suffix string) string {
	a.path = append(append(a.path[:0], prefix...), '.')
	a.path = appendInt(a.path, i)
	a.path = append(append(append(a.path, '.'), mid...), '.')
	a.path = appendInt(a.path, j)
	if suffix != "" {
		a.path = append(append(a.path, '.'), suffix...)
	}
	return s(a.path)
}

func appendInt(b []byte, v int) []byte { return strconv.AppendInt(b, int64(v), 10) }

func (a *adapter) OnRequest(req *pdk.Request) pdk.Action {
	a.st = streamState{tools: a.st.tools[:0], id: a.st.id[:0], model: a.st.model[:0], head: a.st.head[:0], out: a.st.out[:0]}
	var ok bool
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrEndpoint); ok && s(a.attr) == "embeddings" {
		return pdk.Error(400, "invalid_request_error", "anthropic: the provider has no embeddings API")
	}
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderURL); !ok || len(a.attr) == 0 {
		return pdk.Error(500, "plugin_error", "anthropic: the provider has no base_url")
	}
	if s(a.attr) != a.baseURL {
		a.baseURL = string(a.attr)
		a.url = strings.TrimRight(a.baseURL, "/") + a.Path
	}
	up := pdk.Upstream()
	if err := up.SetURL(a.url); err != nil {
		return fail("set url", err)
	}
	// POST and content-type: application/json are the host's defaults for
	// the upstream request (pdk/ABI.md): two host calls fewer per request.
	if err := up.SetHeader("anthropic-version", a.Version); err != nil {
		return fail("set anthropic-version", err)
	}
	if a.Beta != "" {
		if err := up.SetHeader("anthropic-beta", a.Beta); err != nil {
			return fail("set anthropic-beta", err)
		}
	}
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderAPIKey); ok && len(a.attr) > 0 {
		if s(a.attr) != a.key {
			a.key = string(a.attr)
		}
		if err := up.SetHeader("x-api-key", a.key); err != nil {
			return fail("set x-api-key", err)
		}
	}
	for _, h := range a.headers {
		if err := up.SetHeader(h[0], h[1]); err != nil {
			return fail("set header "+h[0], err)
		}
	}
	msg, err := a.translateRequest(req)
	if msg != "" {
		return pdk.Error(400, "invalid_request_error", "anthropic: "+msg)
	}
	if err != nil {
		return fail("build body", err)
	}
	return pdk.Continue
}

func fail(what string, err error) pdk.Action {
	return pdk.Error(500, "plugin_error", "anthropic: "+what+": "+err.Error())
}

func init() { pdk.Register(&adapter{}) }

func main() {}
