//go:build wasip1

package pdk

import "runtime/debug"

// The module's exports (pdk/ABI.md). They live in this package so that a
// plugin only has to import it and call Register.

func init() {
	// The host keeps a pool of instances per plugin, each with its own heap.
	// Go's default (GOGC=100, 4 MiB minimum heap target) lets an idle
	// instance hold about 7 MiB; at 25 it holds about 4 MiB and hooks are no
	// slower, because the live heap of a plugin is small. A plugin can set
	// its own value in its init function, which runs after this one.
	debug.SetGCPercent(25)
}

//go:wasmexport wasmgate_abi_version
func exportABIVersion() int32 { return ABIVersion }

//go:wasmexport wasmgate_init
func exportInit() int32 { return dispatchInit() }

//go:wasmexport wasmgate_on_request
func exportOnRequest() int32 { return dispatchRequest() }

//go:wasmexport wasmgate_on_response
func exportOnResponse() int32 { return dispatchResponse() }

//go:wasmexport wasmgate_on_chunk
func exportOnChunk() int32 { return dispatchChunk() }
