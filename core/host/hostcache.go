package host

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/abi"
)

// Cache is what the cache_call host function reaches: the gateway's cache
// service (vector store, embedder, exact entries). A plugin reaches it only
// with the "cache" capability.
type Cache interface {
	// Call runs one operation, given and answered as JSON (see pdk/ABI.md).
	// An error wrapping ErrCacheUnavailable means the backend is down: the
	// plugin sees ErrUnavailable and serves the request without the cache.
	Call(ctx context.Context, ex *Exchange, op []byte) ([]byte, error)
}

// ErrCacheUnavailable marks a cache backend (vector store, embedder) that
// did not answer.
var ErrCacheUnavailable = errors.New("cache backend unavailable")

// cacheCallTimeout bounds one cache operation, whatever the backend.
const cacheCallTimeout = 2 * time.Second

func init() {
	registerHostFunc(abi.FnJSONDigest, hostFunc{sig: signature{i32s(5), i32s(1)}, fn: hJSONDigest})
	registerHostFunc(abi.FnCacheCall, hostFunc{sig: signature{i32s(4), i32s(1)}, fn: hCacheCall})
}

// hJSONDigest: (obj, exclude_ptr, exclude_len, buf, cap) -> len. The hex
// SHA-256 of the object's canonical JSON (keys sorted, no whitespace,
// strings and numbers in one spelling), without the top-level keys named in
// the comma-separated exclude list. Two requests that differ only in key
// order, whitespace or escapes get one digest.
func hJSONDigest(in *Instance, s []uint64) int32 {
	b, code := in.ex.body(abi.Object(s[0]), in.phase, in.adapter, false)
	if code != 0 {
		return code
	}
	exclude := in.readString(s[1], s[2])
	if !in.spend(len(b)) {
		return abi.ErrTooLarge
	}
	sum := CanonicalDigest(b, strings.Split(exclude, ","))
	return in.giveString(s[3], s[4], sum)
}

// CanonicalDigest is the hex SHA-256 of doc's canonical form without the
// excluded top-level keys.
func CanonicalDigest(doc []byte, exclude []string) string {
	var buf bytes.Buffer
	buf.Grow(len(doc))
	writeCanonical(&buf, gjson.ParseBytes(doc), exclude)
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

func writeCanonical(w *bytes.Buffer, v gjson.Result, exclude []string) {
	switch {
	case v.IsObject():
		type member struct {
			key string
			val gjson.Result
		}
		var ms []member
		v.ForEach(func(k, val gjson.Result) bool {
			for _, m := range ms {
				if m.key == k.Str {
					return true // the first of duplicate keys, as lookups do
				}
			}
			for _, x := range exclude {
				if x == k.Str {
					return true
				}
			}
			ms = append(ms, member{k.Str, val})
			return true
		})
		sort.Slice(ms, func(i, j int) bool { return ms[i].key < ms[j].key })
		w.WriteByte('{')
		for i, m := range ms {
			if i > 0 {
				w.WriteByte(',')
			}
			writeString(w, m.key)
			w.WriteByte(':')
			writeCanonical(w, m.val, nil)
		}
		w.WriteByte('}')
	case v.IsArray():
		w.WriteByte('[')
		i := 0
		v.ForEach(func(_, val gjson.Result) bool {
			if i > 0 {
				w.WriteByte(',')
			}
			i++
			writeCanonical(w, val, nil)
			return true
		})
		w.WriteByte(']')
	case v.Type == gjson.String:
		writeString(w, v.Str)
	case v.Type == gjson.Number:
		if strings.ContainsAny(v.Raw, ".eE") {
			w.WriteString(strconv.FormatFloat(v.Num, 'g', -1, 64))
		} else {
			w.WriteString(v.Raw)
		}
	case v.Type == gjson.True:
		w.WriteString("true")
	case v.Type == gjson.False:
		w.WriteString("false")
	default:
		w.WriteString("null")
	}
}

func writeString(w *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // one escaping for every spelling of the same text
	w.Write(b)
}

// hCacheCall: (req_ptr, req_len, buf, cap) -> len. Runs a cache operation;
// when the answer does not fit, it is kept so that the guest's second call
// with the same request and a larger buffer gets it without running the
// operation again.
func hCacheCall(in *Instance, s []uint64) int32 {
	c := in.plugin.caps.Cache
	if c == nil {
		return abi.ErrDenied
	}
	req := in.read(s[0], s[1])
	if in.cacheAnswer != nil && string(req) == in.cacheReq {
		out := in.cacheAnswer
		if n := in.give(s[2], s[3], out); int(uint32(s[3])) >= len(out) {
			in.cacheReq, in.cacheAnswer = "", nil
			return n
		}
		return int32(len(out))
	}
	if !in.spend(len(req)) {
		return abi.ErrTooLarge
	}
	ctx, cancel := context.WithTimeout(context.Background(), cacheCallTimeout)
	defer cancel()
	out, err := c.Call(ctx, in.ex, req)
	switch {
	case errors.Is(err, ErrCacheUnavailable):
		return abi.ErrUnavailable
	case err != nil:
		in.plugin.logger.Debug("cache_call refused", "error", err)
		return abi.ErrInvalid
	case out == nil:
		return abi.ErrNotFound
	}
	if !in.spend(len(out)) {
		return abi.ErrTooLarge
	}
	if len(out) > int(uint32(s[3])) {
		in.cacheReq, in.cacheAnswer = string(req), out
	}
	return in.give(s[2], s[3], out)
}
