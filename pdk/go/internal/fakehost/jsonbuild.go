package fakehost

import (
	"math"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go/jsonbuild"
)

// JSONBuild is json_build: the host's interpreter with plain gjson lookups.
func (h *Host) JSONBuild(obj uint32, prog, buf []byte) int32 {
	toGuest := obj == math.MaxUint32
	if !toGuest {
		if _, _, r := h.body(obj, true); r < 0 {
			return r
		}
	}
	max := math.MaxInt
	if h.MaxOutput > 0 {
		max = h.MaxOutput
		if !toGuest {
			max -= h.Written
		}
	}
	var run jsonbuild.Runner
	out, r := run.Run(nil, prog, max, source{h})
	switch {
	case r == jsonbuild.TooLarge && !toGuest:
		h.spend(max + 1)
		return TooLarge
	case r < 0:
		return r
	case toGuest:
		return put(buf, out)
	}
	if !h.spend(len(out)) {
		return TooLarge
	}
	if obj != ObjUpstreamRequest && !(obj == ObjChunk && len(out) == 0) && !gjson.ValidBytes(out) {
		return Invalid
	}
	h.Objs[obj].SetBody(out)
	return int32(len(out))
}

// source looks paths up with gjson alone.
type source struct{ h *Host }

func (s source) Lookup(obj uint32, path string) (gjson.Result, int32) {
	b, _, r := s.h.body(obj, false)
	if r < 0 {
		return gjson.Result{}, r
	}
	return gjson.GetBytes(b, path), 0
}

func (source) Members(v gjson.Result, dst []jsonbuild.Member) []jsonbuild.Member {
	return jsonbuild.GJSONMembers(v, dst)
}
