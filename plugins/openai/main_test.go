package main

import (
	"os"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

func provider(baseURL, key, model string) []pdktest.Option {
	opts := []pdktest.Option{pdktest.AsAdapter(), pdktest.WithAttr(pdk.AttrProviderURL, baseURL)}
	if key != "" {
		opts = append(opts, pdktest.WithAttr(pdk.AttrProviderAPIKey, key))
	}
	if model != "" {
		opts = append(opts, pdktest.WithAttr(pdk.AttrProviderModel, model))
	}
	return opts
}

func TestRequest(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		config      string
		opts        []pdktest.Option
		wantURL     string
		wantHeaders map[string]string
		wantModel   string
		wantUsage   string // stream_options.include_usage, "" if absent
	}{
		{
			name:        "defaults",
			body:        `{"model":"gpt-4o-mini","messages":[]}`,
			opts:        provider("http://127.0.0.1:9099/v1", "", ""),
			wantURL:     "http://127.0.0.1:9099/v1/chat/completions",
			wantHeaders: map[string]string{"content-type": "application/json"},
			wantModel:   "gpt-4o-mini",
		},
		{
			name:    "trailing slashes and key",
			body:    `{"model":"m","messages":[]}`,
			opts:    provider("https://api.openai.com/v1//", "sk-test", ""),
			wantURL: "https://api.openai.com/v1/chat/completions",
			wantHeaders: map[string]string{"content-type": "application/json",
				"authorization": "Bearer sk-test"},
			wantModel: "m",
		},
		{
			name:        "provider model differs",
			body:        `{"model":"fast","messages":[]}`,
			opts:        provider("http://x/v1", "", "gpt-4o-mini-2024-07-18"),
			wantURL:     "http://x/v1/chat/completions",
			wantHeaders: map[string]string{"content-type": "application/json"},
			wantModel:   "gpt-4o-mini-2024-07-18",
		},
		{
			name:        "stream asks for usage",
			body:        `{"model":"m","stream":true,"messages":[]}`,
			opts:        provider("http://x/v1", "", ""),
			wantURL:     "http://x/v1/chat/completions",
			wantHeaders: map[string]string{"content-type": "application/json"},
			wantModel:   "m",
			wantUsage:   "true",
		},
		{
			name:        "stream keeps the client's choice",
			body:        `{"model":"m","stream":true,"stream_options":{"include_usage":false},"messages":[]}`,
			opts:        provider("http://x/v1", "", ""),
			wantURL:     "http://x/v1/chat/completions",
			wantHeaders: map[string]string{"content-type": "application/json"},
			wantModel:   "m",
			wantUsage:   "false",
		},
		{
			name:    "path and extra headers",
			body:    `{"model":"m","messages":[]}`,
			config:  `{"path":"/openai/deployments/d1/chat/completions?api-version=2024-06-01","headers":{"API-Key":"k1","x-org":"o"}}`,
			opts:    provider("https://az.example.com/", "", ""),
			wantURL: "https://az.example.com/openai/deployments/d1/chat/completions?api-version=2024-06-01",
			wantHeaders: map[string]string{"content-type": "application/json",
				"api-key": "k1", "x-org": "o"},
			wantModel: "m",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]pdktest.Option{pdktest.WithConfig(tt.config)}, tt.opts...)
			res := pdktest.Request(t, &adapter{}, tt.body, opts...)
			if res.Action != pdk.Continue || res.Failure != "" || res.Error != nil {
				t.Fatalf("action %d failure %q error %v", res.Action, res.Failure, res.Error)
			}
			up := res.Upstream
			if up.URL != tt.wantURL || up.Method != "POST" {
				t.Errorf("upstream %s %s, want POST %s", up.Method, up.URL, tt.wantURL)
			}
			if len(up.Headers) != len(tt.wantHeaders) {
				t.Errorf("headers = %v, want %v", up.Headers, tt.wantHeaders)
			}
			for k, v := range tt.wantHeaders {
				if up.Headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, up.Headers[k], v)
				}
			}
			if up.BodySet {
				t.Error("the adapter set the upstream body; the canonical request should pass through")
			}
			if got := res.RequestPath("model"); got != tt.wantModel {
				t.Errorf("model = %q, want %q", got, tt.wantModel)
			}
			if got := res.RequestPath("stream_options.include_usage"); got != tt.wantUsage {
				t.Errorf("include_usage = %q, want %q", got, tt.wantUsage)
			}
			if string(up.Body) != string(res.Request) {
				t.Errorf("upstream body %s differs from the request %s", up.Body, res.Request)
			}
		})
	}
}

// The body other than model and stream_options is left byte for byte.
func TestBodyUntouched(t *testing.T) {
	body := `{"model":"m", "messages":[{"role":"user","content":"hi \u00e9"}],"temperature":0.2}`
	res := pdktest.Request(t, &adapter{}, body, provider("http://x/v1", "k", "m")...)
	if string(res.Request) != body {
		t.Errorf("request changed: %s", res.Request)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		opts    []pdktest.Option
		refused string // Init refusal
		err     string // hook error message
	}{
		{"unknown option", `{"paht":"/x"}`, nil, "unknown field", ""},
		{"relative path", `{"path":"chat"}`, nil, "path must start", ""},
		{"pseudo header", `{"headers":{":url":"x"}}`, nil, "bad header name", ""},
		{"no base url", `{}`, []pdktest.Option{pdktest.AsAdapter()}, "", "no base_url"},
		{"bad base url", `{}`, provider("not a url", "", ""), "", "set url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]pdktest.Option{pdktest.WithConfig(tt.config)}, tt.opts...)
			if tt.refused != "" {
				_, refused := pdktest.Init(t, &adapter{}, opts...)
				if refused == nil || !strings.Contains(refused.Message, tt.refused) {
					t.Errorf("refused = %v, want %q", refused, tt.refused)
				}
				return
			}
			res := pdktest.Request(t, &adapter{}, `{"model":"m"}`, opts...)
			if res.Error == nil || res.Error.Status != 500 || !strings.Contains(res.Error.Message, tt.err) {
				t.Errorf("error = %v, want %q", res.Error, tt.err)
			}
		})
	}
}

func TestHTTPURL(t *testing.T) {
	for u, want := range map[string]bool{
		"http://x/v1/chat/completions": true, "HTTPS://api.example.com/chat/completions": true,
		"https:///chat/completions": false, "ftp://x/chat": false, "/chat/completions": false,
		"not a url/chat/completions": false, "http://": false,
	} {
		if got := httpURL(u); got != want {
			t.Errorf("httpURL(%q) = %v", u, got)
		}
	}
}

func TestRequestHookOnly(t *testing.T) {
	if mask, _ := pdktest.Init(t, &adapter{}); mask != pdk.HookRequest {
		t.Errorf("mask = %d, want request only", mask)
	}
}

// One instance serves providers one after another; the cached strings follow
// the attributes.
func TestProviderChanges(t *testing.T) {
	s := pdktest.New(t, &adapter{}, pdktest.AsAdapter())
	for _, p := range []struct{ base, key, model string }{
		{"http://a/v1", "ka", "ma"},
		{"http://a/v1", "ka", "ma"},
		{"http://b/v1/", "", "mb"},
		{"http://a/v1", "kc", ""},
	} {
		res := s.Request(`{"model":"client"}`, pdktest.WithAttr(pdk.AttrProviderURL, p.base),
			pdktest.WithAttr(pdk.AttrProviderAPIKey, p.key), pdktest.WithAttr(pdk.AttrProviderModel, p.model))
		wantURL := strings.TrimRight(p.base, "/") + DefaultPath
		wantAuth, wantModel := "", "client"
		if p.key != "" {
			wantAuth = "Bearer " + p.key
		}
		if p.model != "" {
			wantModel = p.model
		}
		if res.Upstream.URL != wantURL || res.Upstream.Headers["authorization"] != wantAuth ||
			res.RequestPath("model") != wantModel {
			t.Errorf("%+v: url %s auth %q model %s", p, res.Upstream.URL, res.Upstream.Headers["authorization"],
				res.RequestPath("model"))
		}
	}
}

// Presets and settings for the OpenAI-compatible family: Azure's deployment
// URLs, api-version and api-key header; embeddings; other auth headers.
func TestEndpointsAndAuth(t *testing.T) {
	tests := []struct {
		name, config, endpoint, body string
		opts                         []pdktest.Option
		wantURL                      string
		wantHeaders                  map[string]string
	}{
		{"embeddings", `{}`, "embeddings", `{"model":"text-embedding-3-small","input":"hi"}`,
			provider("https://api.openai.com/v1", "sk-1", ""), "https://api.openai.com/v1/embeddings",
			map[string]string{"content-type": "application/json", "authorization": "Bearer sk-1"}},
		{"azure chat", `{"preset":"azure"}`, "chat", `{"model":"gpt-4o","messages":[]}`,
			provider("https://my-resource.openai.azure.com/", "az-key", "gpt-4o-prod"),
			"https://my-resource.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21",
			map[string]string{"content-type": "application/json", "api-key": "az-key"}},
		{"azure embeddings with version", `{"preset":"azure","api_version":"2025-01-01-preview"}`, "embeddings", `{"model":"emb","input":["a"]}`,
			provider("https://my-resource.openai.azure.com", "az-key", ""),
			"https://my-resource.openai.azure.com/openai/deployments/emb/embeddings?api-version=2025-01-01-preview",
			map[string]string{"content-type": "application/json", "api-key": "az-key"}},
		{"custom auth header without scheme", `{"auth_header":"X-Api-Key","auth_scheme":""}`, "chat", `{"model":"m","messages":[]}`,
			provider("http://127.0.0.1:8000/v1", "k", ""), "http://127.0.0.1:8000/v1/chat/completions",
			map[string]string{"content-type": "application/json", "x-api-key": "k"}},
		{"no key (Ollama)", `{}`, "chat", `{"model":"llama3.2","messages":[]}`,
			provider("http://127.0.0.1:11434/v1", "", ""), "http://127.0.0.1:11434/v1/chat/completions",
			map[string]string{"content-type": "application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]pdktest.Option{pdktest.WithConfig(tt.config), pdktest.WithAttr(pdk.AttrEndpoint, tt.endpoint)}, tt.opts...)
			res := pdktest.Request(t, &adapter{}, tt.body, opts...)
			if res.Error != nil || res.Failure != "" {
				t.Fatal(res.Error, res.Failure)
			}
			if res.Upstream.URL != tt.wantURL {
				t.Errorf("url %s, want %s", res.Upstream.URL, tt.wantURL)
			}
			if len(res.Upstream.Headers) != len(tt.wantHeaders) {
				t.Errorf("headers %v, want %v", res.Upstream.Headers, tt.wantHeaders)
			}
			for k, v := range tt.wantHeaders {
				if res.Upstream.Headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, res.Upstream.Headers[k], v)
				}
			}
			if tt.endpoint == "embeddings" && res.RequestPath("stream_options") != "" {
				t.Error("stream_options set on an embeddings request")
			}
		})
	}
	if _, refused := pdktest.Init(t, &adapter{}, pdktest.WithConfig(`{"preset":"bedrock"}`)); refused == nil || !strings.Contains(refused.Message, "unknown preset") {
		t.Errorf("unknown preset: %v", refused)
	}
}

// The body passes through byte for byte: images, tools, response_format, n
// and logprobs reach the provider as the client sent them (recorded request
// of OpenAI's API reference).
func TestBodyPassesThrough(t *testing.T) {
	body, err := os.ReadFile("testdata/request-full.json")
	if err != nil {
		t.Fatal(err)
	}
	res := pdktest.Request(t, &adapter{}, string(body), provider("https://api.openai.com/v1", "sk", "")...)
	if res.Error != nil || res.Upstream.BodySet || string(res.Upstream.Body) != string(body) {
		t.Fatalf("error %v, body set %v:\n%s", res.Error, res.Upstream.BodySet, res.Upstream.Body)
	}
}
