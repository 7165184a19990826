package host

import "github.com/wasmgate/wasmgate/core/abi"

// provider_stats(buf, cap) -> len: the providers' live statistics as the
// gateway renders them (pdk/ABI.md, "Routing"), for routers that choose by
// latency, error rate or health.
func init() {
	registerHostFunc(abi.FnProviderStats, hostFunc{sig: signature{i32s(2), i32s(1)}, fn: hProviderStats})
}

func hProviderStats(in *Instance, s []uint64) int32 {
	if in.phase != abi.PhaseRequest {
		return abi.ErrNotAvailable
	}
	if in.ex.ProviderStats == nil {
		return abi.ErrNotFound
	}
	return in.give(s[0], s[1], in.ex.ProviderStats())
}
