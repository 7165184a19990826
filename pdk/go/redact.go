package pdk

import "encoding/binary"

// match_redact (pdk/ABI.md): a Matcher compiled with redact rules finds,
// replaces and writes back every finding of an object in one host call, so
// a plugin that masks personal data does not rebuild texts in the guest.

// RedactSpec gives, per kind, what Object.Redact writes in place of a
// finding. Kinds without a rule are left as they are.
type RedactSpec struct {
	Rules   []RedactRule `json:"rules"`
	HashKey string       `json:"hash_key,omitempty"` // HMAC-SHA256 key of "hash"
}

// RedactRule is the action for one kind.
type RedactRule struct {
	// Kind is Kind.String() of a built-in or custom kind: "email", "custom_0".
	Kind string `json:"kind"`
	// Action is "mask" ([LABEL_1], the same value the same number within
	// one call), "hash" ([LABEL_<first 6 bytes of HMAC-SHA256 in hex>]) or
	// "block" (nothing is written; Redaction.Blocked names the kind).
	Action string `json:"action"`
	// Label names the placeholder: letters, digits and '_'.
	Label string `json:"label"`
}

// Redaction is what one Redact did. Its slices point into a buffer that the
// next Redact reuses: copy what you keep longer.
type Redaction struct {
	// Blocked is the kind of the first finding with a block rule; then
	// nothing was written.
	Blocked Kind
	// Counts is the findings replaced per kind, in order of appearance.
	Counts []KindCount
	// Pairs is each placeholder of a mask rule and the value it replaced.
	Pairs []Pair
}

// KindCount is how many findings of a kind were replaced.
type KindCount struct {
	Kind  Kind
	Count int
}

// Pair is a placeholder and its original value.
type Pair struct{ Placeholder, Value []byte }

var redacted struct {
	buf []byte
	r   Redaction
}

// Redact replaces the findings of m (compiled with MatchSpec.Redact) in
// the string at path, or with path "" in every text field (as Scan), and
// writes the changed fields back in one rebuild of the body. One host call.
func (o Object) Redact(path string, m Matcher) (*Redaction, error) {
	if cap(redacted.buf) == 0 {
		redacted.buf = make([]byte, 0, 1024)
	}
	for {
		buf := redacted.buf[:cap(redacted.buf)]
		n := hMatchRedact(uint32(o.id), path, m.id, buf)
		if n < 0 {
			return nil, HostError(n)
		}
		if int(n) <= len(buf) {
			return decodeRedaction(buf[:n])
		}
		redacted.buf = make([]byte, 0, int(n)+int(n)/4) // nothing was written: call again
	}
}

// decodeRedaction reads the layout of pdk/ABI.md, "match_redact".
func decodeRedaction(b []byte) (*Redaction, error) {
	r := &redacted.r
	r.Blocked, r.Counts, r.Pairs = 0, r.Counts[:0], r.Pairs[:0]
	le := binary.LittleEndian
	ok := true
	u32 := func() int {
		if len(b) < 4 {
			ok = false
			return 0
		}
		v := le.Uint32(b)
		b = b[4:]
		return int(v)
	}
	bytes := func() []byte {
		n := u32()
		if !ok || n > len(b) {
			ok = false
			return nil
		}
		v := b[:n:n]
		b = b[n:]
		return v
	}
	r.Blocked = Kind(u32())
	for n := u32(); ok && n > 0; n-- {
		k := Kind(u32())
		r.Counts = append(r.Counts, KindCount{k, u32()})
	}
	for n := u32(); ok && n > 0; n-- {
		p := bytes()
		r.Pairs = append(r.Pairs, Pair{p, bytes()})
	}
	if !ok || len(b) != 0 {
		return nil, errBadMatch
	}
	return r, nil
}
