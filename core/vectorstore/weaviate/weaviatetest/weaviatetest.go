// Package weaviatetest starts a real Weaviate server for tests, on loopback
// with a temporary data directory. `make test` builds the server and names
// it in WASMGATE_TEST_WEAVIATE_BIN.
package weaviatetest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/testnet"
)

// Server is a real Weaviate started for a test on loopback.
type Server struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has exited
	URL      string
}

// weaviateBin is the server binary that `make test` builds (mk/cache.mk).
func weaviateBin(t testing.TB) string {
	bin := os.Getenv("WASMGATE_TEST_WEAVIATE_BIN")
	if bin == "" {
		t.Skip("WASMGATE_TEST_WEAVIATE_BIN is not set: `make test` builds Weaviate and runs these tests")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("Weaviate server %s: %v (make weaviate builds it)", bin, err)
	}
	return bin
}

// startAttempts bounds the retries when a port picked a moment before was
// taken by another process in between (other test packages run at once).
const startAttempts = 3

// beforeRetry, when set by a test, sees each failed attempt.
var beforeRetry func(error)

// Start starts a server and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{bin: weaviateBin(t), dir: t.TempDir()}
	for attempt := 1; ; attempt++ {
		s.port = testnet.FreePort(t)
		s.URL = "http://127.0.0.1:" + strconv.Itoa(s.port)
		err := s.start(t)
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		if attempt == startAttempts {
			t.Fatal(err)
		}
	}
}

// Restart starts the server again on the same HTTP port and data directory;
// its other ports are picked afresh, since only the HTTP port is known to
// the clients.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		err := s.start(t)
		if err == nil {
			return
		}
		if attempt == startAttempts {
			t.Fatal(err)
		}
		if beforeRetry != nil {
			beforeRetry(err)
		}
		time.Sleep(time.Second) // the HTTP port cannot change: wait for it
	}
}

// probe bounds each readiness check: whatever holds the port may never answer.
var probe = &http.Client{Timeout: 2 * time.Second}

// start runs the server and waits until it is ready, or returns its log
// when it exits first or does not become ready in time.
func (s *Server) start(t testing.TB) error {
	cmd := exec.Command(s.bin, "--host", "127.0.0.1", "--port", strconv.Itoa(s.port), "--scheme", "http")
	cmd.Env = append(os.Environ(),
		"PERSISTENCE_DATA_PATH="+filepath.Join(s.dir, "data"),
		"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true",
		"DEFAULT_VECTORIZER_MODULE=none",
		"CLUSTER_HOSTNAME=node1",
		"CLUSTER_ADVERTISE_ADDR=127.0.0.1",
		"CLUSTER_BIND_ADDR=127.0.0.1",
		"CLUSTER_GOSSIP_BIND_PORT="+strconv.Itoa(testnet.FreePort(t)),
		"CLUSTER_DATA_BIND_PORT="+strconv.Itoa(testnet.FreePort(t)),
		"RAFT_PORT="+strconv.Itoa(testnet.FreePort(t)),
		"RAFT_INTERNAL_RPC_PORT="+strconv.Itoa(testnet.FreePort(t)),
		"GRPC_PORT="+strconv.Itoa(testnet.FreePort(t)),
		"RAFT_BOOTSTRAP_EXPECT=1",
		"DISABLE_TELEMETRY=true",
		"LOG_LEVEL=warning",
	)
	logf, err := os.Create(filepath.Join(s.dir, fmt.Sprintf("weaviate-%d.log", time.Now().UnixNano())))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting Weaviate: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	fail := func(why string) error {
		s.Stop()
		b, _ := os.ReadFile(logf.Name())
		return fmt.Errorf("Weaviate %s at %s; its log:\n%s", why, s.URL, b)
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fail("exited before it was ready")
		default:
		}
		resp, err := probe.Get(s.URL + "/v1/.well-known/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fail("did not become ready")
}

// Stop stops the server; its data stays for Restart.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
}
