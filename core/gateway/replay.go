package gateway

import (
	"strconv"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// completionStream turns a chat completion into the events a streamed
// request expects, so that a plugin answering a streamed request from what
// it holds (a cache hit) needs to give only the completion: per choice, a
// chunk with the role and the content (and tool calls), then one with the
// finish reason; a usage chunk when the completion has usage (a live stream
// reports it too: adapters ask providers for it); [DONE].
func completionStream(body []byte) func(Flusher) {
	return func(w Flusher) {
		doc := gjson.ParseBytes(body)
		base := `{"object":"chat.completion.chunk"}`
		for _, f := range []string{"id", "created", "model", "system_fingerprint"} {
			if v := doc.Get(f); v.Exists() {
				base, _ = sjson.SetRaw(base, f, v.Raw)
			}
		}
		emit := func(chunk string) {
			_, _ = w.Write([]byte("data: "))
			_, _ = w.Write([]byte(chunk))
			_, _ = w.Write([]byte("\n\n"))
			_ = w.Flush()
		}
		doc.Get("choices").ForEach(func(_, ch gjson.Result) bool {
			idx := ch.Get("index").Int()
			msg := ch.Get("message")
			delta := `{"role":"assistant"}`
			if c := msg.Get("content"); c.Exists() {
				delta, _ = sjson.SetRaw(delta, "content", c.Raw)
			}
			if r := msg.Get("refusal"); r.Exists() && r.Type != gjson.Null {
				delta, _ = sjson.SetRaw(delta, "refusal", r.Raw)
			}
			if tcs := msg.Get("tool_calls"); tcs.IsArray() {
				i := 0
				tcs.ForEach(func(_, tc gjson.Result) bool {
					t := `{}`
					t, _ = sjson.Set(t, "index", i)
					for _, f := range []string{"id", "type", "function"} {
						if v := tc.Get(f); v.Exists() {
							t, _ = sjson.SetRaw(t, f, v.Raw)
						}
					}
					delta, _ = sjson.SetRaw(delta, "tool_calls.-1", t)
					i++
					return true
				})
			}
			first, _ := sjson.SetRaw(base, "choices", `[{"index":`+strconv.FormatInt(idx, 10)+`,"delta":`+delta+`,"finish_reason":null}]`)
			emit(first)
			finish := ch.Get("finish_reason").Raw
			if finish == "" {
				finish = `"stop"`
			}
			last, _ := sjson.SetRaw(base, "choices", `[{"index":`+strconv.FormatInt(idx, 10)+`,"delta":{},"finish_reason":`+finish+`}]`)
			emit(last)
			return true
		})
		if u := doc.Get("usage"); u.Exists() {
			chunk, _ := sjson.SetRaw(base, "choices", `[]`)
			chunk, _ = sjson.SetRaw(chunk, "usage", u.Raw)
			emit(chunk)
		}
		_, _ = w.Write(doneEvent)
		_ = w.Flush()
	}
}
