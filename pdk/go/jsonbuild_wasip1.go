//go:build wasip1

package pdk

import "unsafe"

// json_build of the import module "wasmgate" (pdk/ABI.md, "Building bodies").

//go:wasmimport wasmgate json_build
func wgJSONBuild(obj uint32, prog unsafe.Pointer, progLen int32, buf unsafe.Pointer, cap int32) int32

func hJSONBuild(obj uint32, prog []byte, buf []byte) int32 {
	return wgJSONBuild(obj, bp(prog), int32(len(prog)), bp(buf), int32(len(buf)))
}
