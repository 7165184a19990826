//go:build wasip1

// Command guest is the ABI v1 conformance guest. It calls every host function
// with the fixture the TCK runner sets up (conformance/tck, fixture.go) and
// checks each result inside the guest; the first wrong result ends the hook
// with send_error(500, "tck_failure", what was wrong). The request header
// x-tck-case picks the scenario.
//
// It uses the raw imports, not pdk/go, so that it checks the host and nothing
// between: every pointer, length, flag and result code is the ABI's own.
package main

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/wasmgate/wasmgate/conformance/tck/fixture"
)

//go:wasmimport wasmgate log
func wgLog(level int32, ptr unsafe.Pointer, n int32)

//go:wasmimport wasmgate config_get
func wgConfigGet(buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate body_get
func wgBodyGet(obj int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate body_set
func wgBodySet(obj int32, ptr unsafe.Pointer, n int32) int32

//go:wasmimport wasmgate json_get
func wgJSONGet(obj int32, path unsafe.Pointer, pathLen int32, flags int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate json_set
func wgJSONSet(obj int32, path unsafe.Pointer, pathLen int32, flags int32, val unsafe.Pointer, valLen int32) int32

//go:wasmimport wasmgate header_get
func wgHeaderGet(obj int32, name unsafe.Pointer, nameLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate header_set
func wgHeaderSet(obj int32, name unsafe.Pointer, nameLen int32, val unsafe.Pointer, valLen int32) int32

//go:wasmimport wasmgate attr_get
func wgAttrGet(name unsafe.Pointer, nameLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate attr_set
func wgAttrSet(name unsafe.Pointer, nameLen int32, val unsafe.Pointer, valLen int32) int32

//go:wasmimport wasmgate secret_get
func wgSecretGet(name unsafe.Pointer, nameLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate json_digest
func wgJSONDigest(obj int32, exclude unsafe.Pointer, excludeLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate cache_call
func wgCacheCall(op unsafe.Pointer, opLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate provider_stats
func wgProviderStats(buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate send_response
func wgSendResponse(status int32, ptr unsafe.Pointer, n int32) int32

//go:wasmimport wasmgate send_error
func wgSendError(status int32, typ unsafe.Pointer, typLen int32, msg unsafe.Pointer, msgLen int32) int32

// Objects, flags and results of ABI v1.
const (
	objRequest, objResponse, objChunk, objUpRequest, objUpResponse, objUpChunk = 0, 1, 2, 3, 4, 5

	flagString, flagDelete = 1, 2

	errNotFound, errNotAvailable, errTooLarge, errInvalid, errDenied = -1, -2, -3, -4, -5
)

func sp(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// get calls a getter twice, as the ABI intends: first with a one-byte buffer
// holding a sentinel (which a too-small call must leave alone), then with a
// buffer of the returned length.
func get(name string, call func(buf []byte) int32) (string, int32) {
	probe := []byte{0xA5}
	n := call(probe[:0:0])
	if n < 0 {
		return "", n
	}
	if n > 1 && call(probe) != n {
		failf("%s: length changed between calls", name)
	}
	if n > 1 && probe[0] != 0xA5 {
		failf("%s: wrote into a buffer too small for %d bytes", name, n)
	}
	buf := make([]byte, n)
	if m := call(buf); m != n {
		failf("%s: second call returned %d, first %d", name, m, n)
	}
	return string(buf), n
}

func bp(b []byte) unsafe.Pointer {
	if cap(b) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.SliceData(b[:1]))
}

func configGet() (string, int32) {
	return get("config_get", func(b []byte) int32 { return wgConfigGet(bp(b), int32(len(b))) })
}

func bodyGet(obj int32) (string, int32) {
	return get("body_get", func(b []byte) int32 { return wgBodyGet(obj, bp(b), int32(len(b))) })
}

func jsonGet(obj int32, path string, flags int32) (string, int32) {
	return get("json_get "+path, func(b []byte) int32 {
		return wgJSONGet(obj, sp(path), int32(len(path)), flags, bp(b), int32(len(b)))
	})
}

func headerGet(obj int32, name string) (string, int32) {
	return get("header_get "+name, func(b []byte) int32 {
		return wgHeaderGet(obj, sp(name), int32(len(name)), bp(b), int32(len(b)))
	})
}

func attrGet(name string) (string, int32) {
	return get("attr_get "+name, func(b []byte) int32 {
		return wgAttrGet(sp(name), int32(len(name)), bp(b), int32(len(b)))
	})
}

func secretGet(name string) (string, int32) {
	return get("secret_get "+name, func(b []byte) int32 {
		return wgSecretGet(sp(name), int32(len(name)), bp(b), int32(len(b)))
	})
}

func jsonDigest(obj int32, exclude string) (string, int32) {
	return get("json_digest", func(b []byte) int32 {
		return wgJSONDigest(obj, sp(exclude), int32(len(exclude)), bp(b), int32(len(b)))
	})
}

func cacheCall(op string) int32 {
	var b [64]byte
	return wgCacheCall(sp(op), int32(len(op)), unsafe.Pointer(&b[0]), int32(len(b)))
}

func providerStats() (string, int32) {
	return get("provider_stats", func(b []byte) int32 { return wgProviderStats(bp(b), int32(len(b))) })
}

func bodySet(obj int32, v string) int32 { return wgBodySet(obj, sp(v), int32(len(v))) }

func jsonSet(obj int32, path string, flags int32, v string) int32 {
	return wgJSONSet(obj, sp(path), int32(len(path)), flags, sp(v), int32(len(v)))
}

func headerSet(obj int32, name, v string) int32 {
	return wgHeaderSet(obj, sp(name), int32(len(name)), sp(v), int32(len(v)))
}

func headerDel(obj int32, name string) int32 {
	return wgHeaderSet(obj, sp(name), int32(len(name)), nil, -1)
}

func attrSet(name, v string) int32 {
	return wgAttrSet(sp(name), int32(len(name)), sp(v), int32(len(v)))
}

func attrDel(name string) int32 { return wgAttrSet(sp(name), int32(len(name)), nil, -1) }

func sendResponse(status int32, body string) int32 {
	return wgSendResponse(status, sp(body), int32(len(body)))
}

func sendError(status int32, typ, msg string) int32 {
	return wgSendError(status, sp(typ), int32(len(typ)), sp(msg), int32(len(msg)))
}

func logMsg(level int32, msg string) { wgLog(level, sp(msg), int32(len(msg))) }

// The first failed check of the current hook.
var failure string

func failf(format string, args ...any) {
	if failure != "" {
		return
	}
	var b strings.Builder
	ai := 0
	for i := 0; i < len(format); i++ {
		if format[i] == '%' && i+1 < len(format) && ai < len(args) {
			i++
			switch v := args[ai].(type) {
			case string:
				if format[i] == 'q' {
					b.WriteString(strconv.Quote(v))
				} else {
					b.WriteString(v)
				}
			case int32:
				b.WriteString(strconv.Itoa(int(v)))
			case int:
				b.WriteString(strconv.Itoa(v))
			}
			ai++
			continue
		}
		b.WriteByte(format[i])
	}
	failure = b.String()
}

// code checks a status result.
func code(what string, got, want int32) {
	if got != want {
		failf("%s: got %d, want %d", what, got, want)
	}
}

// value checks a getter's result.
func value(what string, got string, n int32, want string) {
	if n < 0 {
		failf("%s: got result %d, want %q", what, n, want)
	} else if got != want {
		failf("%s: got %q, want %q", what, got, want)
	}
}

func missing(what string, n int32, want int32) {
	if n != want {
		failf("%s: got %d, want %d", what, n, want)
	}
}

// finish ends a hook: continue, or an error naming the first failed check.
func finish(ok int32) int32 {
	if failure == "" {
		return ok
	}
	msg := failure
	failure = ""
	if r := sendError(500, "tck_failure", msg); r != 0 {
		logMsg(3, "tck: send_error refused: "+msg)
	}
	return 2
}

func tckCase() string {
	v, n := headerGet(objRequest, "X-TCK-Case")
	if n < 0 {
		return "basic"
	}
	return v
}

//go:wasmexport wasmgate_abi_version
func abiVersion() int32 { return 1 }

//go:wasmexport wasmgate_init
func initHook() int32 {
	failure = ""
	cfg, n := configGet()
	if n < 0 {
		failf("config_get in init: result %d", n)
	}
	if strings.Contains(cfg, `"refuse"`) {
		sendError(500, "plugin_error", "refused by config: "+cfg)
		return -1
	}
	value("config_get", cfg, n, fixture.ConfigJSON)
	_, n = bodyGet(objRequest)
	missing("body_get in init", n, errNotAvailable)
	missing("attr_set in init", attrSet("tck.init", "x"), errNotAvailable)
	v, n := secretGet(fixture.SecretName)
	value("secret_get in init", v, n, fixture.SecretValue)
	_, n = secretGet("not_granted")
	missing("secret_get of a name not granted", n, errDenied)
	initMatch() // match.go
	logMsg(0, "tck: init")
	if failure != "" {
		sendError(500, "tck_failure", failure)
		return -1
	}
	return 7
}

func main() {}

// json_build (pdk/ABI.md, "Building bodies").

//go:wasmimport wasmgate json_build
func wgJSONBuild(obj int32, prog unsafe.Pointer, progLen int32, buf unsafe.Pointer, cap int32) int32

func jsonBuild(obj int32, prog []byte) int32 {
	return wgJSONBuild(obj, bp(prog), int32(len(prog)), nil, 0)
}

func jsonBuildOutput(prog []byte) (string, int32) {
	return get("json_build", func(b []byte) int32 { return wgJSONBuild(-1, bp(prog), int32(len(prog)), bp(b), int32(len(b))) })
}

// program assembles a json_build program: bytes are opcodes, objects and
// flags, strings str operands, uint32 values index operands.
func program(parts ...any) []byte {
	var p []byte
	for _, x := range parts {
		switch v := x.(type) {
		case int:
			p = append(p, byte(v))
		case string:
			n := len(v)
			p = append(append(p, byte(n), byte(n>>8), byte(n>>16), byte(n>>24)), v...)
		case uint32:
			p = append(p, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		}
	}
	return p
}
