// Package redistest starts a real redis-server (Debian's) on a free loopback
// port for a test. Under `make test` (WASMGATE_TEST_REDIS names the binary)
// a missing server fails the test; a plain `go test` without one skips it.
package redistest

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/testnet"
)

// Server is a running redis-server.
type Server struct {
	Addr string
	cmd  *exec.Cmd
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Stop kills the server (to test what happens when Redis goes away).
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// Start starts a redis-server for t, stopped at the end of the test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("WASMGATE_TEST_REDIS")
	required := bin != ""
	if bin == "" {
		bin = "redis-server"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		if required {
			t.Fatalf("redis-server not found at %s (make redis-deps installs it): %v", bin, err)
		}
		t.Skipf("redis-server not installed (make test installs it): %v", err)
	}
	for attempt := 0; ; attempt++ {
		port := strconv.Itoa(testnet.FreePort(t))
		cmd := exec.Command(path, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no",
			"--dir", t.TempDir(), "--loglevel", "warning")
		cmd.Stdout, cmd.Stderr = nil, nil
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting redis-server: %v", err)
		}
		s := &Server{Addr: "127.0.0.1:" + port, cmd: cmd}
		if waitPing(s.Addr, 5*time.Second) {
			t.Cleanup(s.Stop)
			return s
		}
		s.Stop()
		if attempt == 2 { // the port may have been taken in between
			t.Fatalf("redis-server on %s did not answer PING", s.Addr)
		}
	}
}

func waitPing(addr string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte("PING\r\n"))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
