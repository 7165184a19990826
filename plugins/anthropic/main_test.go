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

// TestRequestWaysAgree translates requests the fast way (templates walking
// the messages on the host) and the general way (a shape query and
// fragments joined in the guest): the bodies, and errors, must be the same
// byte for byte, and the fast way must take the requests it covers.
func TestRequestWaysAgree(t *testing.T) {
	chat, err := os.ReadFile("../../core/host/testdata/chat-2k.json")
	if err != nil {
		t.Fatal(err)
	}
	const (
		fast    = wayFast
		general = wayGeneral
	)
	msgs := func(m string) string { return `{"model":"c","messages":[` + m + `]}` }
	img := func(url string) string {
		return msgs(`{"role":"user","content":[{"type":"image_url","image_url":{"url":` + url + `}},{"type":"text","text":"what?"}]}`)
	}
	call := func(args string) string {
		return msgs(`{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":` + args + `}}]},{"role":"tool","tool_call_id":"t1","content":"x"}`)
	}
	cases := []struct {
		name, body string
		way        byte
	}{
		{"tools", read(t, "request-tools.json"), fast},
		{"chat-2k", string(chat), fast},
		{"stream and settings", `{"model":"c","stream":true,"n":1,"response_format":{"type":"text"},"max_tokens":9,"top_p":0.5,"stop":["a","b"],"messages":[{"role":"user","content":"hi"}]}`, fast},
		{"no messages", `{"model":"c"}`, fast},
		{"messages not an array", `{"model":"c","messages":{}}`, fast},
		{"empty user content", msgs(`{"role":"user","content":""},{"role":"user","content":[]}`), fast},
		{"system prompts only as text", msgs(`{"role":"developer","content":[{"type":"image_url","image_url":{"url":"https://x"}},{"type":"text"}]},{"role":"system","content":""},{"role":"user","content":"hi"},{"role":"system","content":null},{"role":"system","content":"late"}`), fast},
		{"no system text", msgs(`{"role":"system","content":[]},{"role":"user","content":"hi"}`), fast},
		{"tool results first, split by a system prompt", msgs(`{"role":"tool","tool_call_id":"a","content":"1"},{"role":"tool","tool_call_id":"b"},{"role":"system","content":"s"},{"role":"tool","tool_call_id":"c","content":[{"type":"text","text":"3"}]},{"role":"user","content":"ok"}`), fast},
		{"tool result last", msgs(`{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"a","content":null}`), fast},
		{"empty assistant turns skipped", msgs(`{"role":"assistant","content":""},{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"image_url"}],"tool_calls":[]},{"role":"assistant"},{"role":"user","content":"again"}`), fast},
		{"assistant text parts and calls", msgs(`{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"refusal"},{"type":"text"}],"tool_calls":[{"id":"t","function":{"name":"f","arguments":"{\"x\":[1,2]}"}}]}`), fast},
		{"png, jpeg, gif, webp", msgs(`{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,"}},{"type":"image_url","image_url":{"url":"data:image\/gif;base64,R0lG"}},{"type":"image_url","image_url":{"url":"data:image/webp;base64,UklG"}}]}`), fast},
		{"url image", img(`"https://example.com/a.png"`), fast},
		{"image without a URL", img(`null`), fast},
		{"image URL a number", img(`5`), fast},
		{"other data URL", img(`"data:image/svg+xml;base64,PHN2Zz4="`), general},
		{"data URL without media type", img(`"data:,abc"`), general},
		{"empty arguments", call(`""`), fast},
		{"missing arguments", call(`null`), general},
		{"arguments not JSON", call(`"{not json"`), general},
		{"tool call without id", msgs(`{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}`), general},
		{"tool result without id", msgs(`{"role":"tool","content":"x"}`), general},
		{"unknown role", msgs(`{"role":"robot","content":"x"}`), general},
		{"role not a string", msgs(`{"role":1,"content":"x"}`), general},
		{"user content missing", msgs(`{"role":"user"}`), general},
		{"user content a number", msgs(`{"role":"user","content":3}`), general},
		{"system content an object", msgs(`{"role":"system","content":{}}`), general},
		{"assistant content a number", msgs(`{"role":"assistant","content":1}`), general},
		{"audio part", msgs(`{"role":"user","content":[{"type":"input_audio"}]}`), general},
		{"part without a type", msgs(`{"role":"user","content":[{"text":"x"}]}`), general},
		{"part types with escapes", msgs(`{"role":"user","content":[{"type":"te\u0078t","text":"x"},{"type":"image\u005furl","image_url":{"url":"https://x/\"q\""}}]},{"role":"assistant","content":[{"type":"\u0074ext","text":"y"}]}`), fast},
		{"tools and named choice", `{"model":"c","parallel_tool_calls":false,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g","description":"d","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"g"}}}`, fast},
		{"tools and named choice, parallel calls allowed", `{"model":"c","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g","description":"d","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"g"}}}`, fast},
		{"choice none without tools", `{"model":"c","messages":[{"role":"user","content":"hi"}],"tool_choice":"none"}`, fast},
		{"choice unknown", `{"model":"c","messages":[{"role":"robot"}],"tool_choice":"maybe"}`, general},
		{"named choice without a name", `{"model":"c","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function"}}`, general},
		{"tool without a name", `{"model":"c","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{}}]}`, general},
		{"not a function tool", `{"model":"c","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web"}]}`, general},
		{"n > 1", `{"model":"c","n":3,"messages":[{"role":"user","content":"hi"}]}`, general},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, model := range []string{"", "m"} {
				fastA, generalA := &adapter{}, &adapter{general: true}
				got := pdktest.Request(t, fastA, tc.body, adapterOpts(model)...)
				want := pdktest.Request(t, generalA, tc.body, adapterOpts(model)...)
				if fastA.way != tc.way {
					t.Errorf("built the way %d, want %d", fastA.way, tc.way)
				}
				if string(got.Upstream.Body) != string(want.Upstream.Body) || !reflect.DeepEqual(got.Error, want.Error) || got.Failure != want.Failure {
					t.Errorf("model %q: fast\n%s %v %q\ngeneral\n%s %v %q", model, got.Upstream.Body, got.Error, got.Failure, want.Upstream.Body, want.Error, want.Failure)
				}
			}
		})
	}
	// One instance keeps the fast way's program for the last form of
	// request: every request, after any other with either model, builds
	// what a new instance builds. The wants come first: pdktest runs the
	// plugin registered last.
	models := []string{"", "m"}
	want := make([]*pdktest.Result, 0, 2*len(cases))
	for _, tc := range cases {
		for _, model := range models {
			want = append(want, pdktest.Request(t, &adapter{}, tc.body, adapterOpts(model)...))
		}
	}
	shared := pdktest.New(t, &adapter{}, adapterOpts("")...)
	for i, before := range cases {
		for j, tc := range cases {
			for k := range 4 {
				shared.Request(before.body, adapterOpts(models[k/2])...)
				got, w := shared.Request(tc.body, adapterOpts(models[k%2])...), want[2*j+k%2]
				if string(got.Upstream.Body) != string(w.Upstream.Body) || !reflect.DeepEqual(got.Error, w.Error) {
					t.Errorf("%s (model %q) after %s (model %q): got\n%s %v\nwant\n%s %v", tc.name, models[k%2], cases[i].name, models[k/2], got.Upstream.Body, got.Error, w.Upstream.Body, w.Error)
				}
			}
		}
	}
}
