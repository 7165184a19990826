package pdk_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

type respFunc func(*pdk.Response) pdk.Action

func (f respFunc) OnResponse(r *pdk.Response) pdk.Action { return f(r) }

type chunkFunc func(*pdk.Chunk) pdk.Action

func (f chunkFunc) OnChunk(c *pdk.Chunk) pdk.Action { return f(c) }

const chat = `{"model":"gpt-4o","stream":true,"max_tokens":256,"messages":[` +
	`{"role":"system","content":"Be brief."},` +
	`{"role":"user","content":"first \"quoted\" \u00e9\n"},` +
	`{"role":"assistant","content":null},` +
	`{"role":"user","content":[{"type":"text","text":"look at "},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"this"}]},` +
	`{"role":"tool","content":"[not an array]"}]}`

// inRequest runs fn as a request hook on body and fails the test if the
// hook does not return.
func inRequest(t *testing.T, body string, fn func(*pdk.Request), opts ...pdktest.Option) *pdktest.Result {
	t.Helper()
	res := pdktest.Request(t, pdk.RequestFunc(func(r *pdk.Request) pdk.Action {
		fn(r)
		return pdk.Continue
	}), body, opts...)
	if res.Failure != "" {
		t.Fatalf("failure: %s", res.Failure)
	}
	return res
}

func TestRequestReads(t *testing.T) {
	inRequest(t, chat, func(r *pdk.Request) {
		checks := []struct {
			name string
			got  any
			want any
		}{
			{"Model", r.Model(), "gpt-4o"},
			{"Stream", r.Stream(), true},
			{"MessageCount", r.MessageCount(), 5},
			{"Message(0)", r.Message(0), pdk.Message{Role: "system", Content: "Be brief."}},
			{"Message(1) unescaped", r.Message(1), pdk.Message{Role: "user", Content: "first \"quoted\" é\n"}},
			{"Message(2) null content", r.Message(2), pdk.Message{Role: "assistant"}},
			{"Message(3) text parts", r.Message(3), pdk.Message{Role: "user", Content: "look at this"}},
			{"Message(-1) string like an array", r.Message(-1), pdk.Message{Role: "tool", Content: "[not an array]"}},
			{"Message(-5)", r.Message(-5).Role, "system"},
			{"Message(5) out of range", r.Message(5), pdk.Message{}},
			{"Message(-6) out of range", r.Message(-6), pdk.Message{}},
			{"Messages", len(r.Messages()), 5},
			{"Messages()[3]", r.Messages()[3].Content, "look at this"},
			{"Has model", r.Has("model"), true},
			{"Has missing", r.Has("nope"), false},
			{"Has messages.3.content.1", r.Has("messages.3.content.1.image_url.url"), true},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
			}
		}
		i, text, ok := r.LastUserMessage()
		if i != 3 || text != "look at this" || !ok {
			t.Errorf("LastUserMessage = %d %q %v", i, text, ok)
		}
		if n, ok := r.Size("messages.0"); n != len(`{"role":"system","content":"Be brief."}`) || !ok {
			t.Errorf("Size = %d %v", n, ok)
		}
		if v, ok := r.GetInt("max_tokens"); v != 256 || !ok {
			t.Errorf("GetInt = %d %v", v, ok)
		}
		if _, ok := r.GetInt("model"); ok {
			t.Error("GetInt of a string succeeded")
		}
		if v, ok := r.GetBool("stream"); !v || !ok {
			t.Errorf("GetBool = %v %v", v, ok)
		}
		if v, ok := r.Get("messages.0"); string(v) != `{"role":"system","content":"Be brief."}` || !ok {
			t.Errorf("Get = %s %v", v, ok)
		}
		if v, ok := r.GetString("messages.1.content"); v != "first \"quoted\" é\n" || !ok {
			t.Errorf("GetString = %q %v", v, ok)
		}
		if _, ok := r.GetString("messages.9.content"); ok {
			t.Error("GetString of a missing path succeeded")
		}
		if b := r.Body(); string(b) != chat {
			t.Errorf("Body = %s", b)
		}
	})
}

func TestLastUserMessageNone(t *testing.T) {
	for _, body := range []string{`{"messages":[]}`, `{}`, `{"messages":[{"role":"system","content":"x"}]}`} {
		inRequest(t, body, func(r *pdk.Request) {
			if i, s, ok := r.LastUserMessage(); ok || i != -1 || s != "" {
				t.Errorf("%s: LastUserMessage = %d %q %v", body, i, s, ok)
			}
		})
	}
}

func TestRequestWrites(t *testing.T) {
	tests := []struct {
		name    string
		write   func(r *pdk.Request) error
		path    string
		want    string
		wantErr error
	}{
		{"SetModel", func(r *pdk.Request) error { return r.SetModel("m2") }, "model", "m2", nil},
		{"SetString escapes", func(r *pdk.Request) error { return r.SetString("user", "a\"b\n") }, "user", "a\"b\n", nil},
		{"Set raw", func(r *pdk.Request) error { return r.Set("stream_options", []byte(`{"include_usage":true}`)) },
			"stream_options.include_usage", "true", nil},
		{"Set invalid JSON", func(r *pdk.Request) error { return r.Set("x", []byte(`{`)) }, "x", "", pdk.ErrInvalid},
		{"SetInt", func(r *pdk.Request) error { return r.SetInt("max_tokens", -12) }, "max_tokens", "-12", nil},
		{"SetBool", func(r *pdk.Request) error { return r.SetBool("stream", false) }, "stream", "false", nil},
		{"Delete", func(r *pdk.Request) error { return r.Delete("max_tokens") }, "max_tokens", "", nil},
		{"Delete missing", func(r *pdk.Request) error { return r.Delete("nothing.here") }, "nothing", "", nil},
		{"append", func(r *pdk.Request) error {
			return r.Set("messages.-1", []byte(`{"role":"user","content":"more"}`))
		}, "messages.5.content", "more", nil},
		{"dotted key", func(r *pdk.Request) error { return r.SetString(`metadata.a\.b`, "v") }, `metadata.a\.b`, "v", nil},
		{"SetMessageContent", func(r *pdk.Request) error { return r.SetMessageContent(1, "new") },
			"messages.1.content", "new", nil},
		{"SetMessageContent negative", func(r *pdk.Request) error { return r.SetMessageContent(-1, "last") },
			"messages.4.content", "last", nil},
		{"SetMessageContent replaces parts", func(r *pdk.Request) error { return r.SetMessageContent(3, "flat") },
			"messages.3.content", "flat", nil},
		{"SetMessageContent out of range", func(r *pdk.Request) error { return r.SetMessageContent(5, "x") },
			"messages.5", "", pdk.ErrNotFound},
		{"read-only #", func(r *pdk.Request) error { return r.SetInt("messages.#", 1) }, "messages.#", "5", pdk.ErrInvalid},
		{"SetBody", func(r *pdk.Request) error { return r.SetBody([]byte(`{"model":"b"}`)) }, "model", "b", nil},
		{"SetBody invalid", func(r *pdk.Request) error { return r.SetBody([]byte(`nope`)) }, "model", "gpt-4o", pdk.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			res := inRequest(t, chat, func(r *pdk.Request) { err = tt.write(r) })
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := res.RequestPath(tt.path); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.path, got, tt.want)
			}
			if !json.Valid(res.Request) {
				t.Errorf("request not valid JSON: %s", res.Request)
			}
		})
	}
}

// TestMessageCountAfterWrite checks that the cached message count follows
// writes within one hook.
func TestMessageCountAfterWrite(t *testing.T) {
	inRequest(t, chat, func(r *pdk.Request) {
		if n := r.MessageCount(); n != 5 {
			t.Fatalf("count = %d", n)
		}
		r.Set("messages.-1", []byte(`{"role":"user","content":"x"}`))
		if n := r.MessageCount(); n != 6 {
			t.Errorf("count after append = %d", n)
		}
		if m := r.Message(-1); m.Content != "x" {
			t.Errorf("last = %+v", m)
		}
		r.Delete("messages.0")
		if n := r.MessageCount(); n != 5 {
			t.Errorf("count after delete = %d", n)
		}
	})
}

func TestLargeValues(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB, over the initial buffer
	body := `{"messages":[{"role":"user","content":"` + big + `"}]}`
	res := inRequest(t, body, func(r *pdk.Request) {
		_, s, _ := r.LastUserMessage()
		if s != big {
			t.Fatalf("content has %d bytes", len(s))
		}
		if err := r.SetMessageContent(0, s+"!"); err != nil {
			t.Fatal(err)
		}
	}, pdktest.WithMaxOutputBytes(0))
	if got := res.RequestPath("messages.0.content"); got != big+"!" {
		t.Errorf("content has %d bytes", len(got))
	}
}

func TestHeadersAndAttrs(t *testing.T) {
	res := inRequest(t, chat, func(r *pdk.Request) {
		if v, ok := r.Header("X-Tenant"); v != "acme" || !ok {
			t.Errorf("Header = %q %v", v, ok)
		}
		if _, ok := r.Header("x-missing"); ok {
			t.Error("missing header found")
		}
		if v, ok := pdk.Attr(pdk.AttrRequestID); v != "req-1" || !ok {
			t.Errorf("Attr = %q %v", v, ok)
		}
		if _, err := pdk.Attr(pdk.AttrProviderAPIKey); err {
			t.Error("api key readable by a non-adapter")
		}
		if err := pdk.SetAttr("wasmgate.model", "x"); err != pdk.ErrDenied {
			t.Errorf("SetAttr reserved = %v", err)
		}
		if err := pdk.SetAttr("my.attr", "1"); err != nil {
			t.Error(err)
		}
		if err := pdk.SetAttr("gone", "1"); err != nil {
			t.Error(err)
		}
		if err := pdk.DeleteAttr("gone"); err != nil {
			t.Error(err)
		}
		if err := pdk.Upstream().SetURL("http://x/v1"); err != pdk.ErrNotAvailable {
			t.Errorf("upstream for a non-adapter: %v", err)
		}
		if _, ok := r.Get("choices"); ok {
			t.Error("found choices in a request")
		}
	}, pdktest.WithHeader("x-tenant", "acme"), pdktest.WithAttr(pdk.AttrRequestID, "req-1"),
		pdktest.WithAttr(pdk.AttrProviderAPIKey, "sk"))
	if res.Attr("my.attr") != "1" || res.Attrs["gone"] != "" || len(res.Attrs) != 3 {
		t.Errorf("attrs = %v", res.Attrs)
	}
}

func TestActions(t *testing.T) {
	completion := []byte(`{"object":"chat.completion","choices":[{"message":{"role":"assistant","content":"hi"}}]}`)
	tests := []struct {
		name        string
		hook        func(*pdk.Request) pdk.Action
		wantAction  pdk.Action
		wantRespond int
		wantError   string
		wantFailure string
	}{
		{"continue", func(*pdk.Request) pdk.Action { return pdk.Continue }, pdk.ActionContinue, 0, "", ""},
		{"respond", func(*pdk.Request) pdk.Action { return pdk.Respond(201, completion) }, pdk.ActionRespond, 201, "", ""},
		{"error", func(*pdk.Request) pdk.Action { return pdk.Error(429, "rate_limit_error", "slow down") },
			pdk.ActionError, 0, "429 rate_limit_error: slow down", ""},
		{"respond with bad JSON", func(*pdk.Request) pdk.Action { return pdk.Respond(200, []byte("x")) },
			pdk.ActionRespond, 0, "", "malformed output"},
		{"error with bad status", func(*pdk.Request) pdk.Action { return pdk.Error(200, "x", "y") },
			pdk.ActionError, 0, "", "malformed output"},
		{"respond without send", func(*pdk.Request) pdk.Action { return pdk.ActionRespond },
			pdk.ActionRespond, 0, "", "malformed output"},
		{"unknown action", func(*pdk.Request) pdk.Action { return 7 }, 7, 0, "", "malformed output"},
		{"panic", func(*pdk.Request) pdk.Action { panic("boom") }, 0, 0, "", "panic: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := pdktest.Request(t, pdk.RequestFunc(tt.hook), chat)
			if res.Action != tt.wantAction || !res.Called {
				t.Errorf("action = %d, called %v", res.Action, res.Called)
			}
			if (res.Respond != nil) != (tt.wantRespond != 0) ||
				(res.Respond != nil && (res.Respond.Status != tt.wantRespond || string(res.Respond.Body) != string(completion))) {
				t.Errorf("respond = %+v", res.Respond)
			}
			if (res.Error != nil) != (tt.wantError != "") || (res.Error != nil && res.Error.String() != tt.wantError) {
				t.Errorf("error = %v", res.Error)
			}
			if !strings.Contains(res.Failure, tt.wantFailure) || (tt.wantFailure == "") != (res.Failure == "") {
				t.Errorf("failure = %q, want %q", res.Failure, tt.wantFailure)
			}
		})
	}
}

func TestOutputLimit(t *testing.T) {
	var err error
	res := pdktest.Request(t, pdk.RequestFunc(func(r *pdk.Request) pdk.Action {
		err = r.SetString("big", strings.Repeat("x", 100))
		return pdk.Continue
	}), chat, pdktest.WithMaxOutputBytes(64))
	if err != pdk.ErrTooLarge || !strings.Contains(res.Failure, "limit") {
		t.Errorf("err = %v, failure = %q", err, res.Failure)
	}
}

type configured struct {
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit"`
	fail   bool
}

func (c *configured) Init(cfg pdk.Config) error {
	if c.fail {
		return errors.New("bad config")
	}
	return cfg.UnmarshalStrict(c)
}

func (c *configured) OnRequest(r *pdk.Request) pdk.Action {
	r.SetString("prefix", c.Prefix)
	r.SetInt("limit", c.Limit)
	return pdk.Continue
}

func (c *configured) OnChunk(*pdk.Chunk) pdk.Action { return pdk.Continue }

func TestInit(t *testing.T) {
	tests := []struct {
		name    string
		plugin  any
		config  string
		mask    uint32
		refused string
	}{
		{"request and chunk", &configured{}, `{"prefix":"p"}`, pdk.HookRequest | pdk.HookChunk, ""},
		{"no config", &configured{}, ``, pdk.HookRequest | pdk.HookChunk, ""},
		{"unknown field", &configured{}, `{"prefx":"p"}`, 0, `500 plugin_error: json: unknown field "prefx"`},
		{"Init error", &configured{fail: true}, `{}`, 0, "500 plugin_error: bad config"},
		{"response only", respFunc(func(*pdk.Response) pdk.Action { return 0 }), `{}`, pdk.HookResponse, ""},
		{"no hooks", struct{}{}, `{}`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mask, refused := pdktest.Init(t, tt.plugin, pdktest.WithConfig(tt.config))
			if mask != tt.mask {
				t.Errorf("mask = %d, want %d", mask, tt.mask)
			}
			if got := refused.String(); (refused != nil || tt.refused != "") && got != tt.refused {
				t.Errorf("refused = %q, want %q", got, tt.refused)
			}
		})
	}
	res := pdktest.Request(t, &configured{}, `{}`, pdktest.WithConfig(`{"prefix":"p","limit":3}`))
	if res.RequestPath("prefix") != "p" || res.RequestPath("limit") != "3" {
		t.Errorf("config not applied: %s", res.Request)
	}
	// A plugin without a request hook is not called in the request phase.
	res = pdktest.Request(t, respFunc(func(*pdk.Response) pdk.Action { panic("called") }), `{"a":1}`)
	if res.Called || res.Failure != "" || string(res.Request) != `{"a":1}` {
		t.Errorf("hook without its bit was called: %+v", res)
	}
}

func TestResponse(t *testing.T) {
	body := `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hello"}}]}`
	var reqErr error
	res := pdktest.Response(t, respFunc(func(r *pdk.Response) pdk.Action {
		if r.Status() != 200 || r.Content() != "hello" || r.Request().Model() != "m" {
			t.Errorf("status %d content %q model %q", r.Status(), r.Content(), r.Request().Model())
		}
		reqErr = r.Request().SetModel("x")
		r.SetContent("HELLO")
		r.SetStatus(203)
		r.SetHeader("X-Checked", "yes")
		return pdk.Continue
	}), body, pdktest.WithRequest(`{"model":"m"}`))
	if res.ResponsePath("choices.0.message.content") != "HELLO" || res.Status != 203 ||
		res.ResponseHeaders["x-checked"] != "yes" || reqErr != pdk.ErrNotAvailable {
		t.Errorf("result %s %d %v %v", res.Response, res.Status, res.ResponseHeaders, reqErr)
	}
}

func TestChunk(t *testing.T) {
	hook := chunkFunc(func(c *pdk.Chunk) pdk.Action {
		switch c.Content() {
		case "drop":
			c.Drop()
		case "error":
			return pdk.Error(500, "plugin_error", "stop")
		case "respond":
			return pdk.Respond(200, []byte(`{}`))
		default:
			c.SetContent(strings.ToUpper(c.Content()))
			c.SetResponseHeader("x-seen", "1")
		}
		return pdk.Continue
	})
	chunk := func(s string) string {
		return `{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"` + s + `"}}]}`
	}
	s := pdktest.New(t, hook, pdktest.WithRequest(`{"stream":true}`))
	if res := s.Chunk(chunk("abc")); res.ChunkPath("choices.0.delta.content") != "ABC" || res.ResponseHeaders["x-seen"] != "1" {
		t.Errorf("chunk = %s %v", res.Chunk, res.ResponseHeaders)
	}
	if res := s.Chunk(chunk("drop")); !res.Dropped {
		t.Errorf("not dropped: %s", res.Chunk)
	}
	if res := s.Chunk(chunk("error")); res.Error == nil || res.Error.Message != "stop" {
		t.Errorf("error = %v", res.Error)
	}
	if res := s.Chunk(chunk("respond")); !strings.Contains(res.Failure, "malformed") {
		t.Errorf("respond in the chunk phase: %q", res.Failure)
	}
}

// adapter is a small provider adapter using the upstream objects.
type adapter struct{}

func (adapter) OnRequest(r *pdk.Request) pdk.Action {
	up := pdk.Upstream()
	base, _ := pdk.Attr(pdk.AttrProviderURL)
	key, _ := pdk.Attr(pdk.AttrProviderAPIKey)
	up.SetURL(base + "/messages")
	up.SetMethod("PUT")
	up.SetHeader("x-api-key", key)
	up.SetBody([]byte(`{"converted":"` + r.Model() + `"}`))
	return pdk.Continue
}

func (adapter) OnResponse(r *pdk.Response) pdk.Action {
	u := pdk.UpstreamResponse()
	text, _ := u.GetString("content.0.text")
	h, _ := u.Header("x-provider")
	b := pdk.AppendJSONString([]byte(`{"choices":[{"message":{"role":"assistant","content":`), text+"/"+h)
	r.SetBody(append(b, `}}]}`...))
	r.SetStatus(u.Status())
	return pdk.Continue
}

func (adapter) OnChunk(c *pdk.Chunk) pdk.Action {
	text, _ := pdk.UpstreamChunk().GetString("delta.text")
	b := pdk.AppendJSONString([]byte(`{"choices":[{"delta":{"content":`), text)
	if err := c.SetBody(b); err != pdk.ErrInvalid { // not JSON yet
		return pdk.Error(500, "plugin_error", "partial body accepted")
	}
	c.SetBody(append(b, `}}]}`...))
	return pdk.Continue
}

func TestAdapter(t *testing.T) {
	s := pdktest.New(t, adapter{}, pdktest.AsAdapter(),
		pdktest.WithAttr(pdk.AttrProviderURL, "https://api.example.com/v1"),
		pdktest.WithAttr(pdk.AttrProviderAPIKey, "sk-1"))
	res := s.Request(`{"model":"m"}`)
	want := pdktest.UpstreamRequest{URL: "https://api.example.com/v1/messages", Method: "PUT",
		Headers: map[string]string{"x-api-key": "sk-1"}, Body: []byte(`{"converted":"m"}`), BodySet: true}
	if res.Upstream.URL != want.URL || res.Upstream.Method != want.Method || string(res.Upstream.Body) != string(want.Body) ||
		!res.Upstream.BodySet || len(res.Upstream.Headers) != 2 || res.Upstream.Headers["x-api-key"] != "sk-1" ||
		res.Upstream.Headers["content-type"] != "application/json" { // the host's default
		t.Errorf("upstream = %+v", res.Upstream)
	}
	res = s.Response("", pdktest.WithUpstreamResponse(201, `{"content":[{"text":"hi \"you\""}]}`),
		pdktest.WithUpstreamHeader("X-Provider", "p1"))
	if res.ResponsePath("choices.0.message.content") != `hi "you"/p1` || res.Status != 201 {
		t.Errorf("response = %s %d", res.Response, res.Status)
	}
	res = s.Chunk("", pdktest.WithUpstreamChunk(`{"delta":{"text":"tok"}}`))
	if res.ChunkPath("choices.0.delta.content") != "tok" {
		t.Errorf("chunk = %s", res.Chunk)
	}
}

func TestAdapterPassThrough(t *testing.T) {
	res := pdktest.Request(t, pdk.RequestFunc(func(*pdk.Request) pdk.Action { return pdk.Continue }),
		`{"model":"m"}`, pdktest.AsAdapter())
	if res.Upstream.BodySet || string(res.Upstream.Body) != `{"model":"m"}` || res.Upstream.Method != "POST" {
		t.Errorf("upstream = %+v", res.Upstream)
	}
	if res := pdktest.Request(t, pdk.RequestFunc(func(*pdk.Request) pdk.Action {
		up := pdk.Upstream()
		for _, h := range [][2]string{{"x-bad", "a\r\nb"}, {"bad name", "v"}, {":status", "200"}, {":other", "v"}, {"", "v"}} {
			if err := up.SetHeader(h[0], h[1]); err != pdk.ErrInvalid {
				t.Errorf("SetHeader(%q, %q) = %v", h[0], h[1], err)
			}
		}
		if err := up.DeleteHeader(":url"); err != pdk.ErrInvalid {
			t.Errorf("DeleteHeader(:url) = %v", err)
		}
		if _, ok := up.Header(":url"); ok {
			t.Error(":url set before SetURL")
		}
		if m := pdk.Upstream().Method(); m != "POST" {
			t.Errorf("default method %q", m)
		}
		return pdk.Continue
	}), `{}`, pdktest.AsAdapter()); res.Failure != "" {
		t.Error(res.Failure)
	}
}

// TestSession checks that attributes and the request carry over between
// phases and that plugin state lives in the instance.
func TestSession(t *testing.T) {
	type state struct{ seen string }
	st := &state{}
	p := struct {
		pdk.RequestFunc
		respFunc
	}{
		func(r *pdk.Request) pdk.Action {
			st.seen = r.Model()
			pdk.SetAttr("phase", "request")
			r.SetModel("rewritten")
			return pdk.Continue
		},
		func(r *pdk.Response) pdk.Action {
			v, _ := pdk.Attr("phase")
			r.SetHeader("x-phase", v+"/"+st.seen+"/"+r.Request().Model())
			return pdk.Continue
		},
	}
	s := pdktest.New(t, p, pdktest.WithAttr("phase", "initial"))
	if s.Mask() != pdk.HookRequest|pdk.HookResponse {
		t.Fatalf("mask = %d", s.Mask())
	}
	s.Request(`{"model":"m"}`)
	res := s.Response(`{"choices":[]}`)
	if got := res.ResponseHeaders["x-phase"]; got != "request/m/rewritten" {
		t.Errorf("x-phase = %q", got)
	}
}

func TestLog(t *testing.T) {
	res := pdktest.Request(t, pdk.RequestFunc(func(*pdk.Request) pdk.Action {
		pdk.Log(pdk.LogInfo, "plain")
		pdk.Debugf("d %d", 1)
		pdk.Infof("i %s", "x")
		pdk.Warnf("w")
		pdk.Errorf("e %v", true)
		return pdk.Continue
	}), `{}`)
	want := []pdktest.LogEntry{
		{Level: pdk.LogInfo, Message: "plain"}, {Level: pdk.LogDebug, Message: "d 1"},
		{Level: pdk.LogInfo, Message: "i x"}, {Level: pdk.LogWarn, Message: "w"}, {Level: pdk.LogError, Message: "e true"},
	}
	if len(res.Logs) != len(want) {
		t.Fatalf("logs = %v", res.Logs)
	}
	for i := range want {
		if res.Logs[i] != want[i] {
			t.Errorf("log %d = %v, want %v", i, res.Logs[i], want[i])
		}
	}
}

func TestHostError(t *testing.T) {
	tests := []struct {
		err  error
		code int32
		text string
	}{
		{pdk.ErrNotFound, -1, "wasmgate: not found"},
		{pdk.ErrNotAvailable, -2, "wasmgate: not available"},
		{pdk.ErrTooLarge, -3, "wasmgate: too large"},
		{pdk.ErrInvalid, -4, "wasmgate: invalid"},
		{pdk.ErrDenied, -5, "wasmgate: denied"},
		{pdk.HostError(-9), -9, "wasmgate: host error -9"},
	}
	for _, tt := range tests {
		if tt.err.Error() != tt.text || !errors.Is(tt.err, pdk.HostError(tt.code)) {
			t.Errorf("%d: %v", tt.code, tt.err)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s/`, "tab\tnl\ncr\r\x00\x1f", "é日本🙂", "bad\xffutf8", "\u2028\u2029", "<&>"} {
		b := pdk.AppendJSONString([]byte("x"), s)
		if b[0] != 'x' {
			t.Fatal("prefix lost")
		}
		var got string
		if err := json.Unmarshal(b[1:], &got); err != nil {
			t.Errorf("%q: %s: %v", s, b, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if got != want {
			t.Errorf("%q: round trip %q", s, got)
		}
	}
}

func TestConfig(t *testing.T) {
	var v struct{ A int }
	tests := []struct {
		raw    string
		strict bool
		ok     bool
	}{
		{`{"A":1}`, true, true},
		{`{"A":1,"B":2}`, true, false},
		{`{"A":1,"B":2}`, false, true},
		{``, true, true},
		{`{"A":1} {}`, true, false},
		{`[`, false, false},
	}
	for _, tt := range tests {
		c := pdk.NewConfig([]byte(tt.raw))
		var err error
		if tt.strict {
			err = c.UnmarshalStrict(&v)
		} else {
			err = c.Unmarshal(&v)
		}
		if (err == nil) != tt.ok {
			t.Errorf("%s strict=%v: %v", tt.raw, tt.strict, err)
		}
		if string(c.Raw()) != tt.raw {
			t.Errorf("Raw = %s", c.Raw())
		}
	}
}

// Without a host (outside pdktest) every call fails cleanly.
func TestNoHost(t *testing.T) {
	if _, ok := pdk.Attr("x"); ok {
		t.Error("attr without a host")
	}
	if err := pdk.SetAttr("x", "y"); err != pdk.ErrNotAvailable {
		t.Errorf("SetAttr = %v", err)
	}
	pdk.Log(pdk.LogInfo, "dropped")
}

func TestAppendRaw(t *testing.T) {
	inRequest(t, chat, func(r *pdk.Request) {
		dst := make([]byte, 0, 4)
		dst = append(dst, "x:"...)
		out, ok := r.AppendRaw(dst, "messages.0")
		if !ok || string(out) != `x:{"role":"system","content":"Be brief."}` {
			t.Errorf("AppendRaw = %s %v", out, ok)
		}
		big := make([]byte, 0, 1<<12)
		out2, _ := r.AppendRaw(big, "model")
		if string(out2) != `"gpt-4o"` || &out2[0] != &big[:1][0] {
			t.Errorf("AppendRaw did not reuse the buffer: %s", out2)
		}
		if out, ok := r.AppendRaw(dst, "missing"); ok || string(out) != "x:" {
			t.Errorf("AppendRaw missing = %s %v", out, ok)
		}
		body, ok := r.AppendBody(nil)
		if !ok || string(body) != chat {
			t.Errorf("AppendBody = %s", body)
		}
	})
}

func TestZeroAllocRewrite(t *testing.T) {
	res := inRequest(t, chat, func(r *pdk.Request) {
		i := r.LastUserIndex()
		if i != 3 {
			t.Fatalf("LastUserIndex = %d", i)
		}
		buf := []byte("> ")
		buf, ok := r.AppendMessageContent(buf, i)
		if !ok || string(buf) != "> look at this" {
			t.Fatalf("AppendMessageContent = %q %v", buf, ok)
		}
		if b, ok := r.AppendMessageContent(nil, 1); !ok || string(b) != "first \"quoted\" é\n" {
			t.Errorf("AppendMessageContent(1) = %q", b)
		}
		if b, ok := r.AppendMessageContent([]byte("x"), 2); !ok || string(b) != "x" {
			t.Errorf("AppendMessageContent(null) = %q", b)
		}
		if b, ok := r.AppendMessageContent(nil, -1); !ok || string(b) != "[not an array]" {
			t.Errorf("AppendMessageContent(-1) = %q", b)
		}
		if _, ok := r.AppendMessageContent(nil, 9); ok {
			t.Error("AppendMessageContent out of range")
		}
		if err := r.SetMessageContentBytes(i, buf); err != nil {
			t.Fatal(err)
		}
		if err := r.SetStringBytes("user", []byte("u\"1")); err != nil {
			t.Fatal(err)
		}
	})
	if got := res.RequestPath("messages.3.content"); got != "> look at this" || res.RequestPath("user") != "u\"1" {
		t.Errorf("content = %q, user = %q", got, res.RequestPath("user"))
	}
	inRequest(t, `{"messages":[{"role":"system","content":"s"}]}`, func(r *pdk.Request) {
		if i := r.LastUserIndex(); i != -1 {
			t.Errorf("LastUserIndex = %d", i)
		}
	})
}

// TestExamplePrefixer runs the plugin of the package example.
func TestExamplePrefixer(t *testing.T) {
	res := pdktest.Request(t, &prefixer{}, `{"messages":[{"role":"user","content":"hi"}]}`,
		pdktest.WithConfig(`{"prefix":"> "}`))
	if got := res.RequestPath("messages.0.content"); got != "> hi" {
		t.Errorf("content = %q", got)
	}
	res = pdktest.Request(t, &prefixer{}, `{"messages":[]}`, pdktest.WithConfig(`{"prefix":"> "}`))
	if res.Error == nil || res.Error.Status != 400 {
		t.Errorf("error = %v", res.Error)
	}
	if _, refused := pdktest.Init(t, &prefixer{}); refused == nil {
		t.Error("Init accepted an empty prefix")
	}
}

func TestHeaderList(t *testing.T) {
	h, err := pdk.HeaderList(map[string]string{"X-B": "2", " api-key ": "1"})
	if err != nil || len(h) != 2 || h[0] != [2]string{"api-key", "1"} || h[1] != [2]string{"x-b", "2"} {
		t.Fatalf("%v %v", h, err)
	}
	for _, bad := range []string{"", " ", ":url"} {
		if _, err := pdk.HeaderList(map[string]string{bad: "v"}); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
}
