package host

import (
	"context"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/core/jsonscan"
)

type signature struct{ params, results []api.ValueType }

func i32s(n int) []api.ValueType {
	t := make([]api.ValueType, n)
	for i := range t {
		t[i] = api.ValueTypeI32
	}
	return t
}

// hostFunc is one import of the host module: its signature, its code, and
// whether a guest may call it from wasmgate_init (before any request).
type hostFunc struct {
	sig    signature
	fn     func(in *Instance, s []uint64) int32
	atInit bool
}

// hostFuncs is ABI v1's import table. Host functions that belong to one
// capability (secrets, vectors, matching helpers) live in their own files
// and add themselves with registerHostFunc from an init function.
var hostFuncs = map[string]hostFunc{
	abi.FnConfigGet:    {sig: signature{i32s(2), i32s(1)}, fn: hConfigGet, atInit: true},
	abi.FnBodyGet:      {sig: signature{i32s(3), i32s(1)}, fn: hBodyGet},
	abi.FnBodySet:      {sig: signature{i32s(3), i32s(1)}, fn: hBodySet},
	abi.FnJSONGet:      {sig: signature{i32s(6), i32s(1)}, fn: hJSONGet},
	abi.FnJSONSet:      {sig: signature{i32s(6), i32s(1)}, fn: hJSONSet},
	abi.FnHeaderGet:    {sig: signature{i32s(5), i32s(1)}, fn: hHeaderGet},
	abi.FnHeaderSet:    {sig: signature{i32s(5), i32s(1)}, fn: hHeaderSet},
	abi.FnAttrGet:      {sig: signature{i32s(4), i32s(1)}, fn: hAttrGet},
	abi.FnAttrSet:      {sig: signature{i32s(4), i32s(1)}, fn: hAttrSet},
	abi.FnSendResponse: {sig: signature{i32s(3), i32s(1)}, fn: hSendResponse},
	abi.FnSendError:    {sig: signature{i32s(5), i32s(1)}, fn: hSendError, atInit: true},
}

// importSignature is the signature of the host function a guest imports.
func importSignature(name string) (signature, bool) {
	if name == abi.FnLog {
		return signature{i32s(3), nil}, true
	}
	f, ok := hostFuncs[name]
	return f.sig, ok
}

// registerHostFunc adds a host function to the import table. It is called
// from init functions only, so a duplicate name is a programming error.
func registerHostFunc(name string, f hostFunc) {
	if _, dup := hostFuncs[name]; dup || name == abi.FnLog {
		panic("host: host function registered twice: " + name)
	}
	hostFuncs[name] = f
}

func instantiateHostModule(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(abi.ImportModule)
	logSig, _ := importSignature(abi.FnLog)
	b = b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hLog), logSig.params, logSig.results).Export(abi.FnLog)
	for name, f := range hostFuncs {
		h, atInit := f.fn, f.atInit
		fn := func(ctx context.Context, _ api.Module, s []uint64) {
			in := instanceOf(ctx)
			if in == nil || in.ex == nil || in.phase == phaseInit && !atInit {
				s[0] = u32(abi.ErrNotAvailable)
				return
			}
			s[0] = u32(h(in, s))
		}
		b = b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(fn), f.sig.params, f.sig.results).Export(name)
	}
	b = b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, _ []uint64) {
		if in := instanceOf(ctx); in != nil {
			in.yield()
		}
	}), nil, nil).Export(yieldImport)
	_, err := b.Instantiate(ctx)
	return err
}

// instanceOf finds the instance a host function was called from: each
// instance calls its guest with a context that carries it.
func instanceOf(ctx context.Context) *Instance {
	in, _ := ctx.Value(instKey{}).(*Instance)
	return in
}

func u32(v int32) uint64 { return uint64(uint32(v)) }

// badPointer aborts the call: a guest that points outside its memory is broken.
func (in *Instance) badPointer() {
	in.fail = &Failure{Plugin: in.plugin.name, Phase: phaseName(in.phase), Reason: ReasonBadPointer}
	panic(in.fail)
}

// read returns a view of guest memory; it aborts the call when out of range.
func (in *Instance) read(ptr, n uint64) []byte {
	b, ok := in.mem.Read(uint32(ptr), uint32(n))
	if !ok {
		in.badPointer()
	}
	return b
}

func (in *Instance) readString(ptr, n uint64) string {
	b := in.read(ptr, n)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// give writes v into the guest's buffer when it fits and returns its length.
func (in *Instance) give(buf, capacity uint64, v []byte) int32 {
	if uint64(len(v)) <= uint64(uint32(capacity)) && len(v) > 0 {
		if !in.mem.Write(uint32(buf), v) {
			in.badPointer()
		}
	}
	return int32(len(v))
}

func (in *Instance) giveString(buf, capacity uint64, v string) int32 {
	return in.give(buf, capacity, unsafe.Slice(unsafe.StringData(v), len(v)))
}

// spend counts output bytes against the plugin's limit.
func (in *Instance) spend(n int) bool {
	in.out += n
	if in.out > in.plugin.limits.MaxOutputBytes {
		in.fail = &Failure{Plugin: in.plugin.name, Phase: phaseName(in.phase), Reason: ReasonOutputLimit}
		return false
	}
	return true
}

func hLog(ctx context.Context, _ api.Module, s []uint64) {
	in := instanceOf(ctx)
	if in == nil {
		return
	}
	level, msg := int32(s[0]), in.read(s[1], s[2])
	if len(msg) > 4096 {
		msg = msg[:4096]
	}
	lg := in.plugin.logger
	switch level {
	case abi.LogDebug:
		lg.Debug(string(msg))
	case abi.LogWarn:
		lg.Warn(string(msg))
	case abi.LogError:
		lg.Error(string(msg))
	default:
		lg.Info(string(msg))
	}
}

func hConfigGet(in *Instance, s []uint64) int32 {
	cfg := in.configData
	if len(cfg) == 0 {
		cfg = []byte("{}")
	}
	return in.give(s[0], s[1], cfg)
}

func hBodyGet(in *Instance, s []uint64) int32 {
	b, code := in.ex.body(abi.Object(s[0]), in.phase, in.adapter, false)
	if code != 0 {
		return code
	}
	if b == nil {
		return abi.ErrNotFound
	}
	return in.give(s[1], s[2], b)
}

func hBodySet(in *Instance, s []uint64) int32 {
	obj := abi.Object(s[0])
	if _, code := in.ex.body(obj, in.phase, in.adapter, true); code != 0 {
		return code
	}
	v := in.read(s[1], s[2])
	if !in.spend(len(v)) {
		return abi.ErrTooLarge
	}
	if obj != abi.ObjUpstreamRequest && !(obj == abi.ObjChunk && len(v) == 0) && !jsonscan.Valid(v) {
		return abi.ErrInvalid
	}
	in.ex.setBody(obj, append([]byte(nil), v...))
	return 0
}

func hJSONGet(in *Instance, s []uint64) int32 {
	r, code := in.jsonLookup(abi.Object(s[0]), in.readString(s[1], s[2]))
	if code != 0 {
		return code
	}
	if !r.Exists() {
		return abi.ErrNotFound
	}
	if uint32(s[3])&abi.FlagString != 0 && r.Type == gjson.String {
		return in.giveString(s[4], s[5], r.Str)
	}
	return in.giveString(s[4], s[5], r.Raw)
}

// jsonLookup is the value at a path of an object's body for a read; a value
// that does not exist is a zero Result with code 0. Request paths start at
// the indexed top-level field.
func (in *Instance) jsonLookup(obj abi.Object, path string) (gjson.Result, int32) {
	b, code := in.ex.body(obj, in.phase, in.adapter, false)
	if code != 0 {
		return gjson.Result{}, code
	}
	if obj != abi.ObjRequest {
		return gjson.Get(unsafe.String(unsafe.SliceData(b), len(b)), path), 0
	}
	if key, rest, ok := topKey(path); ok && rest == "#" {
		if n, ok := in.ex.TopElems(key); ok {
			return gjson.Result{Type: gjson.Number, Raw: strconv.Itoa(n), Num: float64(n)}, 0 // no allocation below 100
		}
	}
	return in.ex.requestPath(path), 0
}

// topKey splits a path into a plain top-level key and the rest; ok is false
// when the first segment uses any path syntax (escapes, wildcards, queries,
// modifiers), which only a full lookup gets right.
func topKey(path string) (key, rest string, ok bool) {
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '.':
			if i == 0 {
				return "", "", false
			}
			return path[:i], path[i+1:], true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return "", "", false
		}
	}
	return path, "", path != ""
}

// indexKey splits a path that starts with an array index ("3.content")
// into the index and the rest.
func indexKey(path string) (i int, rest string, ok bool) {
	n := 0
	for n < len(path) && path[n] >= '0' && path[n] <= '9' && n < 9 {
		i = i*10 + int(path[n]-'0')
		n++
	}
	switch {
	case n == 0 || n == 9:
		return 0, "", false
	case n == len(path):
		return i, "", true
	case path[n] == '.' && n+1 < len(path):
		return i, path[n+1:], true
	}
	return 0, "", false
}

var setOpts = &sjson.Options{Optimistic: true, ReplaceInPlace: true}

func hJSONSet(in *Instance, s []uint64) int32 {
	obj := abi.Object(s[0])
	b, code := in.ex.body(obj, in.phase, in.adapter, true)
	if code != 0 {
		return code
	}
	path, flags := in.readString(s[1], s[2]), uint32(s[3])
	if path == "" || strings.Contains(path, "#") || strings.Contains(path, "|") {
		return abi.ErrInvalid // sjson would write a literal key; # and | are read-only syntax
	}
	if obj == abi.ObjUpstreamRequest && in.ex.UpBody == nil {
		b = append([]byte(nil), b...) // copy on first write: the canonical request stays as it was
	}
	var err error
	switch {
	case flags&abi.FlagDelete != 0:
		b, err = sjson.DeleteBytes(b, path)
	default:
		v := in.read(s[4], s[5])
		if !in.spend(len(v) + len(path)) {
			return abi.ErrTooLarge
		}
		if flags&abi.FlagString != 0 {
			b, err = sjson.SetBytesOptions(b, path, unsafe.String(unsafe.SliceData(v), len(v)), setOpts)
		} else {
			if !jsonscan.Valid(v) {
				return abi.ErrInvalid
			}
			b, err = sjson.SetRawBytesOptions(b, path, v, setOpts)
		}
	}
	if err != nil {
		return abi.ErrInvalid
	}
	in.ex.setBody(obj, b)
	return 0
}

func hHeaderGet(in *Instance, s []uint64) int32 {
	obj := abi.Object(s[0])
	h, code := in.ex.header(obj, in.phase, in.adapter, false)
	if code != 0 {
		return code
	}
	name := in.readString(s[1], s[2])
	if len(name) > 0 && name[0] == ':' {
		v, ok := in.pseudo(obj, name)
		if !ok {
			return abi.ErrNotFound
		}
		return in.giveString(s[3], s[4], v)
	}
	v, ok := h.Get(name)
	if !ok {
		return abi.ErrNotFound
	}
	return in.giveString(s[3], s[4], v)
}

func (in *Instance) pseudo(obj abi.Object, name string) (string, bool) {
	ex := in.ex
	switch {
	case obj == abi.ObjUpstreamRequest && name == abi.HeaderURL:
		return ex.UpURL, ex.UpURL != ""
	case obj == abi.ObjUpstreamRequest && name == abi.HeaderMethod:
		if ex.UpMethod == "" {
			return "POST", true
		}
		return ex.UpMethod, true
	case obj == abi.ObjUpstreamResponse && name == abi.HeaderStatus:
		return strconv.Itoa(ex.UpStatus), true
	case obj == abi.ObjResponse && name == abi.HeaderStatus:
		st := ex.RespStatus
		if st == 0 {
			st = 200
		}
		return strconv.Itoa(st), true
	}
	return "", false
}

func hHeaderSet(in *Instance, s []uint64) int32 {
	obj := abi.Object(s[0])
	h, code := in.ex.header(obj, in.phase, in.adapter, true)
	if code != 0 {
		return code
	}
	name := in.strs.get(in.read(s[1], s[2]))
	del := int32(s[4]) < 0
	var val string
	if !del {
		val = in.strs.get(in.read(s[3], s[4]))
	}
	if !in.spend(len(name) + len(val)) {
		return abi.ErrTooLarge
	}
	if !validHeader(name, val) {
		return abi.ErrInvalid
	}
	if name[0] == ':' {
		return in.setPseudo(obj, name, val, del)
	}
	if del {
		h.Del(name)
	} else {
		h.Set(name, val)
	}
	return 0
}

func (in *Instance) setPseudo(obj abi.Object, name, val string, del bool) int32 {
	ex := in.ex
	switch {
	case obj == abi.ObjUpstreamRequest && name == abi.HeaderURL && !del:
		ex.UpURL = val
	case obj == abi.ObjUpstreamRequest && name == abi.HeaderMethod && !del:
		ex.UpMethod = val
	case obj == abi.ObjResponse && name == abi.HeaderStatus && !del && in.phase == abi.PhaseResponse:
		st, err := strconv.Atoi(val)
		if err != nil || st < 100 || st > 599 {
			return abi.ErrInvalid
		}
		ex.RespStatus = st
	default:
		return abi.ErrInvalid
	}
	return 0
}

// internTable hands out the short strings a guest writes again and again
// (header names and values, attributes): an adapter sets the same URL,
// method and headers on every request, and copying them each time was most
// of its allocations. It lives on the host side of an instance; guests never
// read it.
type internTable struct {
	s    [16]string
	next uint8
}

func (t *internTable) get(b []byte) string {
	return t.getString(unsafe.String(unsafe.SliceData(b), len(b)))
}

// getString interns a string that may be a view of guest memory.
func (t *internTable) getString(view string) string {
	for _, s := range &t.s {
		if s == view {
			return s
		}
	}
	s := strings.Clone(view)
	if len(s) <= 512 {
		t.s[t.next%uint8(len(t.s))] = s
		t.next++
	}
	return s
}

// validHeader refuses names and values that would break the HTTP framing.
func validHeader(name, val string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || c == ':' && i > 0 {
			return false
		}
	}
	for i := 0; i < len(val); i++ {
		if c := val[i]; c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}

func hAttrGet(in *Instance, s []uint64) int32 {
	name := in.readString(s[0], s[1])
	if name == abi.AttrProviderAPIKey {
		if !in.adapter || in.phase != abi.PhaseRequest {
			return abi.ErrDenied
		}
		if in.ex.APIKey == "" {
			return abi.ErrNotFound
		}
		return in.giveString(s[2], s[3], in.ex.APIKey)
	}
	v, ok := in.ex.Attr(name)
	if !ok {
		return abi.ErrNotFound
	}
	return in.giveString(s[2], s[3], v)
}

func hAttrSet(in *Instance, s []uint64) int32 {
	if in.phase == phaseInit {
		return abi.ErrNotAvailable
	}
	name := in.readString(s[0], s[1])
	if len(name) >= len(abi.AttrPrefix) && name[:len(abi.AttrPrefix)] == abi.AttrPrefix &&
		// Writable: the router's attributes (request phase, not the adapter,
		// routing.go) and the adapter's end of stream (chunk phase).
		(!abi.Writable(name) || in.phase != abi.PhaseRequest || in.adapter) &&
		!(name == abi.AttrUpstreamDone && in.adapter && in.phase == abi.PhaseChunk) {
		return abi.ErrDenied
	}
	if name == "" {
		return abi.ErrInvalid
	}
	if int32(s[3]) < 0 {
		in.ex.DelAttr(name)
		return 0
	}
	v := in.read(s[2], s[3])
	if !in.spend(len(name) + len(v)) {
		return abi.ErrTooLarge
	}
	in.ex.SetAttr(in.strs.getString(name), in.strs.get(v))
	return 0
}

func hSendResponse(in *Instance, s []uint64) int32 {
	if in.phase == phaseInit || in.phase == abi.PhaseChunk {
		return abi.ErrNotAvailable
	}
	status := int32(s[0])
	body := in.read(s[1], s[2])
	if !in.spend(len(body)) {
		return abi.ErrTooLarge
	}
	if status < 200 || status > 599 || !jsonscan.Valid(body) {
		return abi.ErrInvalid
	}
	in.ex.ShortStatus, in.ex.ShortBody = int(status), append([]byte(nil), body...)
	in.sent = sentResponse
	return 0
}

func hSendError(in *Instance, s []uint64) int32 {
	status := int32(s[0])
	typ, msg := in.read(s[1], s[2]), in.read(s[3], s[4])
	if !in.spend(len(typ) + len(msg)) {
		return abi.ErrTooLarge
	}
	if status < 400 || status > 599 {
		return abi.ErrInvalid
	}
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	if len(typ) == 0 || len(typ) > 64 {
		return abi.ErrInvalid
	}
	in.ex.ShortStatus, in.ex.ErrType, in.ex.ErrMessage = int(status), string(typ), string(msg)
	in.sent = sentError
	return 0
}
