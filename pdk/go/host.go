package pdk

import "unsafe"

// All reads from the host follow one pattern: the host writes a value only
// when it fits in the buffer it is given and otherwise returns its length, so
// a read that does not fit grows the buffer and asks again. The PDK's own
// reads share one growable buffer; the bytes returned by read are only valid
// until the next read. The Append* methods read into the caller's buffer.
var buf = make([]byte, 0, 8<<10)

// pathBuf holds paths built at run time (such as "messages.3.content").
var pathBuf = make([]byte, 0, 64)

// What a read reads.
const (
	rdBody = iota
	rdJSON
	rdHeader
	rdAttr
	rdConfig
	rdSecret
)

func hostRead(kind int, obj ObjectID, name string, flags uint32, into []byte) int32 {
	switch kind {
	case rdBody:
		return hBodyGet(uint32(obj), into)
	case rdJSON:
		return hJSONGet(uint32(obj), name, flags, into)
	case rdHeader:
		return hHeaderGet(uint32(obj), name, into)
	case rdAttr:
		return hAttrGet(name, into)
	case rdSecret:
		return hSecretGet(name, into)
	}
	return hConfigGet(into)
}

// appendRead appends a value read from the host to dst, growing it when
// needed; n is the host's result (negative on error, dst unchanged).
func appendRead(dst []byte, kind int, obj ObjectID, name string, flags uint32) (out []byte, n int32) {
	for {
		free := dst[len(dst):cap(dst)]
		n = hostRead(kind, obj, name, flags, free)
		if n < 0 {
			return dst, n
		}
		if int(n) <= len(free) {
			return dst[:len(dst)+int(n)], n
		}
		grown := make([]byte, len(dst), len(dst)+int(n)+int(n)/4)
		copy(grown, dst)
		dst = grown
	}
}

// read reads a value into the shared buffer.
func read(kind int, obj ObjectID, name string, flags uint32) ([]byte, int32) {
	out, n := appendRead(buf[:0], kind, obj, name, flags)
	buf = out[:0]
	return out, n
}

// readJSON is read for json_get, written out because it is the hot path: in
// Wasm every Go call level costs, so it calls the host directly.
func readJSON(obj ObjectID, path string, flags uint32) ([]byte, int32) {
	for {
		n := hJSONGet(uint32(obj), path, flags, buf[:cap(buf)])
		if n < 0 {
			return nil, n
		}
		if int(n) <= cap(buf) {
			return buf[:n], n
		}
		buf = make([]byte, 0, int(n)+int(n)/4)
	}
}

// bstr returns the bytes as a string without a copy. Only for values handed
// to the host, which reads them during the call.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// clone returns a copy of b that outlives the read buffer.
func clone(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

// msgPath builds "messages.<i>" or "messages.<i>.<field>" in pathBuf.
func msgPath(i int, field string) string {
	pathBuf = appendIndex(append(pathBuf[:0], "messages."...), i)
	if field != "" {
		pathBuf = append(pathBuf, '.')
		pathBuf = append(pathBuf, field...)
	}
	return bstr(pathBuf)
}

// appendIndex appends the decimal form of i >= 0.
func appendIndex(b []byte, i int) []byte {
	if i < 10 {
		return append(b, byte('0'+i))
	}
	var d [20]byte
	n := len(d)
	for i > 0 {
		n--
		d[n] = byte('0' + i%10)
		i /= 10
	}
	return append(b, d[n:]...)
}
