package host

import (
	"errors"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/pdk/go/detect/fields"
)

// match_redact (pdk/ABI.md): the host scans the object's text fields,
// replaces each finding by the placeholder its kind's rule gives, and
// rebuilds the body once. The guest gets only what it needs: a blocked kind,
// the counts per kind, and the placeholders with their values.

func init() {
	registerHostFunc(abi.FnMatchRedact, hostFunc{sig: signature{i32s(6), i32s(1)}, fn: hMatchRedact})
}

// hMatchRedact: (obj, path_ptr, path_len, matcher, buf, cap) -> len. A
// result larger than cap returns its length and changes nothing: the guest
// calls again with a larger buffer.
func hMatchRedact(in *Instance, s []uint64) int32 {
	m := in.matcher(s[3])
	if m == nil || !m.Redacts() {
		return abi.ErrInvalid
	}
	obj := abi.Object(s[0])
	if obj != abi.ObjRequest && obj != abi.ObjResponse && obj != abi.ObjChunk {
		return abi.ErrInvalid
	}
	b, code := in.ex.body(obj, in.phase, in.adapter, true)
	if code != 0 {
		return code
	}
	r := &in.match.redact
	out, blocked, err := r.Redact(nil, int(uint32(s[0])), b, in.readString(s[1], s[2]), m)
	switch {
	case errors.Is(err, fields.ErrNotString):
		return abi.ErrNotFound
	case err != nil:
		return abi.ErrInvalid
	}
	rep := fields.AppendReport(in.match.out[:0], blocked, &r.Placeholders)
	in.match.out = rep[:0]
	if uint64(len(rep)) > uint64(uint32(s[5])) || out == nil {
		return in.give(s[4], s[5], rep)
	}
	if !in.spend(r.Written) {
		return abi.ErrTooLarge
	}
	in.ex.setBody(obj, out)
	return in.give(s[4], s[5], rep)
}
