package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/wasmgate/wasmgate/pdk/go"
	"github.com/wasmgate/wasmgate/pdk/go/pdktest"
)

var update = flag.Bool("update", false, "rewrite the golden files of stream replays")

func adapterOpts(model string) []pdktest.Option {
	return []pdktest.Option{pdktest.AsAdapter(),
		pdktest.WithAttr(pdk.AttrProviderURL, "https://api.anthropic.com/"),
		pdktest.WithAttr(pdk.AttrProviderAPIKey, "sk-ant-test"),
		pdktest.WithAttr(pdk.AttrProviderModel, model)}
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonEqual compares two JSON documents by value, ignoring "created".
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	got, _ = sjson.DeleteBytes(got, "created")
	wb, _ := sjson.Delete(want, "created")
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(wb), &w); err != nil {
		t.Fatalf("golden is not JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got\n%s\nwant\n%s", got, wb)
	}
}

func TestRequestTranslation(t *testing.T) {
	res := pdktest.Request(t, &adapter{}, read(t, "request-tools.json"), adapterOpts("claude-sonnet-4-5-20250929")...)
	if res.Action != pdk.Continue || res.Failure != "" || res.Error != nil {
		t.Fatalf("action %d failure %q error %v", res.Action, res.Failure, res.Error)
	}
	up := res.Upstream
	if up.URL != "https://api.anthropic.com/v1/messages" || up.Method != "POST" {
		t.Errorf("upstream %s %s", up.Method, up.URL)
	}
	want := map[string]string{"content-type": "application/json", "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
	if !reflect.DeepEqual(up.Headers, want) {
		t.Errorf("headers %v, want %v", up.Headers, want)
	}
	jsonEqual(t, up.Body, read(t, "request-tools.upstream.json"))
}

func TestRequestDefaultsAndStream(t *testing.T) {
	res := pdktest.Request(t, &adapter{}, `{"model":"c","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		append(adapterOpts(""), pdktest.WithConfig(`{"max_tokens":77,"beta":"prompt-caching-2024-07-31","path":"/anthropic/v1/messages"}`))...)
	if res.Error != nil || res.Failure != "" {
		t.Fatal(res.Error, res.Failure)
	}
	jsonEqual(t, res.Upstream.Body, `{"model":"c","max_tokens":77,"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if res.Upstream.URL != "https://api.anthropic.com/anthropic/v1/messages" || res.Upstream.Headers["anthropic-beta"] != "prompt-caching-2024-07-31" {
		t.Errorf("%s %v", res.Upstream.URL, res.Upstream.Headers)
	}
}

func TestRequestToolChoice(t *testing.T) {
	for _, tc := range []struct{ choice, want string }{
		{`"auto"`, `{"type":"auto"}`},
		{`"none"`, `{"type":"none"}`},
		{`{"type":"function","function":{"name":"f"}}`, `{"type":"tool","name":"f"}`},
	} {
		body := `{"model":"c","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":` + tc.choice + `}`
		res := pdktest.Request(t, &adapter{}, body, adapterOpts("")...)
		if got := gjson.GetBytes(res.Upstream.Body, "tool_choice").Raw; got != tc.want {
			t.Errorf("tool_choice %s -> %s, want %s", tc.choice, got, tc.want)
		}
	}
}

func TestRequestRefused(t *testing.T) {
	for _, tc := range []struct{ name, body, opt, want string }{
		{"n", `{"model":"c","n":2,"messages":[{"role":"user","content":"hi"}]}`, "", "n > 1"},
		{"json mode", `{"model":"c","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}`, "", "response_format json_object"},
		{"audio", `{"model":"c","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}`, "", "input_audio"},
		{"bad arguments", `{"model":"c","messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{not json"}}]},{"role":"tool","tool_call_id":"t","content":"x"}]}`, "", "must be JSON"},
		{"embeddings", `{"model":"c","input":"hi"}`, "embeddings", "no embeddings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := adapterOpts("")
			if tc.opt != "" {
				opts = append(opts, pdktest.WithAttr(pdk.AttrEndpoint, tc.opt))
			}
			res := pdktest.Request(t, &adapter{}, tc.body, opts...)
			if res.Error == nil || res.Error.Status != 400 || !strings.Contains(res.Error.Message, tc.want) {
				t.Fatalf("got %v, want a 400 naming %q", res.Error, tc.want)
			}
		})
	}
}

func TestResponseTranslation(t *testing.T) {
	for _, name := range []string{"response-tool-use", "response-cache-thinking"} {
		t.Run(name, func(t *testing.T) {
			s := pdktest.New(t, &adapter{}, adapterOpts("")...)
			s.Request(`{"model":"c","messages":[{"role":"user","content":"hi"}]}`)
			res := s.Response("", pdktest.WithUpstreamResponse(200, read(t, name+".json")))
			if res.Error != nil || res.Failure != "" {
				t.Fatal(res.Error, res.Failure)
			}
			jsonEqual(t, res.Response, read(t, name+".canonical.json"))
		})
	}
}

// events reads the data of each event of a recorded stream.
func events(t *testing.T, name string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(read(t, name)))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

// replay runs a recorded stream through the chunk hook and returns the
// chunks the client gets, "created" zeroed, and the error that ended it.
func replay(t *testing.T, name string) (chunks []string, errReply *pdktest.ErrorReply, done string) {
	s := pdktest.New(t, &adapter{}, adapterOpts("")...)
	s.Request(`{"model":"c","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	for _, ev := range events(t, name) {
		res := s.Chunk("", pdktest.WithUpstreamChunk(ev))
		if res.Failure != "" {
			t.Fatalf("%s: %s", ev, res.Failure)
		}
		if res.Error != nil {
			return chunks, res.Error, s.Attrs()[pdk.AttrUpstreamDone]
		}
		if res.Dropped {
			continue
		}
		if !gjson.ValidBytes(res.Chunk) {
			t.Fatalf("chunk is not JSON: %s", res.Chunk)
		}
		c, _ := sjson.SetBytes(res.Chunk, "created", 0)
		chunks = append(chunks, string(c))
	}
	return chunks, nil, s.Attrs()[pdk.AttrUpstreamDone]
}

func golden(t *testing.T, name string, chunks []string) {
	t.Helper()
	got := strings.Join(chunks, "\n") + "\n"
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := read(t, name); got != want {
		t.Fatalf("chunks differ from %s:\n%s", path, got)
	}
}

func TestStreamToolUse(t *testing.T) {
	chunks, e, done := replay(t, "stream-tool-use.sse")
	if e != nil || done != "true" {
		t.Fatalf("error %v, done %q", e, done)
	}
	golden(t, "stream-tool-use.chunks", chunks)
	// What an OpenAI client assembles from the chunks.
	var text bytes.Buffer
	args := map[int]*bytes.Buffer{}
	ids, names := map[int]string{}, map[int]string{}
	var finish string
	var usage gjson.Result
	for _, c := range chunks {
		d := gjson.Get(c, "choices.0.delta")
		text.WriteString(d.Get("content").Str)
		for _, tc := range d.Get("tool_calls").Array() {
			i := int(tc.Get("index").Int())
			if args[i] == nil {
				args[i] = &bytes.Buffer{}
			}
			if v := tc.Get("id").Str; v != "" {
				ids[i] = v
			}
			if v := tc.Get("function.name").Str; v != "" {
				names[i] = v
			}
			args[i].WriteString(tc.Get("function.arguments").Str)
		}
		if f := gjson.Get(c, "choices.0.finish_reason").Str; f != "" {
			finish = f
		}
		if u := gjson.Get(c, "usage"); u.Exists() {
			usage = u
		}
	}
	if text.String() != "Okay, let's check the weather for San Francisco, CA:" || finish != "tool_calls" {
		t.Errorf("text %q finish %q", text.String(), finish)
	}
	if ids[0] != "toolu_01T1x1fJ34qAmk2tNTrN7Up6" || names[0] != "get_weather" || args[0].String() != `{"location": "San Francisco, CA", "unit": "fahrenheit"}` {
		t.Errorf("tool 0: %s %s %s", ids[0], names[0], args[0])
	}
	if ids[1] != "toolu_01HuBvF3dT5mWjKXqgrGDoQz" || names[1] != "get_time" || args[1].String() != `{"timezone": "America/Los_Angeles"}` {
		t.Errorf("tool 1: %s %s %s", ids[1], names[1], args[1])
	}
	if usage.Get("prompt_tokens").Int() != 472 || usage.Get("completion_tokens").Int() != 89 || usage.Get("total_tokens").Int() != 561 {
		t.Errorf("usage %s", usage.Raw)
	}
}

func TestStreamThinkingAndCache(t *testing.T) {
	chunks, e, done := replay(t, "stream-thinking-cache.sse")
	if e != nil || done != "true" {
		t.Fatalf("error %v, done %q", e, done)
	}
	golden(t, "stream-thinking-cache.chunks", chunks)
	last := chunks[len(chunks)-1]
	if gjson.Get(last, "usage.prompt_tokens").Int() != 2057 || gjson.Get(last, "usage.prompt_tokens_details.cached_tokens").Int() != 2048 ||
		gjson.Get(last, "choices.#").Int() != 0 {
		t.Errorf("usage chunk %s", last)
	}
}

func TestStreamError(t *testing.T) {
	chunks, e, done := replay(t, "stream-overloaded.sse")
	if e == nil || e.Status != 529 || e.Type != "overloaded_error" || !strings.Contains(e.Message, "Overloaded") {
		t.Fatalf("error %v", e)
	}
	if len(chunks) != 2 || done != "" {
		t.Fatalf("chunks %v, done %q", chunks, done)
	}
}

func TestConfigRefused(t *testing.T) {
	for _, cfg := range []string{`{"path":"v1/messages"}`, `{"max_tokens":-1}`, `{"nope":1}`, `{"headers":{":url":"x"}}`} {
		if _, refused := pdktest.Init(t, &adapter{}, pdktest.WithConfig(cfg)); refused == nil {
			t.Errorf("config %s accepted", cfg)
		}
	}
}
