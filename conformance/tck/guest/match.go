//go:build wasip1

package main

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unsafe"

	"github.com/wasmgate/wasmgate/conformance/tck/fixture"
)

// match_scan and match_text (pdk/ABI.md, "Matching helpers"): the "match"
// scenario scans the fixture's request, response and chunk with a matcher
// compiled in wasmgate_init, decodes each result by the ABI's layout and
// compares it, rendered as the fixture writes it, with the fixture.

//go:wasmimport wasmgate match_scan
func wgMatchScan(obj int32, path unsafe.Pointer, pathLen int32, matcher int32, flags int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate match_text
func wgMatchText(matcher int32, text unsafe.Pointer, textLen int32, buf unsafe.Pointer, cap int32) int32

const matchAllFields = 1

// scanMatcher is fixture.MatchSpec, compiled by initMatch.
var scanMatcher int32 = -1

// initMatch compiles the scenario's matcher where a plugin would: in
// wasmgate_init.
func initMatch() {
	scanMatcher = matchCompile(fixture.MatchSpec)
	code("match_compile in init", min(scanMatcher, 0), 0)
}

func matchScan(obj int32, path string, m, flags int32) (string, int32) {
	return get("match_scan "+path, func(b []byte) int32 {
		return wgMatchScan(obj, sp(path), int32(len(path)), m, flags, bp(b), int32(len(b)))
	})
}

func matchText(m int32, text string) (string, int32) {
	return get("match_text", func(b []byte) int32 {
		return wgMatchText(m, sp(text), int32(len(text)), bp(b), int32(len(b)))
	})
}

// render decodes a match_scan or match_text result (pdk/ABI.md: per field
// path_len path text_len text count count×(start end kind), little-endian
// u32s) into the fixture's text form. A result that breaks the layout fails
// the check what.
func render(what, raw string) string {
	var b strings.Builder
	u32 := func() (int, bool) {
		if len(raw) < 4 {
			return 0, false
		}
		v := binary.LittleEndian.Uint32([]byte(raw[:4]))
		raw = raw[4:]
		return int(v), true
	}
	str := func() (string, bool) {
		n, ok := u32()
		if !ok || n > len(raw) {
			return "", false
		}
		s := raw[:n]
		raw = raw[n:]
		return s, true
	}
	for raw != "" {
		path, ok1 := str()
		text, ok2 := str()
		count, ok3 := u32()
		if !(ok1 && ok2 && ok3) || count > len(raw)/12 {
			failf("%s: a field breaks the layout", what)
			return b.String()
		}
		b.WriteString(path + "\t" + text + "\n")
		for ; count > 0; count-- {
			start, _ := u32()
			end, _ := u32()
			kind, _ := u32()
			b.WriteString(renderSpan(what, text, start, end, kind))
		}
	}
	return b.String()
}

// renderSpan is one finding's line: start, end and kind, and the bytes of
// text between them.
func renderSpan(what, text string, start, end, kind int) string {
	if start < 0 || start > end || end > len(text) {
		failf("%s: finding %d-%d outside its text of %d bytes", what, start, end, len(text))
		return ""
	}
	return "\t" + strconv.Itoa(start) + " " + strconv.Itoa(end) + " " + strconv.Itoa(kind) + " " + text[start:end] + "\n"
}

// scanned checks a match_scan result against the fixture's form of it.
func scanned(what string, obj int32, path string, flags int32, want string) {
	raw, n := matchScan(obj, path, scanMatcher, flags)
	if n < 0 {
		failf("%s: got result %d", what, n)
		return
	}
	value(what, render(what, raw), n, want)
}

func requestMatch() {
	m := scanMatcher
	scanned("match_scan of every text field", objRequest, "", 0, fixture.MatchFindings)
	scanned("match_scan of every text field with flag 1", objRequest, "", matchAllFields, fixture.MatchTextFields)
	const args = "messages.2.tool_calls.0.function.arguments"
	scanned("match_scan of a path", objRequest, args, 0, fixture.MatchFindings[strings.Index(fixture.MatchFindings, args):])
	raw, n := matchScan(objRequest, "messages.0.content", m, 0)
	value("match_scan of a path without findings", raw, n, "")
	_, n = matchScan(objRequest, "n.x", m, 0)
	missing("match_scan of a path that is no string", n, errNotFound)
	_, n = matchScan(objRequest, "no.such.path", m, 0)
	missing("match_scan of a missing path", n, errNotFound)
	other := matchCompile(`{"builtin":["ipv4"]}`)
	code("match_compile in a hook", min(other, 0), 0)
	raw, n = matchScan(objRequest, "", other, 0)
	value("match_scan with another matcher (no e-mail)", raw, n, "")
	_, n = matchScan(objRequest, "", m+1000, 0)
	missing("match_scan with a matcher not compiled", n, errInvalid)
	_, n = matchScan(objRequest, "", -1, 0)
	missing("match_scan with a negative matcher", n, errInvalid)
	_, n = matchScan(objResponse, "", m, 0)
	missing("match_scan of the response in the request phase", n, errNotAvailable)

	// match_text: one field with an empty path and text (the guest has the
	// text); offsets are into the guest's UTF-8.
	raw, n = matchText(m, fixture.MatchText)
	value("match_text layout", raw[:min(len(raw), 8)], n, "\x00\x00\x00\x00\x00\x00\x00\x00")
	if len(raw) >= 12 {
		le := binary.LittleEndian
		var spans strings.Builder
		for i, c := 12, int(le.Uint32([]byte(raw[8:12]))); c > 0 && i+12 <= len(raw); i, c = i+12, c-1 {
			spans.WriteString(renderSpan("match_text", fixture.MatchText,
				int(le.Uint32([]byte(raw[i:]))), int(le.Uint32([]byte(raw[i+4:]))), int(le.Uint32([]byte(raw[i+8:])))))
		}
		value("match_text findings", spans.String(), n, fixture.MatchTextFindings)
		value("match_text length", strconv.Itoa(len(raw)), n, strconv.Itoa(12+12*strings.Count(fixture.MatchTextFindings, "\n")))
	}
	raw, n = matchText(m, "nothing here")
	value("match_text without findings", raw, n, strings.Repeat("\x00", 12))
	_, n = matchText(m+1000, "x")
	missing("match_text with a matcher not compiled", n, errInvalid)

	for _, c := range []struct{ what, spec string }{
		{"an unknown kind", `{"builtin":["nope"]}`},
		{"a bad regular expression", `{"custom":[{"regex":"("}]}`},
		{"an unknown key", `{"builtin":["email"],"bogus":1}`},
		{"a spec that is not JSON", `builtin: email`},
	} {
		code("match_compile with "+c.what, matchCompile(c.spec), errInvalid)
	}
	code("attr_set tck.match", attrSet("tck.match", "request"), 0)
}

func responseMatch() {
	scanned("match_scan of the response", objResponse, "", 0, fixture.MatchResponseFindings)
	scanned("match_scan of the request in the response phase", objRequest, "", 0, fixture.MatchFindings)
	_, n := matchScan(objChunk, "", scanMatcher, 0)
	missing("match_scan of the chunk in the response phase", n, errNotAvailable)
	code("attr_set tck.match", attrSet("tck.match", "response"), 0)
}

func chunkMatch() {
	scanned("match_scan of the chunk with flag 1", objChunk, "", matchAllFields, fixture.MatchChunkFields)
	_, n := matchScan(objUpChunk, "", scanMatcher, 0)
	missing("match_scan of the upstream chunk outside the adapter", n, errNotAvailable)

	// The last hook of the instance: fill it up to its 64 matchers (init's
	// and the request phase's; the invalid specs count for nothing).
	compiled := 2
	r := int32(0)
	for ; compiled <= 64; compiled++ {
		if r = matchCompile(`{"builtin":["email"]}`); r < 0 {
			break
		}
	}
	code("match_compile past 64 matchers", r, errTooLarge)
	value("matchers compiled before -3", strconv.Itoa(compiled), 0, "64")
	raw, n := matchText(scanMatcher, "x ana@example.com")
	value("match_text after the limit", raw[min(len(raw), 8):], n, "\x01\x00\x00\x00\x02\x00\x00\x00\x11\x00\x00\x00\x01\x00\x00\x00")
	code("attr_set tck.match", attrSet("tck.match", "chunk"), 0)
}
