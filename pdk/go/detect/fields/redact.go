package fields

import (
	"encoding/binary"
	"errors"
	"slices"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go/detect"
	"github.com/wasmgate/wasmgate/pdk/go/jsonenc"
)

// Redactor applies a matcher's redact rules to an object's text fields in
// one pass (the host function match_redact, pdk/ABI.md): it finds, replaces
// and rebuilds the body once, however many fields change. It keeps its
// buffers between calls; it is not safe for concurrent use.
type Redactor struct {
	Placeholders detect.Placeholders
	// Written is the bytes of the fields the last Redact wrote (their new
	// JSON values and paths), for the caller's output limit.
	Written int

	spans []detect.Span
	plain []byte
	lits  []byte // the new string literals, back to back
	edits []edit
}

// edit replaces body[at:end] (a string literal) with lits[from:to].
type edit struct{ at, end, from, to int }

// ErrNotString is a path that names no string.
var ErrNotString = errors.New("fields: the path names no string")

var errLayout = errors.New("fields: a text field is not where the parser put it")

// Redact applies m's redact rules to the text fields of obj's body (Walk),
// or to the string at path. When a finding has a block rule nothing is
// changed and its kind is returned. Otherwise out is the rewritten body
// (appended to dst), or nil when nothing changed, and r.Placeholders holds
// the placeholders issued and the counts per kind, until the next Redact.
func (r *Redactor) Redact(dst []byte, obj int, body []byte, path string, m *detect.Matcher) (out []byte, blocked detect.Kind, err error) {
	if !m.Redacts() {
		return nil, 0, errors.New("fields: the matcher has no redact rules")
	}
	r.Placeholders.Reset()
	r.lits, r.edits, r.Written = r.lits[:0], r.edits[:0], 0
	field := func(p []byte, v gjson.Result) bool {
		r.spans = m.Find(r.spans[:0], v.Str)
		if len(r.spans) == 0 {
			return true
		}
		if blocked = m.BlockedKind(r.spans); blocked != 0 {
			return false
		}
		var changed bool
		r.plain, changed, err = m.AppendRedacted(r.plain[:0], v.Str, r.spans, &r.Placeholders)
		if err != nil || !changed {
			return err == nil
		}
		end := v.Index + len(v.Raw)
		if v.Index <= 0 || end > len(body) || string(body[v.Index:end]) != v.Raw ||
			len(r.edits) > 0 && r.edits[len(r.edits)-1].end > v.Index {
			err = errLayout
			return false
		}
		from := len(r.lits)
		r.lits = jsonenc.AppendString(r.lits, unsafe.String(unsafe.SliceData(r.plain), len(r.plain)))
		r.edits = append(r.edits, edit{v.Index, end, from, len(r.lits)})
		r.Written += len(r.lits) - from + len(p)
		return true
	}
	if path == "" {
		walk(obj, body, field)
	} else {
		v := gjson.Get(unsafe.String(unsafe.SliceData(body), len(body)), path)
		if v.Type != gjson.String {
			return nil, 0, ErrNotString
		}
		field([]byte(path), v)
	}
	if err != nil || blocked != 0 || len(r.edits) == 0 {
		r.Placeholders.Reset()
		return nil, blocked, err
	}
	size := len(body) + len(r.lits)
	for _, e := range r.edits {
		size -= e.end - e.at
	}
	dst = slices.Grow(dst, size) // one allocation for the new body
	last := 0
	for _, e := range r.edits {
		dst = append(append(dst, body[last:e.at]...), r.lits[e.from:e.to]...)
		last = e.end
	}
	return append(dst, body[last:]...), 0, nil
}

// AppendReport appends the result of match_redact in its wire layout, every
// number a little-endian u32: blocked kind (0: none); count, count × (kind,
// replaced); count, count × (placeholder_len, placeholder, value_len,
// value) for the placeholders of mask rules, in issue order.
func AppendReport(dst []byte, blocked detect.Kind, ph *detect.Placeholders) []byte {
	le := binary.LittleEndian
	dst = le.AppendUint32(dst, uint32(blocked))
	dst = le.AppendUint32(dst, uint32(len(ph.Counts)))
	for _, c := range ph.Counts {
		dst = le.AppendUint32(le.AppendUint32(dst, uint32(c.Kind)), uint32(c.Count))
	}
	dst = le.AppendUint32(dst, uint32(len(ph.Pairs)))
	for _, p := range ph.Pairs {
		dst = append(le.AppendUint32(dst, uint32(len(p.Placeholder))), p.Placeholder...)
		dst = append(le.AppendUint32(dst, uint32(len(p.Value))), p.Value...)
	}
	return dst
}
