package testnet

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestFreeAddrListens(t *testing.T) {
	addr := FreeAddr(t)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("addr %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the free address cannot be listened on: %v", err)
	}
	ln.Close()
}

// fakeT records a failure instead of stopping the test.
type fakeT struct {
	testing.TB
	failed string
}

func (f *fakeT) Helper()           {}
func (f *fakeT) Fatal(args ...any) { f.failed = args[0].(string) }

func TestWaitFor(t *testing.T) {
	n := 0
	WaitFor(t, time.Second, time.Millisecond, "third poll", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("polled %d times", n)
	}
	ft := &fakeT{}
	WaitFor(ft, 20*time.Millisecond, time.Millisecond, "never", func() bool { return false }, func() string { return "the log" })
	if !strings.Contains(ft.failed, "never: not reached in 20ms") || !strings.Contains(ft.failed, "the log") {
		t.Errorf("failure %q", ft.failed)
	}
}
