//go:build wasip1

package pdk

import "unsafe"

// match_redact of the import module "wasmgate" (pdk/ABI.md).

//go:wasmimport wasmgate match_redact
func wgMatchRedact(obj uint32, path unsafe.Pointer, pathLen int32, matcher int32, buf unsafe.Pointer, cap int32) int32

func hMatchRedact(obj uint32, path string, matcher int32, buf []byte) int32 {
	return wgMatchRedact(obj, sp(path), int32(len(path)), matcher, bp(buf), int32(len(buf)))
}
