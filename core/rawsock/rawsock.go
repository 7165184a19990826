//go:build linux

// Package rawsock wraps TCP connections so that their reads and writes are
// raw system calls made through the connection's syscall.RawConn.
//
// Why: Go's sockets are non-blocking, so a read or write never blocks in the
// kernel (it returns EAGAIN and the goroutine waits in the netpoller), yet
// the runtime accounts for it as a blocking system call. On a loopback or
// LAN connection a write carries the receiver's TCP processing and takes
// about 10 µs; when one spans a tick of the runtime's monitor thread, the
// monitor takes the P away and starts another thread, and stays at its
// fastest tick (20 µs) while that keeps happening. On a gateway under load
// those wake-ups and hand-offs cost more CPU than the I/O itself. Through
// RawConn the descriptor is still locked against a concurrent Close,
// deadlines still hold, and EAGAIN still parks the goroutine in the
// netpoller; only the blocking-call bookkeeping is left out.
package rawsock

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// Conn is a *net.TCPConn whose Read and Write use raw system calls.
type Conn struct {
	*net.TCPConn
	rc syscall.RawConn

	// Each direction keeps its call's state here, and the function the
	// RawConn calls is a method value made once: a closure per call would
	// be two allocations per read or write. The mutexes keep concurrent
	// calls in one direction apart, as net.Conn allows them.
	rmu, wmu        sync.Mutex
	r, w            ioState
	readFn, writeFn func(fd uintptr) bool
}

// ioState is one read or write in progress.
type ioState struct {
	p     []byte
	n     int
	errno syscall.Errno
}

// Wrap returns c as a *Conn when it is a TCP connection, and c otherwise.
func Wrap(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	rs := &Conn{TCPConn: tc, rc: rc}
	rs.readFn, rs.writeFn = rs.read, rs.write
	return rs
}

// Read reads like net.Conn's Read.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	c.r = ioState{p: p}
	err := c.rc.Read(c.readFn)
	n, errno := c.r.n, c.r.errno
	c.r.p = nil
	c.rmu.Unlock()
	if err != nil || errno != 0 {
		return 0, c.opError("read", err, errno)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// read is the RawConn callback of Read: false means "wait until readable".
func (c *Conn) read(fd uintptr) bool {
	p := c.r.p
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch e {
		case 0:
			c.r.n = int(r)
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.r.errno = e
		return true
	}
}

// Write writes like net.Conn's Write: all of p, or an error.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	c.w = ioState{p: p}
	err := c.rc.Write(c.writeFn)
	written, errno := c.w.n, c.w.errno
	c.w.p = nil
	c.wmu.Unlock()
	if err != nil || errno != 0 {
		return written, c.opError("write", err, errno)
	}
	return written, nil
}

// write is the RawConn callback of Write: false means "wait until
// writable"; c.w.n counts what was written so far.
func (c *Conn) write(fd uintptr) bool {
	p := c.w.p
	for c.w.n < len(p) {
		r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[c.w.n])), uintptr(len(p)-c.w.n))
		switch e {
		case 0:
			c.w.n += int(r)
			continue
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.w.errno = e
		return true
	}
	return true
}

// opError is the error net.Conn's Read or Write would return: the
// RawConn's own (a deadline, a closed connection) without its "raw-read"
// wrapping, or the system call's.
func (c *Conn) opError(op string, err error, errno syscall.Errno) error {
	if oe, ok := err.(*net.OpError); ok {
		err = oe.Err
	}
	if err == nil {
		err = os.NewSyscallError(op, errno)
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// Listener wraps the connections a TCP listener accepts.
type Listener struct{ net.Listener }

// Accept accepts the next connection, wrapped.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}
