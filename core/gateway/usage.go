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
	// The usage object is small: rewrite it alone, then splice it back in
	// one copy of the body (sjson on the whole body copied it per field).
	nu := []byte(u.Raw)
	set := func(path string, v int64) {
		if nb, err := sjson.SetBytes(nu, path, v); err == nil {
			nu = nb
		}
	}
	if !total.Exists() {
		set("total_tokens", u.Get("prompt_tokens").Int()+u.Get("completion_tokens").Int())
	}
	if !cached.Exists() {
		set("prompt_tokens_details.cached_tokens", u.Get("prompt_cache_hit_tokens").Int())
	}
	if !reasoning.Exists() {
		set("completion_tokens_details.reasoning_tokens", 0)
	}
	if u.Index <= 0 || u.Index+len(u.Raw) > len(b) || string(b[u.Index:u.Index+len(u.Raw)]) != u.Raw {
		return b // not where gjson said: leave the body alone
	}
	out := make([]byte, 0, len(b)+len(nu)-len(u.Raw))
	out = append(out, b[:u.Index]...)
	out = append(out, nu...)
	return append(out, b[u.Index+len(u.Raw):]...)
}
