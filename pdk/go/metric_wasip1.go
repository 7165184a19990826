//go:build wasip1

package pdk

import "unsafe"

// metric_add of the import module "wasmgate" (pdk/ABI.md, "Plugin metrics").

//go:wasmimport wasmgate metric_add
func wgMetricAdd(name unsafe.Pointer, nameLen int32, label unsafe.Pointer, labelLen int32, delta int32) int32

func hMetricAdd(name, label string, delta int32) int32 {
	return wgMetricAdd(sp(name), int32(len(name)), sp(label), int32(len(label)), delta)
}
