package jsonbuild_test

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go/jsonbuild"
)

// doc is object 0; object 1 is not available (-2).
const doc = `{"model":"m","n":null,"e":"","s":"a\"b","max_tokens":7,"stop":"x","tags":["p","q"],
"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url"}]},{"role":"tool"},{"role":"robot","content":3,"fn":{"name":"g","deep":{"k":[1,2]},"s":"x","esc":"a\nb","empty":""}}],
"calls":[{"a":"{\"x\": 1} "},{"f":{"a":" [\"\\u00e9\",2]"}},{"a":"{bad"},{"a":""},{"a":7},{"a":["x"]}]}`

type source struct{}

// big is object 2: an array of 100 elements.
var big = `{"a":[` + strings.Repeat("0,", 99) + `0]}`

func (source) Lookup(obj uint32, path string) (gjson.Result, int32) {
	if obj == 2 {
		return gjson.Get(big, path), 0
	}
	if obj != 0 {
		return gjson.Result{}, -2
	}
	return gjson.Get(doc, path), 0
}

func (source) Members(v gjson.Result, dst []jsonbuild.Member) []jsonbuild.Member {
	return jsonbuild.GJSONMembers(v, dst)
}

// prog assembles a program: bytes are opcodes, flags and u8 operands;
// strings are str operands; u32 values are index operands.
func prog(parts ...any) []byte {
	var p []byte
	for _, x := range parts {
		switch v := x.(type) {
		case byte:
			p = append(p, v)
		case string:
			p = binary.LittleEndian.AppendUint32(p, uint32(len(v)))
			p = append(p, v...)
		case uint32:
			p = binary.LittleEndian.AppendUint32(p, v)
		case []byte: // a nested program
			p = binary.LittleEndian.AppendUint32(p, uint32(len(v)))
			p = append(p, v...)
		}
	}
	return p
}

const (
	lit, cp, kind, cpOr, base, each, item = jsonbuild.OpLit, jsonbuild.OpCopy, jsonbuild.OpKind, jsonbuild.OpCopyOr, jsonbuild.OpBase, jsonbuild.OpEach, jsonbuild.OpItem
	b, it                                 = jsonbuild.SrcBase, jsonbuild.SrcItem
	sw, group, mp, fail, cut              = jsonbuild.OpSwitch, jsonbuild.OpGroup, jsonbuild.OpMap, jsonbuild.OpFail, jsonbuild.OpCut
	prev, next                            = jsonbuild.SrcPrev, jsonbuild.SrcNext
	none                                  = uint32(jsonbuild.NoIndex)
)

// nest is a program of depth groups one in another around a literal x.
func nest(depth int) []byte {
	p := prog(lit, "x")
	for range depth {
		p = prog(group, "", "", "", byte(1), p)
	}
	return p
}

type runCase struct {
	name string
	prog []byte
	max  int
	want string
	code int32
}

var runCases = []runCase{
	{"literal and copy", prog(lit, `{"m":`, cp, byte(0), byte(0), "model", lit, "}"), 0, `{"m":"m"}`, 0},
	{"missing and null copy nothing", prog(cp, byte(0), byte(0), "nope", cp, byte(0), byte(0), "n"), 0, ``, 0},
	{"text and inner", prog(cp, byte(0), jsonbuild.Text, "s", lit, "|", cp, byte(0), jsonbuild.Inner, "s"), 0, `a"b|a\"b`, 0},
	{"copy_or present", prog(cpOr, byte(0), byte(0), "max_tokens", `,"t":`, ";", "DEF"), 0, `,"t":7;`, 0},
	{"copy_or null and empty", prog(cpOr, byte(0), byte(0), "n", "<", ">", "D1", cpOr, byte(0), jsonbuild.EmptyAbsent, "e", "<", ">", "D2"), 0, `D1D2`, 0},
	{"or next chain, first", prog(cp, byte(0), jsonbuild.OrNext, "max_tokens", cp, byte(0), jsonbuild.OrNext, "model", lit, "9", lit, "."), 0, `7.`, 0},
	{"or next chain, last", prog(cp, byte(0), jsonbuild.OrNext, "nope", cp, byte(0), jsonbuild.OrNext, "n", lit, "9", lit, "."), 0, `9.`, 0},
	{"as array", prog(cp, byte(0), jsonbuild.AsArray, "stop", cp, byte(0), jsonbuild.AsArray, "tags"), 0, `["x"]["p","q"]`, 0},
	{"kinds", prog(kind, byte(0), "model", kind, byte(0), "n", kind, byte(0), "e", kind, byte(0), "tags", kind, byte(0), "messages.0", kind, byte(0), "max_tokens", kind, byte(0), "nope"), 0, `sneaodu`, 0},
	{"required missing", prog(lit, "x", cp, byte(0), jsonbuild.Required, "nope"), 0, "", jsonbuild.NotFound},
	{"base and item", prog(base, byte(0), uint32(1), "messages", cp, b, byte(0), "role", item, b, uint32(0), "content", cp, it, byte(0), "text", cp, b, byte(0), "content.1.type"), 0, `"user""hi""image_url"`, 0},
	{"count and column", prog(base, byte(0), uint32(1), "messages", cp, b, byte(0), "content.#", cp, b, byte(0), "content.#.type", cp, b, byte(0), "content.#.text"), 0, `2["text","image_url"]["hi"]`, 0},
	{"base on a column", prog(base, byte(0), none, "messages.1", base, b, none, "content.#.type", cp, b, byte(0), "content.#", cp, b, byte(0), "1"), 0, `"image_url"`, 0},
	{"base of a path", prog(base, byte(0), none, "messages.0", cp, b, jsonbuild.Text, "content"), 0, `be brief`, 0},
	{"base relative to base", prog(base, byte(0), uint32(1), "messages", base, b, uint32(1), "content", kind, b, "type"), 0, `s`, 0},
	{"each", prog(each, byte(0), "messages", byte(3), jsonbuild.EachCode, "system,user,tool", "role", jsonbuild.EachKind, "content", byte(0), "content.#", "|"), 0,
		"\x01s|\x02a2|\x03u|\x00d|", 0},
	{"each over no array", prog(each, byte(0), "model", byte(1), byte(0), "x", "|"), 0, ``, 0},
	{"base before use", prog(cp, b, byte(0), "role"), 0, "", jsonbuild.Invalid},
	{"unknown opcode", prog(byte(99)), 0, "", jsonbuild.Invalid},
	{"truncated", prog(cp, byte(0), byte(0))[:3], 0, "", jsonbuild.Invalid},
	{"truncated string", append(prog(lit), 9, 0, 0, 0, 'a'), 0, "", jsonbuild.Invalid},
	{"object not available", prog(cp, byte(1), byte(0), "model"), 0, "", -2},
	{"too large", prog(lit, "12345", lit, "6"), 5, "", jsonbuild.TooLarge},
	{"nested paths", prog(base, byte(0), uint32(3), "messages", cp, b, byte(0), "fn.name", cp, b, byte(0), "fn.deep.k", cp, b, byte(0), "fn.deep.k.1",
		cp, b, byte(0), "fn.s.x", cp, b, byte(0), "fn.nope.x", cp, b, byte(0), "fn.deep", cp, b, byte(0), "fn.name|@this"), 0, `"g"[1,2]2{"k":[1,2]}"g"`, 0},
	{"escaped members unescaped on use", prog(base, byte(0), uint32(3), "messages", item, b, none, "fn", kind, it, "esc", kind, it, "empty",
		cp, it, byte(0), "esc", cp, it, jsonbuild.Text, "esc", cut, it, jsonbuild.Text, "esc", "a", "", sw, it, byte(0), "esc", byte(1), "a\nb", prog(lit, "no"), prog(lit, "yes"),
		cpOr, it, jsonbuild.EmptyAbsent, "empty", "", "", "absent"), 0, "se\"a\\nb\"a\nb\nbyesabsent", 0},
	// Templates.
	{"switch on text", prog(base, byte(0), uint32(1), "messages", sw, b, byte(0), "role", byte(2), "system", "user", prog(lit, "O"), prog(lit, "S"), prog(lit, "U")), 0, `U`, 0},
	{"switch, none matches", prog(sw, byte(0), byte(0), "model", byte(1), "x", prog(lit, "none"), prog(lit, "x")), 0, `none`, 0},
	{"switch on a number matches no text", prog(sw, byte(0), byte(0), "max_tokens", byte(1), "7", "", prog(lit, "7")), 0, ``, 0},
	{"switch on kind", prog(sw, byte(0), jsonbuild.SwitchKind, "tags", byte(2), "se", "ao", prog(lit, "?"), prog(lit, "text"), prog(lit, "[]")), 0, `[]`, 0},
	{"switch on prefix", prog(sw, byte(0), jsonbuild.SwitchPrefix, "s", byte(2), "b", "a\"", "", "", prog(lit, "quote")), 0, `quote`, 0},
	{"switch with a program short", prog(sw, byte(0), byte(0), "model", byte(1), "m", ""), 0, "", jsonbuild.Invalid},
	{"group joins what is not empty", prog(group, "<", ",", ">", byte(4), prog(lit, "a"), "", prog(cp, byte(0), byte(0), "nope"), prog(cp, byte(0), byte(0), "max_tokens")), 0, `<a,7>`, 0},
	{"empty group", prog(group, "<", ",", ">", byte(2), "", prog(cp, byte(0), byte(0), "nope")), 0, ``, 0},
	{"map with a template per role", prog(mp, byte(0), "messages", "[", ",", "]",
		prog(sw, b, byte(0), "role", byte(2), "system", "user", prog(kind, b, "role"), prog(cp, b, jsonbuild.Text, "content"),
			prog(mp, b, "content", "", "+", "", prog(cp, it, byte(0), "type")))), 0, `[be brief,"text"+"image_url",s,s]`, 0},
	{"map restores the base", prog(base, byte(0), uint32(0), "messages", mp, byte(0), "messages", "", "", "", prog(lit, "."), cp, b, byte(0), "role"), 0, `...."system"`, 0},
	{"map over no array", prog(mp, byte(0), "model", "[", ",", "]", prog(lit, "x")), 0, ``, 0},
	{"prev and next", prog(mp, byte(0), "messages", "", "|", "", prog(kind, prev, "role", cp, next, jsonbuild.Text, "role")), 0, `uuser|stool|srobot|s`, 0},
	{"prev outside a map", prog(kind, prev, "role"), 0, `u`, 0},
	{"fail", prog(lit, "x", fail), 0, "", jsonbuild.NotFound},
	{"fail in a template", prog(mp, byte(0), "messages", "", "", "", prog(sw, b, byte(0), "role", byte(1), "robot", "", prog(fail))), 0, "", jsonbuild.NotFound},
	{"too deep", nest(jsonbuild.MaxDepth + 1), 0, "", jsonbuild.Invalid},
	{"too much work", prog(mp, byte(2), "a", "", "", "", prog(mp, byte(2), "a", "", "", "", prog(mp, byte(2), "a", "", "", "", prog(mp, byte(2), "a", "", "", "", "")))), 0, "", jsonbuild.TooLarge},
	{"work within bounds", prog(mp, byte(2), "a", "", "", "", prog(mp, byte(2), "a", "", "", "", prog(mp, byte(2), "a", "", "", "", ""))), 0, "", 0},
	{"deep enough", nest(jsonbuild.MaxDepth), 0, "x", 0},
	{"cut", prog(cut, byte(0), byte(0), "s", "", "", cut, byte(0), jsonbuild.Text, "s", "a", "", cut, byte(0), jsonbuild.Inner, "s", "", "b"), 0, `"a\"b""ba\"`, 0},
	{"cut not found", prog(cut, byte(0), byte(0), "s", "x", "", cut, byte(0), byte(0), "s", "", "x", cut, byte(0), byte(0), "max_tokens", "", ""), 0, ``, 0},
	{"cut required", prog(cut, byte(0), jsonbuild.Required, "s", "x", ""), 0, "", jsonbuild.NotFound},
	// A program is compiled once, but a case that does not run is not
	// read: a malformed branch fails only when it is chosen.
	{"malformed branch not chosen", prog(sw, byte(0), byte(0), "model", byte(1), "m", prog(byte(99)), prog(lit, "m")), 0, `m`, 0},
	{"malformed branch chosen", prog(sw, byte(0), byte(0), "model", byte(1), "x", prog(lit, "a", byte(99)), prog(lit, "m")), 0, "", jsonbuild.Invalid},
	{"malformed after a fail", prog(lit, "x", fail, byte(99)), 0, "", jsonbuild.NotFound},
	{"malformed after a chain", prog(cp, byte(0), jsonbuild.OrNext, "model", byte(99)), 0, "", jsonbuild.Invalid},
	// Arguments of a tool call: a JSON text in a string, as gjson's
	// modifiers "|@fromstr|@valid" read it.
	{"from string", prog(base, byte(0), none, "calls", cp, b, byte(0), "0.a|@fromstr|@valid", cp, b, byte(0), "1.f.a|@fromstr|@valid",
		kind, b, "2.a|@fromstr|@valid", kind, b, "3.a|@fromstr|@valid", cp, b, byte(0), "4.a|@fromstr|@valid", kind, b, "5.a|@fromstr|@valid",
		item, byte(0), uint32(1), "calls", cp, it, byte(0), "f.a|@fromstr|@valid", kind, it, "f|@fromstr|@valid", kind, it, "nope|@fromstr|@valid"), 0,
		`{"x": 1} ["\u00e9",2]uu7a["\u00e9",2]ou`, 0},
}

func TestRun(t *testing.T) {
	for _, tc := range runCases {
		t.Run(tc.name, func(t *testing.T) {
			var r jsonbuild.Runner
			run(t, &r, tc)
		})
	}
}

func run(t *testing.T, r *jsonbuild.Runner, tc runCase) {
	t.Helper()
	max := tc.max
	if max == 0 {
		max = 1 << 20
	}
	out, code := r.Run([]byte("pre:"), tc.prog, max, source{})
	if code != tc.code {
		t.Fatalf("%s: code %d, want %d (output %q)", tc.name, code, tc.code, out)
	}
	if want := "pre:" + tc.want; string(out) != want {
		t.Errorf("%s: output %q, want %q", tc.name, out, want)
	}
}

// TestRunnerKeepsPrograms runs every case on one Runner, three times over:
// the compiled programs it keeps (fewer than the cases) must never stand in
// for another program, and a program changed in place must be compiled
// again.
func TestRunnerKeepsPrograms(t *testing.T) {
	var r jsonbuild.Runner
	for range 3 {
		for _, tc := range runCases {
			run(t, &r, tc)
		}
	}
	p := prog(lit, "a", cp, byte(0), byte(0), "model")
	run(t, &r, runCase{"before", p, 0, `a"m"`, 0})
	p[5] = 'b' // the guest rewrote its buffer: same address, other bytes
	run(t, &r, runCase{"after", p, 0, `b"m"`, 0})
	big := prog(lit, strings.Repeat("x", 80<<10)) // larger than the Runner keeps
	run(t, &r, runCase{"large", big, 0, strings.Repeat("x", 80<<10), 0})
	run(t, &r, runCase{"large again", big, 0, strings.Repeat("x", 80<<10), 0})
}

// TestFromString checks the relative reads of "|@fromstr|@valid" against
// gjson's own.
func TestFromString(t *testing.T) {
	calls := gjson.Get(doc, "calls")
	for i := range 6 {
		for _, p := range []string{"a", "f.a", "f", "nope"} {
			path := strconv.Itoa(i) + "." + p + "|@fromstr|@valid"
			want := gjson.Get(calls.Raw, path)
			var r jsonbuild.Runner
			out, code := r.Run(nil, prog(base, byte(0), none, "calls", kind, b, path, cp, b, byte(0), path), 1<<20, source{})
			if code != 0 || string(out) != string(jsonbuild.Kind(want))+want.Raw {
				t.Errorf("%s: %q (%d), want %q", path, out, code, string(jsonbuild.Kind(want))+want.Raw)
			}
		}
	}
}

// FuzzRun: a guest's program is untrusted. Whatever its bytes, Run ends
// (within MaxSteps), never panics, and either fails leaving dst as it was
// or appends at most max bytes.
func FuzzRun(f *testing.F) {
	for _, tc := range runCases {
		f.Add(tc.prog)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		var r jsonbuild.Runner
		const max = 4096
		out, code := r.Run([]byte("pre:"), p, max, source{})
		if code != 0 && string(out) != "pre:" {
			t.Fatalf("failed with %d but wrote %q", code, out)
		}
		if len(out)-len("pre:") > max {
			t.Fatalf("wrote %d bytes past max %d", len(out)-len("pre:"), max)
		}
		// Run again on the same Runner: what it kept must not change the result.
		again, code2 := r.Run([]byte("pre:"), p, max, source{})
		if code2 != code || string(again) != string(out) {
			t.Fatalf("second run: %d %q, first %d %q", code2, again, code, out)
		}
	})
}
