package abi

// Building bodies (pdk/ABI.md, "Building bodies"): json_build assembles a
// JSON body from literals and values copied by path, in one call, so that a
// translating adapter never holds the values it moves. The program format
// and its interpreter are in pdk/go/jsonbuild.

// FnJSONBuild is json_build(obj, prog_ptr, prog_len, buf, cap) -> len.
const FnJSONBuild = "json_build"

// BuildToGuest, as json_build's obj, returns the output to the guest's
// buffer instead of setting an object's body.
const BuildToGuest int32 = -1
