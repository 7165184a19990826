package mockprovider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

type completion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

type apiError struct {
	Error *struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func post(t *testing.T, url, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp, b
}

func newServer(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(New(opts))
	t.Cleanup(srv.Close)
	return srv
}

func msgs(userText string) string {
	b, _ := json.Marshal(userText)
	return `[{"role":"system","content":"You are terse."},{"role":"user","content":` + string(b) + `}]`
}

func TestChatCompletions(t *testing.T) {
	long := strings.Repeat("word ", 100) // 500 bytes
	tests := []struct {
		name    string
		opts    Options
		body    string
		hdr     map[string]string
		status  int
		errCode string // expected error.code ("-" for null)
		param   string
		content string
		finish  string
		n       int
		usage   [3]int
	}{
		{name: "basic", body: `{"model":"gpt-4o-mini","messages":` + msgs("Hello there") + `}`,
			status: 200, content: "Mock reply to: Hello there", finish: "stop", n: 1,
			usage: [3]int{3 + (3 + 3) + (3 + 2), 5, 19}},
		{name: "last user message wins", body: `{"model":"m","messages":[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":"second one"},{"role":"assistant","content":null}]}`,
			status: 200, content: "Mock reply to: second one", finish: "stop", n: 1, usage: [3]int{3 + 4 + 4 + 5 + 3, 5, 24}},
		{name: "content parts", body: `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a b"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"c"}]}]}`,
			status: 200, content: "Mock reply to: a b\nc", finish: "stop", n: 1, usage: [3]int{3 + 3 + 3, 6, 15}},
		{name: "no user message", body: `{"model":"m","messages":[{"role":"system","content":"x"}]}`,
			status: 200, content: "Mock reply to: ", finish: "stop", n: 1, usage: [3]int{7, 3, 10}},
		{name: "echo truncated to 200 bytes", body: `{"model":"m","messages":` + msgs(long) + `}`,
			status: 200, content: "Mock reply to: " + long[:200], finish: "stop", n: 1, usage: [3]int{3 + 6 + 103, 43, 155}},
		{name: "utf8 truncation", body: `{"model":"m","messages":` + msgs(strings.Repeat("a", 199)+"é") + `}`,
			status: 200, content: "Mock reply to: " + strings.Repeat("a", 199), finish: "stop", n: 1, usage: [3]int{13, 4, 17}},
		{name: "escapes", body: `{"model":"m","messages":` + msgs("say \"hi\"\n\t<b>&\u2028") + `}`,
			status: 200, content: "Mock reply to: say \"hi\"\n\t<b>&\u2028", finish: "stop", n: 1, usage: [3]int{3 + 6 + 3 + 3, 6, 21}},
		{name: "n choices", body: `{"model":"m","n":3,"messages":` + msgs("hi") + `}`,
			status: 200, content: "Mock reply to: hi", finish: "stop", n: 3, usage: [3]int{13, 12, 25}},
		{name: "max_tokens", body: `{"model":"m","max_tokens":2,"messages":` + msgs("hi there") + `}`,
			status: 200, content: "Mock reply", finish: "length", n: 1, usage: [3]int{14, 2, 16}},
		{name: "max_completion_tokens", body: `{"model":"m","max_completion_tokens":4,"messages":` + msgs("hi there") + `}`,
			status: 200, content: "Mock reply to: hi", finish: "length", n: 1, usage: [3]int{14, 4, 18}},
		{name: "max_tokens not reached", body: `{"model":"m","max_tokens":5,"messages":` + msgs("hi there") + `}`,
			status: 200, content: "Mock reply to: hi there", finish: "stop", n: 1, usage: [3]int{14, 5, 19}},
		{name: "api key ok", opts: Options{APIKey: "sk-test-123456"}, hdr: map[string]string{"Authorization": "Bearer sk-test-123456"},
			body: `{"model":"m","messages":` + msgs("x") + `}`, status: 200, content: "Mock reply to: x", finish: "stop", n: 1, usage: [3]int{13, 4, 17}},

		{name: "invalid json", body: `{"model":`, status: 400, errCode: "-"},
		{name: "empty body", body: ``, status: 400, errCode: "-"},
		{name: "not an object", body: `[1,2]`, status: 400, errCode: "invalid_type"},
		{name: "missing model", body: `{"messages":` + msgs("x") + `}`, status: 400, errCode: "-"},
		{name: "empty model", body: `{"model":"","messages":` + msgs("x") + `}`, status: 400, errCode: "-"},
		{name: "missing messages", body: `{"model":"m"}`, status: 400, errCode: "missing_required_parameter", param: "messages"},
		{name: "null messages", body: `{"model":"m","messages":null}`, status: 400, errCode: "missing_required_parameter", param: "messages"},
		{name: "empty messages", body: `{"model":"m","messages":[]}`, status: 400, errCode: "empty_array", param: "messages"},
		{name: "messages wrong type", body: `{"model":"m","messages":"hi"}`, status: 400, errCode: "invalid_type", param: "messages"},
		{name: "missing role", body: `{"model":"m","messages":[{"content":"x"}]}`, status: 400, errCode: "missing_required_parameter", param: "messages[0].role"},
		{name: "bad role", body: `{"model":"m","messages":[{"role":"user","content":"x"},{"role":"robot","content":"x"}]}`, status: 400, errCode: "invalid_value", param: "messages[1].role"},
		{name: "bad content", body: `{"model":"m","messages":[{"role":"user","content":42}]}`, status: 400, errCode: "invalid_type", param: "messages[0].content"},
		{name: "n zero", body: `{"model":"m","n":0,"messages":` + msgs("x") + `}`, status: 400, errCode: "integer_below_min_value", param: "n"},
		{name: "n too big", body: `{"model":"m","n":1000,"messages":` + msgs("x") + `}`, status: 400, errCode: "integer_above_max_value", param: "n"},
		{name: "max_tokens zero", body: `{"model":"m","max_tokens":0,"messages":` + msgs("x") + `}`, status: 400, errCode: "integer_below_min_value", param: "max_tokens"},
		{name: "stream_options without stream", body: `{"model":"m","stream_options":{"include_usage":true},"messages":` + msgs("x") + `}`, status: 400, errCode: "-", param: "stream_options"},
		{name: "api key missing", opts: Options{APIKey: "sk-test-123456"}, body: `{"model":"m","messages":` + msgs("x") + `}`, status: 401, errCode: "invalid_api_key"},
		{name: "api key wrong", opts: Options{APIKey: "sk-test-123456"}, hdr: map[string]string{"Authorization": "Bearer sk-test-654321"},
			body: `{"model":"m","messages":` + msgs("x") + `}`, status: 401, errCode: "invalid_api_key"},
		{name: "api key not bearer", opts: Options{APIKey: "sk-test-123456"}, hdr: map[string]string{"Authorization": "Basic sk-test-123456"},
			body: `{"model":"m","messages":` + msgs("x") + `}`, status: 401, errCode: "invalid_api_key"},
		{name: "body too large", opts: Options{MaxBodyBytes: 64}, body: `{"model":"m","messages":` + msgs(strings.Repeat("x", 100)) + `}`, status: 413, errCode: "request_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.opts)
			resp, body := post(t, srv.URL+"/v1/chat/completions", tt.body, tt.hdr)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.status != 200 {
				checkError(t, body, tt.errCode, tt.param)
				return
			}
			var c completion
			if err := json.Unmarshal(body, &c); err != nil {
				t.Fatalf("invalid JSON %s: %v", body, err)
			}
			if c.Object != "chat.completion" || c.Model != firstModel(tt.body) || c.Created != DefaultCreated || !strings.HasPrefix(c.ID, "chatcmpl-") {
				t.Errorf("bad envelope: %s", body)
			}
			if len(c.Choices) != tt.n {
				t.Fatalf("%d choices, want %d", len(c.Choices), tt.n)
			}
			for i, ch := range c.Choices {
				if ch.Index != i || ch.Message.Role != "assistant" || ch.Message.Content != tt.content || ch.FinishReason == nil || *ch.FinishReason != tt.finish {
					t.Errorf("choice %d = %+v (finish %v), want content %q finish %q", i, ch.Message, ch.FinishReason, tt.content, tt.finish)
				}
			}
			if c.Usage == nil || [3]int{c.Usage.PromptTokens, c.Usage.CompletionTokens, c.Usage.TotalTokens} != tt.usage {
				t.Errorf("usage = %+v, want %v", c.Usage, tt.usage)
			}
			// Same request, same answer.
			_, again := post(t, srv.URL+"/v1/chat/completions", tt.body, tt.hdr)
			if !bytes.Equal(body, again) {
				t.Errorf("not deterministic:\n%s\n%s", body, again)
			}
		})
	}
}

func firstModel(body string) string {
	var v struct{ Model string }
	_ = json.Unmarshal([]byte(body), &v)
	return v.Model
}

func checkError(t *testing.T, body []byte, code, param string) {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil {
		t.Fatalf("not an OpenAI error: %s (%v)", body, err)
	}
	if e.Error.Message == "" || e.Error.Type == "" {
		t.Errorf("error without message or type: %s", body)
	}
	switch {
	case code == "-" && e.Error.Code != nil:
		t.Errorf("code = %q, want null", *e.Error.Code)
	case code != "-" && code != "" && (e.Error.Code == nil || *e.Error.Code != code):
		t.Errorf("code = %v, want %q: %s", e.Error.Code, code, body)
	}
	if param != "" && (e.Error.Param == nil || *e.Error.Param != param) {
		t.Errorf("param = %v, want %q", e.Error.Param, param)
	}
}

// sseEvents reads "data: " events until EOF or an error.
func sseEvents(r io.Reader) ([]string, error) {
	var events []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			return events, errors.New("unexpected line " + line)
		}
		events = append(events, data)
	}
	return events, sc.Err()
}

func TestStream(t *testing.T) {
	srv := newServer(t, Options{})
	tests := []struct {
		name         string
		extra        string // both requests
		streamExtra  string // the streaming one only
		user         string
		n            int
		includeUsage bool
		finish       string
	}{
		{name: "basic", user: "Hello  there\nfriend ", n: 1, finish: "stop"},
		{name: "usage", streamExtra: `"stream_options":{"include_usage":true},`, user: "Hello there", n: 1, includeUsage: true, finish: "stop"},
		{name: "usage off", streamExtra: `"stream_options":{"include_usage":false},`, user: "Hello there", n: 1, finish: "stop"},
		{name: "n=2 max_tokens", extra: `"n":2,"max_tokens":3,`, streamExtra: `"stream_options":{"include_usage":true},`, user: "a b c", n: 2, includeUsage: true, finish: "length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := `{"model":"gpt-4o-mini",` + tt.extra + `"messages":` + msgs(tt.user) + `}`
			_, plain := post(t, srv.URL+"/v1/chat/completions", base, nil)
			var want completion
			if err := json.Unmarshal(plain, &want); err != nil {
				t.Fatal(err)
			}
			streamBody := strings.Replace(base, "{", `{"stream":true,`+tt.streamExtra, 1)
			resp, body := post(t, srv.URL+"/v1/chat/completions", streamBody, nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			events, err := sseEvents(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if len(events) == 0 || events[len(events)-1] != "[DONE]" {
				t.Fatalf("stream does not end with [DONE]: %q", events)
			}
			events = events[:len(events)-1]
			content := make([]string, tt.n)
			finishes := 0
			sawUsage := false
			words := 0
			for i, ev := range events {
				var c completion
				if err := json.Unmarshal([]byte(ev), &c); err != nil {
					t.Fatalf("event %d: %v: %s", i, err, ev)
				}
				if c.Object != "chat.completion.chunk" || c.Model != "gpt-4o-mini" || c.ID == "" {
					t.Fatalf("bad chunk envelope %s", ev)
				}
				if sawUsage {
					t.Fatalf("chunk after the usage chunk: %s", ev)
				}
				if len(c.Choices) == 0 {
					if !tt.includeUsage || c.Usage == nil {
						t.Fatalf("unexpected chunk without choices: %s", ev)
					}
					if *c.Usage != *want.Usage {
						t.Errorf("stream usage %+v, want %+v", *c.Usage, *want.Usage)
					}
					sawUsage = true
					continue
				}
				if c.Usage != nil {
					t.Errorf("usage on a content chunk: %s", ev)
				}
				ch := c.Choices[0]
				if ch.Delta == nil {
					t.Fatalf("chunk without delta: %s", ev)
				}
				if i < tt.n && ch.Delta.Role != "assistant" {
					t.Errorf("first chunk of choice %d has no role: %s", ch.Index, ev)
				}
				if i >= tt.n && ch.Delta.Role != "" {
					t.Errorf("role repeated: %s", ev)
				}
				if ch.FinishReason != nil {
					finishes++
					if *ch.FinishReason != tt.finish || ch.Delta.Content != nil {
						t.Errorf("bad final chunk %s", ev)
					}
					continue
				}
				if finishes > 0 {
					t.Errorf("content after a final chunk: %s", ev)
				}
				if ch.Delta.Content == nil || countWords(*ch.Delta.Content) != 1 {
					t.Errorf("chunk is not one word: %s", ev)
				}
				words++
				content[ch.Index] += *ch.Delta.Content
			}
			if finishes != tt.n || sawUsage != tt.includeUsage {
				t.Errorf("finish chunks %d, usage chunk %v", finishes, sawUsage)
			}
			for i := range content {
				if content[i] != want.Choices[0].Message.Content {
					t.Errorf("choice %d streamed %q, non-stream content %q", i, content[i], want.Choices[0].Message.Content)
				}
			}
			if words != want.Usage.CompletionTokens {
				t.Errorf("%d word chunks, completion_tokens %d", words, want.Usage.CompletionTokens)
			}
		})
	}
}

func TestStreamChunkDelay(t *testing.T) {
	srv := newServer(t, Options{ChunkDelay: 20 * time.Millisecond})
	start := time.Now()
	_, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","stream":true,"messages":`+msgs("a")+`}`, nil)
	events, err := sseEvents(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// 4 words, a final chunk, [DONE]: 5 delays.
	if len(events) != 6 {
		t.Fatalf("%d events: %q", len(events), events)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("stream took %v, want >= 100ms", d)
	}
}

func TestFaults(t *testing.T) {
	srv := newServer(t, Options{})
	for _, tt := range []struct {
		model      string
		status     int
		code       string
		retryAfter string
	}{
		{"mock-fail-429", 429, "rate_limit_exceeded", "1"},
		{"mock-fail-500", 500, "-", ""},
		{"fail-503", 503, "-", ""},
		{"mock-fail-401", 401, "invalid_api_key", ""},
		{"mock-fail-400-x", 400, "-", ""},
		{"mock-fail-200", 200, "", ""},   // out of range: ignored
		{"mock-nofail-500", 200, "", ""}, // not delimited: ignored
	} {
		for _, stream := range []string{"false", "true"} {
			t.Run(tt.model+"/stream="+stream, func(t *testing.T) {
				resp, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"`+tt.model+`","stream":`+stream+`,"messages":`+msgs("x")+`}`, nil)
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
				}
				if got := resp.Header.Get("Retry-After"); got != tt.retryAfter {
					t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
				}
				if tt.status != 200 {
					checkError(t, body, tt.code, "")
				}
			})
		}
	}
	resp, body := post(t, srv.URL+"/v1/embeddings", `{"model":"emb-fail-429","input":"x"}`, nil)
	if resp.StatusCode != 429 {
		t.Errorf("embeddings fault: status %d: %s", resp.StatusCode, body)
	}
}

func TestSlow(t *testing.T) {
	srv := newServer(t, Options{Latency: 20 * time.Millisecond})
	start := time.Now()
	resp, body := post(t, srv.URL+"/v1/chat/completions", `{"model":"mock-slow-150","messages":`+msgs("x")+`}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if d := time.Since(start); d < 170*time.Millisecond {
		t.Errorf("answered after %v, want >= 170ms", d)
	}

	// A client that gives up ends the wait on the server side too.
	done := make(chan struct{})
	h := New(Options{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		h.ServeHTTP(w, r)
	}))
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"mock-slow-10000","messages":`+msgs("x")+`}`))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request should time out")
	}
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("handler still waiting after the client went away")
	}
}

func TestCut(t *testing.T) {
	srv := newServer(t, Options{})
	// Stream: two chunks, then the connection drops without [DONE].
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"mock-cut","stream":true,"messages":`+msgs("one two three four")+`}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	events, err := sseEvents(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Error("cut stream ended without a read error")
	}
	if len(events) != 2 {
		t.Errorf("got %d events before the cut, want 2: %q", len(events), events)
	}
	for _, ev := range events {
		if ev == "[DONE]" {
			t.Error("cut stream sent [DONE]")
		}
	}

	// Non-stream: a truncated body.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"mock-cut","messages":`+msgs("x")+`}`))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(b) == 0 || json.Valid(b) {
		t.Errorf("non-stream cut: err %v, %d bytes", err, len(b))
	}
}

func TestReset(t *testing.T) {
	srv := newServer(t, Options{})
	for _, stream := range []bool{false, true} {
		body := fmt.Sprintf(`{"model":"mock-reset","stream":%v,"messages":%s}`, stream, msgs("x"))
		resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("stream %v: got status %d, want a reset connection", stream, resp.StatusCode)
		}
		if !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "EOF") {
			t.Fatalf("stream %v: error %v, want a connection reset", stream, err)
		}
	}
}

func TestModels(t *testing.T) {
	srv := newServer(t, Options{APIKey: "k"})
	get := func(path, key string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get("/v1/models", "k")
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID, Object, OwnedBy string
			Created             int64
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil || status != 200 || list.Object != "list" {
		t.Fatalf("status %d, %s, %v", status, body, err)
	}
	var ids []string
	for _, m := range list.Data {
		if m.Object != "model" || m.Created != DefaultCreated {
			t.Errorf("bad model %+v", m)
		}
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != strings.Join(DefaultModels(), ",") {
		t.Errorf("models %v", ids)
	}
	if status, body := get("/v1/models/mock-gpt", "k"); status != 200 || !strings.Contains(string(body), `"id":"mock-gpt"`) {
		t.Errorf("model by id: %d %s", status, body)
	}
	if status, body := get("/v1/models/nope", "k"); status != 404 {
		t.Errorf("unknown model: %d %s", status, body)
	} else {
		checkError(t, body, "model_not_found", "model")
	}
	if status, _ := get("/v1/models", ""); status != 401 {
		t.Errorf("models without key: %d", status)
	}
	if status, body := get("/v1/nothing", "k"); status != 404 {
		t.Errorf("unknown path: %d", status)
	} else {
		checkError(t, body, "-", "")
	}
	if status, body := get("/v1/chat/completions", "k"); status != 405 {
		t.Errorf("GET chat: %d", status)
	} else {
		checkError(t, body, "-", "")
	}
}

type embeddingList struct {
	Object string `json:"object"`
	Model  string `json:"model"`
	Data   []struct {
		Object    string          `json:"object"`
		Index     int             `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

func (e *embeddingList) vectors(t *testing.T) [][]float32 {
	t.Helper()
	var out [][]float32
	for _, d := range e.Data {
		var v []float32
		if d.Embedding[0] == '"' {
			var s string
			_ = json.Unmarshal(d.Embedding, &s)
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil || len(raw)%4 != 0 {
				t.Fatalf("bad base64 embedding: %v", err)
			}
			for i := 0; i < len(raw); i += 4 {
				v = append(v, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
			}
		} else if err := json.Unmarshal(d.Embedding, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestEmbeddings(t *testing.T) {
	srv := newServer(t, Options{})
	embed := func(body string) (int, embeddingList, []byte) {
		resp, b := post(t, srv.URL+"/v1/embeddings", body, nil)
		var e embeddingList
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("%v: %s", err, b)
			}
		}
		return resp.StatusCode, e, b
	}
	tests := []struct {
		name   string
		body   string
		status int
		count  int
		dims   int
		tokens int
	}{
		{"string", `{"model":"text-embedding-3-small","input":"hello world"}`, 200, 1, 64, 2},
		{"strings", `{"model":"e","input":["hello world","hello","x y z"]}`, 200, 3, 64, 6},
		{"dimensions", `{"model":"e","input":"hello world","dimensions":7}`, 200, 1, 7, 2},
		{"tokens", `{"model":"e","input":[1,2,3]}`, 200, 1, 64, 3},
		{"token arrays", `{"model":"e","input":[[1,2],[3]]}`, 200, 2, 64, 3},
		{"base64", `{"model":"e","input":["a","b"],"encoding_format":"base64","dimensions":16}`, 200, 2, 16, 2},
		{"float", `{"model":"e","input":"a","encoding_format":"float"}`, 200, 1, 64, 1},
		{"missing input", `{"model":"e"}`, 400, 0, 0, 0},
		{"empty string", `{"model":"e","input":""}`, 400, 0, 0, 0},
		{"empty array", `{"model":"e","input":[]}`, 400, 0, 0, 0},
		{"mixed array", `{"model":"e","input":["a",1]}`, 400, 0, 0, 0},
		{"object input", `{"model":"e","input":{}}`, 400, 0, 0, 0},
		{"missing model", `{"input":"a"}`, 400, 0, 0, 0},
		{"dimensions zero", `{"model":"e","input":"a","dimensions":0}`, 400, 0, 0, 0},
		{"bad format", `{"model":"e","input":"a","encoding_format":"hex"}`, 400, 0, 0, 0},
		{"invalid json", `{"model":`, 400, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e, body := embed(tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status != 200 {
				checkError(t, body, "", "")
				return
			}
			if e.Object != "list" || e.Model != firstModel(tt.body) || len(e.Data) != tt.count {
				t.Fatalf("bad response %s", body)
			}
			if e.Usage.PromptTokens != tt.tokens || e.Usage.TotalTokens != tt.tokens {
				t.Errorf("usage %+v, want %d tokens", e.Usage, tt.tokens)
			}
			for i, v := range e.vectors(t) {
				if e.Data[i].Index != i || e.Data[i].Object != "embedding" {
					t.Errorf("bad item %d", i)
				}
				if len(v) != tt.dims {
					t.Fatalf("dimension %d, want %d", len(v), tt.dims)
				}
				norm := 0.0
				for _, x := range v {
					norm += float64(x) * float64(x)
				}
				if math.Abs(norm-1) > 1e-5 {
					t.Errorf("vector %d has squared norm %v", i, norm)
				}
			}
			_, _, again := embed(tt.body)
			if !bytes.Equal(body, again) {
				t.Error("not deterministic")
			}
		})
	}

	// The same input gives the same vector wherever it appears, in either
	// encoding; different inputs give different vectors.
	_, single, _ := embed(`{"model":"e","input":"hello"}`)
	_, batch, _ := embed(`{"model":"e","input":["other","hello"],"encoding_format":"base64"}`)
	s, b := single.vectors(t), batch.vectors(t)
	if !equalVec(s[0], b[1]) {
		t.Error("same input, different vectors")
	}
	if equalVec(b[0], b[1]) {
		t.Error("different inputs, same vector")
	}
}

func equalVec(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

const goldenRequest = `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"What is the capital of France?"},{"role":"assistant","content":"Paris."},{"role":"user","content":"And of Italy? Answer in \"one\" word."}]}`

func TestGolden(t *testing.T) {
	srv := newServer(t, Options{})
	for _, tt := range []struct{ file, body string }{
		{"chat_completion.json", goldenRequest},
		{"chat_completion_stream.txt", strings.Replace(goldenRequest, "{", `{"stream":true,"stream_options":{"include_usage":true},`, 1)},
	} {
		t.Run(tt.file, func(t *testing.T) {
			_, got := post(t, srv.URL+"/v1/chat/completions", tt.body, nil)
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("response differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

func TestStartAndClose(t *testing.T) {
	s, err := Start("127.0.0.1:0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/v1") {
		t.Errorf("URL() = %q", s.URL())
	}
	resp, err := http.Get(s.URL() + "/models")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET models: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := http.Get(s.URL() + "/models"); err == nil {
		t.Error("server still answering after Close")
	}
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// Find a free port, then serve on it.
	s, err := Start("127.0.0.1:0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	s.Close()
	go func() { done <- ListenAndServe(ctx, addr, Options{}) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v1/models")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return after cancel")
	}
	if err := ListenAndServe(context.Background(), "256.0.0.1:1", Options{}); err == nil {
		t.Error("bad address accepted")
	}
}

func BenchmarkChatCompletion(b *testing.B) {
	h := New(Options{})
	var sb strings.Builder
	sb.WriteString(`{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a careful assistant that answers briefly."}`)
	for sb.Len() < 2000 {
		sb.WriteString(`,{"role":"user","content":"Could you summarise the trade-offs of connection pooling in a reverse proxy?"},{"role":"assistant","content":"Pooling saves handshakes but needs limits and health checks."}`)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	for _, stream := range []bool{false, true} {
		req := body
		name := "json"
		if stream {
			req = strings.Replace(body, "{", `{"stream":true,`, 1)
			name = "stream"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(req)))
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(req)))
				if w.Code != 200 {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}
