package gateway

import (
	"bytes"
	"strconv"

	"github.com/tidwall/gjson"
	"github.com/wasmgate/wasmgate/core/jsonscan"
)

var usageKey = []byte(`"usage"`)

// normalizeUsage makes a canonical response's or chunk's usage carry the
// four counts clients and plugins rely on: prompt and completion tokens
// (with the total), cached prompt tokens and reasoning tokens. Providers
// that report the last two elsewhere or not at all get them filled in
// (DeepSeek's prompt_cache_hit_tokens; 0 when unknown). A body without a
// usage object, the common chunk, is returned as is after one byte search.
//
// It runs on every answer, so it works on jsonscan's top-level index and
// splices the few missing members in by hand: gjson/sjson cost about a
// tenth of the gateway's CPU here.
func normalizeUsage(b []byte) []byte {
	if !bytes.Contains(b, usageKey) {
		return b
	}
	out, _ := normalizeUsageChecked(b, false)
	return out
}

// usageSlack is the spare capacity the gateway leaves after a provider's
// answer (upstream.Request.Slack) for normalizeUsageChecked to complete the
// usage in place: the three members it may add take about 120 bytes.
const usageSlack = 192

// normalizeUsageChecked is normalizeUsage for a body not yet checked: the
// one scan that finds the usage also checks that b is JSON (the error).
// An invalid body is returned as is with the error. When owned, b is the
// caller's alone and the usage is rewritten inside it if its capacity
// allows, rather than in a copy of the whole body.
func normalizeUsageChecked(b []byte, owned bool) ([]byte, error) {
	var top [16]jsonscan.Member
	members, err := jsonscan.Scan(b, top[:0])
	if err != nil {
		return b, err
	}
	u := member(members, "usage")
	if u == nil || len(u.Value) < 2 || u.Value[0] != '{' {
		return b, nil
	}
	var inner [16]jsonscan.Member
	fields, err := jsonscan.Scan(u.Value, inner[:0])
	if err != nil {
		return b, nil
	}
	for i := range fields {
		if fields[i].KeyEscaped {
			return b, nil // never in practice; leave such a body alone
		}
	}
	total := member(fields, "total_tokens")
	pd := member(fields, "prompt_tokens_details")
	cd := member(fields, "completion_tokens_details")
	hasCached := hasMember(pd, "cached_tokens")
	hasReasoning := hasMember(cd, "reasoning_tokens")
	if total != nil && hasCached && hasReasoning {
		return b, nil
	}

	// Rebuild the usage object in place of the old one: its members in
	// order, details completed, the missing ones appended.
	// u.Value is b[start:start+len]: jsonscan slices without a capacity
	// limit, so the capacities give the offset.
	start := cap(b) - cap(u.Value)
	var buf [512]byte
	out := append(buf[:0], '{')
	first := len(out)
	var num [24]byte
	cached := strconv.AppendInt(num[:0], intValue(member(fields, "prompt_cache_hit_tokens")), 10)
	for i := range fields {
		f := &fields[i]
		out = appendKey(out, first, f.Key)
		switch {
		case f == pd && !hasCached:
			out = appendWith(out, f.Value, "cached_tokens", cached)
		case f == cd && !hasReasoning:
			out = appendWith(out, f.Value, "reasoning_tokens", zero)
		default:
			out = append(out, f.Value...)
		}
	}
	if total == nil {
		sum := intValue(member(fields, "prompt_tokens")) + intValue(member(fields, "completion_tokens"))
		out = strconv.AppendInt(appendKey(out, first, totalKey), sum, 10)
	}
	if pd == nil {
		out = appendWith(appendKey(out, first, promptDetailsKey), nil, "cached_tokens", cached)
	}
	if cd == nil {
		out = appendWith(appendKey(out, first, completionDetailsKey), nil, "reasoning_tokens", zero)
	}
	out = append(out, '}')
	// out is the new usage and the rest of the body after it (short: the
	// usage comes last or nearly).
	out = append(out, b[start+len(u.Value):]...)
	if owned && start+len(out) <= cap(b) {
		return append(b[:start], out...), nil
	}
	return append(append(make([]byte, 0, start+len(out)), b[:start]...), out...), nil
}

var (
	zero                 = []byte("0")
	totalKey             = []byte("total_tokens")
	promptDetailsKey     = []byte("prompt_tokens_details")
	completionDetailsKey = []byte("completion_tokens_details")
)

// appendKey appends `"key":`, after a comma unless it is the object's first
// member (the object's members start at first).
func appendKey(out []byte, first int, key []byte) []byte {
	if len(out) > first {
		out = append(out, ',')
	}
	out = append(append(out, '"'), key...)
	return append(out, '"', ':')
}

// appendWith appends obj (an object value) with "key":value added at its
// end; {"key":value} when obj is not an object (null, absent).
func appendWith(out, obj []byte, key string, value []byte) []byte {
	var body []byte
	if len(obj) >= 2 && obj[0] == '{' {
		body = bytes.TrimSpace(obj[1 : len(obj)-1])
	}
	out = append(append(out, '{'), body...)
	if len(body) > 0 {
		out = append(out, ',')
	}
	out = append(append(append(out, '"'), key...), '"', ':')
	return append(append(out, value...), '}')
}

// member returns the first member named key, or nil.
func member(ms []jsonscan.Member, key string) *jsonscan.Member {
	for i := range ms {
		if string(ms[i].Key) == key {
			return &ms[i]
		}
	}
	return nil
}

// hasMember reports whether obj's value is an object with a member key.
func hasMember(obj *jsonscan.Member, key string) bool {
	if obj == nil || len(obj.Value) == 0 || obj.Value[0] != '{' {
		return false
	}
	var buf [16]jsonscan.Member
	ms, err := jsonscan.Scan(obj.Value, buf[:0])
	return err == nil && member(ms, key) != nil
}

// intValue is a member's value as an integer; 0 when absent or not a
// number (gjson's reading of floats and numeric strings).
func intValue(m *jsonscan.Member) int64 {
	if m == nil {
		return 0
	}
	if n, err := strconv.ParseInt(string(m.Value), 10, 64); err == nil {
		return n
	}
	return gjson.ParseBytes(m.Value).Int()
}
