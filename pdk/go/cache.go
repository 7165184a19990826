package pdk

// JSONDigest returns the hex SHA-256 of the object's canonical JSON (keys
// sorted, no whitespace, one spelling of every string and number), leaving
// out the named top-level keys. Two requests that differ only in key order,
// spacing or escapes get the same digest: a cache key that does not miss
// for nothing.
func JSONDigest(obj ObjectID, exclude ...string) (string, error) {
	var list []byte
	for i, k := range exclude {
		if i > 0 {
			list = append(list, ',')
		}
		list = append(list, k...)
	}
	b, n := appendDigest(uint32(obj), bstr(list))
	if n < 0 {
		return "", HostError(n)
	}
	return string(b), nil
}

func appendDigest(obj uint32, exclude string) ([]byte, int32) {
	var out [64]byte
	n := hJSONDigest(obj, exclude, out[:])
	if n < 0 || int(n) > len(out) {
		return nil, n
	}
	return out[:n], n
}

// SetResponseHeader sets a header of the answer the client gets. From a
// request hook it applies to whatever answers the request: a short-circuit
// response or the provider's.
func SetResponseHeader(name, value string) error {
	return errorFor(hHeaderSet(uint32(ObjResponse), name, value, false))
}

// CacheCall runs an operation of the gateway's cache service (capability
// "cache"; see pdk/ABI.md for the operations) and returns its JSON answer.
// ErrNotFound means no entry; ErrUnavailable that the store or embedder is
// down (serve the request without the cache); ErrDenied that the plugin
// lacks the capability.
func CacheCall(op []byte) ([]byte, error) {
	out := make([]byte, 0, 4<<10)
	for {
		free := out[:cap(out)]
		n := hCacheCall(op, free)
		if n < 0 {
			return nil, HostError(n)
		}
		if int(n) <= len(free) {
			return free[:n], nil
		}
		out = make([]byte, 0, int(n))
	}
}
