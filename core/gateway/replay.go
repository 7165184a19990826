package gateway

import (
	"context"
	"net/http"
	"strconv"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// localReply finishes an answer that pipeline slot i gave in the request
// phase (a cache hit, any send_response). Like a local reply in Envoy or
// nginx, it goes back through the plugins that ran before it, in reverse
// order: their response hooks for a buffered answer, their chunk hooks for
// each event of a streamed one. So a reversible PII plugin placed before
// the cache restores its placeholders in a hit, and output guardrails
// placed before it check the hit. Slot i and the slots after it never saw
// the request and do not run. An error status (>= 400) goes out as it is,
// as a provider's error does, and so does a streamed request's answer that
// is not a completion.
func (c *call) localReply(ctx context.Context, i int, r *Reply) (*Reply, error) {
	if r.Status >= http.StatusBadRequest {
		return r, nil
	}
	if c.stream {
		if r.Status == http.StatusOK && gjson.GetBytes(r.Body, "choices").IsArray() {
			// A streamed request answered with a completion gets it as the
			// events it asked for.
			r.Stream, r.Body = c.replayStream(ctx, i-1, r.Body), nil
		}
		return r, nil
	}
	c.ex.Response, c.ex.RespStatus = normalizeUsage(r.Body), r.Status
	return c.responsePhase(ctx, i-1)
}

// replayStream sends a completion as a stream's events, each through the
// chunk hooks of slots last down to the first, then ends the stream.
func (c *call) replayStream(ctx context.Context, last int, body []byte) func(Flusher) {
	return func(w Flusher) {
		ex := &c.ex
		if completionChunks(body, func(chunk []byte) bool {
			ex.UpChunk, ex.Chunk, ex.ChunkSet = nil, chunk, true
			return c.sendChunk(ctx, w, last)
		}) {
			c.done(w)
		}
	}
}

// completionChunks turns a chat completion into the chunks a streamed
// request expects, so that a plugin answering a streamed request from what
// it holds (a cache hit) needs to give only the completion: per choice, a
// chunk with the role and the content (and tool calls), then one with the
// finish reason; a usage chunk when the completion has usage (a live stream
// reports it too: adapters ask providers for it). It stops when emit
// returns false and reports whether every chunk went out.
func completionChunks(body []byte, emit func(chunk []byte) bool) bool {
	doc := gjson.ParseBytes(body)
	base := `{"object":"chat.completion.chunk"}`
	for _, f := range []string{"id", "created", "model", "system_fingerprint"} {
		if v := doc.Get(f); v.Exists() {
			base, _ = sjson.SetRaw(base, f, v.Raw)
		}
	}
	ok := true
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
		if ok = emit([]byte(first)); !ok {
			return false
		}
		finish := ch.Get("finish_reason").Raw
		if finish == "" {
			finish = `"stop"`
		}
		last, _ := sjson.SetRaw(base, "choices", `[{"index":`+strconv.FormatInt(idx, 10)+`,"delta":{},"finish_reason":`+finish+`}]`)
		ok = emit([]byte(last))
		return ok
	})
	if u := doc.Get("usage"); ok && u.Exists() {
		chunk, _ := sjson.SetRaw(base, "choices", `[]`)
		chunk, _ = sjson.SetRaw(chunk, "usage", u.Raw)
		ok = emit([]byte(chunk))
	}
	return ok
}
