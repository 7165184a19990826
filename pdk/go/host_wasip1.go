//go:build wasip1

package pdk

import "unsafe"

// Host functions of the import module "wasmgate" (pdk/ABI.md). All
// parameters are i32; pointers point into this module's linear memory.

//go:wasmimport wasmgate log
func wgLog(level int32, ptr unsafe.Pointer, n int32)

//go:wasmimport wasmgate config_get
func wgConfigGet(buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate body_get
func wgBodyGet(obj uint32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate body_set
func wgBodySet(obj uint32, ptr unsafe.Pointer, n int32) int32

//go:wasmimport wasmgate json_get
func wgJSONGet(obj uint32, path unsafe.Pointer, pathLen int32, flags uint32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate json_set
func wgJSONSet(obj uint32, path unsafe.Pointer, pathLen int32, flags uint32, val unsafe.Pointer, valLen int32) int32

//go:wasmimport wasmgate header_get
func wgHeaderGet(obj uint32, name unsafe.Pointer, nameLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate header_set
func wgHeaderSet(obj uint32, name unsafe.Pointer, nameLen int32, val unsafe.Pointer, valLen int32) int32

//go:wasmimport wasmgate attr_get
func wgAttrGet(name unsafe.Pointer, nameLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate attr_set
func wgAttrSet(name unsafe.Pointer, nameLen int32, val unsafe.Pointer, valLen int32) int32

//go:wasmimport wasmgate send_response
func wgSendResponse(status int32, ptr unsafe.Pointer, n int32) int32

//go:wasmimport wasmgate send_error
func wgSendError(status int32, typ unsafe.Pointer, typLen int32, msg unsafe.Pointer, msgLen int32) int32

//go:wasmimport wasmgate json_digest
func wgJSONDigest(obj uint32, exclude unsafe.Pointer, excludeLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate cache_call
func wgCacheCall(op unsafe.Pointer, opLen int32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate secret_get
func wgSecretGet(name unsafe.Pointer, nameLen int32, buf unsafe.Pointer, cap int32) int32

// The h* functions are the host functions with Go slices and strings. The
// host only reads the strings during the call, so they are passed without a
// copy. A buffer's capacity is len(buf).

func sp(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }
func bp(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }
func valLen(s string, del bool) int32 {
	if del {
		return -1
	}
	return int32(len(s))
}

func hLog(level int32, msg string) { wgLog(level, sp(msg), int32(len(msg))) }

func hConfigGet(buf []byte) int32 { return wgConfigGet(bp(buf), int32(len(buf))) }

func hBodyGet(obj uint32, buf []byte) int32 { return wgBodyGet(obj, bp(buf), int32(len(buf))) }

func hBodySet(obj uint32, b string) int32 { return wgBodySet(obj, sp(b), int32(len(b))) }

func hJSONGet(obj uint32, path string, flags uint32, buf []byte) int32 {
	return wgJSONGet(obj, sp(path), int32(len(path)), flags, bp(buf), int32(len(buf)))
}

func hJSONSet(obj uint32, path string, flags uint32, val string) int32 {
	return wgJSONSet(obj, sp(path), int32(len(path)), flags, sp(val), int32(len(val)))
}

func hHeaderGet(obj uint32, name string, buf []byte) int32 {
	return wgHeaderGet(obj, sp(name), int32(len(name)), bp(buf), int32(len(buf)))
}

func hHeaderSet(obj uint32, name, val string, del bool) int32 {
	return wgHeaderSet(obj, sp(name), int32(len(name)), sp(val), valLen(val, del))
}

func hAttrGet(name string, buf []byte) int32 {
	return wgAttrGet(sp(name), int32(len(name)), bp(buf), int32(len(buf)))
}

func hAttrSet(name, val string, del bool) int32 {
	return wgAttrSet(sp(name), int32(len(name)), sp(val), valLen(val, del))
}

func hSendResponse(status int32, body string) int32 {
	return wgSendResponse(status, sp(body), int32(len(body)))
}

func hSecretGet(name string, buf []byte) int32 {
	return wgSecretGet(sp(name), int32(len(name)), bp(buf), int32(len(buf)))
}

func hSendError(status int32, typ, msg string) int32 {
	return wgSendError(status, sp(typ), int32(len(typ)), sp(msg), int32(len(msg)))
}

func hJSONDigest(obj uint32, exclude string, buf []byte) int32 {
	return wgJSONDigest(obj, sp(exclude), int32(len(exclude)), bp(buf), int32(len(buf)))
}

func hCacheCall(op []byte, buf []byte) int32 {
	return wgCacheCall(bp(op), int32(len(op)), bp(buf), int32(len(buf)))
}

//go:wasmimport wasmgate provider_stats
func wgProviderStats(buf unsafe.Pointer, cap int32) int32

func hProviderStats(buf []byte) int32 { return wgProviderStats(bp(buf), int32(len(buf))) }
