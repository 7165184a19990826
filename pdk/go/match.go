package pdk

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
)

// Matching helpers (pdk/ABI.md, "Matching helpers"): the host finds personal
// data, secrets, regular expressions and word lists in request and response
// text natively. Compile a Matcher once in Init, then scan in the hooks: a
// scan is one host call, and only the fields with findings come back.

// Kind is the type of a finding.
type Kind uint32

// Built-in kinds; a custom pattern i of a MatchSpec is KindCustom+i.
const (
	KindEmail  Kind = 1 // e-mail address
	KindPhone  Kind = 2 // phone number (international and national formats)
	KindCard   Kind = 3 // payment card number (Luhn-checked)
	KindIBAN   Kind = 4 // IBAN (mod-97 checked)
	KindSSN    Kind = 5 // US social security number
	KindIPv4   Kind = 6
	KindIPv6   Kind = 7
	KindAPIKey Kind = 8 // API key or token: known prefixes and high-entropy strings
	KindJWT    Kind = 9
	KindCustom Kind = 256
)

var kindNames = [...]string{KindEmail: "email", KindPhone: "phone", KindCard: "card", KindIBAN: "iban",
	KindSSN: "ssn", KindIPv4: "ipv4", KindIPv6: "ipv6", KindAPIKey: "api_key", KindJWT: "jwt"}

// BuiltinKinds names every built-in kind, as MatchSpec.Builtin takes them.
func BuiltinKinds() []string { return append([]string(nil), kindNames[1:]...) }

// String is the kind's name ("email", ...; "custom_<i>" for custom patterns).
func (k Kind) String() string {
	if k >= 1 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	if k >= KindCustom {
		return "custom_" + strconv.Itoa(int(k-KindCustom))
	}
	return "kind_" + strconv.Itoa(int(k))
}

// ParseKind returns the built-in kind named s.
func ParseKind(s string) (Kind, bool) {
	for k := 1; k < len(kindNames); k++ {
		if kindNames[k] == s {
			return Kind(k), true
		}
	}
	return 0, false
}

// MatchSpec says what a Matcher finds.
type MatchSpec struct {
	Builtin []string       `json:"builtin,omitempty"` // built-in kinds by name
	Custom  []MatchPattern `json:"custom,omitempty"`  // the i-th reports KindCustom+i
	Redact  *RedactSpec    `json:"redact,omitempty"`  // rules for Object.Redact (redact.go)
}

// MatchPattern is a custom pattern: an RE2 regular expression, used as
// written (start it with (?i) to ignore case), or a list of words and
// phrases, matched as whole words and ignoring case unless CaseSensitive.
type MatchPattern struct {
	Regex         string   `json:"regex,omitempty"`
	Words         []string `json:"words,omitempty"`
	CaseSensitive bool     `json:"case_sensitive,omitempty"`
}

// Matcher is a compiled MatchSpec, held by the host.
type Matcher struct{ id int32 }

// CompileMatcher compiles spec on the host. Call it from Init: the host
// compiles each spec once and the instance keeps it for every request. A bad
// spec (unknown kind, bad regular expression) is an error; the gateway's log
// has the detail.
func CompileMatcher(spec MatchSpec) (Matcher, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return Matcher{}, err
	}
	r := hMatchCompile(bstr(b))
	if r < 0 {
		return Matcher{}, &MatchError{Result: HostError(r)}
	}
	return Matcher{id: r}, nil
}

// MatchError is a spec the host refused.
type MatchError struct{ Result HostError }

func (e *MatchError) Error() string {
	if e.Result == HostError(ResultTooLarge) {
		return "match_compile: too many matchers in one instance"
	}
	return "match_compile: invalid spec (unknown kind or bad pattern; the gateway log names it)"
}

func (e *MatchError) Unwrap() error { return e.Result }

// Span is one finding: Text[Start:End] of its field is of kind Kind.
type Span struct {
	Start, End int
	Kind       Kind
}

// Field is a text field of an object and what a Matcher found in it. Path
// is the field's path for Set/SetString. Text and Spans point into a buffer
// that the next Scan or TextFields reuses (Matcher.Find has its own): copy
// what you keep.
type Field struct {
	Path  string
	Text  []byte
	Spans []Span
}

// scanResult holds what one kind of call returned; Scan and Find have one
// each, so a Find between the fields of a Scan does not overwrite them.
type scanResult struct {
	buf    []byte
	fields []Field
	spans  []Span
	paths  map[string]string // interned paths: the same fields come back request after request
}

// path returns p as a string, allocating only the first time it is seen.
func (r *scanResult) path(p []byte) string {
	if s, ok := r.paths[string(p)]; ok {
		return s
	}
	if r.paths == nil || len(r.paths) > 4096 {
		r.paths = map[string]string{}
	}
	s := string(p)
	r.paths[s] = s
	return s
}

var scanned, found = scanResult{buf: make([]byte, 0, 16<<10)}, scanResult{buf: make([]byte, 0, 4<<10)}

// Scan returns the fields with findings of m: in the string at path, or,
// with path "", in every text field of the object (message contents and
// text parts, tool-call arguments; for a response its choices' messages, for
// a chunk their deltas). One host call.
func (o Object) Scan(path string, m Matcher) ([]Field, error) { return o.scan(path, m, 0) }

// TextFields is Scan with path "" returning every text field, also those
// without findings.
func (o Object) TextFields(m Matcher) ([]Field, error) { return o.scan("", m, matchAllFields) }

const matchAllFields = 1

func (o Object) scan(path string, m Matcher, flags uint32) ([]Field, error) {
	r := &scanned
	for {
		n := hMatchScan(uint32(o.id), path, m.id, flags, r.buf[:cap(r.buf)])
		if n < 0 {
			return nil, HostError(n)
		}
		if int(n) <= cap(r.buf) {
			return r.decode(r.buf[:n])
		}
		r.buf = make([]byte, 0, int(n)+int(n)/4)
	}
}

// Find returns the findings of m in text (one host call). The spans are
// valid until the next Find.
func (m Matcher) Find(text []byte) ([]Span, error) {
	r := &found
	for {
		n := hMatchText(m.id, bstr(text), r.buf[:cap(r.buf)])
		if n < 0 {
			return nil, HostError(n)
		}
		if int(n) <= cap(r.buf) {
			fs, err := r.decode(r.buf[:n])
			if err != nil || len(fs) == 0 {
				return nil, err
			}
			return fs[0].Spans, nil
		}
		r.buf = make([]byte, 0, int(n)+int(n)/4)
	}
}

// decode reads the wire layout of pdk/ABI.md: per field, path_len
// path text_len text count (start end kind)*count, little-endian uint32s.
func (r *scanResult) decode(b []byte) ([]Field, error) {
	r.fields, r.spans = r.fields[:0], r.spans[:0]
	le := binary.LittleEndian
	next := func(n int) ([]byte, bool) {
		if n < 0 || n > len(b) {
			return nil, false
		}
		v := b[:n]
		b = b[n:]
		return v, true
	}
	u32 := func() (int, bool) {
		v, ok := next(4)
		if !ok {
			return 0, false
		}
		return int(le.Uint32(v)), true
	}
	var spanAt []int
	for len(b) > 0 {
		var f Field
		pl, ok := u32()
		p, ok2 := next(pl)
		tl, ok3 := u32()
		t, ok4 := next(tl)
		c, ok5 := u32()
		if !(ok && ok2 && ok3 && ok4 && ok5) || c > len(b)/12 {
			return nil, errBadMatch
		}
		f.Path, f.Text = r.path(p), t
		spanAt = append(spanAt, len(r.spans))
		for k := 0; k < c; k++ {
			st, _ := u32()
			en, _ := u32()
			kd, _ := u32()
			r.spans = append(r.spans, Span{st, en, Kind(kd)})
		}
		r.fields = append(r.fields, f)
	}
	// The spans slice may have moved while growing: slice it at the end.
	for i := range r.fields {
		end := len(r.spans)
		if i+1 < len(spanAt) {
			end = spanAt[i+1]
		}
		r.fields[i].Spans = r.spans[spanAt[i]:end:end]
	}
	return r.fields, nil
}

var errBadMatch = HostError(ResultInvalid)

// Finishes reports whether this chunk ends the choice that a text field
// belongs to: path is a field's path ("choices.N...."), and the choice's
// finish_reason is set. Plugins that hold text back flush it then.
func (c *Chunk) Finishes(path string) bool {
	rest, ok := cutPrefix(path, "choices.")
	if !ok {
		return false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 {
		return false
	}
	r, found := readJSON(c.id, "choices."+rest[:n]+".finish_reason", 0)
	return found >= 0 && string(r) != "null"
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}
