package anthropicapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/anthropicapi"
	"github.com/wasmgate/wasmgate/core/apierror"
)

// The anthropic adapter's recorded payloads: Anthropic's formats on one
// side, the canonical ones the adapter makes of them on the other. Going
// back through this package must give the Anthropic side again.
const adapterData = "../../plugins/anthropic/testdata/"

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(adapterData + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonOf(t *testing.T, s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}

// TestRequestRoundTrip: the Messages request the adapter makes of a
// canonical request, translated back, is that canonical request (but for
// what the Messages API has no field for: the system prompt is one
// message, a lone text part a string).
func TestRequestRoundTrip(t *testing.T) {
	out, err := anthropicapi.ToChat(read(t, "request-tools.upstream.json"))
	if err != nil {
		t.Fatal(err)
	}
	orig := gjson.ParseBytes(read(t, "request-tools.json"))
	got := gjson.ParseBytes(out)
	var roles []string
	for _, m := range got.Get("messages").Array() {
		roles = append(roles, m.Get("role").Str)
	}
	if strings.Join(roles, " ") != "system user assistant tool tool user" {
		t.Fatalf("roles %v\n%s", roles, out)
	}
	if got.Get("messages.0.content").Str != "You are a weather assistant.\n\nAnswer in one sentence." {
		t.Errorf("system %s", got.Get("messages.0.content").Raw)
	}
	// user parts: text, base64 image, url image
	if !reflect.DeepEqual(jsonOf(t, got.Get("messages.1.content").Raw), jsonOf(t, orig.Get("messages.2.content").Raw)) {
		t.Errorf("user parts\n%s\n%s", got.Get("messages.1.content").Raw, orig.Get("messages.2.content").Raw)
	}
	for i := 0; i < 2; i++ {
		g, o := got.Get("messages.2.tool_calls."+strconv.Itoa(i)), orig.Get("messages.3.tool_calls."+strconv.Itoa(i))
		if g.Get("id").Str != o.Get("id").Str || g.Get("function.name").Str != o.Get("function.name").Str ||
			!reflect.DeepEqual(jsonOf(t, g.Get("function.arguments").Str), jsonOf(t, o.Get("function.arguments").Str)) {
			t.Errorf("tool call %d: %s vs %s", i, g.Raw, o.Raw)
		}
	}
	if got.Get("messages.2.content").Str != "Let me look both up." || got.Get("messages.3.tool_call_id").Str != "toolu_01A09q90qw90lq917835lq9" ||
		got.Get("messages.3.content").Str != "15 degrees, fog" || got.Get("messages.4.content").Str != "21 degrees, sunny" ||
		got.Get("messages.5.content").Str != "Thanks. Which is warmer?" {
		t.Errorf("messages %s", got.Get("messages").Raw)
	}
	if !reflect.DeepEqual(jsonOf(t, got.Get("tools.0").Raw), jsonOf(t, orig.Get("tools.0").Raw)) {
		t.Errorf("tools.0 %s", got.Get("tools.0").Raw)
	}
	if got.Get("tool_choice").Str != "required" || got.Get("parallel_tool_calls").Raw != "false" || got.Get("max_tokens").Int() != 1024 ||
		got.Get("stop.0").Str != "###" || got.Get("user").Str != "user-42" || got.Get("temperature").Float() != 0.2 {
		t.Errorf("parameters %s", out)
	}
}

// TestResponseRoundTrip: Anthropic's message → the adapter's chat
// completion → back: the same blocks, stop reason and usage.
func TestResponseRoundTrip(t *testing.T) {
	for _, name := range []string{"response-tool-use", "response-cache-thinking"} {
		out, err := anthropicapi.FromChat(read(t, name+".canonical.json"), "claude-sonnet-4-5-20250929")
		if err != nil {
			t.Fatal(err)
		}
		orig := gjson.ParseBytes(read(t, name+".json"))
		got := gjson.ParseBytes(out)
		for _, p := range []string{"id", "type", "role", "model", "stop_reason", "usage.input_tokens", "usage.output_tokens",
			"usage.cache_read_input_tokens", "usage.cache_creation_input_tokens"} {
			if got.Get(p).Raw != orig.Get(p).Raw {
				t.Errorf("%s %s: %s, want %s", name, p, got.Get(p).Raw, orig.Get(p).Raw)
			}
		}
		var text string
		for _, b := range orig.Get("content").Array() {
			if b.Get("type").Str == "text" {
				text += b.Get("text").Str
			}
		}
		if got.Get("content.0.text").Str != text {
			t.Errorf("%s text %q, want %q", name, got.Get("content.0.text").Str, text)
		}
		if u := orig.Get(`content.#(type=="tool_use")`); u.Exists() {
			g := got.Get(`content.#(type=="tool_use")`)
			if g.Get("id").Str != u.Get("id").Str || g.Get("name").Str != u.Get("name").Str ||
				!reflect.DeepEqual(jsonOf(t, g.Get("input").Raw), jsonOf(t, u.Get("input").Raw)) {
				t.Errorf("%s tool_use %s, want %s", name, g.Raw, u.Raw)
			}
		}
	}
}

// sse reads (event, data) pairs.
func sse(b []byte) (out [][2]string) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	var ev string
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			ev = v
		} else if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, [2]string{ev, v})
		}
	}
	return out
}

// summary is what a client keeps of a Messages stream.
type summary struct {
	Blocks []string // "text:<text>" or "tool_use:<id>:<name>:<input>"
	Stop   string
	Output int64
}

func summarize(t *testing.T, events [][2]string) summary {
	var s summary
	for _, ev := range events {
		d := gjson.Parse(ev[1])
		if ev[0] != "" && ev[0] != d.Get("type").Str {
			t.Fatalf("event %q carries %s", ev[0], ev[1])
		}
		switch d.Get("type").Str {
		case "content_block_start":
			cb := d.Get("content_block")
			switch cb.Get("type").Str {
			case "text":
				s.Blocks = append(s.Blocks, "text:")
			case "tool_use":
				s.Blocks = append(s.Blocks, "tool_use:"+cb.Get("id").Str+":"+cb.Get("name").Str+":")
			default:
				s.Blocks = append(s.Blocks, "other:")
			}
		case "content_block_delta":
			s.Blocks[len(s.Blocks)-1] += d.Get("delta.text").Str + d.Get("delta.partial_json").Str
		case "message_delta":
			s.Stop, s.Output = d.Get("delta.stop_reason").Str, d.Get("usage.output_tokens").Int()
		}
	}
	return s
}

// TestStreamRoundTrip: Anthropic's events → the adapter's chunks → back to
// events: the same text and tool_use blocks, stop reason and output count.
func TestStreamRoundTrip(t *testing.T) {
	var w bytes.Buffer
	st := anthropicapi.NewStream("claude-sonnet-4-5-20250929")
	for _, line := range strings.Split(strings.TrimSpace(string(read(t, "stream-tool-use.chunks"))), "\n") {
		if err := st.Chunk(&w, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	st.Done(&w)
	got := summarize(t, sse(w.Bytes()))
	want := summarize(t, sse(read(t, "stream-tool-use.sse")))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v\n%s", got, want, w.String())
	}
	evs := sse(w.Bytes())
	if evs[0][0] != "message_start" || gjson.Get(evs[0][1], "message.id").Str != "msg_014p7gG3wDgGV9EUtLvnow3U" || evs[len(evs)-1][0] != "message_stop" {
		t.Fatalf("%s", w.String())
	}
}

func TestStreamError(t *testing.T) {
	var w bytes.Buffer
	st := anthropicapi.NewStream("m")
	st.Error(&w, apierror.New(apierror.Upstream, "provider broke off"))
	evs := sse(w.Bytes())
	if len(evs) != 1 || evs[0][0] != "error" || gjson.Get(evs[0][1], "error.type").Str != "api_error" {
		t.Fatalf("%s", w.String())
	}
	if err := st.Chunk(&w, []byte("not json")); err == nil {
		t.Fatal("a broken chunk was accepted")
	}
}

func TestToChatRefuses(t *testing.T) {
	for _, tc := range []struct{ body, param string }{
		{`{"model":"m","messages":[{"role":"user","content":"hi"}]}`, "max_tokens"},
		{`{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens"},
		{`{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`, "model"},
		{`{"model":"m","max_tokens":5,"messages":[]}`, "messages"},
		{`{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"hi"}]}`, "messages"},
		{`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}`, "messages"},
		{`{"model":"m","max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"hi"}]}`, "tools"},
		{`{"model":"m","max_tokens":5,"tool_choice":{"type":"maybe"},"messages":[{"role":"user","content":"hi"}]}`, "tool_choice"},
		{`{"model":"m","max_tokens":"5","messages":[{"role":"user","content":"hi"}]}`, ""},
	} {
		_, err := anthropicapi.ToChat([]byte(tc.body))
		e := apierror.From(err)
		if err == nil || e.HTTPStatus() != 400 || e.Param != tc.param {
			t.Errorf("%s: %v (param %q)", tc.body, err, e.Param)
		}
	}
}

// TestWrongTypesNameJSONTypes: a body of the wrong shape gets an error that
// names JSON types, never Go's.
func TestWrongTypesNameJSONTypes(t *testing.T) {
	for body, want := range map[string]string{
		`[1,2]`:                     "the request body: must be an object, got array",
		`{"model":5,"messages":[]}`: "model: must be a string, got number",
		`{"model":"m","max_tokens":"5","messages":[]}`: "max_tokens: must be an integer, got string",
	} {
		_, err := anthropicapi.ToChat([]byte(body))
		msg := apierror.From(err).Message
		if !strings.Contains(msg, want) || strings.Contains(msg, "anthropicapi.") {
			t.Errorf("%s: %q, want %q", body, msg, want)
		}
	}
}
