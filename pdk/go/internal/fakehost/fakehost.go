// Package fakehost is an in-memory implementation of the wasmgate host
// functions. The pdk package uses it in non-wasip1 builds so that plugins run
// as ordinary Go code in tests; package pdktest drives it.
//
// It follows the host's semantics in pdk/ABI.md: gjson paths for json_get
// (including "#" for an array's length), sjson paths for json_set (including
// "-1" to append), the phase and adapter rules of the object table, reserved
// attributes, and the per-call output limit.
package fakehost

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/wasmgate/wasmgate/pdk/go/detect"
)

// Host results (pdk/ABI.md).
const (
	NotFound     int32 = -1
	NotAvailable int32 = -2
	TooLarge     int32 = -3
	Invalid      int32 = -4
	Denied       int32 = -5
)

// Objects.
const (
	ObjRequest = iota
	ObjResponse
	ObjChunk
	ObjUpstreamRequest
	ObjUpstreamResponse
	ObjUpstreamChunk
	numObjects
)

// Phase is the hook being called.
type Phase int

const (
	PhaseInit Phase = iota
	PhaseRequest
	PhaseResponse
	PhaseChunk
)

// Obj is one object's body and headers. Header names are lower case.
type Obj struct {
	Body    []byte
	HasBody bool
	Headers map[string]string
}

// SetBody sets the body.
func (o *Obj) SetBody(b []byte) { o.Body, o.HasBody = append([]byte(nil), b...), true }

// Reply is what send_response was given.
type Reply struct {
	Status int
	Body   []byte
}

// ErrorReply is what send_error was given.
type ErrorReply struct {
	Status  int
	Type    string
	Message string
}

// LogEntry is one call of log.
type LogEntry struct {
	Level   int
	Message string
}

// Host is the state of one fake host for one plugin instance.
type Host struct {
	Phase     Phase
	Adapter   bool // the plugin is the provider's adapter
	Config    []byte
	Objs      [numObjects]Obj
	Attrs     map[string]string
	Secrets   map[string]string // granted secrets, by name
	MaxOutput int               // per hook call; 0 means no limit
	Matchers  []*detect.Matcher // compiled by match_compile (match.go)
	// ProviderStats is what provider_stats returns ("" for not found).
	ProviderStats string
	// What metric_add counted (metric.go), for the host's lifetime.
	Metrics        map[MetricKey]int64
	MetricsDropped int64

	// Per call results, reset by Begin.
	Written  int
	Sent     *Reply
	SentErr  *ErrorReply
	Logs     []LogEntry
	Failures []string // reasons the host would treat the call as a plugin failure
}

// Current is the host the pdk package talks to in non-wasip1 builds.
var Current *Host

// Bridge to the pdk package, set by its init in non-wasip1 builds.
var (
	Register   func(plugin any)
	Init       func() int32
	OnRequest  func() int32
	OnResponse func() int32
	OnChunk    func() int32
)

// New returns a host with empty objects and attributes.
func New() *Host {
	h := &Host{Attrs: map[string]string{}}
	for i := range h.Objs {
		h.Objs[i].Headers = map[string]string{}
	}
	return h
}

// Begin starts a hook call in the phase.
func (h *Host) Begin(p Phase) {
	h.Phase = p
	h.Written = 0
	h.Sent = nil
	h.SentErr = nil
	h.Failures = nil
}

func (h *Host) fail(reason string) { h.Failures = append(h.Failures, reason) }

// body returns the body an object shows in the current phase, following the
// host: the canonical response, chunk and provider request fall back to the
// provider's response, event and the canonical request while unset.
func (h *Host) body(obj uint32, write bool) ([]byte, bool, int32) {
	ph := h.Phase
	var o, fallback *Obj
	switch obj {
	case ObjRequest:
		if ph == PhaseInit || write && ph != PhaseRequest {
			return nil, false, NotAvailable
		}
		o = &h.Objs[ObjRequest]
	case ObjResponse:
		if ph != PhaseResponse {
			return nil, false, NotAvailable
		}
		o, fallback = &h.Objs[ObjResponse], &h.Objs[ObjUpstreamResponse]
	case ObjChunk:
		if ph != PhaseChunk {
			return nil, false, NotAvailable
		}
		o, fallback = &h.Objs[ObjChunk], &h.Objs[ObjUpstreamChunk]
	case ObjUpstreamRequest:
		if ph != PhaseRequest || !h.Adapter {
			return nil, false, NotAvailable
		}
		o, fallback = &h.Objs[ObjUpstreamRequest], &h.Objs[ObjRequest]
	case ObjUpstreamResponse:
		if ph != PhaseResponse && ph != PhaseChunk || !h.Adapter || write {
			return nil, false, NotAvailable
		}
		o = &h.Objs[ObjUpstreamResponse]
	case ObjUpstreamChunk:
		if ph != PhaseChunk || !h.Adapter || write {
			return nil, false, NotAvailable
		}
		o = &h.Objs[ObjUpstreamChunk]
	default:
		return nil, false, Invalid
	}
	if !o.HasBody && fallback != nil {
		return fallback.Body, fallback.HasBody, 0
	}
	return o.Body, o.HasBody, 0
}

// headers returns the headers of an object in the current phase.
func (h *Host) headers(obj uint32, write bool) (map[string]string, int32) {
	ph := h.Phase
	ok := false
	switch obj {
	case ObjRequest:
		ok = ph != PhaseInit && !(write && ph != PhaseRequest)
	case ObjResponse:
		// Written in the request phase, they go out with the answer.
		ok = ph == PhaseResponse || ph == PhaseChunk || (ph == PhaseRequest && write)
	case ObjUpstreamRequest:
		ok = ph == PhaseRequest && h.Adapter
	case ObjUpstreamResponse:
		ok = (ph == PhaseResponse || ph == PhaseChunk) && h.Adapter && !write
	case ObjChunk, ObjUpstreamChunk:
	default:
		return nil, Invalid
	}
	if !ok {
		return nil, NotAvailable
	}
	return h.Objs[obj].Headers, 0
}

// spend counts n output bytes of this call against the limit; over it the
// call is a plugin failure.
func (h *Host) spend(n int) bool {
	h.Written += n
	if h.MaxOutput > 0 && h.Written > h.MaxOutput {
		h.fail("output over the limit of " + strconv.Itoa(h.MaxOutput) + " bytes")
		return false
	}
	return true
}

// put copies v into buf when it fits and returns its length.
func put(buf []byte, v []byte) int32 {
	if len(v) <= len(buf) {
		copy(buf, v)
	}
	return int32(len(v))
}

// Log is the log host function.
func (h *Host) Log(level int32, msg string) {
	if len(msg) > 4096 {
		msg = msg[:4096]
	}
	h.Logs = append(h.Logs, LogEntry{Level: int(level), Message: msg})
}

// ConfigGet is config_get.
func (h *Host) ConfigGet(buf []byte) int32 {
	if len(h.Config) == 0 {
		return put(buf, []byte("{}"))
	}
	return put(buf, h.Config)
}

// BodyGet is body_get.
func (h *Host) BodyGet(obj uint32, buf []byte) int32 {
	b, has, r := h.body(obj, false)
	if r < 0 {
		return r
	}
	if !has {
		return NotFound
	}
	return put(buf, b)
}

// BodySet is body_set.
func (h *Host) BodySet(obj uint32, b string) int32 {
	if _, _, r := h.body(obj, true); r < 0 {
		return r
	}
	if !h.spend(len(b)) {
		return TooLarge
	}
	if obj != ObjUpstreamRequest && !(obj == ObjChunk && b == "") && !gjson.Valid(b) {
		return Invalid
	}
	h.Objs[obj].SetBody([]byte(b))
	return 0
}

// JSONGet is json_get.
func (h *Host) JSONGet(obj uint32, path string, flags uint32, buf []byte) int32 {
	b, _, r := h.body(obj, false)
	if r < 0 {
		return r
	}
	res := gjson.GetBytes(b, path)
	if !res.Exists() {
		return NotFound
	}
	if flags&1 != 0 && res.Type == gjson.String {
		return put(buf, []byte(res.Str))
	}
	return put(buf, []byte(res.Raw))
}

// JSONSet is json_set. Unlike the host it refuses paths the ABI does not
// allow to be written (empty, or with "#"), which the host would ignore or
// misapply, so that tests catch them.
func (h *Host) JSONSet(obj uint32, path string, flags uint32, val string) int32 {
	b, _, r := h.body(obj, true)
	if r < 0 {
		return r
	}
	if path == "" || strings.Contains(path, "#") {
		return Invalid
	}
	b = append([]byte(nil), b...)
	var err error
	switch {
	case flags&2 != 0:
		b, err = sjson.DeleteBytes(b, path)
	default:
		if !h.spend(len(val) + len(path)) {
			return TooLarge
		}
		if flags&1 != 0 {
			b, err = sjson.SetBytes(b, path, val)
		} else {
			if !gjson.Valid(val) {
				return Invalid
			}
			b, err = sjson.SetRawBytes(b, path, []byte(val))
		}
	}
	if err != nil {
		return Invalid
	}
	h.Objs[obj].SetBody(b)
	return 0
}

// HeaderGet is header_get.
func (h *Host) HeaderGet(obj uint32, name string, buf []byte) int32 {
	hs, r := h.headers(obj, false)
	if r < 0 {
		return r
	}
	name = strings.ToLower(name)
	v, ok := hs[name]
	if !ok {
		switch {
		case obj == ObjUpstreamRequest && name == ":method":
			v, ok = "POST", true
		case obj == ObjResponse && name == ":status":
			v, ok = "200", true
		}
	}
	if !ok || strings.HasPrefix(name, ":") && !pseudoOf(obj, name) {
		return NotFound
	}
	return put(buf, []byte(v))
}

// pseudoOf reports whether an object has the pseudo-header.
func pseudoOf(obj uint32, name string) bool {
	switch obj {
	case ObjUpstreamRequest:
		return name == ":url" || name == ":method"
	case ObjResponse, ObjUpstreamResponse:
		return name == ":status"
	}
	return false
}

// HeaderSet is header_set; del deletes the header.
func (h *Host) HeaderSet(obj uint32, name, val string, del bool) int32 {
	hs, r := h.headers(obj, true)
	if r < 0 {
		return r
	}
	if del {
		val = ""
	}
	if !h.spend(len(name) + len(val)) {
		return TooLarge
	}
	if !validHeader(name, val) {
		return Invalid
	}
	name = strings.ToLower(name)
	if name[0] == ':' {
		switch {
		case obj == ObjUpstreamRequest && (name == ":url" || name == ":method") && !del:
		case obj == ObjResponse && name == ":status" && !del && h.Phase == PhaseResponse:
			if n, err := strconv.Atoi(val); err != nil || n < 100 || n > 599 {
				return Invalid
			}
		default:
			return Invalid
		}
	}
	if del {
		delete(hs, name)
	} else {
		hs[name] = val
	}
	return 0
}

// validHeader refuses names and values that would break HTTP framing, as the
// host does.
func validHeader(name, val string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == ':' && i > 0 {
			return false
		}
	}
	return !strings.ContainsAny(val, "\r\n\x00")
}

// AttrGet is attr_get.
func (h *Host) AttrGet(name string, buf []byte) int32 {
	if h.Phase == PhaseInit {
		return NotAvailable
	}
	if name == "wasmgate.provider.api_key" && (!h.Adapter || h.Phase != PhaseRequest) {
		return Denied
	}
	v, ok := h.Attrs[name]
	if !ok || name == "wasmgate.provider.api_key" && v == "" {
		return NotFound
	}
	return put(buf, []byte(v))
}

// AttrSet is attr_set; del deletes the attribute.
func (h *Host) AttrSet(name, val string, del bool) int32 {
	if h.Phase == PhaseInit {
		return NotAvailable
	}
	routing := (name == "wasmgate.targets" || name == "wasmgate.fallback_on") && h.Phase == PhaseRequest && !h.Adapter
	done := name == "wasmgate.upstream.done" && h.Adapter && h.Phase == PhaseChunk
	if strings.HasPrefix(name, "wasmgate.") && !routing && !done {
		return Denied
	}
	if name == "" {
		return Invalid
	}
	if del {
		delete(h.Attrs, name)
		return 0
	}
	if !h.spend(len(name) + len(val)) {
		return TooLarge
	}
	h.Attrs[strings.Clone(name)] = strings.Clone(val) // the guest may reuse its buffers, as the host copies
	return 0
}

// SendResponse is send_response.
func (h *Host) SendResponse(status int32, body string) int32 {
	if h.Phase != PhaseRequest && h.Phase != PhaseResponse {
		return NotAvailable
	}
	if !h.spend(len(body)) {
		return TooLarge
	}
	if status < 200 || status > 599 || !gjson.Valid(body) {
		return Invalid
	}
	h.Sent, h.SentErr = &Reply{Status: int(status), Body: []byte(body)}, nil
	return 0
}

// SendError is send_error.
func (h *Host) SendError(status int32, typ, msg string) int32 {
	if !h.spend(len(typ) + len(msg)) {
		return TooLarge
	}
	if status < 400 || status > 599 || typ == "" || len(typ) > 64 {
		return Invalid
	}
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	h.Sent, h.SentErr = nil, &ErrorReply{Status: int(status), Type: typ, Message: msg}
	return 0
}

// Unavailable is the result for a backend that did not answer.
const Unavailable int32 = -6

// CacheFunc answers cache_call in tests: the operation's JSON in, the
// answer (or nil for "not found") out; an error result below zero.
type CacheFunc func(op []byte) (answer []byte, result int32)

// Cache answers cache_call; nil denies it, as a plugin without the cache
// capability sees.
var Cache CacheFunc

// CacheCall is cache_call.
func (h *Host) CacheCall(op, buf []byte) int32 {
	if Cache == nil {
		return Denied
	}
	if !h.spend(len(op)) {
		return TooLarge
	}
	out, r := Cache(op)
	if r < 0 {
		return r
	}
	if out == nil {
		return NotFound
	}
	return put(buf, out)
}

// JSONDigest is json_digest. The fake hashes the body as it is (the real
// host hashes a canonical form); tests compare digests of identical bodies.
func (h *Host) JSONDigest(obj uint32, exclude string, buf []byte) int32 {
	b, _, r := h.body(obj, false)
	if r < 0 {
		return r
	}
	sum := sha256.Sum256(append([]byte(exclude+"\x00"), b...))
	return put(buf, []byte(hex.EncodeToString(sum[:])))
}

// SecretGet is secret_get: only granted names are served.
func (h *Host) SecretGet(name string, buf []byte) int32 {
	v, ok := h.Secrets[name]
	if !ok {
		return Denied
	}
	return put(buf, []byte(v))
}

// ProviderStatsGet is provider_stats.
func (h *Host) ProviderStatsGet(buf []byte) int32 {
	if h.Phase != PhaseRequest {
		return NotAvailable
	}
	if h.ProviderStats == "" {
		return NotFound
	}
	return put(buf, []byte(h.ProviderStats))
}
