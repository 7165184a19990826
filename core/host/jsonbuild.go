package host

import (
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/jsonscan"
	"github.com/wasmgate/wasmgate/pdk/go/jsonbuild"
)

// json_build(obj, prog_ptr, prog_len, buf, cap) -> len (pdk/ABI.md,
// "Building bodies"): runs a program of literal, copy, kind and scope
// instructions natively and sets the output as obj's body, or, for obj -1,
// gives it to the guest. A translating adapter builds the provider body in
// one call instead of one json_get per value plus the copying in a slow guest.
func init() {
	registerHostFunc(abi.FnJSONBuild, hostFunc{sig: signature{i32s(5), i32s(1)}, fn: hJSONBuild})
}

func hJSONBuild(in *Instance, s []uint64) int32 {
	obj := int32(uint32(s[0]))
	toGuest := obj == abi.BuildToGuest
	if !toGuest {
		if _, code := in.ex.body(abi.Object(obj), in.phase, in.adapter, true); code != 0 {
			return code
		}
	}
	prog := in.read(s[1], s[2])
	max := in.plugin.limits.MaxOutputBytes
	if !toGuest {
		max -= in.out
	}
	out, code := in.builder.Run(in.build[:0], prog, max, (*buildSource)(in))
	in.build = out[:0]
	switch {
	case code == jsonbuild.TooLarge && !toGuest:
		in.spend(max + 1) // over the limit: a plugin failure, as for body_set
		return abi.ErrTooLarge
	case code != 0:
		return code
	case toGuest:
		return in.give(s[3], s[4], out)
	}
	if !in.spend(len(out)) {
		return abi.ErrTooLarge
	}
	o := abi.Object(obj)
	if o != abi.ObjUpstreamRequest && !(o == abi.ObjChunk && len(out) == 0) && !jsonscan.Valid(out) {
		return abi.ErrInvalid
	}
	in.ex.setBody(o, append([]byte(nil), out...))
	return int32(len(out))
}

// buildSource is an instance as the interpreter's source of values.
type buildSource Instance

func (b *buildSource) Lookup(obj uint32, path string) (gjson.Result, int32) {
	return (*Instance)(b).jsonLookup(abi.Object(obj), path)
}

// Members reads a value's members. For a value inside the request it uses
// an index of every value of the request, built in one pass on first use:
// a program that walks every message's fields (once for the shape query,
// again for the body) scans the request once. Other values are scanned
// with jsonscan. (The bodies were checked when they were set.)
func (b *buildSource) Members(v gjson.Result, dst []jsonbuild.Member) []jsonbuild.Member {
	if !v.IsObject() && !v.IsArray() {
		return dst
	}
	ex := b.ex
	raw := unsafe.Pointer(unsafe.StringData(v.Raw))
	req := unsafe.Pointer(unsafe.SliceData(ex.Request))
	off := int(uintptr(raw) - uintptr(req))
	if uintptr(raw) < uintptr(req) || off+len(v.Raw) > len(ex.Request) {
		b.scanBuf, _ = jsonscan.ScanAny(unsafe.Slice(unsafe.StringData(v.Raw), len(v.Raw)), b.scanBuf[:0])
		for _, m := range b.scanBuf {
			dst = append(dst, jsonbuild.Member{Key: memberKey(m.Key, m.KeyEscaped), Raw: view(m.Value)})
		}
		return dst
	}
	if !ex.nodesBuilt {
		ex.nodes, ex.nodesBuilt, ex.lastNode = jsonscan.Index(ex.Request, ex.nodes[:0]), true, 0
	}
	nodes := ex.nodes
	// A program reads values mostly in document order: the next sibling
	// of the last one (the next message) or its first child (its content)
	// before a search.
	k, found := -1, false
	if last := ex.lastNode; last < len(nodes) {
		if next := int(nodes[last].Next); next >= 0 && int(nodes[next].Start) == off {
			k, found = next, true
		} else if last+1 < len(nodes) && int(nodes[last+1].Start) == off {
			k, found = last+1, true
		}
	}
	if !found {
		k, found = findNode(nodes, off)
	}
	if !found || int(nodes[k].End)-off != len(v.Raw) {
		return dst
	}
	ex.lastNode = k
	body := ex.Request
	for c := int32(k + 1); int(c) < len(nodes) && nodes[c].Parent == int32(k); c = nodes[c].Next {
		n := &nodes[c]
		if n.End < n.Start || n.KeyEnd < n.KeyStart { // never for a checked body
			break
		}
		dst = append(dst, jsonbuild.Member{Key: memberKey(body[n.KeyStart:n.KeyEnd], n.KeyEscaped), Raw: view(body[n.Start:n.End])})
		if n.Next < 0 {
			break
		}
	}
	return dst
}

// findNode is the node that starts at off (nodes are in document order):
// sort.Find, without a call per step.
func findNode(nodes []jsonscan.Node, off int) (int, bool) {
	lo, hi := 0, len(nodes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(nodes[m].Start) < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(nodes) && int(nodes[lo].Start) == off
}

// memberKey is a raw key as a string, unescaped.
func memberKey(k []byte, escaped bool) string {
	s := unsafe.String(unsafe.SliceData(k), len(k))
	if escaped {
		s = gjson.Parse(`"` + s + `"`).Str
	}
	return s
}

// view is bytes of a checked body as a string, without a copy.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
