package fields

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// gjsonWalk is the walk that gjson's ForEach gives, the reference for the
// one-pass reader: the same fields, paths, values and offsets.
func gjsonWalk(obj int, body []byte, fn func(path []byte, v gjson.Result) bool) {
	list, msg := "messages", ""
	switch obj {
	case Response:
		list, msg = "choices", "message."
	case Chunk:
		list, msg = "choices", "delta."
	case Request:
	default:
		return
	}
	cont, idx := true, -1
	items := gjson.GetBytes(body, list)
	if !items.IsArray() {
		return
	}
	items.ForEach(func(_, m gjson.Result) bool {
		idx++
		base := list + "." + strconv.Itoa(idx) + "." + msg
		if msg != "" {
			m = m.Get(msg[:len(msg)-1])
		}
		if !m.IsObject() {
			return true
		}
		m.ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "content":
				switch {
				case v.Type == gjson.String:
					cont = fn([]byte(base+"content"), v)
				case v.IsArray():
					j := -1
					v.ForEach(func(_, part gjson.Result) bool {
						j++
						var text gjson.Result
						isText := false
						part.ForEach(func(k, v gjson.Result) bool {
							switch k.Str {
							case "type":
								isText = v.Type == gjson.String && v.Raw == `"text"`
							case "text":
								text = v
							}
							return true
						})
						if isText && text.Type == gjson.String {
							cont = fn([]byte(base+"content."+strconv.Itoa(j)+".text"), text)
						}
						return cont
					})
				}
			case "tool_calls":
				if !v.IsArray() {
					return true
				}
				j := -1
				v.ForEach(func(_, tc gjson.Result) bool {
					j++
					if a := tc.Get("function.arguments"); a.Type == gjson.String {
						cont = fn([]byte(base+"tool_calls."+strconv.Itoa(j)+".function.arguments"), a)
					}
					return cont
				})
			}
			return cont
		})
		return cont
	})
}

func collect(w func(int, []byte, func([]byte, gjson.Result) bool), obj int, body string) string {
	var b strings.Builder
	w(obj, []byte(body), func(p []byte, v gjson.Result) bool {
		b.WriteString(string(p) + "@" + strconv.Itoa(v.Index) + "=" + v.Str + "|")
		return true
	})
	return b.String()
}

var walkBodies = []struct {
	obj  int
	body string
}{
	{Request, `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"t1"},{"type":"image_url","image_url":{"url":"u"}},{"text":"t2","type":"text"}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]}]}`},
	{Request, " {\n \"messages\" : [ { \"content\" : \"a \\\"q\\\" \\u00e9\\n\" , \"role\":\"user\"} , {\"content\":[ ]} ] , \"x\" : [1, {\"y\": \"]\"}] }"},
	{Request, `{"x":{"messages":[{"content":"nested, not top"}]},"messages":[{"content":"top"},{"content":"two","content":"dup"}]}`},
	{Request, `{"messages":[{"content":[{"type":"text","text":"a"},{"type":"text","text":1},{"type":"image","text":"b"},{"type":"text","type":"x","text":"c"}]}]}`},
	{Request, `{"messages":[{"tool_calls":[{"function":{"arguments":"{}"}},{"function":{"arguments":{}}},{"function":null},{"function":{"name":"n","arguments":"x","arguments":"y"}}]}]}`},
	{Response, `{"choices":[{"index":0,"message":{"role":"assistant","content":"hello","tool_calls":[{"function":{"arguments":"{}"}}]}},{"message":"no","finish_reason":"stop"}]}`},
	{Chunk, `{"choices":[{"index":0,"delta":{"content":"he"}},{"index":1,"delta":{}},{"delta":{"content":"x"},"delta":{"content":"y"}}]}`},
	{Request, `{"messages":"not a list"}`},
	{Request, `{"messages":[{"content":"ok"},{"content":"cut`},
	{Request, `{"messages":[{"content":"a"} {"content":"b"}]}`},
	{Request, `[1,2]`},
	{Request, ``},
}

func TestWalkMatchesGJSON(t *testing.T) {
	for i, tt := range walkBodies {
		got, want := collect(walk, tt.obj, tt.body), collect(gjsonWalk, tt.obj, tt.body)
		if got != want && !(strings.HasPrefix(want, got) && !gjson.Valid(tt.body)) {
			t.Errorf("%d: one-pass walk\n%s\nwant (gjson)\n%s", i, got, want)
		}
	}
}

// FuzzWalk: on any input the reader ends without a panic, and on valid JSON
// it finds what gjson finds.
func FuzzWalk(f *testing.F) {
	for _, tt := range walkBodies {
		f.Add(tt.obj, tt.body)
	}
	f.Fuzz(func(t *testing.T, obj int, body string) {
		obj &= 3
		got := collect(walk, obj, body)
		if gjson.Valid(body) {
			if want := collect(gjsonWalk, obj, body); got != want {
				t.Fatalf("walk %q\n%s\nwant\n%s", body, got, want)
			}
		}
	})
}
