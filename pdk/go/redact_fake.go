//go:build !wasip1

package pdk

import "github.com/wasmgate/wasmgate/pdk/go/internal/fakehost"

func hMatchRedact(obj uint32, path string, matcher int32, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.MatchRedact(obj, path, matcher, buf)
	}
	return ResultNotAvailable
}
