package pdk

// Building bodies (pdk/ABI.md, "Building bodies"): a [Builder] is a
// json_build program. A translating adapter writes the provider body as
// literals and copies of values found by path, and the host assembles it in
// one call: the values never pass through the guest, and one host call
// replaces one per value.

// Flags of [Builder.Copy].
type BuildFlag byte

const (
	// BuildText copies a string's unescaped text instead of its JSON text.
	BuildText BuildFlag = 1
	// BuildInner copies a string's JSON text without its quotes, to splice
	// into another JSON string.
	BuildInner BuildFlag = 2
	// BuildRequired fails the build with ErrNotFound when the value is absent.
	BuildRequired BuildFlag = 4
	// BuildOrNext chains alternatives: when the value is present, the rest
	// of the chain is skipped; the chain ends with the first instruction
	// that is not a BuildOrNext copy (a literal default, say).
	BuildOrNext BuildFlag = 8
	// BuildAsArray wraps a value that is not an array in [ ].
	BuildAsArray BuildFlag = 16
	// BuildEmptyAbsent counts an empty string as absent.
	BuildEmptyAbsent BuildFlag = 32
	// BuildKind, on an [Builder.Each] field, writes the value's kind (one
	// byte, KindString, …) instead of the value.
	BuildKind BuildFlag = 64
	// BuildCode, on an [Builder.Each] field, writes one byte: the 1-based
	// position of the value (a string) in the field's Names, 0 when it is
	// not one of them. Neither it nor a BuildKind field is followed by sep.
	BuildCode BuildFlag = 128
)

// BuildBase as an instruction's object stands for the object and path
// [Builder.Base] chose last: the instruction's path is relative to it
// ("content" after a base of messages.3 is messages.3.content), so the guest
// builds no paths per value.
const BuildBase ObjectID = 255

// BuildItem is BuildBase for the item ([Builder.Item]).
const BuildItem ObjectID = 254

// Kinds that [Builder.Kind] writes, one byte per value.
const (
	KindMissing     byte = 'u'
	KindNull        byte = 'n'
	KindFalse       byte = 'f'
	KindTrue        byte = 't'
	KindNumber      byte = 'd'
	KindString      byte = 's' // a non-empty string
	KindEmptyString byte = 'e'
	KindArray       byte = 'a'
	KindObject      byte = 'o'
)

// Opcodes of a program.
const (
	opLit    = 1
	opCopy   = 2
	opKind   = 3
	opCopyOr = 4
	opBase   = 5
	opEach   = 6
	opItem   = 7
)

// buildToGuest as json_build's object returns the output to the guest.
const buildToGuest = 0xFFFFFFFF

// Builder is a json_build program. The zero value is empty; reuse one with
// Reset to build without allocating.
type Builder struct {
	prog []byte
}

// Reset empties the program, keeping its buffer.
func (b *Builder) Reset() { b.prog = b.prog[:0] }

// Len is the size of the program in bytes.
func (b *Builder) Len() int { return len(b.prog) }

// Lit appends literal text to the output.
func (b *Builder) Lit(text string) {
	b.prog = appendBuildStr(append(b.prog, opLit), text)
}

// LitBytes is Lit for bytes.
func (b *Builder) LitBytes(text []byte) { b.Lit(bstr(text)) }

// Copy appends the value at path of object src (raw JSON unless a flag
// says otherwise); nothing when it is absent.
func (b *Builder) Copy(src ObjectID, path string, flags BuildFlag) {
	n := len(path)
	b.prog = append(b.prog, opCopy, byte(src), byte(flags), byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	b.prog = append(b.prog, path...)
}

// CopyOr appends pre, the value at path of object src, and post when the
// value is present (not missing, not null), and def otherwise.
func (b *Builder) CopyOr(src ObjectID, path string, flags BuildFlag, pre, post, def string) {
	b.prog = appendBuildStr(append(b.prog, opCopyOr, byte(src), byte(flags)), path)
	b.prog = appendBuildStr(b.prog, pre)
	b.prog = appendBuildStr(b.prog, post)
	b.prog = appendBuildStr(b.prog, def)
}

// Append appends the instructions of another program: a part built apart
// (a system prompt gathered while the messages are written) joins the body.
func (b *Builder) Append(other *Builder) { b.prog = append(b.prog, other.prog...) }

// Kind appends one byte naming the kind of the value at path of object src
// (KindMissing, KindString, …).
func (b *Builder) Kind(src ObjectID, path string) {
	b.prog = appendBuildStr(append(b.prog, opKind, byte(src)), path)
}

// Base makes the value at path of object src the base that BuildBase
// paths are relative to; with src BuildBase, path is relative to the
// current base.
func (b *Builder) Base(src ObjectID, path string) { b.scope(opBase, src, path, noIndex) }

// BaseAt makes element i of the array at path of object src the base
// (path "messages", i 3: messages.3).
func (b *Builder) BaseAt(src ObjectID, path string, i int) { b.scope(opBase, src, path, uint32(i)) }

// Item is Base for the item, a second level that BuildItem paths are
// relative to (a part of a message's content, with the message as base).
func (b *Builder) Item(src ObjectID, path string) { b.scope(opItem, src, path, noIndex) }

// ItemAt is BaseAt for the item.
func (b *Builder) ItemAt(src ObjectID, path string, i int) { b.scope(opItem, src, path, uint32(i)) }

const noIndex = 0xFFFFFFFF

func (b *Builder) scope(op byte, src ObjectID, path string, i uint32) {
	n := len(path)
	b.prog = append(b.prog, op, byte(src), byte(i), byte(i>>8), byte(i>>16), byte(i>>24), byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	b.prog = append(b.prog, path...)
}

// Each appends, for each element of the array at path of object src, each
// field's value at its path in the element (or its kind, with BuildKind),
// each followed by sep. A guest learns the shape of a body in one call: the
// role, the kind of the content and the number of tool calls of every
// message, say. At most 255 fields.
func (b *Builder) Each(src ObjectID, path string, sep string, fields ...EachField) {
	b.prog = appendBuildStr(append(b.prog, opEach, byte(src)), path)
	b.prog = append(b.prog, byte(len(fields)))
	for _, f := range fields {
		b.prog = append(b.prog, byte(f.Flags))
		if f.Flags&BuildCode != 0 {
			b.prog = appendBuildStr(b.prog, f.Names)
		}
		b.prog = appendBuildStr(b.prog, f.Path)
	}
	b.prog = appendBuildStr(b.prog, sep)
}

// EachField is one field of [Builder.Each].
type EachField struct {
	Path  string
	Flags BuildFlag
	// Names, with BuildCode, are the strings the field is coded against,
	// comma-separated.
	Names string
}

// Build runs the program and sets the output as the body of obj. It returns
// ErrNotFound when a BuildRequired value is absent, ErrInvalid when obj needs
// JSON and the output is not.
func (b *Builder) Build(obj ObjectID) error {
	return errorFor(hJSONBuild(uint32(obj), b.prog, nil))
}

// AppendOutput runs the program and appends its output to dst.
func (b *Builder) AppendOutput(dst []byte) ([]byte, error) {
	for {
		free := dst[len(dst):cap(dst)]
		n := hJSONBuild(buildToGuest, b.prog, free)
		if n < 0 {
			return dst, HostError(n)
		}
		if int(n) <= len(free) {
			return dst[:len(dst)+int(n)], nil
		}
		grown := make([]byte, len(dst), len(dst)+int(n)+int(n)/4)
		copy(grown, dst)
		dst = grown
	}
}

func appendBuildStr(p []byte, s string) []byte {
	n := uint32(len(s))
	return append(append(p, byte(n), byte(n>>8), byte(n>>16), byte(n>>24)), s...)
}

// Templates (pdk/ABI.md, "Building bodies", opcodes 8–12): a program that
// walks a request on the host, a template per case, so that the guest
// neither reads the request's shape nor joins fragments per element.

const (
	opSwitch = 8
	opGroup  = 9
	opMap    = 10
	opFail   = 11
	opCut    = 12
)

// BuildPrev and BuildNext, as an instruction's object inside a
// [Builder.Map] template, stand for the element before and after the
// current one (absent at the ends): a tool result knows whether it opens or
// closes a run of them.
const (
	BuildPrev ObjectID = 253
	BuildNext ObjectID = 252
)

// SwitchFlag says how [Builder.Switch] matches a value against its names.
type SwitchFlag byte

const (
	// SwitchText matches the name equal to the string's text.
	SwitchText SwitchFlag = 0
	// SwitchKind matches the first name that contains the value's kind
	// byte ("sa": a string or an array).
	SwitchKind SwitchFlag = 1
	// SwitchPrefix matches the first name the string's text starts with.
	SwitchPrefix SwitchFlag = 2
)

// Case is a name of [Builder.Switch] and the program it runs (nil: none).
type Case struct {
	Name string
	Then *Builder
}

// Switch runs the program of the first case whose name the value at path
// matches, or other (nil: nothing) when none does. At most 255 cases.
func (b *Builder) Switch(src ObjectID, path string, flags SwitchFlag, other *Builder, cases ...Case) {
	b.prog = appendBuildStr(append(b.prog, opSwitch, byte(src), byte(flags)), path)
	b.prog = append(b.prog, byte(len(cases)))
	for _, c := range cases {
		b.prog = appendBuildStr(b.prog, c.Name)
	}
	b.prog = appendBuildProg(b.prog, other)
	for _, c := range cases {
		b.prog = appendBuildProg(b.prog, c.Then)
	}
}

// Group runs the programs and joins the outputs that are not empty with
// sep, between pre and post; nothing when all are empty. At most 255.
func (b *Builder) Group(pre, sep, post string, parts ...*Builder) {
	b.prog = appendBuildStr(append(b.prog, opGroup), pre)
	b.prog = appendBuildStr(b.prog, sep)
	b.prog = appendBuildStr(b.prog, post)
	b.prog = append(b.prog, byte(len(parts)))
	for _, p := range parts {
		b.prog = appendBuildProg(b.prog, p)
	}
}

// Map runs each for every element of the array at path, the element as the
// base (or, when src is BuildBase, BuildItem, BuildPrev or BuildNext, as
// the item), and joins the outputs as [Builder.Group] does.
func (b *Builder) Map(src ObjectID, path, pre, sep, post string, each *Builder) {
	b.prog = appendBuildStr(append(b.prog, opMap, byte(src)), path)
	b.prog = appendBuildStr(b.prog, pre)
	b.prog = appendBuildStr(b.prog, sep)
	b.prog = appendBuildStr(b.prog, post)
	b.prog = appendBuildProg(b.prog, each)
}

// Fail ends the build with ErrNotFound: a case the program leaves to the
// guest (which then looks at the request itself).
func (b *Builder) Fail() { b.prog = append(b.prog, opFail) }

// Cut appends the part of the string at path between the first from and
// the first to after it (empty: the start, the end) as a JSON string, or
// with BuildText its text, with BuildInner its JSON text without quotes.
// Nothing when the value is not a string or from or to is not in it
// (ErrNotFound with BuildRequired).
func (b *Builder) Cut(src ObjectID, path string, flags BuildFlag, from, to string) {
	b.prog = appendBuildStr(append(b.prog, opCut, byte(src), byte(flags)), path)
	b.prog = appendBuildStr(b.prog, from)
	b.prog = appendBuildStr(b.prog, to)
}

func appendBuildProg(p []byte, b *Builder) []byte {
	if b == nil {
		return append(p, 0, 0, 0, 0)
	}
	return appendBuildStr(p, bstr(b.prog))
}
