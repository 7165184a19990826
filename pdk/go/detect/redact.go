package detect

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// Redact says what the host function match_redact writes in place of the
// findings of each kind (pdk/ABI.md, "match_redact"). Kinds without a rule
// are left as they are.
type Redact struct {
	Rules []RedactRule `json:"rules"`
	// HashKey is the HMAC-SHA256 key of the "hash" action.
	HashKey string `json:"hash_key,omitempty"`
}

// RedactRule is the action for one kind.
type RedactRule struct {
	// Kind is a built-in kind's name or "custom_<i>" for Spec.Custom[i].
	Kind string `json:"kind"`
	// Action is "mask" ([LABEL_n], numbered by first appearance: the same
	// value gets the same number), "hash" ([LABEL_<12 hex digits>], the
	// first 6 bytes of HMAC-SHA256(HashKey, value)) or "block" (nothing is
	// written; the kind is reported).
	Action string `json:"action"`
	// Label names the placeholder: letters, digits and '_'.
	Label string `json:"label"`
}

// Redaction actions.
const (
	ActMask  = "mask"
	ActHash  = "hash"
	ActBlock = "block"
)

// redactRule is a compiled RedactRule.
type redactRule struct {
	action string
	label  string
}

// compileRedact compiles r into the matcher's rules by kind.
func (m *Matcher) compileRedact(r *Redact, spec Spec) error {
	if r == nil {
		return nil
	}
	m.rules = make([]*redactRule, ruleIndex(Custom+Kind(len(spec.Custom))))
	for i, rr := range r.Rules {
		k, ok := ParseKind(rr.Kind)
		if !ok {
			n, err := strconv.Atoi(strings.TrimPrefix(rr.Kind, "custom_"))
			if !strings.HasPrefix(rr.Kind, "custom_") || err != nil || n < 0 || n >= len(spec.Custom) {
				return fmt.Errorf("detect: redact rule %d: unknown kind %q", i, rr.Kind)
			}
			k = Custom + Kind(n)
		}
		if rr.Label == "" || strings.IndexFunc(rr.Label, func(c rune) bool {
			return !(c < 0x80 && isWordByte(byte(c)))
		}) >= 0 {
			return fmt.Errorf("detect: redact rule %d: label must be letters, digits and _", i)
		}
		switch rr.Action {
		case ActMask, ActBlock:
		case ActHash:
			if r.HashKey == "" {
				return fmt.Errorf("detect: redact rule %d: hash needs hash_key", i)
			}
		default:
			return fmt.Errorf("detect: redact rule %d: action %q is not one of mask, hash, block", i, rr.Action)
		}
		if m.rules[ruleIndex(k)] != nil {
			return fmt.Errorf("detect: redact rule %d: kind %q has a rule already", i, rr.Kind)
		}
		m.rules[ruleIndex(k)] = &redactRule{action: rr.Action, label: rr.Label}
	}
	m.hashKey = []byte(r.HashKey)
	return nil
}

// ruleIndex places kinds in Matcher.rules: built-ins first, then customs.
func ruleIndex(k Kind) int {
	if k >= Custom {
		return numBuiltins + 1 + int(k-Custom)
	}
	return int(k)
}

// rule returns the redact rule of kind k, or nil.
func (m *Matcher) rule(k Kind) *redactRule {
	if i := ruleIndex(k); i >= 0 && i < len(m.rules) {
		return m.rules[i]
	}
	return nil
}

// Redacts reports whether the matcher has redaction rules.
func (m *Matcher) Redacts() bool { return m.rules != nil }

var errNoRules = errors.New("detect: the matcher has no redact rules")

// Placeholders numbers the masked values of one redaction and remembers
// them: the same value of the same kind gets the same placeholder. The zero
// value is ready; Reset reuses it.
type Placeholders struct {
	// kinds[i] is the kind of Pairs[i]. A request has a few masked values:
	// they are looked up in Pairs, and only past linearPairs in byValue,
	// which then holds every pair (hashing cost more than the comparisons).
	kinds   []Kind
	byValue map[phKey]string
	next    []KindCount // placeholders issued per kind
	// arena holds the text of the placeholders and values, so that a
	// redaction allocates none of them; Reset reuses it. Strings into an
	// array that append has left are never written again.
	arena []byte
	// Pairs lists every placeholder issued and its value, in issue order.
	// The strings are valid until Reset.
	Pairs []Pair
	// Counts lists the findings replaced per kind, in order of first
	// appearance.
	Counts []KindCount
}

const linearPairs = 16

type phKey struct {
	kind  Kind
	value string
}

// Pair is a placeholder and the value it stands for.
type Pair struct{ Placeholder, Value string }

// KindCount is how many findings of a kind were replaced.
type KindCount struct {
	Kind  Kind
	Count int
}

// str is arena[from:to] as a string, without a copy.
func (p *Placeholders) str(from, to int) string {
	return unsafe.String(unsafe.SliceData(p.arena[from:to]), to-from)
}

// Reset forgets every placeholder.
func (p *Placeholders) Reset() {
	clear(p.byValue)
	p.kinds, p.next, p.arena = p.kinds[:0], p.next[:0], p.arena[:0]
	p.Pairs, p.Counts = p.Pairs[:0], p.Counts[:0]
}

func (p *Placeholders) count(k Kind) {
	for i := range p.Counts {
		if p.Counts[i].Kind == k {
			p.Counts[i].Count++
			return
		}
	}
	p.Counts = append(p.Counts, KindCount{k, 1})
}

// BlockedKind returns the kind of the first span that a block rule covers,
// or 0.
func (m *Matcher) BlockedKind(spans []Span) Kind {
	for _, sp := range spans {
		if r := m.rule(sp.Kind); r != nil && r.action == ActBlock {
			return sp.Kind
		}
	}
	return 0
}

// AppendRedacted appends text with the spans that have a mask or hash rule
// replaced by their placeholders, and reports whether anything was
// replaced. Block rules are the caller's (BlockedKind) to check first.
func (m *Matcher) AppendRedacted(dst []byte, text string, spans []Span, ph *Placeholders) ([]byte, bool, error) {
	if m.rules == nil {
		return dst, false, errNoRules
	}
	last, changed := 0, false
	for _, sp := range spans {
		r := m.rule(sp.Kind)
		if r == nil || r.action == ActBlock {
			continue
		}
		dst = append(dst, text[last:sp.Start]...)
		dst = ph.appendFor(dst, m, r, sp.Kind, text[sp.Start:sp.End])
		last, changed = sp.End, true
		ph.count(sp.Kind)
	}
	return append(dst, text[last:]...), changed, nil
}

// appendFor appends the placeholder of value.
func (p *Placeholders) appendFor(dst []byte, m *Matcher, r *redactRule, k Kind, value string) []byte {
	if r.action == ActHash {
		mac := hmac.New(sha256.New, m.hashKey)
		mac.Write([]byte(value))
		var sum [sha256.Size]byte
		dst = append(append(append(dst, '['), r.label...), '_')
		return append(hex.AppendEncode(dst, mac.Sum(sum[:0])[:6]), ']')
	}
	if ph, ok := p.lookup(k, value); ok {
		return append(dst, ph...)
	}
	n := 1
	for i := range p.next {
		if p.next[i].Kind == k {
			p.next[i].Count++
			n = p.next[i].Count
			break
		}
	}
	if n == 1 {
		p.next = append(p.next, KindCount{k, 1})
	}
	// The value is copied: it may point into a body that changes.
	a := len(p.arena)
	p.arena = append(append(append(append(p.arena, value...), '['), r.label...), '_')
	p.arena = append(strconv.AppendInt(p.arena, int64(n), 10), ']')
	value, ph := p.str(a, a+len(value)), p.str(a+len(value), len(p.arena))
	p.Pairs, p.kinds = append(p.Pairs, Pair{ph, value}), append(p.kinds, k)
	switch n := len(p.Pairs); {
	case n == linearPairs+1:
		if p.byValue == nil {
			p.byValue = make(map[phKey]string, 2*linearPairs)
		}
		for i, pr := range p.Pairs {
			p.byValue[phKey{p.kinds[i], pr.Value}] = pr.Placeholder
		}
	case n > linearPairs+1:
		p.byValue[phKey{k, value}] = ph
	}
	return append(dst, ph...)
}

// lookup returns the placeholder already issued for a value of a kind.
func (p *Placeholders) lookup(k Kind, value string) (string, bool) {
	if len(p.Pairs) > linearPairs {
		ph, ok := p.byValue[phKey{k, value}]
		return ph, ok
	}
	for i := range p.Pairs {
		if p.kinds[i] == k && p.Pairs[i].Value == value {
			return p.Pairs[i].Placeholder, true
		}
	}
	return "", false
}
