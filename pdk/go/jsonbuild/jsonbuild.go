// Package jsonbuild runs the programs of the json_build host function
// (pdk/ABI.md, "Building bodies"): a list of instructions that assembles a
// JSON body, or a description of a body's shape, from literals and values
// found by path in the exchange's objects. The host and the PDK's fake host
// share this one interpreter; they differ only in how they look up a path.
//
// A program is a sequence of instructions, each an opcode byte and its
// operands; a string operand is its length (u32, little-endian) and its
// bytes, an index a u32. src is an object id, or SrcBase or SrcItem for a
// path relative to the value the last OpBase or OpItem chose.
//
//	OpLit    text                       append text
//	OpCopy   src flags path             append the value at path
//	OpCopyOr src flags path pre post def
//	                                    present: append pre, value, post;
//	                                    absent (missing or null): def
//	OpKind   src path                   append one byte, the value's kind
//	OpBase   src index path             the value at path (its element
//	                                    index unless NoIndex) is the base
//	OpItem   src index path             the same for the item
//	OpEach   src path n (flags sub [names])×n sep
//	                                    for each element of the array at
//	                                    path, for each sub: append the
//	                                    element's value at sub, then sep;
//	                                    with EachKind its kind byte, with
//	                                    EachCode the 1-based position of
//	                                    the string in names (comma-
//	                                    separated; 0 for none), no sep
//	OpSwitch src flags path n name×n prog×(n+1)
//	                                    runs the prog of the first name
//	                                    the value matches (prog 0: none)
//	OpGroup  pre sep post n prog×n      runs each prog; the outputs that
//	                                    are not empty joined with sep,
//	                                    between pre and post (nothing
//	                                    when all are empty)
//	OpMap    src path pre sep post prog runs prog for each element of the
//	                                    array at path, the element as the
//	                                    base (item, for a relative path),
//	                                    joined as OpGroup joins
//	OpFail                              ends the build with NotFound
//	OpCut    src flags path from to     the part of a string between the
//	                                    first from and the first to after
//	                                    it, as a JSON string
//
// OpSwitch, OpGroup and OpMap let a program walk a request on the host with
// a template per case (a message's role, a part's type), so that a guest
// neither reads the request's shape nor joins fragments per message; OpFail
// leaves a case the template does not cover to the guest.
package jsonbuild

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/wasmgate/wasmgate/pdk/go/jsonenc"
)

// Opcodes.
const (
	OpLit    byte = 1
	OpCopy   byte = 2
	OpKind   byte = 3
	OpCopyOr byte = 4
	OpBase   byte = 5
	OpEach   byte = 6
	OpItem   byte = 7
	OpSwitch byte = 8
	OpGroup  byte = 9
	OpMap    byte = 10
	OpFail   byte = 11
	OpCut    byte = 12
)

// MaxDepth is how deeply OpSwitch, OpGroup and OpMap may nest.
const MaxDepth = 8

// MaxSteps bounds the work of one run: instructions run, and elements each
// OpMap reads. Nested maps that write nothing could otherwise
// keep the host busy far beyond any output limit; a run over it fails with
// TooLarge. (A request of 100 000 messages takes about 2 million.)
const MaxSteps = 1 << 22

// Flags of OpSwitch: how the value is matched against the names.
const (
	// SwitchKind matches the first name that contains the value's kind
	// byte ("sa": a string or an array).
	SwitchKind byte = 1
	// SwitchPrefix matches the first name the string's text starts with.
	SwitchPrefix byte = 2
)

// NoIndex as the index of OpBase or OpItem takes the value itself.
const NoIndex = 0xFFFFFFFF

// SrcBase and SrcItem as an instruction's object stand for the value the
// last OpBase or OpItem chose: its path is relative to that value
// ("content" after a base of messages.3 is messages.3.content). The value's
// members are read once. An item is a second level (a part of a message's
// content) that leaves the base as it is.
const (
	SrcBase byte = 255
	SrcItem byte = 254
)

// SrcPrev and SrcNext, inside an OpMap's program, stand for the element
// before and after the current one of the innermost map (absent at the
// ends, and outside a map): a tool result knows whether it opens or closes
// a run of them.
const (
	SrcPrev byte = 253
	SrcNext byte = 252
)

// Flags of OpCopy, OpCopyOr and OpEach's subs.
const (
	// Text appends a string's unescaped text instead of its JSON text
	// (other values stay raw JSON).
	Text byte = 1
	// Inner appends a string's JSON text without its quotes, ready to splice
	// into another JSON string.
	Inner byte = 2
	// Required fails the whole build with NotFound when the value is absent.
	Required byte = 4
	// OrNext chains alternatives: when the value is present, the rest of the
	// chain is skipped (the next instruction, and the one after it while the
	// skipped one is an OrNext copy too); when it is absent, def is appended
	// and the next instruction runs.
	OrNext byte = 8
	// AsArray wraps a value that is not an array in [ ].
	AsArray byte = 16
	// EmptyAbsent counts an empty string as absent.
	EmptyAbsent byte = 32
	// EachKind, on a sub of OpEach, appends the kind byte instead of the value.
	EachKind byte = 64
	// EachCode, on a sub of OpEach, appends the string's position in a list
	// of names as one byte.
	EachCode byte = 128
)

// Kinds written by OpKind.
const (
	KindMissing     byte = 'u'
	KindNull        byte = 'n'
	KindFalse       byte = 'f'
	KindTrue        byte = 't'
	KindNumber      byte = 'd'
	KindString      byte = 's'
	KindEmptyString byte = 'e'
	KindArray       byte = 'a'
	KindObject      byte = 'o'
)

// Results (pdk/ABI.md).
const (
	NotFound int32 = -1
	TooLarge int32 = -3
	Invalid  int32 = -4
)

// Source is where a program's values come from.
type Source interface {
	// Lookup finds the value at path of object obj. A negative code (object
	// not available in this phase) ends the build with that code; a value
	// that does not exist is a zero Result and code 0.
	Lookup(obj uint32, path string) (v gjson.Result, code int32)
	// Members appends the members of an object, or the elements of an
	// array (with empty keys), to dst; nothing for other values.
	Members(v gjson.Result, dst []Member) []Member
}

// Member is a field of an object or an element of an array. It keeps the
// value's raw JSON: most members a scope reads are never looked at, and
// parsing them (unescaping a long string, say) would be wasted.
type Member struct {
	Key string // unescaped
	Raw string
}

// Val is the member's value.
func (m *Member) Val() gjson.Result { return Value(m.Raw) }

// Value is a raw JSON value as a gjson.Result, without scanning it when it
// is an object, an array or a string without escapes.
func Value(raw string) gjson.Result {
	var v gjson.Result
	setValue(&v, raw)
	return v
}

func setValue(v *gjson.Result, raw string) {
	switch {
	case len(raw) == 0:
		*v = gjson.Result{}
	case raw[0] == '{' || raw[0] == '[':
		*v = gjson.Result{Type: gjson.JSON, Raw: raw}
	case raw[0] == '"' && len(raw) >= 2 && strings.IndexByte(raw, '\\') < 0:
		*v = gjson.Result{Type: gjson.String, Raw: raw, Str: raw[1 : len(raw)-1]}
	case raw[0] == '"':
		// Escapes: the text is unescaped only when it is used (text); most
		// values are copied raw or only looked at for their kind.
		*v = gjson.Result{Type: gjson.String, Raw: raw}
	default:
		*v = gjson.Parse(raw)
	}
}

// text is a string value's text, unescaped now if Value left it escaped.
func text(v gjson.Result) string {
	if v.Str == "" && len(v.Raw) > 2 && v.Raw[0] == '"' {
		return gjson.Parse(v.Raw).Str
	}
	return v.Str
}

// emptyString reports whether a string value is "".
func emptyString(v gjson.Result) bool {
	if v.Raw != "" {
		return len(v.Raw) == 2
	}
	return v.Str == ""
}

// GJSONMembers is Source.Members with gjson alone.
func GJSONMembers(v gjson.Result, dst []Member) []Member {
	if v.IsObject() || v.IsArray() {
		v.ForEach(func(k, val gjson.Result) bool {
			dst = append(dst, Member{k.Str, val.Raw})
			return true
		})
	}
	return dst
}

// Runner runs programs; it keeps its scratch space between runs, so a
// Runner reused by one instance does not allocate. It is not safe for
// concurrent use.
type Runner struct {
	base, item, elem scope
	rows             []Member // the elements OpEach walks
	elems, fields    []Member // scratch of a count or a column
	list             []byte
	// walked is the last object walk read the members of.
	walked struct {
		raw     string
		members []Member
	}
	// arrays remembers the elements of the arrays OpBase and OpItem index
	// into during one run, so that element i+1 does not scan the array again.
	arrays [2]array
	next   int

	// The run: its source, where its output starts, its limit and the
	// steps it has left (MaxSteps).
	src               Source
	start, max, steps int
	// cur are the scopes SrcBase and SrcItem paths are relative to: base
	// and item, or the element of the OpMap that runs.
	cur [2]*scope
	// frames are the OpMaps running, one per depth; inMap the innermost.
	frames [MaxDepth]frame
	inMap  *frame

	// The compiled programs (compiled): a ring of the last ones, bounded
	// in number and bytes, keyed by their bytes.
	cache [cacheEntries]cached
	evict int
}

// frame is a running OpMap: its elements, the current one as a scope.
type frame struct {
	elems []Member
	i     int
	sc    scope
}

type array struct {
	raw   string
	elems []Member
}

// element returns element i of arr, reading arr's elements once per run.
func (r *Runner) element(src Source, arr gjson.Result, i int) gjson.Result {
	if !arr.IsArray() {
		return gjson.Result{}
	}
	var a *array
	for k := range r.arrays {
		if c := &r.arrays[k]; len(c.raw) == len(arr.Raw) && unsafe.StringData(c.raw) == unsafe.StringData(arr.Raw) {
			a = c
		}
	}
	if a == nil {
		a = &r.arrays[r.next%len(r.arrays)]
		r.next++
		a.raw, a.elems = arr.Raw, src.Members(arr, a.elems[:0])
	}
	if i < len(a.elems) {
		return a.elems[i].Val()
	}
	return gjson.Result{}
}

// scope is a value whose members were read once: paths relative to it
// start at their member instead of parsing the value again.
type scope struct {
	set     bool
	v       gjson.Result
	members []Member
}

func (sc *scope) load(src Source, v gjson.Result) {
	sc.set, sc.v, sc.members = true, v, sc.members[:0]
	if v.IsObject() {
		sc.members = src.Members(v, sc.members)
	}
}

// get is the value at a path relative to the scope. A count ("tool_calls.#")
// or a field of every element ("content.#.type") of an array member is read
// from the source's members rather than by parsing the array again; the
// latter is built in r.list, valid until the next such path.
func (sc *scope) get(r *Runner, src Source, p *path, v *gjson.Result) {
	sc.lookup(r, src, p, v)
	if p.fromStr {
		*v = fromStr(*v)
	}
}

// fromStr is what the modifiers "|@fromstr|@valid" make of a value: the
// JSON text a string holds, when it is valid JSON. A string's text is
// unescaped and checked here, as gjson does, without the detour through
// its modifier machinery.
func fromStr(v gjson.Result) gjson.Result {
	if v.Type != gjson.String {
		return gjson.Get(v.Raw, fromStrValid[1:])
	}
	if !gjson.Valid(v.Raw) {
		return gjson.Result{}
	}
	t := text(v)
	if !gjson.Valid(t) {
		return gjson.Result{}
	}
	return gjson.Parse(t)
}

// lookup sets *v (results are large: they are not copied from call to call).
func (sc *scope) lookup(r *Runner, src Source, p *path, v *gjson.Result) {
	key, rest := p.key, p.rest
	if !p.plain || !sc.v.IsObject() {
		*v = gjson.Get(sc.v.Raw, p.p)
		return
	}
	for i := range sc.members {
		m := &sc.members[i]
		if m.Key != key {
			continue
		}
		// The first, as a path lookup finds it.
		setValue(v, m.Raw)
		switch {
		case rest == "":
			return
		case !v.IsObject() && !v.IsArray() && plainStart(rest):
			*v = gjson.Result{} // nothing inside a string or number (a long text is not scanned)
			return
		case v.IsArray() && rest == "#":
			r.elems = src.Members(*v, r.elems[:0])
			r.list = strconv.AppendInt(r.list[:0], int64(len(r.elems)), 10)
			*v = gjson.Result{Type: gjson.Number, Num: float64(len(r.elems)), Raw: view(r.list)}
			return
		case v.IsArray() && len(rest) > 2 && rest[:2] == "#.":
			if field, more, ok := plainKey(rest[2:]); ok && more == "" {
				*v = r.column(src, *v, field)
				return
			}
		case v.IsObject():
			if w, ok := r.walk(src, *v, rest); ok {
				*v = w
				return
			}
		}
		*v = gjson.Get(v.Raw, rest)
		return
	}
	*v = gjson.Result{}
}

// walk follows a path of plain keys ("function.name") through objects by
// their members, so that a field next to a large one (a tool's parameters)
// is found without scanning it; ok is false for a path it leaves to gjson.
func (r *Runner) walk(src Source, v gjson.Result, path string) (_ gjson.Result, ok bool) {
	for {
		key, rest, ok := plainKey(path)
		if !ok || !v.IsObject() {
			return gjson.Result{}, false
		}
		// The object a path walks through is often the same several times
		// in a row (a tool's function.name, then its description).
		if w := &r.walked; len(w.raw) != len(v.Raw) || unsafe.StringData(w.raw) != unsafe.StringData(v.Raw) {
			w.raw, w.members = v.Raw, src.Members(v, w.members[:0])
		}
		found := false
		for _, f := range r.walked.members {
			if f.Key == key {
				v, found = f.Val(), true // the first, as a path lookup finds it
				break
			}
		}
		switch {
		case !found:
			return gjson.Result{}, true
		case rest == "":
			return v, true
		case v.IsArray():
			return gjson.Result{}, false // an index or a count: gjson's
		case !v.IsObject():
			return gjson.Result{}, true // nothing inside a string or number
		}
		path = rest
	}
}

// column is the array of each element's field (elements without it left
// out, as a "#.field" path gives it).
func (r *Runner) column(src Source, arr gjson.Result, field string) gjson.Result {
	r.elems = src.Members(arr, r.elems[:0])
	r.list = append(r.list[:0], '[')
	for _, e := range r.elems {
		r.fields = src.Members(e.Val(), r.fields[:0])
		for _, f := range r.fields {
			if f.Key == field {
				if len(r.list) > 1 {
					r.list = append(r.list, ',')
				}
				r.list = append(r.list, f.Raw...)
				break
			}
		}
	}
	r.list = append(r.list, ']')
	return gjson.Result{Type: gjson.JSON, Raw: view(r.list)}
}

// plainKey splits a path into a first key without path syntax and the rest.
func plainKey(path string) (key, rest string, ok bool) {
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '.' && i > 0:
			return path[:i], path[i+1:], i+1 < len(path)
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return "", "", false
		}
	}
	return path, "", path != ""
}

// plainPath reports whether a path is plain keys joined by dots.
func plainPath(p string) bool {
	for p != "" {
		key, rest, ok := plainKey(p)
		if !ok || key == "" {
			return false
		}
		p = rest
	}
	return true
}

// plainStart reports whether a path starts with a key, an index or "#"
// rather than a modifier.
func plainStart(path string) bool {
	c := path[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '#'
}

// Run appends the program's output to dst. It returns the extended slice
// and 0, or dst as it was and a negative result: Invalid for a malformed
// program, NotFound for an absent Required value or an OpFail, TooLarge
// when the output would pass max bytes, or the code of a failed lookup.
func (r *Runner) Run(dst, prog []byte, max int, src Source) ([]byte, int32) {
	r.base.set, r.item.set = false, false
	r.cur = [2]*scope{&r.base, &r.item}
	r.inMap = nil
	for k := range r.arrays {
		r.arrays[k].raw = ""
	}
	r.walked.raw = ""
	r.src, r.start, r.max, r.steps = src, len(dst), max, MaxSteps
	out, code := r.exec(dst, r.compiled(prog), 0)
	r.src = nil
	if code != 0 {
		return dst[:r.start], code
	}
	return out, 0
}

// exec runs one program, or a nested one of OpSwitch, OpGroup or OpMap at
// the given depth, appending to out.
func (r *Runner) exec(out []byte, prog *program, depth int) ([]byte, int32) {
	skip := false
	var v gjson.Result
	for i := range prog.ins {
		if r.steps--; r.steps < 0 {
			return out, TooLarge
		}
		in := &prog.ins[i]
		if in.bad {
			return out, Invalid
		}
		op, flags := in.op, in.flags
		if skip { // the rest of a chain of alternatives
			skip = (op == OpCopy || op == OpCopyOr) && flags&OrNext != 0
			continue
		}
		switch op {
		case OpLit:
			out = append(out, in.pre...)
			if len(out)-r.start > r.max {
				return out, TooLarge
			}
			continue
		case OpFail:
			return out, NotFound
		case OpGroup:
			if depth >= MaxDepth {
				return out, Invalid
			}
			var code int32
			if out, code = r.group(out, in, depth); code != 0 {
				return out, code
			}
			continue
		}
		code := r.value(in.src, &in.path, &v)
		if code != 0 {
			return out, code
		}
		switch {
		case op == OpBase || op == OpItem:
			if in.index != NoIndex {
				v = r.element(r.src, v, int(in.index))
			}
			if len(r.list) > 0 && unsafe.StringData(v.Raw) == unsafe.SliceData(r.list) {
				v.Raw = strings.Clone(v.Raw) // a column outlives r.list's next use
			}
			if op == OpBase {
				r.cur[0].load(r.src, v)
			} else {
				r.cur[1].load(r.src, v)
			}
		case op == OpEach:
			out = r.each(out, r.src, v, in)
		case op == OpKind:
			out = append(out, Kind(v))
		case op == OpSwitch:
			if depth >= MaxDepth {
				return out, Invalid
			}
			if out, code = r.exec(out, pick(&v, in), depth+1); code != 0 {
				return out, code
			}
		case op == OpMap:
			if depth >= MaxDepth {
				return out, Invalid
			}
			if out, code = r.mapEach(out, v, in, depth); code != 0 {
				return out, code
			}
		case op == OpCut:
			text, ok := cut(v, in.pre, in.post)
			switch {
			case !ok && flags&Required != 0:
				return out, NotFound
			case !ok:
			case flags&Text != 0:
				out = append(out, text...)
			case flags&Inner != 0:
				q := len(out)
				out = jsonenc.AppendString(out, text)
				out = append(out[:q], out[q+1:len(out)-1]...)
			default:
				out = jsonenc.AppendString(out, text)
			}
		case absent(v, flags):
			if flags&Required != 0 {
				return out, NotFound
			}
			out = append(out, in.def...)
		default:
			out = append(out, in.pre...)
			out = appendValue(out, v, flags)
			out = append(out, in.post...)
			skip = flags&OrNext != 0
		}
		if len(out)-r.start > r.max {
			return out, TooLarge
		}
	}
	return out, 0
}

// value is the value at a path of an object, or relative to the base, the
// item, or a neighbour of a map's element.
func (r *Runner) value(src byte, p *path, v *gjson.Result) int32 {
	switch src {
	case SrcBase, SrcItem:
		sc := r.cur[SrcBase-src]
		if !sc.set {
			*v = gjson.Result{}
			return Invalid
		}
		sc.get(r, r.src, p, v)
		return 0
	case SrcPrev, SrcNext:
		*v = gjson.Result{}
		f := r.inMap
		if f == nil {
			return 0
		}
		i := f.i - 1
		if src == SrcNext {
			i = f.i + 1
		}
		if i < 0 || i >= len(f.elems) {
			return 0
		}
		r.elem.load(r.src, f.elems[i].Val())
		r.elem.get(r, r.src, p, v)
		return 0
	}
	var code int32
	*v, code = r.src.Lookup(uint32(src), p.full)
	return code
}

// pick is the program of an OpSwitch that the value chooses.
func pick(v *gjson.Result, in *instr) *program {
	switch {
	case in.flags&SwitchKind != 0:
		k := Kind(*v)
		for i, name := range in.names {
			if strings.IndexByte(name, k) >= 0 {
				return in.progs[i+1]
			}
		}
	case v.Type != gjson.String:
	default:
		t := text(*v)
		for i, name := range in.names {
			if in.flags&SwitchPrefix != 0 && strings.HasPrefix(t, name) || in.flags&SwitchPrefix == 0 && t == name {
				return in.progs[i+1]
			}
		}
	}
	return in.progs[0]
}

// group runs an OpGroup's programs and joins their outputs.
func (r *Runner) group(out []byte, in *instr, depth int) ([]byte, int32) {
	wrote := false
	for _, p := range in.progs {
		var code int32
		if out, code = r.joined(out, p, in, &wrote, depth); code != 0 {
			return out, code
		}
	}
	if wrote {
		out = append(out, in.post...)
	}
	return out, 0
}

// joined runs a program whose output, when there is any, follows in.pre
// (the first) or in.sep (the others).
func (r *Runner) joined(out []byte, prog *program, in *instr, wrote *bool, depth int) ([]byte, int32) {
	mark := len(out)
	if *wrote {
		out = append(out, in.sep...)
	} else {
		out = append(out, in.pre...)
	}
	body := len(out)
	out, code := r.exec(out, prog, depth+1)
	switch {
	case code != 0:
		return out, code
	case len(out) == body:
		return out[:mark], 0
	}
	*wrote = true
	return out, 0
}

// mapEach runs an OpMap's program for each element of arr, the element as
// the base (or the item, when src is relative), joined as group joins.
func (r *Runner) mapEach(out []byte, arr gjson.Result, in *instr, depth int) ([]byte, int32) {
	if !arr.IsArray() {
		return out, 0
	}
	f := &r.frames[depth]
	f.elems = r.src.Members(arr, f.elems[:0])
	if r.steps -= len(f.elems); r.steps < 0 {
		return out, TooLarge
	}
	which := 0
	if in.src >= SrcNext {
		which = 1
	}
	saved, outer := r.cur[which], r.inMap
	r.cur[which], r.inMap = &f.sc, f
	wrote := false
	var code int32
	for i := range f.elems {
		f.i = i
		f.sc.load(r.src, f.elems[i].Val())
		if out, code = r.joined(out, in.progs[0], in, &wrote, depth); code != 0 {
			break
		}
	}
	r.cur[which], r.inMap = saved, outer
	if code == 0 && wrote {
		out = append(out, in.post...)
	}
	return out, code
}

// cut is the text of a string value after the first from and before the
// first to after it (from the start, to the end, when they are empty).
func cut(v gjson.Result, from, to string) (string, bool) {
	if v.Type != gjson.String {
		return "", false
	}
	t := text(v)
	i := strings.Index(t, from)
	if i < 0 {
		return "", false
	}
	t = t[i+len(from):]
	if to != "" {
		j := strings.Index(t, to)
		if j < 0 {
			return "", false
		}
		t = t[:j]
	}
	return t, true
}

// each appends, for each element of arr, each sub's value or kind and sep.
func (r *Runner) each(out []byte, src Source, arr gjson.Result, in *instr) []byte {
	if !arr.IsArray() {
		return out
	}
	r.rows = src.Members(arr, r.rows[:0])
	var v gjson.Result
	for _, e := range r.rows {
		r.elem.load(src, e.Val())
		for k := range in.subs {
			s := &in.subs[k]
			r.elem.get(r, src, &s.path, &v)
			switch {
			case s.flags&EachKind != 0:
				out = append(out, Kind(v))
				continue
			case s.flags&EachCode != 0:
				out = append(out, code(v, s.names))
				continue
			case v.Exists():
				out = appendValue(out, v, s.flags)
			}
			out = append(out, in.sep...)
		}
	}
	return out
}

// code is the 1-based position of a string value in a comma-separated list
// of names, 0 when it is not there.
func code(v gjson.Result, names string) byte {
	if v.Type != gjson.String {
		return 0
	}
	k := byte(1)
	for len(names) > 0 {
		name := names
		if i := strings.IndexByte(names, ','); i >= 0 {
			name, names = names[:i], names[i+1:]
		} else {
			names = ""
		}
		if name == text(v) {
			return k
		}
		k++
	}
	return 0
}

func absent(v gjson.Result, flags byte) bool {
	return !v.Exists() || v.Type == gjson.Null || flags&EmptyAbsent != 0 && v.Type == gjson.String && emptyString(v)
}

func appendValue(out []byte, v gjson.Result, flags byte) []byte {
	switch {
	case v.Type == gjson.String && flags&Text != 0:
		return append(out, text(v)...)
	case v.Type == gjson.String && flags&Inner != 0 && len(v.Raw) >= 2:
		return append(out, v.Raw[1:len(v.Raw)-1]...)
	case flags&AsArray != 0 && !v.IsArray():
		return append(append(append(out, '['), v.Raw...), ']')
	}
	return append(out, v.Raw...)
}

// Kind is the byte OpKind writes for a value.
func Kind(v gjson.Result) byte {
	switch {
	case !v.Exists():
		return KindMissing
	case v.Type == gjson.Null:
		return KindNull
	case v.Type == gjson.False:
		return KindFalse
	case v.Type == gjson.True:
		return KindTrue
	case v.Type == gjson.Number:
		return KindNumber
	case v.Type == gjson.String && emptyString(v):
		return KindEmptyString
	case v.Type == gjson.String:
		return KindString
	case v.IsArray():
		return KindArray
	}
	return KindObject
}

// view is b as a string without a copy: paths are only read during a lookup.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

type reader struct {
	b   string
	bad bool
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) u32() uint32 {
	if len(r.b) < 4 {
		r.bad, r.b = true, ""
		return 0
	}
	n := uint32(r.b[0]) | uint32(r.b[1])<<8 | uint32(r.b[2])<<16 | uint32(r.b[3])<<24
	r.b = r.b[4:]
	return n
}

func (r *reader) str() string {
	n := r.u32()
	if r.bad {
		return ""
	}
	if uint64(n) > uint64(len(r.b)) {
		r.bad, r.b = true, ""
		return ""
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

// A program is decoded once into instructions whose operands are ready to
// use (compile); a Runner keeps the compiled forms of the programs it ran
// last, keyed by their bytes, so that an adapter sending the same
// templates request after request does not decode them again, nor once per
// element of a map.

// instr is a decoded instruction. bad marks where a program stops being
// well formed: running up to it behaves as decoding did (the instructions
// before it run, then the build fails with Invalid).
type instr struct {
	op, src, flags byte
	bad            bool
	index          uint32
	path           path
	pre, post, def string
	sep            string
	subs           []eachSub  // OpEach
	names          []string   // OpSwitch
	progs          []*program // OpSwitch (n+1), OpGroup (n), OpMap (1)
}

// program is a compiled program; deep is set on the programs nested beyond
// MaxDepth, which are never run (their OpSwitch, OpGroup or OpMap fails
// first) and so are not decoded.
type program struct {
	ins  []instr
	deep bool
}

type eachSub struct {
	flags byte
	names string
	path  path
}

// path is a read path split once: its first plain key and the rest, and
// whether it ends in the modifiers "|@fromstr|@valid" (a JSON text inside
// a string, checked), which relative reads apply themselves instead of
// handing the path to gjson.
type path struct {
	full      string // as written
	p         string // without the modifiers, when fromStr
	key, rest string
	plain     bool
	fromStr   bool
}

const fromStrValid = "|@fromstr|@valid"

func newPath(s string) path {
	pt := path{full: s, p: s}
	if p, ok := strings.CutSuffix(s, fromStrValid); ok && p != "" && plainPath(p) {
		pt.p, pt.fromStr = p, true
	}
	pt.key, pt.rest, pt.plain = plainKey(pt.p)
	return pt
}

// compile decodes a program (a string the compiled form keeps views of)
// at the given depth.
func compile(b string, depth int) *program {
	p := &program{}
	if depth > MaxDepth {
		p.deep = true
		return p
	}
	rd := reader{b: b}
	for len(rd.b) > 0 {
		var in instr
		in.op = rd.byte()
		in.index = NoIndex
		switch in.op {
		case OpLit:
			in.pre = rd.str()
		case OpCopy:
			in.src, in.flags, in.path = rd.byte(), rd.byte(), newPath(rd.str())
		case OpCopyOr:
			in.src, in.flags, in.path = rd.byte(), rd.byte(), newPath(rd.str())
			in.pre, in.post, in.def = rd.str(), rd.str(), rd.str()
		case OpKind:
			in.src, in.path = rd.byte(), newPath(rd.str())
		case OpBase, OpItem:
			in.src, in.index, in.path = rd.byte(), rd.u32(), newPath(rd.str())
		case OpEach:
			in.src, in.path = rd.byte(), newPath(rd.str())
			n := int(rd.byte())
			for range n {
				var s eachSub
				if s.flags = rd.byte(); s.flags&EachCode != 0 {
					s.names = rd.str()
				}
				s.path = newPath(rd.str())
				if !rd.bad {
					in.subs = append(in.subs, s)
				}
			}
			in.sep = rd.str()
		case OpSwitch:
			in.src, in.flags, in.path = rd.byte(), rd.byte(), newPath(rd.str())
			n := int(rd.byte())
			for range n {
				in.names = append(in.names, rd.str())
			}
			for range n + 1 {
				in.progs = append(in.progs, compile(rd.str(), depth+1))
			}
		case OpGroup:
			in.pre, in.sep, in.post = rd.str(), rd.str(), rd.str()
			n := int(rd.byte())
			for range n {
				in.progs = append(in.progs, compile(rd.str(), depth+1))
			}
		case OpMap:
			in.src, in.path = rd.byte(), newPath(rd.str())
			in.pre, in.sep, in.post = rd.str(), rd.str(), rd.str()
			in.progs = append(in.progs, compile(rd.str(), depth+1))
		case OpFail:
		case OpCut:
			in.src, in.flags, in.path = rd.byte(), rd.byte(), newPath(rd.str())
			in.pre, in.post = rd.str(), rd.str()
		default:
			rd.bad = true
		}
		if rd.bad {
			p.ins = append(p.ins, instr{bad: true})
			break
		}
		p.ins = append(p.ins, in)
	}
	return p
}

// Bounds of the compiled programs a Runner keeps: a few templates, not
// every program a guest could send.
const (
	cacheEntries = 8
	cacheBytes   = 64 << 10 // of program bytes, all entries together
)

type cached struct {
	key  string
	prog *program
}

// compiled is prog's compiled form, from the cache when the same bytes
// ran before. The bytes are compared whole (the guest may have rewritten
// them in place); with a few entries of different lengths, most are told
// apart by their length.
func (r *Runner) compiled(prog []byte) *program {
	for i := range r.cache {
		if c := &r.cache[i]; c.prog != nil && c.key == view(prog) {
			return c.prog
		}
	}
	key := string(prog)
	p := compile(key, 0)
	if len(key) > cacheBytes {
		return p
	}
	// A ring: the slot after the newest is the oldest; older entries go
	// too while the bytes kept would pass the bound.
	slot := r.evict % cacheEntries
	r.evict++
	r.cache[slot] = cached{}
	total := len(key)
	for i := range r.cache {
		total += len(r.cache[i].key)
	}
	for k := 1; total > cacheBytes && k < cacheEntries; k++ {
		c := &r.cache[(slot+k)%cacheEntries]
		total -= len(c.key)
		*c = cached{}
	}
	r.cache[slot] = cached{key, p}
	return p
}
