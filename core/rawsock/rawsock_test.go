//go:build linux

package rawsock

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pair returns both ends of a loopback TCP connection, wrapped.
func pair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := Listener{ln}.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	client, server = Wrap(c), <-accepted
	if _, ok := client.(*Conn); !ok {
		t.Fatalf("client is a %T", client)
	}
	if _, ok := server.(*Conn); !ok {
		t.Fatalf("accepted conn is a %T", server)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// Bulk data both ways, larger than the socket buffers, so that writes meet
// EAGAIN and reads wait for data: every byte arrives, in order.
func TestBulkBothWays(t *testing.T) {
	a, b := pair(t)
	for _, c := range []net.Conn{a, b} {
		c.SetDeadline(time.Now().Add(20 * time.Second)) // a lost byte fails, not hangs
	}
	const size = 8 << 20
	data := make([]byte, size)
	rand.Read(data)
	var wg sync.WaitGroup
	for _, dir := range []struct{ from, to net.Conn }{{a, b}, {b, a}} {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if n, err := dir.from.Write(data); n != size || err != nil {
				t.Errorf("write: %d, %v", n, err)
			}
		}()
		go func() {
			defer wg.Done()
			got := make([]byte, size)
			// Small reads, slowly at first, so the writer fills the buffers.
			time.Sleep(50 * time.Millisecond)
			if _, err := io.ReadFull(dir.to, got); err != nil {
				t.Errorf("read: %v", err)
			}
			if !bytes.Equal(got, data) {
				t.Error("the bytes read differ from the bytes written")
			}
		}()
	}
	wg.Wait()
}

func TestEOFAndReset(t *testing.T) {
	a, b := pair(t)
	if _, err := a.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	a.Close()
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "last words" {
		t.Fatalf("ReadAll = %q, %v; want the data, then io.EOF as the end", got, err)
	}
	if n, err := b.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("read after EOF = %d, %v", n, err)
	}
	// Writing to a closed peer fails with the system call's error.
	var werr error
	for range 100 {
		if _, werr = b.Write([]byte("anyone there?")); werr != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	var se *os.SyscallError
	if !errors.As(werr, &se) || !(errors.Is(werr, syscall.EPIPE) || errors.Is(werr, syscall.ECONNRESET)) {
		t.Fatalf("write to a closed peer: %v", werr)
	}
	var oe *net.OpError
	if !errors.As(werr, &oe) || oe.Op != "write" || oe.Net != "tcp" {
		t.Fatalf("error %#v, want a net.OpError for write", werr)
	}
}

func TestDeadlines(t *testing.T) {
	a, b := pair(t)
	a.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	start := time.Now()
	_, err := a.Read(make([]byte, 16))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past its deadline: %v", err)
	}
	if d := time.Since(start); d < 25*time.Millisecond || d > 2*time.Second {
		t.Fatalf("the deadline ended the read after %v", d)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" || errors.As(oe.Err, new(*net.OpError)) {
		t.Fatalf("error %v: want one net.OpError for read", err)
	}
	// A write that cannot finish (the peer never reads) ends at its deadline
	// and says how much it wrote.
	big := make([]byte, 64<<20) // made before the deadline is set: zeroing it takes a while
	a.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := a.Write(big)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n <= 0 || n >= 64<<20 {
		t.Fatalf("write past its deadline: %d, %v", n, err)
	}
	// With the deadline lifted, the connection still works.
	a.SetReadDeadline(time.Time{})
	go b.Write([]byte("ok"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(a, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("after the deadlines: %q, %v", buf, err)
	}
}

// Closing a connection wakes a read blocked on it, with net.ErrClosed, and
// later calls fail the same way rather than touching a reused descriptor.
func TestCloseDuringRead(t *testing.T) {
	a, _ := pair(t)
	done := make(chan error, 1)
	go func() {
		_, err := a.Read(make([]byte, 16))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	a.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked read after Close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not wake the blocked read")
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
}

func TestWrapLeavesOtherConns(t *testing.T) {
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	if Wrap(p) != p {
		t.Fatal("a non-TCP connection was wrapped")
	}
	a, _ := pair(t)
	if n, err := a.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty read = %d, %v", n, err)
	}
	if n, err := a.Write(nil); n != 0 || err != nil {
		t.Fatalf("empty write = %d, %v", n, err)
	}
}

// A read and a write cost no allocation, as net.Conn's do.
func TestNoAllocations(t *testing.T) {
	a, b := pair(t)
	buf := make([]byte, 64)
	msg := []byte("hello")
	if n := testing.AllocsPerRun(200, func() {
		if _, err := a.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Read(buf); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per write and read, want 0", n)
	}
}

// Concurrent reads and writes in each direction keep every byte.
func TestConcurrentCalls(t *testing.T) {
	a, b := pair(t)
	for _, c := range []net.Conn{a, b} {
		c.SetDeadline(time.Now().Add(20 * time.Second))
	}
	const writers, each = 4, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := bytes.Repeat([]byte{byte('a' + w)}, 100)
			for range each {
				if _, err := a.Write(msg); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	counts := make([]int, writers)
	var mu sync.Mutex
	var rg sync.WaitGroup
	total := 0
	for range 3 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			buf := make([]byte, 777)
			for {
				mu.Lock()
				if total >= writers*each*100 {
					mu.Unlock()
					return
				}
				mu.Unlock()
				n, err := b.Read(buf)
				mu.Lock()
				for _, c := range buf[:n] {
					counts[c-'a']++
				}
				total += n
				done := total >= writers*each*100
				mu.Unlock()
				if done {
					b.SetReadDeadline(time.Now()) // wakes the readers still waiting
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rg.Wait()
	for w, n := range counts {
		if n != each*100 {
			t.Errorf("writer %d: %d bytes read, want %d", w, n, each*100)
		}
	}
}
