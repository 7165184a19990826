package pdk

import "fmt"

// Attr returns a request attribute. Attributes are string key/value pairs that
// live for one request and carry data between plugins and to the host; names
// starting with "wasmgate." are set by the host (see the Attr* constants).
func Attr(name string) (string, bool) {
	b, n := read(rdAttr, 0, name, 0)
	if n < 0 {
		return "", false
	}
	return string(b), true
}

// AppendAttr appends a request attribute's value to dst; ok is false (and
// dst unchanged) if there is none. With a reused dst it does not allocate,
// and comparing string(b) to a string does not allocate either:
//
//	p.buf, _ = pdk.AppendAttr(p.buf[:0], pdk.AttrProviderURL)
//	if string(p.buf) != p.lastURL { ... }
func AppendAttr(dst []byte, name string) (out []byte, ok bool) {
	out, n := appendRead(dst, rdAttr, 0, name, 0)
	return out, n >= 0
}

// SetAttr sets a request attribute. Names starting with "wasmgate." are
// reserved (ErrDenied).
func SetAttr(name, value string) error { return errorFor(hAttrSet(name, value, false)) }

// DeleteAttr removes a request attribute.
func DeleteAttr(name string) error { return errorFor(hAttrSet(name, "", true)) }

// Secret returns a secret the gateway's config grants this plugin, by the
// name the grant gives it (plugins.NAME.capabilities.secrets). A name not
// granted is ErrDenied; a granted secret whose source was never reachable
// is ErrNotAvailable. Read it in each request rather than keep it from Init:
// the gateway serves a rotated value as soon as it has read it.
func Secret(name string) (string, error) {
	b, n := read(rdSecret, 0, name, 0)
	if n < 0 {
		return "", HostError(n)
	}
	return string(b), nil
}

// Log writes msg to the gateway's log at level (LogDebug, LogInfo, LogWarn or
// LogError).
func Log(level int, msg string) { hLog(int32(level), msg) }

// Debugf logs at debug level. It formats with fmt: keep it off hot paths or
// use Log with a constant message.
func Debugf(format string, args ...any) { hLog(LogDebug, fmt.Sprintf(format, args...)) }

// Infof logs at info level.
func Infof(format string, args ...any) { hLog(LogInfo, fmt.Sprintf(format, args...)) }

// Warnf logs at warn level.
func Warnf(format string, args ...any) { hLog(LogWarn, fmt.Sprintf(format, args...)) }

// Errorf logs at error level.
func Errorf(format string, args ...any) { hLog(LogError, fmt.Sprintf(format, args...)) }
