// Package detect finds personal data, secrets and custom patterns in text:
// e-mail addresses, phone numbers, payment cards (Luhn), IBANs (mod-97), US
// SSNs, IPv4 and IPv6 addresses, API keys and tokens, JWTs, and regular
// expressions and word lists given by configuration.
//
// The wasmgate host runs it natively behind the match_* host functions
// (pdk/ABI.md), because byte scanning in a Go Wasm guest is about a hundred
// times slower; pdktest's fake host runs the same code, so plugin tests see
// what the gateway sees. It uses the standard library only.
//
// The built-in detectors are hand-written single-pass scanners rather than
// regular expressions: a checksum, a boundary rule or a length table decides
// most near-misses, and one pass over the text costs a few nanoseconds per
// byte for all of them together.
package detect

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Kind is the type of a finding. Custom patterns are Custom+i for the i-th
// entry of Spec.Custom.
type Kind uint32

// Built-in kinds.
const (
	Email Kind = 1 + iota
	Phone
	Card
	IBAN
	SSN
	IPv4
	IPv6
	APIKey
	JWT
	numBuiltins = iota
)

// Custom is the kind of the first custom pattern.
const Custom Kind = 256

var kindNames = [...]string{Email: "email", Phone: "phone", Card: "card", IBAN: "iban", SSN: "ssn",
	IPv4: "ipv4", IPv6: "ipv6", APIKey: "api_key", JWT: "jwt"}

// Builtins lists the built-in kinds.
var Builtins = []Kind{Email, Phone, Card, IBAN, SSN, IPv4, IPv6, APIKey, JWT}

// String is the kind's name in configuration ("email", "api_key", ...);
// custom kinds are "custom_<i>".
func (k Kind) String() string {
	if k >= 1 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	if k >= Custom {
		return fmt.Sprintf("custom_%d", k-Custom)
	}
	return fmt.Sprintf("kind_%d", uint32(k))
}

// ParseKind returns the built-in kind named s.
func ParseKind(s string) (Kind, bool) {
	for k := Kind(1); int(k) < len(kindNames); k++ {
		if kindNames[k] == s {
			return k, true
		}
	}
	return 0, false
}

// Span is one finding: the bytes text[Start:End] are of kind Kind.
type Span struct {
	Start, End int
	Kind       Kind
}

// Spec says what a Matcher finds. It is the JSON a plugin gives to the host
// function match_compile.
type Spec struct {
	// Builtin names built-in kinds ("email", "phone", ...).
	Builtin []string `json:"builtin,omitempty"`
	// Custom patterns; the i-th reports kind Custom+i.
	Custom []Pattern `json:"custom,omitempty"`
	// Redact, when set, gives the actions of match_redact per kind.
	Redact *Redact `json:"redact,omitempty"`
}

// Pattern is a custom pattern: a regular expression (RE2 syntax, used as
// written: add (?i) to ignore case) or a list of words and phrases, matched
// as whole words, ignoring case unless CaseSensitive. A phrase matches the
// same words with any spaces or punctuation between them.
type Pattern struct {
	Regex         string   `json:"regex,omitempty"`
	Words         []string `json:"words,omitempty"`
	CaseSensitive bool     `json:"case_sensitive,omitempty"`
}

// Matcher finds the kinds of a Spec. It is safe for concurrent use.
type Matcher struct {
	builtins uint32           // bit k set: find built-in kind k
	custom   []*regexp.Regexp // by custom index; nil for word lists
	prefixes []string         // the literal prefix every match of custom[i] starts with
	words    wordList         // every word list, matched in one pass

	rules   []*redactRule // Spec.Redact by ruleIndex(kind); nil without
	hashKey []byte
}

// Compile builds a Matcher; an unknown kind, an empty pattern or a bad
// regular expression is an error naming it.
func Compile(spec Spec) (*Matcher, error) {
	m := &Matcher{}
	for _, name := range spec.Builtin {
		k, ok := ParseKind(name)
		if !ok {
			return nil, fmt.Errorf("detect: unknown kind %q", name)
		}
		m.builtins |= 1 << k
	}
	for i, p := range spec.Custom {
		re, err := p.compile(&m.words, Custom+Kind(i))
		if err != nil {
			return nil, fmt.Errorf("detect: custom pattern %d: %w", i, err)
		}
		m.custom = append(m.custom, re)
		prefix := ""
		if re != nil {
			prefix, _ = re.LiteralPrefix()
		}
		m.prefixes = append(m.prefixes, prefix)
	}
	if err := m.compileRedact(spec.Redact, spec); err != nil {
		return nil, err
	}
	return m, nil
}

// compile compiles a regular expression, or adds a word list to words.
func (p Pattern) compile(words *wordList, k Kind) (*regexp.Regexp, error) {
	switch {
	case p.Regex != "" && len(p.Words) > 0:
		return nil, errors.New("give either regex or words, not both")
	case p.Regex != "":
		return regexp.Compile(p.Regex)
	case len(p.Words) > 0:
		return nil, words.add(p.Words, !p.CaseSensitive, k)
	}
	return nil, errors.New("empty pattern: give regex or words")
}

// Has reports whether the matcher finds built-in kind k.
func (m *Matcher) Has(k Kind) bool { return k < 32 && m.builtins&(1<<k) != 0 }

// Find appends the findings in text to dst, sorted by position and without
// overlaps: where two findings overlap the one that starts first wins, and of
// two that start together the longer.
func (m *Matcher) Find(dst []Span, text string) []Span {
	start := len(dst)
	if m.builtins != 0 {
		dst = m.scan(dst, text)
	}
	for i, re := range m.custom {
		// Most texts lack a pattern's literal prefix: one fast search then
		// spares the regexp machine.
		if re == nil || m.prefixes[i] != "" && !strings.Contains(text, m.prefixes[i]) {
			continue
		}
		for _, loc := range re.FindAllStringIndex(text, -1) {
			if loc[1] > loc[0] {
				dst = append(dst, Span{loc[0], loc[1], Custom + Kind(i)})
			}
		}
	}
	if len(m.words.phrases) > 0 {
		dst = m.words.find(dst, text)
	}
	return resolve(dst, start)
}

// resolve sorts dst[from:] and drops overlapping spans.
func resolve(dst []Span, from int) []Span {
	s := dst[from:]
	if len(s) < 2 {
		return dst
	}
	// Stable, so that of two equal spans the one found first (built-in
	// before regular expression before word list) wins; and unlike
	// sort.Slice it allocates nothing.
	slices.SortStableFunc(s, func(a, b Span) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	out, end := from, -1
	for _, sp := range s {
		if sp.Start >= end {
			dst[out] = sp
			out++
			end = sp.End
		}
	}
	return dst[:out]
}

// scan runs the built-in detectors in one pass. Detectors start only at the
// start of a word, so a finding never begins in the middle of a longer token.
func (m *Matcher) scan(dst []Span, s string) []Span {
	n := len(s)
	for i := 0; i < n; {
		c := s[i]
		if i > 0 && alnumBytes[s[i-1]] {
			if c == '@' && m.Has(Email) {
				if st, e := matchEmail(s, i); e > 0 {
					dst = append(dst, Span{st, e, Email})
					i = e
					continue
				}
			}
			i++
			continue
		}
		if !startsFinding[c] {
			i++
			continue
		}
		if isLetter(c) {
			// One pass over the token: its run of base64url bytes (what the
			// detectors need) and its word (what is skipped when nothing
			// starts here), which ends at the first '-' of the run.
			run, word := 1, 0
			for i+run < n && b64Bytes[s[i+run]] {
				if word == 0 && s[i+run] == '-' {
					word = run
				}
				run++
			}
			if word == 0 {
				word = run
			}
			if k, e := m.atLetter(s, i, run); e > i {
				dst = append(dst, Span{i, e, k})
				i = e
			} else {
				i += word
			}
			continue
		}
		k, e := m.at(s, i)
		if e > i {
			dst = append(dst, Span{i, e, k})
			i = e
			continue
		}
		// Skip the rest of the word: nothing starts inside it. A number
		// that is none of the kinds is skipped with the digit groups that
		// follow it, so that its tail is not taken for a shorter number.
		j := i + 1
		switch {
		case isDigit(c):
			for j < n && (isWordByte(s[j]) || (s[j] == ' ' || s[j] == '-' || s[j] == '.') && j+1 < n && isDigit(s[j+1])) {
				j++
			}
		case isAlnum(c):
			for j < n && wordBytes[s[j]] {
				j++
			}
		}
		i = j
	}
	return dst
}

type detector struct {
	kind  Kind
	match func(s string, i int) int
}

// Detectors by the byte a finding starts with, in order of precedence.
var (
	digitStart = []detector{{IPv4, matchIPv4}, {IPv6, matchIPv6}, {Card, matchCard}, {SSN, matchSSN}, {Phone, matchPhone}, {APIKey, matchEntropy}}
	phoneStart = []detector{{Phone, matchPhone}}
	colonStart = []detector{{IPv6, matchIPv6}}
)

// at tries every detector that can start at s[i] (for letters, scan calls
// atLetter).
func (m *Matcher) at(s string, i int) (Kind, int) {
	var ds []detector
	switch c := s[i]; {
	case isDigit(c):
		if i > 0 && s[i-1] == '.' {
			return 0, -1 // the tail of a dotted number (a version, a longer address)
		}
		ds = digitStart
	case c == '+' || c == '(':
		ds = phoneStart
	case c == ':' && i+1 < len(s) && s[i+1] == ':':
		ds = colonStart
	}
	for _, d := range ds {
		if m.Has(d.kind) {
			if e := d.match(s, i); e > i {
				return d.kind, e
			}
		}
	}
	return 0, -1
}

// atLetter is at for a word that starts with a letter, most words of a
// text: JWT, known key prefixes, IBAN, IPv6 and random tokens, in this
// order, each tried only when the first bytes allow it.
//
// run is the number of base64url bytes from i. It bounds what can start
// here: a JWT's first segment has 10 or more, a known key minKeyLen or more
// with its prefix (but for pypi-, whose body may contain dots), a random
// token 24.
func (m *Matcher) atLetter(s string, i, run int) (Kind, int) {
	c := s[i]
	if run >= 10 && c == 'e' && m.Has(JWT) {
		if e := matchJWT(s, i); e > i {
			return JWT, e
		}
	}
	if (run >= minKeyLen || c == 'p') && len(keyByFirst[c]) > 0 && m.Has(APIKey) {
		if e := matchKeyPrefix(s, i); e > i {
			return APIKey, e
		}
	}
	if isUpper(c) && i+3 < len(s) && isUpper(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) && m.Has(IBAN) {
		if e := matchIBAN(s, i); e > i {
			return IBAN, e
		}
	}
	if isHex(c) && m.Has(IPv6) && hexGroupThenColon(s, i) {
		if e := matchIPv6(s, i); e > i {
			return IPv6, e
		}
	}
	if run >= minEntropyLen && m.Has(APIKey) {
		if e := matchEntropy(s, i); e > i {
			return APIKey, e
		}
	}
	return 0, -1
}

// hexGroupThenColon reports whether s[i:] starts with one to four hex
// digits and a colon, as an IPv6 address that starts with a letter does.
func hexGroupThenColon(s string, i int) bool {
	for p := i; p < len(s) && p <= i+4; p++ {
		if s[p] == ':' {
			return p > i
		}
		if !isHex(s[p]) {
			return false
		}
	}
	return false
}

// Table look-ups for the scan's hot loops: the bytes a built-in finding may
// start with (see at), and those of isWordByte, isAlnum and isB64URL.
var startsFinding, wordBytes, alnumBytes, b64Bytes = func() (st, w, a, b [256]bool) {
	for c := 0; c < 256; c++ {
		x := byte(c)
		st[c] = isAlnum(x) || x == '+' || x == '(' || x == ':'
		w[c], a[c], b[c] = isWordByte(x), isAlnum(x), isB64URL(x)
	}
	return
}()

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }
func isHex(c byte) bool    { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }
func isWordByte(c byte) bool {
	return isAlnum(c) || c == '_'
}

// endsWord reports whether a finding may end at s[e]: not inside a word.
func endsWord(s string, e int) bool { return e >= len(s) || !isAlnum(s[e]) && s[e] != '_' }
