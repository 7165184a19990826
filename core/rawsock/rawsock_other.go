//go:build !linux

package rawsock

import "net"

// Wrap returns c: outside Linux connections keep Go's own reads and writes.
func Wrap(c net.Conn) net.Conn { return c }

// Listener is the listener as it is outside Linux.
type Listener struct{ net.Listener }
