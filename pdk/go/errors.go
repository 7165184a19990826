package pdk

import "strconv"

// HostError is a negative result of a host function. The sentinel errors
// below are HostError values, so errors.Is and == both work.
type HostError int32

// Errors for the host results -1 to -6.
var (
	ErrNotFound     error = HostError(ResultNotFound)     // no such body, path, header or attribute
	ErrNotAvailable error = HostError(ResultNotAvailable) // object not available in this phase or to this plugin
	ErrTooLarge     error = HostError(ResultTooLarge)     // value over the plugin's output limit
	ErrInvalid      error = HostError(ResultInvalid)      // not JSON where JSON is needed, bad path, status out of range
	ErrDenied       error = HostError(ResultDenied)       // reserved attribute written, or a value the plugin may not see
	ErrUnavailable  error = HostError(ResultUnavailable)  // a backend the host reaches (cache store, embedder) did not answer
)

func (e HostError) Error() string {
	switch int32(e) {
	case ResultNotFound:
		return "wasmgate: not found"
	case ResultNotAvailable:
		return "wasmgate: not available"
	case ResultTooLarge:
		return "wasmgate: too large"
	case ResultInvalid:
		return "wasmgate: invalid"
	case ResultDenied:
		return "wasmgate: denied"
	case ResultUnavailable:
		return "wasmgate: unavailable"
	}
	return "wasmgate: host error " + strconv.Itoa(int(e))
}

// errorFor turns a host status into an error (nil for n >= 0).
func errorFor(n int32) error {
	if n >= 0 {
		return nil
	}
	return HostError(n)
}
