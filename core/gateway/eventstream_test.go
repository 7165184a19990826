package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// recorder is a Flusher that keeps what was written.
type recorder struct{ bytes.Buffer }

func (r *recorder) Flush() error { return nil }

// passthroughCall is a call with no adapter and no plugins: each event's
// payload reaches the client as it is, which shows what the framing hands
// to an adapter.
func passthroughCall() *call {
	return &call{g: &Gateway{logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		pipe: &pipeline{}, prov: &provider{name: "bedrock"}}
}

// recorded is a ConverseStream answer in the AWS event-stream wire format,
// shared with the Bedrock adapter's tests.
func recorded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../plugins/bedrock/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEventStreamFraming(t *testing.T) {
	stream := recorded(t, "text.stream.bedrock.bin")
	for _, tc := range []struct {
		name  string
		body  []byte
		wants []string // in order
		not   string
	}{
		{"whole stream", stream, []string{
			`data: {"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW","role":"assistant"}` + "\n\n",
			`data: {"contentBlockIndex":0,"delta":{"text":"Paris is"},"p":"abcdefghijklmnopq"}` + "\n\n",
			`"usage":{"cacheReadInputTokens":0`,
		}, ""},
		// Without an adapter nothing carries a finish_reason, so the end of
		// the body is an early end.
		{"no finish", stream, []string{`data: {"error":{"message":"the provider's stream ended before [DONE]"`}, "data: [DONE]"},
		{"payload byte flipped", flip(stream, 40), []string{`"the provider's stream broke off"`}, `"role":"assistant"`},
		{"cut in a message", stream[:len(stream)-30], []string{`"text":" the capital of France."`, `"the provider's stream broke off"`}, "data: [DONE]"},
		{"exception", recorded(t, "throttled.stream.bedrock.bin"), []string{`"role":"assistant"`,
			`"message":"provider \"bedrock\" sent throttlingException: Too many requests, please wait before trying again."`,
			`"type":"rate_limit_error"`}, "data: [DONE]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w recorder
			passthroughCall().pumpEventStream(context.Background(), bytes.NewReader(tc.body), &w)
			out := w.String()
			rest := out
			for _, want := range tc.wants {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("missing %q in order in:\n%s", want, out)
				}
				rest = rest[i+len(want):]
			}
			if tc.not != "" && strings.Contains(out, tc.not) {
				t.Fatalf("unexpected %q in:\n%s", tc.not, out)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x20
	return c
}

// TestStreamEndsAfterFinish: a provider stream without [DONE] that carried
// a finish_reason ends with [DONE] for the client; one cut before it ends
// with an error event.
func TestStreamEndsAfterFinish(t *testing.T) {
	finished := "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
		"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}" // last event without its blank line
	for _, tc := range []struct{ name, body, want, not string }{
		{"finished", finished, "}}}\n\ndata: [DONE]\n\n", "error"}, // the usage chunk (normalised), then [DONE]
		{"cut", "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n", `the provider's stream ended before [DONE]","type":"upstream_error","param":null,"code":"upstream_error"}}` + "\n\n", "data: [DONE]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w recorder
			passthroughCall().pump(context.Background(), strings.NewReader(tc.body), &w)
			if !strings.HasSuffix(w.String(), tc.want) || strings.Contains(w.String(), tc.not) ||
				tc.name == "finished" && !strings.Contains(w.String(), `"prompt_tokens":1`) {
				t.Fatalf("got:\n%s", w.String())
			}
		})
	}
}
