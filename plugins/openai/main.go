// Command openai is the adapter for OpenAI-compatible providers. Its request
// hook points the provider request at the provider's base URL plus a path,
// adds the JSON content type and the bearer key, maps the model name and asks
// for usage in streams. The canonical request is the provider's format, so
// the body, the response and the stream pass through unchanged.
package main

import (
	"errors"
	"sort"
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// DefaultPath is appended to the base URL when the config has no path.
const DefaultPath = "/chat/completions"

type adapter struct {
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`

	headers [][2]string // Headers in name order, names lower case

	// Strings derived from the provider attributes, rebuilt only when an
	// attribute changes, so that a request allocates nothing: in Wasm an
	// allocation costs more than a host call. They hold provider settings,
	// never request data.
	attr, model   []byte // read buffers
	baseURL, url  string // base_url as read; base_url without trailing "/" + Path
	key, auth     string // api_key as read; "Bearer " + key
	providerModel string
}

func (a *adapter) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(a); err != nil {
		return errors.New("openai: config: " + err.Error())
	}
	if a.Path == "" {
		a.Path = DefaultPath
	}
	if !strings.HasPrefix(a.Path, "/") {
		return errors.New(`openai: config: path must start with "/"`)
	}
	for name, value := range a.Headers {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || strings.HasPrefix(name, ":") {
			return errors.New("openai: config: bad header name " + `"` + name + `"`)
		}
		a.headers = append(a.headers, [2]string{name, value})
	}
	sort.Slice(a.headers, func(i, j int) bool { return a.headers[i][0] < a.headers[j][0] })
	return nil
}

func (a *adapter) OnRequest(req *pdk.Request) pdk.Action {
	var ok bool
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderURL); !ok || len(a.attr) == 0 {
		return pdk.Error(500, "plugin_error", "openai: the provider has no base_url")
	}
	if string(a.attr) != a.baseURL {
		a.baseURL = string(a.attr)
		a.url = strings.TrimRight(a.baseURL, "/") + a.Path
		if !httpURL(a.url) {
			a.url = ""
		}
	}
	if a.url == "" {
		return pdk.Error(500, "plugin_error", "openai: set url: the provider base_url is not an http(s) URL")
	}
	up := pdk.Upstream()
	if err := up.SetURL(a.url); err != nil {
		return fail("set url", err)
	}
	if err := up.SetMethod("POST"); err != nil {
		return fail("set method", err)
	}
	if err := up.SetHeader("content-type", "application/json"); err != nil {
		return fail("set content-type", err)
	}
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderAPIKey); ok && len(a.attr) > 0 {
		if string(a.attr) != a.key {
			a.key = string(a.attr)
			a.auth = "Bearer " + a.key
		}
		if err := up.SetHeader("authorization", a.auth); err != nil {
			return fail("set authorization", err)
		}
	}
	for _, h := range a.headers {
		if err := up.SetHeader(h[0], h[1]); err != nil {
			return fail("set header "+h[0], err)
		}
	}
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderModel); ok && len(a.attr) > 0 {
		a.model, _ = req.AppendString(a.model[:0], "model")
		if string(a.model) != string(a.attr) {
			if string(a.attr) != a.providerModel {
				a.providerModel = string(a.attr)
			}
			if err := req.SetModel(a.providerModel); err != nil {
				return fail("set model", err)
			}
		}
	}
	if req.Stream() && !req.Has("stream_options.include_usage") {
		if err := req.SetBool("stream_options.include_usage", true); err != nil {
			return fail("set stream_options", err)
		}
	}
	return pdk.Continue
}

// httpURL reports whether u is an absolute http or https URL with a host.
func httpURL(u string) bool {
	for _, scheme := range [...]string{"http://", "https://"} {
		if len(u) > len(scheme) && strings.EqualFold(u[:len(scheme)], scheme) {
			host := u[len(scheme):]
			return host[0] != '/' && host[0] != '?' && host[0] != '#'
		}
	}
	return false
}

func fail(what string, err error) pdk.Action {
	return pdk.Error(500, "plugin_error", "openai: "+what+": "+err.Error())
}

func init() { pdk.Register(&adapter{}) }

func main() {}
