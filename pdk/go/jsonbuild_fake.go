//go:build !wasip1

package pdk

import "github.com/wasmgate/wasmgate/pdk/go/internal/fakehost"

func hJSONBuild(obj uint32, prog []byte, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.JSONBuild(obj, prog, buf)
	}
	return ResultNotAvailable
}
