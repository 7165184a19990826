//go:build wasip1

package main

import (
	"encoding/binary"
	"unsafe"

	"github.com/wasmgate/wasmgate/conformance/tck/fixture"
)

// match_redact (pdk/ABI.md): compile a matcher with redact rules, rewrite
// the request in one call, and check the report byte by byte.

//go:wasmimport wasmgate match_compile
func wgMatchCompile(spec unsafe.Pointer, specLen int32) int32

//go:wasmimport wasmgate match_redact
func wgMatchRedact(obj int32, path unsafe.Pointer, pathLen int32, matcher int32, buf unsafe.Pointer, cap int32) int32

func matchCompile(spec string) int32 { return wgMatchCompile(sp(spec), int32(len(spec))) }

func matchRedact(obj int32, path string, m int32) (string, int32) {
	// Not get(): a call with a buffer too small must change nothing, so
	// the first call's length is checked against the body afterwards.
	n := wgMatchRedact(obj, sp(path), int32(len(path)), m, nil, 0)
	if n <= 0 {
		return "", n
	}
	v, _ := jsonGet(objRequest, "messages.0.content", flagString)
	value("match_redact with a small buffer changes nothing", v, int32(len(v)), fixture.RedactText)
	buf := make([]byte, n)
	if r := wgMatchRedact(obj, sp(path), int32(len(path)), m, unsafe.Pointer(&buf[0]), n); r != n {
		failf("match_redact: second call returned %d, first %d", r, n)
	}
	return string(buf), n
}

// report is the layout match_redact returns, built here to compare.
func report(blocked uint32, counts [][2]uint32, pairs ...string) string {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, blocked)
	b = le.AppendUint32(b, uint32(len(counts)))
	for _, c := range counts {
		b = le.AppendUint32(le.AppendUint32(b, c[0]), c[1])
	}
	b = le.AppendUint32(b, uint32(len(pairs)/2))
	for _, p := range pairs {
		b = append(le.AppendUint32(b, uint32(len(p))), p...)
	}
	return string(b)
}

func requestRedact() {
	plain := matchCompile(`{"builtin":["email"]}`)
	code("match_compile without redact rules", min(plain, 0), 0)
	code("match_redact with a matcher without rules", wgMatchRedact(objRequest, nil, 0, plain, nil, 0), errInvalid)
	code("match_compile with an unknown action", matchCompile(`{"builtin":["email"],"redact":{"rules":[{"kind":"email","action":"erase","label":"EMAIL"}]}}`), errInvalid)
	mask := matchCompile(fixture.RedactSpec)
	code("match_compile with redact rules", min(mask, 0), 0)

	code("body_set the redact request", bodySet(objRequest, fixture.RedactRequest), 0)
	rep, n := matchRedact(objRequest, "", mask)
	value("match_redact report", rep, n, report(0, [][2]uint32{{1, 3}}, "[EMAIL_1]", "ana@example.com", "[EMAIL_2]", "bo@example.org"))
	v, n := jsonGet(objRequest, "messages.0.content", flagString)
	value("match_redact rewrote the field", v, n, fixture.RedactMasked)

	_, n = get("match_redact on a number", func(b []byte) int32 {
		return wgMatchRedact(objRequest, sp("n.x"), 3, mask, bp(b), int32(len(b)))
	})
	missing("match_redact on a path that is no string", n, errNotFound)

	code("body_set the blocked request", bodySet(objRequest, fixture.RedactBlocked), 0)
	rep, n = get("match_redact blocked", func(b []byte) int32 {
		return wgMatchRedact(objRequest, nil, 0, mask, bp(b), int32(len(b)))
	})
	value("match_redact reports the blocked kind", rep, n, report(5, nil))
	v, n = bodyGet(objRequest)
	value("a blocked request is not written", v, n, fixture.RedactBlocked)
	code("body_set the request back", bodySet(objRequest, fixture.RequestJSON), 0)
	code("attr_set tck.redact", attrSet("tck.redact", "checked"), 0)
}
