package abi

// Routing: how a router plugin tells the host where to send a request, and
// how it reads the providers' live statistics (pdk/ABI.md, "Routing").

// Attributes a pipeline plugin may write in the request phase although they
// carry the reserved prefix: the host reads them when it dispatches.
const (
	// AttrTargets is the ordered list of targets to try,
	// "provider/model[#key],…".
	AttrTargets = "wasmgate.targets"
	// AttrFallbackOn overrides dispatch.fallback_on for the request:
	// "429,5xx,timeout,connect".
	AttrFallbackOn = "wasmgate.fallback_on"
)

// Writable reports whether a plugin may write a reserved attribute.
func Writable(name string) bool { return name == AttrTargets || name == AttrFallbackOn }

// FnProviderStats is the host function that returns the providers' live
// statistics, one line per provider key.
const FnProviderStats = "provider_stats"
