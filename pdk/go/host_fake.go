//go:build !wasip1

package pdk

import "github.com/wasmgate/wasmgate/pdk/go/internal/fakehost"

// Outside WebAssembly the host functions talk to an in-memory fake host, so
// that plugins run as ordinary Go code in tests. Package pdktest drives it.
// Without a host every object is unavailable.

func init() {
	fakehost.Register = Register
	fakehost.Init = dispatchInit
	fakehost.OnRequest = dispatchRequest
	fakehost.OnResponse = dispatchResponse
	fakehost.OnChunk = dispatchChunk
}

func hLog(level int32, msg string) {
	if h := fakehost.Current; h != nil {
		h.Log(level, msg)
	}
}

func hConfigGet(buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.ConfigGet(buf)
	}
	return ResultNotAvailable
}

func hBodyGet(obj uint32, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.BodyGet(obj, buf)
	}
	return ResultNotAvailable
}

func hBodySet(obj uint32, b string) int32 {
	if h := fakehost.Current; h != nil {
		return h.BodySet(obj, b)
	}
	return ResultNotAvailable
}

func hJSONGet(obj uint32, path string, flags uint32, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.JSONGet(obj, path, flags, buf)
	}
	return ResultNotAvailable
}

func hJSONSet(obj uint32, path string, flags uint32, val string) int32 {
	if h := fakehost.Current; h != nil {
		return h.JSONSet(obj, path, flags, val)
	}
	return ResultNotAvailable
}

func hHeaderGet(obj uint32, name string, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.HeaderGet(obj, name, buf)
	}
	return ResultNotAvailable
}

func hHeaderSet(obj uint32, name, val string, del bool) int32 {
	if h := fakehost.Current; h != nil {
		return h.HeaderSet(obj, name, val, del)
	}
	return ResultNotAvailable
}

func hAttrGet(name string, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.AttrGet(name, buf)
	}
	return ResultNotAvailable
}

func hAttrSet(name, val string, del bool) int32 {
	if h := fakehost.Current; h != nil {
		return h.AttrSet(name, val, del)
	}
	return ResultNotAvailable
}

func hSendResponse(status int32, body string) int32 {
	if h := fakehost.Current; h != nil {
		return h.SendResponse(status, body)
	}
	return ResultNotAvailable
}

func hSendError(status int32, typ, msg string) int32 {
	if h := fakehost.Current; h != nil {
		return h.SendError(status, typ, msg)
	}
	return ResultNotAvailable
}

func hJSONDigest(obj uint32, exclude string, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.JSONDigest(obj, exclude, buf)
	}
	return ResultNotAvailable
}

func hCacheCall(op []byte, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.CacheCall(op, buf)
	}
	return ResultNotAvailable
}

func hSecretGet(name string, buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.SecretGet(name, buf)
	}
	return ResultNotAvailable
}

func hProviderStats(buf []byte) int32 {
	if h := fakehost.Current; h != nil {
		return h.ProviderStatsGet(buf)
	}
	return ResultNotAvailable
}
