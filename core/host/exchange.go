package host

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/jsonscan"
)

// Field is one header.
type Field struct{ Name, Value string }

// Header is a small ordered header list with lower-case names. A slice beats
// a map for the handful of headers an LLM exchange carries.
type Header []Field

// Get returns the value of a header (name is matched case-insensitively).
func (h Header) Get(name string) (string, bool) {
	for i := range h {
		if strings.EqualFold(h[i].Name, name) {
			return h[i].Value, true
		}
	}
	return "", false
}

// Set replaces or adds a header.
func (h *Header) Set(name, value string) {
	for i := range *h {
		if strings.EqualFold((*h)[i].Name, name) {
			(*h)[i].Value = value
			return
		}
	}
	*h = append(*h, Field{strings.ToLower(name), value})
}

// Add appends a header without replacing. Names keep their case (lookups
// ignore it): copying a request's headers allocates nothing more.
func (h *Header) Add(name, value string) { *h = append(*h, Field{name, value}) }

// Del removes a header.
func (h *Header) Del(name string) {
	out := (*h)[:0]
	for _, f := range *h {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	*h = out
}

// Exchange is the data of one request as plugins see it: the canonical
// request, response and chunk, the provider request and response, and the
// attributes. The gateway fills it; host functions read and write it.
type Exchange struct {
	Request   []byte
	ReqHeader Header

	// Response is the canonical response; nil means "the provider's as is".
	Response   []byte
	RespHeader Header
	RespStatus int

	// Chunk is the canonical chunk; ChunkSet false means "the provider's as is".
	Chunk    []byte
	ChunkSet bool

	UpURL    string
	UpMethod string
	UpHeader Header
	// UpBody is the provider request body; nil means "the canonical request".
	UpBody []byte

	UpStatus     int
	UpRespHeader Header
	UpRespBody   []byte
	UpChunk      []byte

	// APIKey is the provider key, shown to the adapter only.
	APIKey string
	// ProviderStats renders the providers' live statistics for the
	// provider_stats host function (routing.go); nil when there are none.
	ProviderStats func() []byte

	attrs []Field

	// top remembers top-level fields of the request, so that plugins' path
	// lookups start at their key instead of rescanning the body; topFull
	// says it holds every key. Any change of the body empties it.
	top     []topEntry
	topFull bool
	members []jsonscan.Member // IndexRequest's scratch
	// spans are where the elements of the request's top-level arrays are,
	// found by IndexRequest's pass (topEntry.first points in).
	spans []jsonscan.Span

	values []keyValue // what host services keep for this request (SetValue)
	// elems are the elements of one top-level array of the request (the
	// messages, mostly), so that a path into element i starts at it instead
	// of walking the array again; elemKey is that array's key ("" = none).
	elemKey string
	elems   []gjson.Result
	// nodes index every value of the request, built in one pass the first
	// time a json_build program reads the members of a value inside it
	// (jsonbuild.go); nodesBuilt says they are there.
	nodes      []jsonscan.Node
	nodesBuilt bool
	lastNode   int // the node json_build read the members of last

	// Outcome of send_response / send_error in the last hook.
	ShortStatus int
	ShortBody   []byte
	ErrType     string
	ErrMessage  string
}

// Reset clears the exchange for reuse, keeping its buffers.
func (ex *Exchange) Reset() {
	*ex = Exchange{
		ReqHeader:    ex.ReqHeader[:0],
		RespHeader:   ex.RespHeader[:0],
		UpHeader:     ex.UpHeader[:0],
		UpRespHeader: ex.UpRespHeader[:0],
		attrs:        ex.attrs[:0],
		top:          ex.top[:0],
		members:      ex.members[:0],
		spans:        ex.spans[:0],
		elems:        ex.elems[:0],
		nodes:        ex.nodes[:0],
	}
}

type topEntry struct {
	key string
	// val is the value; IndexRequest fills in only its Raw, and parsed
	// says when the rest is there: most fields are never read by a plugin,
	// and parsing numbers and strings is a visible share of the index.
	val    gjson.Result
	parsed bool
	found  bool
	elems  int // elements of an array value; -1 otherwise or unknown
	first  int // index of the first element's span, when elems >= 0
}

// SetRequest replaces the canonical request body.
func (ex *Exchange) SetRequest(b []byte) {
	ex.Request, ex.top, ex.topFull = b, ex.top[:0], false
	ex.elemKey, ex.elems, ex.nodesBuilt = "", ex.elems[:0], false
}

func (ex *Exchange) requestView() string {
	// A view, not a copy: entries are only read until the body changes, and
	// every change empties them.
	return unsafe.String(unsafe.SliceData(ex.Request), len(ex.Request))
}

// IndexRequest checks that the request is one valid JSON value and, in the
// same pass, records every top-level field of an object (the first, should
// a key repeat, as path lookups do) and the length of each top-level array.
// The gateway calls it once per request; plugins' lookups then start at
// their key. It reports whether the request is an object.
func (ex *Exchange) IndexRequest() (object bool, err error) {
	ex.top = ex.top[:0]
	ex.members, ex.spans, err = jsonscan.ScanElems(ex.Request, ex.members[:0], ex.spans[:0])
	if err != nil {
		return false, err
	}
	if b := bytes.TrimLeft(ex.Request, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		return false, nil
	}
next:
	for _, m := range ex.members {
		key := unsafe.String(unsafe.SliceData(m.Key), len(m.Key))
		if m.KeyEscaped {
			key = gjson.Parse(`"` + key + `"`).Str
		}
		for _, e := range ex.top {
			if e.key == key {
				continue next
			}
		}
		raw := unsafe.String(unsafe.SliceData(m.Value), len(m.Value))
		ex.top = append(ex.top, topEntry{key: key, val: gjson.Result{Raw: raw}, found: true, elems: m.Elems, first: m.FirstElem})
	}
	ex.topFull = true
	return true, nil
}

// entry is the remembered top-level field key, or nil.
func (ex *Exchange) entry(key string) *topEntry {
	for i := range ex.top {
		if ex.top[i].key == key {
			return &ex.top[i]
		}
	}
	return nil
}

// TopElems returns the number of elements of a top-level array of the
// request, when the index knows it.
func (ex *Exchange) TopElems(key string) (int, bool) {
	if e := ex.entry(key); e != nil {
		return e.elems, e.found && e.elems >= 0
	}
	return 0, false
}

// Top returns a top-level field of the request, a plain key (no path
// syntax). Without a full index it looks the key up and remembers it.
func (ex *Exchange) Top(key string) (gjson.Result, bool) {
	if e := ex.topEntry(key); e != nil {
		return e.val, e.found
	}
	return gjson.Result{}, false
}

// topEntry is Top's entry for key, parsed; nil when the full index has no
// such field.
func (ex *Exchange) topEntry(key string) *topEntry {
	if e := ex.entry(key); e != nil {
		if !e.parsed {
			e.val, e.parsed = gjson.Parse(e.val.Raw), true
		}
		return e
	}
	if ex.topFull {
		return nil
	}
	v := gjson.Get(ex.requestView(), key)
	ex.top = append(ex.top, topEntry{key: key, val: v, parsed: true, found: v.Exists(), elems: -1})
	return &ex.top[len(ex.top)-1]
}

// requestPath is the value at a path of the request. Lookups start at the
// remembered top-level field, and, for an index into a top-level array, at
// the remembered element: a plugin walking the messages does not rescan
// them for every message.
func (ex *Exchange) requestPath(path string) gjson.Result {
	key, rest, ok := topKey(path)
	if !ok {
		return gjson.Get(ex.requestView(), path)
	}
	e := ex.topEntry(key)
	if e == nil {
		return gjson.Result{}
	}
	r := e.val
	if !e.found || rest == "" {
		return r
	}
	if i, tail, isIndex := indexKey(rest); isIndex && r.IsArray() {
		if r, ok = ex.elem(e, key, i); ok && tail != "" {
			r = gjson.Get(r.Raw, tail)
		}
		return r
	}
	return gjson.Get(r.Raw, rest)
}

// elem returns element i of the top-level array e, the request's field
// key: from the spans IndexRequest found, or else by remembering every
// element's position on the first call for that key.
func (ex *Exchange) elem(e *topEntry, key string, i int) (gjson.Result, bool) {
	if ex.topFull {
		if e.elems < 0 || i >= e.elems {
			return gjson.Result{}, false
		}
		sp := ex.spans[e.first+i]
		return gjson.Parse(view(ex.Request[sp.Start:sp.End])), true
	}
	if ex.elemKey != key {
		ex.elems = ex.elems[:0]
		e.val.ForEach(func(_, v gjson.Result) bool {
			ex.elems = append(ex.elems, v)
			return true
		})
		ex.elemKey = key
	}
	if i < len(ex.elems) {
		return ex.elems[i], true
	}
	return gjson.Result{}, false
}

type keyValue struct{ k, v any }

// Value returns what a host service kept for this request under k.
func (ex *Exchange) Value(k any) any {
	for _, kv := range ex.values {
		if kv.k == k {
			return kv.v
		}
	}
	return nil
}

// SetValue keeps v for the rest of this request (a host service's state
// between a plugin's calls; cleared with the exchange). Use an unexported
// key type, as with context values.
func (ex *Exchange) SetValue(k, v any) {
	for i := range ex.values {
		if ex.values[i].k == k {
			ex.values[i].v = v
			return
		}
	}
	ex.values = append(ex.values, keyValue{k, v})
}

// Attr returns an attribute.
func (ex *Exchange) Attr(name string) (string, bool) {
	for i := range ex.attrs {
		if ex.attrs[i].Name == name {
			return ex.attrs[i].Value, true
		}
	}
	return "", false
}

// SetAttr sets an attribute; the gateway uses it for the reserved ones too.
func (ex *Exchange) SetAttr(name, value string) {
	for i := range ex.attrs {
		if ex.attrs[i].Name == name {
			ex.attrs[i].Value = value
			return
		}
	}
	ex.attrs = append(ex.attrs, Field{name, value})
}

// DelAttr removes an attribute.
func (ex *Exchange) DelAttr(name string) {
	for i := range ex.attrs {
		if ex.attrs[i].Name == name {
			ex.attrs = append(ex.attrs[:i], ex.attrs[i+1:]...)
			return
		}
	}
}

// Attrs returns all attributes (read only).
func (ex *Exchange) Attrs() []Field { return ex.attrs }

// UpstreamBody is the body to send to the provider.
func (ex *Exchange) UpstreamBody() []byte {
	if ex.UpBody != nil {
		return ex.UpBody
	}
	return ex.Request
}

// FinalResponse is the canonical response after the adapter.
func (ex *Exchange) FinalResponse() []byte {
	if ex.Response != nil {
		return ex.Response
	}
	return ex.UpRespBody
}

// FinalChunk is the canonical chunk after the adapter.
func (ex *Exchange) FinalChunk() []byte {
	if ex.ChunkSet {
		return ex.Chunk
	}
	return ex.UpChunk
}

// body returns the body of an object for a hook of phase ph, or an ABI
// error result when the object is not available to it.
func (ex *Exchange) body(obj abi.Object, ph abi.Phase, adapter, write bool) ([]byte, int32) {
	switch obj {
	case abi.ObjRequest:
		if write && ph != abi.PhaseRequest {
			return nil, abi.ErrNotAvailable
		}
		return ex.Request, 0
	case abi.ObjResponse:
		if ph != abi.PhaseResponse {
			return nil, abi.ErrNotAvailable
		}
		return ex.FinalResponse(), 0
	case abi.ObjChunk:
		if ph != abi.PhaseChunk {
			return nil, abi.ErrNotAvailable
		}
		return ex.FinalChunk(), 0
	case abi.ObjUpstreamRequest:
		if ph != abi.PhaseRequest || !adapter {
			return nil, abi.ErrNotAvailable
		}
		return ex.UpstreamBody(), 0
	case abi.ObjUpstreamResponse:
		if ph == abi.PhaseRequest || !adapter || write {
			return nil, abi.ErrNotAvailable
		}
		return ex.UpRespBody, 0
	case abi.ObjUpstreamChunk:
		if ph != abi.PhaseChunk || !adapter || write {
			return nil, abi.ErrNotAvailable
		}
		return ex.UpChunk, 0
	}
	return nil, abi.ErrInvalid
}

// setBody stores a new body for an object already checked by body.
func (ex *Exchange) setBody(obj abi.Object, b []byte) {
	switch obj {
	case abi.ObjRequest:
		ex.SetRequest(b)
	case abi.ObjResponse:
		ex.Response = b
	case abi.ObjChunk:
		ex.Chunk, ex.ChunkSet = b, true
	case abi.ObjUpstreamRequest:
		ex.UpBody = b
	}
}

// header returns the header list of an object for a hook.
func (ex *Exchange) header(obj abi.Object, ph abi.Phase, adapter, write bool) (*Header, int32) {
	switch obj {
	case abi.ObjRequest:
		if write && ph != abi.PhaseRequest {
			return nil, abi.ErrNotAvailable
		}
		return &ex.ReqHeader, 0
	case abi.ObjResponse:
		// In the request phase, headers set here go out with whatever
		// answers the request (a short-circuit response or the provider's).
		if ph == abi.PhaseRequest && !write {
			return nil, abi.ErrNotAvailable
		}
		return &ex.RespHeader, 0
	case abi.ObjUpstreamRequest:
		if ph != abi.PhaseRequest || !adapter {
			return nil, abi.ErrNotAvailable
		}
		return &ex.UpHeader, 0
	case abi.ObjUpstreamResponse:
		if ph == abi.PhaseRequest || !adapter || write {
			return nil, abi.ErrNotAvailable
		}
		return &ex.UpRespHeader, 0
	case abi.ObjChunk, abi.ObjUpstreamChunk:
		return nil, abi.ErrNotAvailable
	}
	return nil, abi.ErrInvalid
}

// RequestIDAttr is the request id attribute.
func (ex *Exchange) RequestIDAttr() string {
	v, _ := ex.Attr(abi.AttrRequestID)
	return v
}
