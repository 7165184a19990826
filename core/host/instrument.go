package host

import (
	"errors"
	"fmt"
)

// Preemption without wazero's WithCloseOnContextDone.
//
// wazero stops a runaway guest only when a module is compiled with
// WithCloseOnContextDone, and that costs twice: a goroutine per call (about
// 0.7 µs, and far more when it has to wake an idle processor) and an exit to
// Go on every loop iteration (which makes guest code many times slower).
// Instead, instrument rewrites a plugin before it is compiled: every function
// entry and every loop header counts down a budget in a new global, and when
// the budget runs out the guest calls the host import wasmgate.yield. That
// host function checks the call's deadline (ending the call as a timeout when
// it has passed), gives the Go scheduler a preemption point, and the guest
// refills the budget. Every cycle of control flow passes a loop header or a
// function entry, so a guest cannot run past its deadline by more than one
// budget's worth of iterations.

// yieldImport is the host function the instrumentation calls.
const yieldImport = "yield"

// yieldBudget is how many loop iterations and calls a guest makes between two
// yields: a few tens of microseconds of guest work.
const yieldBudget = 1 << 14

type section struct {
	id   byte
	body []byte
}

var errInstrument = errors.New("cannot instrument module")

// instrument returns the module with the yield checks added.
func instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || wasm[4] != 1 || wasm[5] != 0 || wasm[6] != 0 || wasm[7] != 0 {
		return nil, fmt.Errorf("%w: not a WebAssembly 1.0 binary", errInstrument)
	}
	var secs []section
	r := &reader{b: wasm, i: 8}
	for r.i < len(r.b) {
		id := r.byte()
		n := r.u32()
		body := r.bytes(int(n))
		if r.err != nil {
			return nil, fmt.Errorf("%w: truncated section", errInstrument)
		}
		if id == 0 && customName(body) == "name" {
			continue // function indices shift: the name section would lie
		}
		secs = append(secs, section{id, body})
	}
	in := &instrumenter{}
	// Count imported functions and globals; find or add the () -> () type.
	typeIdx, secs, err := in.voidType(secs)
	if err != nil {
		return nil, err
	}
	secs, err = in.addImport(secs, typeIdx)
	if err != nil {
		return nil, err
	}
	secs, err = in.addGlobal(secs)
	if err != nil {
		return nil, err
	}
	for k := range secs {
		s := &secs[k]
		switch s.id {
		case 7:
			s.body, err = in.exports(s.body)
		case 8:
			s.body, err = in.start(s.body)
		case 9:
			s.body, err = in.elements(s.body)
		case 10:
			s.body, err = in.code(s.body)
		}
		if err != nil {
			return nil, err
		}
	}
	out := append(make([]byte, 0, len(wasm)+len(wasm)/8), wasm[:8]...)
	for _, s := range secs {
		out = append(out, s.id)
		out = appendU32(out, uint32(len(s.body)))
		out = append(out, s.body...)
	}
	return out, nil
}

func customName(body []byte) string {
	r := &reader{b: body}
	n := r.u32()
	name := r.bytes(int(n))
	if r.err != nil {
		return ""
	}
	return string(name)
}

type instrumenter struct {
	funcImports   uint32 // before instrumentation
	globalImports uint32
	yieldFunc     uint32
	budgetGlobal  uint32
}

func (in *instrumenter) fn(idx uint32) uint32 {
	if idx >= in.funcImports {
		return idx + 1
	}
	return idx
}

// insertAfter puts a section in its place in the canonical order.
var sectionOrder = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

func insertSection(secs []section, s section) []section {
	for i, t := range secs {
		if t.id != 0 && sectionOrder[t.id] > sectionOrder[s.id] {
			return append(secs[:i], append([]section{s}, secs[i:]...)...)
		}
	}
	return append(secs, s)
}

func find(secs []section, id byte) int {
	for i, s := range secs {
		if s.id == id {
			return i
		}
	}
	return -1
}

func (in *instrumenter) voidType(secs []section) (uint32, []section, error) {
	i := find(secs, 1)
	if i < 0 {
		return 0, insertSection(secs, section{1, []byte{1, 0x60, 0, 0}}), nil
	}
	r := &reader{b: secs[i].body}
	n := r.u32()
	for k := uint32(0); k < n; k++ {
		if r.byte() != 0x60 {
			return 0, nil, fmt.Errorf("%w: a type that is not a function type", errInstrument)
		}
		np := r.u32()
		r.bytes(int(np))
		nr := r.u32()
		r.bytes(int(nr))
		if np == 0 && nr == 0 && r.err == nil {
			return k, secs, nil
		}
	}
	if r.err != nil {
		return 0, nil, fmt.Errorf("%w: bad type section", errInstrument)
	}
	body := appendU32(nil, n+1)
	body = append(body, secs[i].body[uleb(secs[i].body):]...)
	body = append(body, 0x60, 0, 0)
	secs[i].body = body
	return n, secs, nil
}

func (in *instrumenter) addImport(secs []section, typeIdx uint32) ([]section, error) {
	entry := appendName(nil, "wasmgate")
	entry = appendName(entry, yieldImport)
	entry = append(entry, 0x00)
	entry = appendU32(entry, typeIdx)
	i := find(secs, 2)
	if i < 0 {
		in.yieldFunc = 0
		return insertSection(secs, section{2, append([]byte{1}, entry...)}), nil
	}
	r := &reader{b: secs[i].body}
	n := r.u32()
	for k := uint32(0); k < n; k++ {
		r.bytes(int(r.u32()))
		r.bytes(int(r.u32()))
		switch kind := r.byte(); kind {
		case 0x00:
			r.u32()
			in.funcImports++
		case 0x01: // table: reftype limits
			r.byte()
			r.limits()
		case 0x02:
			r.limits()
		case 0x03:
			r.byte()
			r.byte()
			in.globalImports++
		case 0x04: // tag
			r.byte()
			r.u32()
		default:
			return nil, fmt.Errorf("%w: unknown import kind %d", errInstrument, kind)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: bad import section", errInstrument)
	}
	in.yieldFunc = in.funcImports
	body := appendU32(nil, n+1)
	body = append(body, secs[i].body[uleb(secs[i].body):]...)
	secs[i].body = append(body, entry...)
	return secs, nil
}

func (in *instrumenter) addGlobal(secs []section) ([]section, error) {
	entry := []byte{0x7F, 0x01, 0x41}
	entry = appendS32(entry, yieldBudget)
	entry = append(entry, 0x0B)
	i := find(secs, 6)
	if i < 0 {
		in.budgetGlobal = in.globalImports
		return insertSection(secs, section{6, append([]byte{1}, entry...)}), nil
	}
	r := &reader{b: secs[i].body}
	n := r.u32()
	out := appendU32(nil, n+1)
	for k := uint32(0); k < n; k++ {
		out = append(out, r.byte(), r.byte())
		var err error
		if out, err = in.expr(r, out); err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: bad global section", errInstrument)
	}
	in.budgetGlobal = in.globalImports + n
	secs[i].body = append(out, entry...)
	return secs, nil
}

func (in *instrumenter) exports(body []byte) ([]byte, error) {
	r := &reader{b: body}
	n := r.u32()
	out := appendU32(nil, n)
	for k := uint32(0); k < n; k++ {
		name := r.bytes(int(r.u32()))
		kind := r.byte()
		idx := r.u32()
		if kind == 0x00 {
			idx = in.fn(idx)
		}
		out = appendName(out, string(name))
		out = append(out, kind)
		out = appendU32(out, idx)
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: bad export section", errInstrument)
	}
	return out, nil
}

func (in *instrumenter) start(body []byte) ([]byte, error) {
	r := &reader{b: body}
	idx := r.u32()
	if r.err != nil {
		return nil, fmt.Errorf("%w: bad start section", errInstrument)
	}
	return appendU32(nil, in.fn(idx)), nil
}

func (in *instrumenter) elements(body []byte) ([]byte, error) {
	r := &reader{b: body}
	n := r.u32()
	out := appendU32(nil, n)
	var err error
	funcs := func() {
		c := r.u32()
		out = appendU32(out, c)
		for range c {
			out = appendU32(out, in.fn(r.u32()))
		}
	}
	exprs := func() {
		c := r.u32()
		out = appendU32(out, c)
		for range c {
			if out, err = in.expr(r, out); err != nil {
				return
			}
		}
	}
	for k := uint32(0); k < n && err == nil; k++ {
		flags := r.u32()
		out = appendU32(out, flags)
		switch flags {
		case 0:
			out, err = in.expr(r, out)
			funcs()
		case 1, 3:
			out = append(out, r.byte())
			funcs()
		case 2:
			out = appendU32(out, r.u32())
			if out, err = in.expr(r, out); err == nil {
				out = append(out, r.byte())
				funcs()
			}
		case 4:
			if out, err = in.expr(r, out); err == nil {
				exprs()
			}
		case 5, 7:
			out = append(out, r.byte())
			exprs()
		case 6:
			out = appendU32(out, r.u32())
			if out, err = in.expr(r, out); err == nil {
				out = append(out, r.byte())
				exprs()
			}
		default:
			return nil, fmt.Errorf("%w: element segment kind %d", errInstrument, flags)
		}
	}
	if err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: bad element section", errInstrument)
	}
	return out, nil
}

// check is the countdown put at function entries and loop headers:
//
//	global.get $budget; i32.const 1; i32.sub; global.set $budget
//	global.get $budget; i32.eqz
//	if; i32.const N; global.set $budget; call $yield; end
func (in *instrumenter) check(out []byte) []byte {
	g := in.budgetGlobal
	out = append(out, 0x23)
	out = appendU32(out, g)
	out = append(out, 0x41, 0x01, 0x6B, 0x24)
	out = appendU32(out, g)
	out = append(out, 0x23)
	out = appendU32(out, g)
	out = append(out, 0x45, 0x04, 0x40, 0x41)
	out = appendS32(out, yieldBudget)
	out = append(out, 0x24)
	out = appendU32(out, g)
	out = append(out, 0x10)
	out = appendU32(out, in.yieldFunc)
	return append(out, 0x0B)
}

func (in *instrumenter) code(body []byte) ([]byte, error) {
	r := &reader{b: body}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(body)+len(body)/8), n)
	var fb []byte
	for k := uint32(0); k < n; k++ {
		size := r.u32()
		end := r.i + int(size)
		if r.err != nil || end > len(r.b) {
			return nil, fmt.Errorf("%w: bad code section", errInstrument)
		}
		fr := &reader{b: r.b[:end], i: r.i}
		fb = fb[:0]
		nl := fr.u32()
		fb = appendU32(fb, nl)
		for range nl {
			fb = appendU32(fb, fr.u32())
			fb = append(fb, fr.byte())
		}
		fb = in.check(fb)
		var err error
		if fb, err = in.instrs(fr, fb, end); err != nil {
			return nil, fmt.Errorf("%w (function %d)", err, k)
		}
		out = appendU32(out, uint32(len(fb)))
		out = append(out, fb...)
		r.i = end
	}
	return out, nil
}

// expr copies a constant expression (up to its end), renumbering ref.func.
func (in *instrumenter) expr(r *reader, out []byte) ([]byte, error) {
	for r.err == nil && r.i < len(r.b) {
		op := r.b[r.i]
		var err error
		if out, err = in.instr(r, out); err != nil {
			return nil, err
		}
		if op == 0x0B {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w: unterminated expression", errInstrument)
}

func (in *instrumenter) instrs(r *reader, out []byte, end int) ([]byte, error) {
	for r.i < end {
		var err error
		if out, err = in.instr(r, out); err != nil {
			return nil, err
		}
		if r.err != nil {
			return nil, fmt.Errorf("%w: truncated function body", errInstrument)
		}
	}
	return out, nil
}

// instr copies one instruction, adding the check after each loop header
// and renumbering function indices.
func (in *instrumenter) instr(r *reader, out []byte) ([]byte, error) {
	start := r.i
	op := r.byte()
	switch {
	case op == 0x02 || op == 0x04 || op == 0x06:
		r.blockType()
	case op == 0x03:
		r.blockType()
		out = append(out, r.b[start:r.i]...)
		return in.check(out), r.err
	case op == 0x0C || op == 0x0D || op == 0x07 || op == 0x08 || op == 0x09 || op == 0x18 || op == 0x14 || op == 0x15 || op == 0xD4 || op == 0xD6:
		r.u32()
	case op == 0x0E:
		n := r.u32()
		for range n + 1 {
			r.u32()
		}
	case op == 0x10 || op == 0x12 || op == 0xD2:
		idx := r.u32()
		out = append(out, op)
		return appendU32(out, in.fn(idx)), r.err
	case op == 0x11 || op == 0x13:
		r.u32()
		r.u32()
	case op == 0x1C:
		n := r.u32()
		for range n {
			r.valType()
		}
	case op == 0x1F: // try_table
		r.blockType()
		n := r.u32()
		for range n {
			if kind := r.byte(); kind <= 1 {
				r.u32()
			}
			r.u32()
		}
	case op >= 0x20 && op <= 0x26:
		r.u32()
	case op >= 0x28 && op <= 0x3E:
		r.memarg()
	case op == 0x3F || op == 0x40:
		r.u32()
	case op == 0x41:
		r.s64()
	case op == 0x42:
		r.s64()
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xD0:
		r.heapType()
	case op == 0xFC:
		switch sub := r.u32(); {
		case sub <= 7 || sub == 16 || sub == 15 || sub == 17 || sub == 9 || sub == 11 || sub == 13:
			if sub >= 9 {
				r.u32()
			}
		case sub == 8 || sub == 10 || sub == 12 || sub == 14:
			r.u32()
			r.u32()
		default:
			return nil, fmt.Errorf("%w: unknown instruction 0xfc %d", errInstrument, sub)
		}
	case op == 0xFD:
		switch sub := r.u32(); {
		case sub <= 11 || sub == 92 || sub == 93:
			r.memarg()
		case sub == 12 || sub == 13:
			r.bytes(16)
		case sub >= 21 && sub <= 34:
			r.byte()
		case sub >= 84 && sub <= 91:
			r.memarg()
			r.byte()
		}
	case op == 0xFE:
		if sub := r.u32(); sub == 3 {
			r.byte()
		} else {
			r.memarg()
		}
	case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0A || op == 0x0B || op == 0x0F || op == 0x19 || op == 0x1A || op == 0x1B || (op >= 0x45 && op <= 0xC4) || op == 0xD1 || op == 0xD3 || op == 0xD5:
	default:
		return nil, fmt.Errorf("%w: unknown instruction 0x%02x", errInstrument, op)
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: truncated instruction 0x%02x", errInstrument, op)
	}
	return append(out, r.b[start:r.i]...), nil
}

// reader decodes the binary format; the first error sticks.
type reader struct {
	b   []byte
	i   int
	err error
}

var errShort = errors.New("unexpected end")

func (r *reader) byte() byte {
	if r.i >= len(r.b) {
		r.err = errShort
		return 0
	}
	c := r.b[r.i]
	r.i++
	return c
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || r.i+n > len(r.b) {
		r.err = errShort
		r.i = len(r.b)
		return nil
	}
	b := r.b[r.i : r.i+n]
	r.i += n
	return b
}

func (r *reader) u32() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint32(c&0x7F) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = errShort
	return 0
}

// s64 skips a signed LEB128 of up to 64 bits.
func (r *reader) s64() {
	for range 10 {
		if r.byte()&0x80 == 0 {
			return
		}
	}
	r.err = errShort
}

func (r *reader) limits() {
	flags := r.byte()
	r.u32()
	if flags&1 != 0 {
		r.u32()
	}
}

func (r *reader) memarg() {
	align := r.u32()
	if align&0x40 != 0 { // multi-memory: a memory index follows
		r.u32()
	}
	r.s64() // offset (u64 for memory64)
}

func (r *reader) valType() {
	if c := r.byte(); c == 0x63 || c == 0x64 { // (ref null? ht)
		r.heapType()
	}
}

func (r *reader) heapType() { r.s64() }

func (r *reader) blockType() {
	if r.i >= len(r.b) {
		r.err = errShort
		return
	}
	switch c := r.b[r.i]; c {
	case 0x40, 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F:
		r.i++
	case 0x63, 0x64:
		r.i++
		r.heapType()
	default:
		r.s64() // a type index, as s33
	}
}

func uleb(b []byte) int {
	for i, c := range b {
		if c&0x80 == 0 {
			return i + 1
		}
	}
	return len(b)
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}
