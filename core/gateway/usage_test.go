package gateway

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestNormalizeUsage(t *testing.T) {
	tests := []struct {
		name, in                 string
		total, cached, reasoning int64
		unchanged                bool
	}{
		{"openai, complete", `{"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}}`, 12, 4, 1, true},
		{"compatible, bare", `{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}`, 12, 0, 0, false},
		{"deepseek", `{"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_cache_hit_tokens":8,"prompt_cache_miss_tokens":1}}`, 12, 8, 0, false},
		{"no total", `{"usage":{"prompt_tokens":9,"completion_tokens":3}}`, 12, 0, 0, false},
		{"no usage", `{"choices":[{"delta":{"content":"usage"}}]}`, 0, 0, 0, true},
		{"null usage", `{"choices":[],"usage":null}`, 0, 0, 0, true},
	}
	for _, tc := range tests {
		out := normalizeUsage([]byte(tc.in))
		if tc.unchanged != (string(out) == tc.in) {
			t.Errorf("%s: unchanged %v: %s", tc.name, tc.unchanged, out)
		}
		if !gjson.ValidBytes(out) {
			t.Fatalf("%s: %s", tc.name, out)
		}
		u := gjson.GetBytes(out, "usage")
		if !u.IsObject() {
			continue
		}
		if u.Get("total_tokens").Int() != tc.total || u.Get("prompt_tokens_details.cached_tokens").Int() != tc.cached ||
			!u.Get("completion_tokens_details.reasoning_tokens").Exists() || u.Get("completion_tokens_details.reasoning_tokens").Int() != tc.reasoning {
			t.Errorf("%s: %s", tc.name, out)
		}
	}
}

// TestNormalizeUsageShapes checks the bytes spliced in for the shapes
// providers send: details present without the count, details null, and
// whitespace around the usage object.
func TestNormalizeUsageShapes(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"details without counts",
			`{"id":"x","usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"audio_tokens":0},"completion_tokens_details":{}}}`,
			`{"id":"x","usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{"details null",
			`{"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":null,"completion_tokens_details":{"reasoning_tokens":5}}}`,
			`{"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":5}}}`},
		{"spaces, usage first",
			`{ "usage" : { "prompt_tokens" : 2 , "completion_tokens" : 2.0 } , "choices" : [ ] }`,
			`{ "usage" : {"prompt_tokens":2,"completion_tokens":2.0,"total_tokens":4,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}} , "choices" : [ ] }`},
		{"nested usage is not the response's", `{"choices":[{"usage":{"prompt_tokens":1}}]}`, `{"choices":[{"usage":{"prompt_tokens":1}}]}`},
		{"not json", `{"usage":{"prompt_tokens":1}`, `{"usage":{"prompt_tokens":1}`},
	}
	long := strings.Repeat("x", 700) // a rest after the usage longer than the splice buffer
	tests = append(tests, struct{ name, in, want string }{"usage first, long rest",
		`{"usage":{"prompt_tokens":1,"completion_tokens":1},"id":"` + long + `"}`,
		`{"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},"id":"` + long + `"}`})
	for _, tc := range tests {
		in := []byte(tc.in)
		if got := string(normalizeUsage(in)); got != tc.want || string(in) != tc.in {
			t.Errorf("%s:\n got %s\nwant %s (input now %s)", tc.name, got, tc.want, in)
		}
		// The gateway's own copy of an answer: rewritten in place when its
		// spare capacity allows, in a new buffer when it does not.
		for _, slack := range []int{0, usageSlack + len(long)} {
			own := append(make([]byte, 0, len(tc.in)+slack), tc.in...)
			got, _ := normalizeUsageChecked(own, true)
			if string(got) != tc.want {
				t.Errorf("%s, owned with %d spare:\n got %s\nwant %s", tc.name, slack, got, tc.want)
			}
			if inPlace := &got[0] == &own[0]; inPlace != (slack > 0 || tc.in == tc.want) {
				t.Errorf("%s, owned with %d spare: in place %v", tc.name, slack, inPlace)
			}
		}
	}
}

func BenchmarkNormalizeUsage(b *testing.B) {
	in := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Paris is the capital of France, and it has been for a long time; the answer fits in one line."},"finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":20,"total_tokens":45}}`)
	b.ReportAllocs()
	for b.Loop() {
		normalizeUsage(in)
	}
}
