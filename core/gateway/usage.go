package gateway

import (
	"bytes"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

var usageKey = []byte(`"usage"`)

// normalizeUsage makes a canonical response's or chunk's usage carry the
// four counts clients and plugins rely on: prompt and completion tokens
// (with the total), cached prompt tokens and reasoning tokens. Providers
// that report the last two elsewhere or not at all get them filled in
// (DeepSeek's prompt_cache_hit_tokens; 0 when unknown). A body without a
// usage object, the common chunk, is returned as is after one byte search.
func normalizeUsage(b []byte) []byte {
	if !bytes.Contains(b, usageKey) {
		return b
	}
	u := gjson.GetBytes(b, "usage")
	if !u.IsObject() {
		return b
	}
	cached := u.Get("prompt_tokens_details.cached_tokens")
	reasoning := u.Get("completion_tokens_details.reasoning_tokens")
	total := u.Get("total_tokens")
	if cached.Exists() && reasoning.Exists() && total.Exists() {
		return b
	}
	out := b
	set := func(path string, v int64) {
		if nb, err := sjson.SetBytes(out, path, v); err == nil {
			out = nb
		}
	}
	if !total.Exists() {
		set("usage.total_tokens", u.Get("prompt_tokens").Int()+u.Get("completion_tokens").Int())
	}
	if !cached.Exists() {
		set("usage.prompt_tokens_details.cached_tokens", u.Get("prompt_cache_hit_tokens").Int())
	}
	if !reasoning.Exists() {
		set("usage.completion_tokens_details.reasoning_tokens", 0)
	}
	return out
}
