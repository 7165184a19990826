// Package testnet holds the network helpers tests share: a free loopback
// port for a server a test starts, and waiting for a condition that a
// server or a background loop makes true.
package testnet

import (
	"net"
	"testing"
	"time"
)

// FreePort returns a loopback TCP port that was free a moment ago, for a
// server that must be told its port before it starts.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// FreeAddr is FreePort as "127.0.0.1:PORT".
func FreeAddr(t testing.TB) string {
	t.Helper()
	return (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: FreePort(t)}).String()
}

// WaitFor polls cond every poll until it holds, and fails the test with
// what (and the output of more, when given) if it does not within timeout.
func WaitFor(t testing.TB, timeout, poll time.Duration, what string, cond func() bool, more ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			msg := what + ": not reached in " + timeout.String()
			for _, m := range more {
				msg += "\n" + m()
			}
			t.Fatal(msg)
			return // for a testing.TB whose Fatal returns
		}
		time.Sleep(poll)
	}
}
