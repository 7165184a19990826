//go:build !wasip1

package pdk

import "github.com/wasmgate/wasmgate/pdk/go/internal/fakehost"

func hMatchCompile(spec string) int32 {
	if h := fakehost.Current; h != nil {
		return h.MatchCompile(spec)
	}
	return ResultNotAvailable
}

func hMatchScan(obj uint32, path string, matcher int32, flags uint32, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.MatchScan(obj, path, matcher, flags, buf)
	}
	return ResultNotAvailable
}

func hMatchText(matcher int32, text string, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.MatchText(matcher, text, buf)
	}
	return ResultNotAvailable
}
