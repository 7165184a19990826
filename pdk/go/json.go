package pdk

import "github.com/wasmgate/wasmgate/pdk/go/jsonenc"

// The guest does no JSON scanning of bodies: compiled Go is several times
// slower at byte loops in Wasm than the host is natively, while a host call
// costs well under 100 ns. Values are found by path on the host and only
// small scalars are parsed here.

// parseInt parses a JSON integer.
func parseInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// internRole returns the role as a string, without allocating for the
// common roles.
func internRole(b []byte) string {
	switch string(b) {
	case "user":
		return "user"
	case "assistant":
		return "assistant"
	case "system":
		return "system"
	case "developer":
		return "developer"
	case "tool":
		return "tool"
	}
	return string(b)
}

// AppendJSONString appends s to dst as a JSON string literal, with quotes.
// It is for plugins that build small JSON values without encoding/json.
func AppendJSONString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s) }
