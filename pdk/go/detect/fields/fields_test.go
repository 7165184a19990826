package fields

import (
	"strings"
	"testing"
)

func TestWalk(t *testing.T) {
	tests := []struct {
		obj  int
		body string
		want string
	}{
		{Request, `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"t1"},{"type":"image_url","image_url":{"url":"u"}},{"type":"text","text":"t2"}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]}]}`,
			`messages.0.content=s|messages.1.content.0.text=t1|messages.1.content.2.text=t2|messages.2.tool_calls.0.function.arguments={"a":1}`},
		{Response, `{"choices":[{"index":0,"message":{"role":"assistant","content":"hello","tool_calls":[{"function":{"arguments":"{}"}}]}}]}`,
			`choices.0.message.content=hello|choices.0.message.tool_calls.0.function.arguments={}`},
		{Chunk, `{"choices":[{"index":0,"delta":{"content":"he"}},{"index":1,"delta":{}}]}`, `choices.0.delta.content=he`},
		{Request, `{"messages":"not a list"}`, ``},
		{5, `{"messages":[{"content":"x"}]}`, ``},
	}
	for _, tt := range tests {
		var got []string
		Walk(tt.obj, []byte(tt.body), func(path []byte, text string) bool {
			got = append(got, string(path)+"="+text)
			return true
		})
		if strings.Join(got, "|") != tt.want {
			t.Errorf("Walk(%d) = %q, want %q", tt.obj, strings.Join(got, "|"), tt.want)
		}
	}
}
