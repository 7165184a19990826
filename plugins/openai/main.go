// Command openai is the adapter for OpenAI and OpenAI-compatible providers
// (Azure OpenAI, Mistral, Groq, Together, DeepSeek, OpenRouter, xAI,
// Fireworks, Ollama, vLLM, ...). Its request hook points the provider
// request at the provider's URL for the endpoint (chat completions or
// embeddings), adds the JSON content type and the key, maps the model name
// and asks for usage in streams. The canonical request is the provider's
// format, so the body (text, images, tools, response_format, n, logprobs),
// the response and the stream pass through unchanged.
package main

import (
	"errors"
	"net/url"
	"strings"

	"github.com/wasmgate/wasmgate/pdk/go"
)

// Defaults of the config.
const (
	DefaultPath           = "/chat/completions"
	DefaultEmbeddingsPath = "/embeddings"
	DefaultAzureVersion   = "2024-10-21"
)

type adapter struct {
	Preset         string            `json:"preset"`
	Path           string            `json:"path"`
	EmbeddingsPath string            `json:"embeddings_path"`
	Headers        map[string]string `json:"headers"`
	AuthHeader     string            `json:"auth_header"`
	AuthScheme     *string           `json:"auth_scheme"`
	APIVersion     string            `json:"api_version"`
	Deployments    bool              `json:"deployments"`

	headers [][2]string // Headers in name order, names lower case

	// Strings derived from the provider attributes, rebuilt only when an
	// attribute changes, so that a request allocates nothing: in Wasm an
	// allocation costs more than a host call. They hold provider settings,
	// never request data.
	attr, model   []byte // read buffers
	baseURL       string // base_url as read
	urls          [2]string
	deployment    string // the provider model the URLs were built for
	key, auth     string // api_key as read; scheme + key
	providerModel string
}

func (a *adapter) Init(cfg pdk.Config) error {
	if err := cfg.UnmarshalStrict(a); err != nil {
		return errors.New("openai: config: " + err.Error())
	}
	switch a.Preset {
	case "":
	case "azure":
		// Azure OpenAI: deployment URLs, api-version, the key in api-key.
		a.Deployments = true
		if a.AuthHeader == "" {
			a.AuthHeader = "api-key"
		}
		if a.AuthScheme == nil {
			none := ""
			a.AuthScheme = &none
		}
		if a.APIVersion == "" {
			a.APIVersion = DefaultAzureVersion
		}
	default:
		return errors.New(`openai: config: unknown preset "` + a.Preset + `" (known: azure)`)
	}
	if a.Path == "" {
		a.Path = DefaultPath
	}
	if a.EmbeddingsPath == "" {
		a.EmbeddingsPath = DefaultEmbeddingsPath
	}
	for key, p := range map[string]string{"path": a.Path, "embeddings_path": a.EmbeddingsPath} {
		if !strings.HasPrefix(p, "/") {
			return errors.New("openai: config: " + key + ` must start with "/"`)
		}
	}
	if a.AuthHeader == "" {
		a.AuthHeader = "authorization"
	}
	a.AuthHeader = strings.ToLower(a.AuthHeader)
	if a.AuthScheme == nil {
		bearer := "Bearer"
		a.AuthScheme = &bearer
	}
	var err error
	if a.headers, err = pdk.HeaderList(a.Headers); err != nil {
		return errors.New("openai: config: " + err.Error())
	}
	return nil
}

// buildURLs makes the chat and embeddings URLs of a base URL (and, with
// deployments, of a deployment).
func (a *adapter) buildURLs(deployment string) {
	base := strings.TrimRight(a.baseURL, "/")
	if a.Deployments {
		base += "/openai/deployments/" + url.PathEscape(deployment)
	}
	for i, p := range [...]string{a.Path, a.EmbeddingsPath} {
		u := base + p
		if a.APIVersion != "" {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			u += sep + "api-version=" + url.QueryEscape(a.APIVersion)
		}
		if !httpURL(u) {
			u = ""
		}
		a.urls[i] = u
	}
	a.deployment = deployment
}

func (a *adapter) OnRequest(req *pdk.Request) pdk.Action {
	var ok bool
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderModel); !ok {
		a.attr = a.attr[:0]
	}
	if string(a.attr) != a.providerModel {
		a.providerModel = string(a.attr)
	}
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderURL); !ok || len(a.attr) == 0 {
		return pdk.Error(500, "plugin_error", "openai: the provider has no base_url")
	}
	deployment := ""
	if a.Deployments {
		if deployment = a.providerModel; deployment == "" {
			deployment = req.Model()
		}
	}
	if string(a.attr) != a.baseURL || deployment != a.deployment {
		a.baseURL = string(a.attr)
		a.buildURLs(deployment)
	}
	which := 0
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrEndpoint); ok && string(a.attr) == "embeddings" {
		which = 1
	}
	if a.urls[which] == "" {
		return pdk.Error(500, "plugin_error", "openai: set url: the provider base_url is not an http(s) URL")
	}
	up := pdk.Upstream()
	if err := up.SetURL(a.urls[which]); err != nil {
		return fail("set url", err)
	}
	// POST and content-type: application/json are the host's defaults for
	// the upstream request (pdk/ABI.md): two host calls fewer per request.
	if a.attr, ok = pdk.AppendAttr(a.attr[:0], pdk.AttrProviderAPIKey); ok && len(a.attr) > 0 {
		if string(a.attr) != a.key {
			a.key = string(a.attr)
			a.auth = a.key
			if *a.AuthScheme != "" {
				a.auth = *a.AuthScheme + " " + a.key
			}
		}
		if err := up.SetHeader(a.AuthHeader, a.auth); err != nil {
			return fail("set "+a.AuthHeader, err)
		}
	}
	for _, h := range a.headers {
		if err := up.SetHeader(h[0], h[1]); err != nil {
			return fail("set header "+h[0], err)
		}
	}
	if a.providerModel != "" {
		a.model, _ = req.AppendString(a.model[:0], "model")
		if string(a.model) != a.providerModel {
			if err := req.SetModel(a.providerModel); err != nil {
				return fail("set model", err)
			}
		}
	}
	// Usage of streamed answers: asked for even when the client did not, so
	// that the gateway and its plugins can count tokens; the client gets
	// the final usage chunk either way.
	if which == 0 && req.Stream() && !req.Has("stream_options.include_usage") {
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
