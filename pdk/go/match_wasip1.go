//go:build wasip1

package pdk

import "unsafe"

// Matching helpers of the import module "wasmgate" (pdk/ABI.md).

//go:wasmimport wasmgate match_compile
func wgMatchCompile(spec unsafe.Pointer, specLen int32) int32

//go:wasmimport wasmgate match_scan
func wgMatchScan(obj uint32, path unsafe.Pointer, pathLen int32, matcher int32, flags uint32, buf unsafe.Pointer, cap int32) int32

//go:wasmimport wasmgate match_text
func wgMatchText(matcher int32, text unsafe.Pointer, textLen int32, buf unsafe.Pointer, cap int32) int32

func hMatchCompile(spec string) int32 { return wgMatchCompile(sp(spec), int32(len(spec))) }

func hMatchScan(obj uint32, path string, matcher int32, flags uint32, buf []byte) int32 {
	return wgMatchScan(obj, sp(path), int32(len(path)), matcher, flags, bp(buf), int32(len(buf)))
}

func hMatchText(matcher int32, text string, buf []byte) int32 {
	return wgMatchText(matcher, sp(text), int32(len(text)), bp(buf), int32(len(buf)))
}
