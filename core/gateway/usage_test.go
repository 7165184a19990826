package gateway

import (
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
