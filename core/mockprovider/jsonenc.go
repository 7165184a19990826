package mockprovider

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"sync"

	"github.com/wasmgate/wasmgate/pdk/go/jsonenc"
)

// OpenAI error types.
const (
	typeInvalidRequest = "invalid_request_error"
	typeServer         = "server_error"
)

// writeError writes an error in OpenAI's shape:
// {"error":{"message":...,"type":...,"param":...,"code":...}}; an empty param
// or code is written as null.
func writeError(w http.ResponseWriter, status int, message, typ, param, code string) {
	b := make([]byte, 0, 128+len(message))
	b = append(b, `{"error":{"message":`...)
	b = appendString(b, message)
	b = append(b, `,"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"param":`...)
	b = appendNullableString(b, param)
	b = append(b, `,"code":`...)
	b = appendNullableString(b, code)
	b = append(b, "}}\n"...)
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	hdr := w.Header()
	hdr["Content-Type"] = []string{"application/json"}
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func appendNullableString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string (pdk/go/jsonenc): invalid UTF-8
// becomes U+FFFD, and control characters, U+2028 and U+2029 are escaped, as
// encoding/json does (without its HTML escaping).
func appendString(b []byte, s string) []byte { return jsonenc.AppendString(b, s) }

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(p *[]byte) {
	if cap(*p) > 1<<20 {
		return
	}
	*p = (*p)[:0]
	bufPool.Put(p)
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// maskKey shows only the ends of a key, as OpenAI does in its 401 message.
func maskKey(k string) string {
	if len(k) <= 8 {
		return "***"
	}
	return k[:3] + "***" + k[len(k)-4:]
}
