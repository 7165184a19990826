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
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
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
	MaxOutput int // per hook call; 0 means no limit

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

// access says whether the object's body (or headers) may be read or written
// in the current phase, as in the object table of pdk/ABI.md.
func (h *Host) access(obj uint32, write, headers bool) int32 {
	ok := false
	switch obj {
	case ObjRequest:
		ok = h.Phase == PhaseRequest || (!write && h.Phase != PhaseInit)
	case ObjResponse:
		ok = h.Phase == PhaseResponse || (h.Phase == PhaseChunk && headers && write)
	case ObjChunk:
		ok = h.Phase == PhaseChunk && !headers
	case ObjUpstreamRequest:
		ok = h.Adapter && h.Phase == PhaseRequest
	case ObjUpstreamResponse:
		ok = h.Adapter && !write && (h.Phase == PhaseResponse || h.Phase == PhaseChunk)
	case ObjUpstreamChunk:
		ok = h.Adapter && !write && h.Phase == PhaseChunk && !headers
	}
	if !ok {
		return NotAvailable
	}
	return 0
}

// output counts n bytes written by the plugin in this call.
func (h *Host) output(n int) int32 {
	h.Written += n
	if h.MaxOutput > 0 && h.Written > h.MaxOutput {
		h.fail("output over the limit of " + strconv.Itoa(h.MaxOutput) + " bytes")
		return TooLarge
	}
	return 0
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
	if r := h.access(obj, false, false); r < 0 {
		return r
	}
	o := &h.Objs[obj]
	if !o.HasBody {
		return NotFound
	}
	return put(buf, o.Body)
}

// BodySet is body_set.
func (h *Host) BodySet(obj uint32, b string) int32 {
	if r := h.access(obj, true, false); r < 0 {
		return r
	}
	if r := h.output(len(b)); r < 0 {
		return r
	}
	mustJSON := obj == ObjRequest || obj == ObjResponse || obj == ObjChunk
	if mustJSON && !(obj == ObjChunk && b == "") && !gjson.Valid(b) {
		return Invalid
	}
	h.Objs[obj].SetBody([]byte(b))
	return 0
}

// JSONGet is json_get.
func (h *Host) JSONGet(obj uint32, path string, flags uint32, buf []byte) int32 {
	if r := h.access(obj, false, false); r < 0 {
		return r
	}
	if path == "" || flags&^1 != 0 {
		return Invalid
	}
	o := &h.Objs[obj]
	if !o.HasBody {
		return NotFound
	}
	res := gjson.GetBytes(o.Body, path)
	if !res.Exists() {
		return NotFound
	}
	if flags&1 != 0 && res.Type == gjson.String {
		return put(buf, []byte(res.Str))
	}
	return put(buf, []byte(res.Raw))
}

// JSONSet is json_set.
func (h *Host) JSONSet(obj uint32, path string, flags uint32, val string) int32 {
	if r := h.access(obj, true, false); r < 0 {
		return r
	}
	if path == "" || flags&^3 != 0 || flags == 3 || strings.Contains(path, "#") {
		return Invalid
	}
	o := &h.Objs[obj]
	if !o.HasBody {
		return NotFound
	}
	var (
		out []byte
		err error
	)
	switch {
	case flags&2 != 0:
		out, err = sjson.DeleteBytes(o.Body, path)
	case flags&1 != 0:
		if r := h.output(len(val)); r < 0 {
			return r
		}
		out, err = sjson.SetBytes(o.Body, path, val)
	default:
		if r := h.output(len(val)); r < 0 {
			return r
		}
		if !gjson.Valid(val) {
			return Invalid
		}
		out, err = sjson.SetRawBytes(o.Body, path, []byte(val))
	}
	if err != nil {
		return Invalid
	}
	o.Body = out
	return 0
}

// HeaderGet is header_get.
func (h *Host) HeaderGet(obj uint32, name string, buf []byte) int32 {
	if r := h.access(obj, false, true); r < 0 {
		return r
	}
	v, ok := h.Objs[obj].Headers[strings.ToLower(name)]
	if !ok {
		if obj == ObjUpstreamRequest && strings.EqualFold(name, ":method") {
			return put(buf, []byte("POST"))
		}
		return NotFound
	}
	return put(buf, []byte(v))
}

// HeaderSet is header_set; del deletes the header.
func (h *Host) HeaderSet(obj uint32, name, val string, del bool) int32 {
	if r := h.access(obj, true, true); r < 0 {
		return r
	}
	name = strings.ToLower(name)
	if name == "" {
		return Invalid
	}
	if del {
		delete(h.Objs[obj].Headers, name)
		return 0
	}
	if r := h.output(len(val)); r < 0 {
		return r
	}
	if strings.HasPrefix(name, ":") {
		switch {
		case name == ":status" && obj == ObjResponse:
			if n, err := strconv.Atoi(val); err != nil || n < 100 || n > 599 {
				return Invalid
			}
		case name == ":url" && obj == ObjUpstreamRequest:
			u, err := url.Parse(val)
			if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return Invalid
			}
		case name == ":method" && obj == ObjUpstreamRequest:
			if val == "" || strings.ContainsAny(val, " \t\r\n") {
				return Invalid
			}
		default:
			return Invalid
		}
	} else if strings.ContainsAny(val, "\r\n") || strings.ContainsAny(name, " \t\r\n:") {
		return Invalid
	}
	h.Objs[obj].Headers[name] = val
	return 0
}

// AttrGet is attr_get.
func (h *Host) AttrGet(name string, buf []byte) int32 {
	if h.Phase == PhaseInit {
		return NotAvailable
	}
	if name == "wasmgate.provider.api_key" && !h.Adapter {
		return Denied
	}
	v, ok := h.Attrs[name]
	if !ok {
		return NotFound
	}
	return put(buf, []byte(v))
}

// AttrSet is attr_set; del deletes the attribute.
func (h *Host) AttrSet(name, val string, del bool) int32 {
	if h.Phase == PhaseInit {
		return NotAvailable
	}
	if name == "" {
		return Invalid
	}
	if strings.HasPrefix(name, "wasmgate.") {
		return Denied
	}
	if del {
		delete(h.Attrs, name)
		return 0
	}
	if r := h.output(len(val)); r < 0 {
		return r
	}
	h.Attrs[name] = val
	return 0
}

// SendResponse is send_response.
func (h *Host) SendResponse(status int32, body string) int32 {
	if h.Phase != PhaseRequest && h.Phase != PhaseResponse {
		return NotAvailable
	}
	if r := h.output(len(body)); r < 0 {
		return r
	}
	if status < 100 || status > 599 || !gjson.Valid(body) {
		return Invalid
	}
	h.Sent = &Reply{Status: int(status), Body: []byte(body)}
	return 0
}

// SendError is send_error.
func (h *Host) SendError(status int32, typ, msg string) int32 {
	if r := h.output(len(typ) + len(msg)); r < 0 {
		return r
	}
	if status < 400 || status > 599 || typ == "" {
		return Invalid
	}
	h.SentErr = &ErrorReply{Status: int(status), Type: typ, Message: msg}
	return 0
}
