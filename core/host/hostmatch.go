package host

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/wasmgate/wasmgate/core/abi"
	"github.com/wasmgate/wasmgate/pdk/go/detect"
	"github.com/wasmgate/wasmgate/pdk/go/detect/fields"
)

// Matching helpers (pdk/ABI.md, "Matching helpers"): a guest compiles a
// matcher once, from wasmgate_init, and the host scans request and response
// text natively. Scanning bytes in a standard Go guest costs about a hundred
// times more than here, and the text never has to be copied into the guest
// unless something was found.

// matchState is an instance's matchers, by id, and its scratch buffers.
type matchState struct {
	matchers []*detect.Matcher
	out      []byte
	spans    []detect.Span
	redact   fields.Redactor // match_redact (hostredact.go)
}

func init() {
	registerHostFunc(abi.FnMatchCompile, hostFunc{sig: signature{i32s(2), i32s(1)}, fn: hMatchCompile, atInit: true})
	registerHostFunc(abi.FnMatchScan, hostFunc{sig: signature{i32s(7), i32s(1)}, fn: hMatchScan})
	registerHostFunc(abi.FnMatchText, hostFunc{sig: signature{i32s(5), i32s(1)}, fn: hMatchText})
}

// compiled shares matchers among the instances of all plugins: a spec is
// compiled once however many instances the pools start. Matchers are
// immutable and safe for concurrent use. The cache is bounded; specs beyond
// it are compiled per instance.
var compiled struct {
	sync.Mutex
	m map[string]*detect.Matcher
}

const maxCompiled = 1024

func compileSpec(src []byte) (*detect.Matcher, error) {
	compiled.Lock()
	m, ok := compiled.m[string(src)]
	compiled.Unlock()
	if ok {
		return m, nil
	}
	var spec detect.Spec
	d := json.NewDecoder(bytes.NewReader(src))
	d.DisallowUnknownFields()
	if err := d.Decode(&spec); err != nil {
		return nil, err
	}
	m, err := detect.Compile(spec)
	if err != nil {
		return nil, err
	}
	compiled.Lock()
	if compiled.m == nil {
		compiled.m = map[string]*detect.Matcher{}
	}
	if len(compiled.m) < maxCompiled {
		compiled.m[string(src)] = m
	}
	compiled.Unlock()
	return m, nil
}

// hMatchCompile: (spec_ptr, spec_len) -> id. The reason for a refused spec
// goes to the plugin's log: the guest only sees -4.
func hMatchCompile(in *Instance, s []uint64) int32 {
	if len(in.match.matchers) >= abi.MaxMatchers {
		in.plugin.logger.Warn("match_compile: too many matchers", "max", abi.MaxMatchers)
		return abi.ErrTooLarge
	}
	m, err := compileSpec(in.read(s[0], s[1]))
	if err != nil {
		in.plugin.logger.Warn("match_compile: bad spec", "error", err)
		return abi.ErrInvalid
	}
	in.match.matchers = append(in.match.matchers, m)
	return int32(len(in.match.matchers) - 1)
}

// matcher returns the instance's matcher id. Wasm i32 parameters arrive in
// 64-bit slots whose upper half is not defined: only the low 32 bits count.
func (in *Instance) matcher(id uint64) *detect.Matcher {
	if i := int(int32(uint32(id))); i >= 0 && i < len(in.match.matchers) {
		return in.match.matchers[i]
	}
	return nil
}

// hMatchScan: (obj, path_ptr, path_len, matcher, flags, buf, cap) -> len.
func hMatchScan(in *Instance, s []uint64) int32 {
	m := in.matcher(s[3])
	if m == nil {
		return abi.ErrInvalid
	}
	b, code := in.ex.body(abi.Object(s[0]), in.phase, in.adapter, false)
	if code != 0 {
		return code
	}
	out, ok := fields.AppendScan(in.match.out[:0], int(uint32(s[0])), b, in.readString(s[1], s[2]), m, uint32(s[4])&abi.MatchAllFields != 0)
	in.match.out = out[:0]
	if !ok {
		return abi.ErrNotFound
	}
	return in.give(s[5], s[6], out)
}

// hMatchText: (matcher, text_ptr, text_len, buf, cap) -> len; one group with
// an empty path and text (the guest has the text).
func hMatchText(in *Instance, s []uint64) int32 {
	m := in.matcher(s[0])
	if m == nil {
		return abi.ErrInvalid
	}
	in.match.spans = m.Find(in.match.spans[:0], in.readString(s[1], s[2]))
	out := detect.AppendGroup(in.match.out[:0], nil, "", in.match.spans)
	in.match.out = out[:0]
	return in.give(s[3], s[4], out)
}
