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
	bin, dir   string
	port, grpc int
	cmd        *exec.Cmd
	URL        string
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

// Start starts a server and stops it when the test ends.
func Start(t testing.TB) *Server {
	s := &Server{bin: weaviateBin(t), dir: t.TempDir(), port: testnet.FreePort(t), grpc: testnet.FreePort(t)}
	s.URL = "http://127.0.0.1:" + strconv.Itoa(s.port)
	s.Restart(t)
	t.Cleanup(s.Stop)
	return s
}

// Restart starts the server (again) on the same port and data directory.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	gossip, data := testnet.FreePort(t), testnet.FreePort(t)
	cmd := exec.Command(s.bin, "--host", "127.0.0.1", "--port", strconv.Itoa(s.port), "--scheme", "http")
	cmd.Env = append(os.Environ(),
		"PERSISTENCE_DATA_PATH="+filepath.Join(s.dir, "data"),
		"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true",
		"DEFAULT_VECTORIZER_MODULE=none",
		"CLUSTER_HOSTNAME=node1",
		"CLUSTER_ADVERTISE_ADDR=127.0.0.1",
		"CLUSTER_BIND_ADDR=127.0.0.1",
		"CLUSTER_GOSSIP_BIND_PORT="+strconv.Itoa(gossip),
		"CLUSTER_DATA_BIND_PORT="+strconv.Itoa(data),
		"RAFT_PORT="+strconv.Itoa(testnet.FreePort(t)),
		"RAFT_INTERNAL_RPC_PORT="+strconv.Itoa(testnet.FreePort(t)),
		"GRPC_PORT="+strconv.Itoa(s.grpc),
		"RAFT_BOOTSTRAP_EXPECT=1",
		"DISABLE_TELEMETRY=true",
		"LOG_LEVEL=warning",
	)
	logf, err := os.Create(filepath.Join(s.dir, fmt.Sprintf("weaviate-%d.log", time.Now().UnixNano())))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/v1/.well-known/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("Weaviate did not become ready at %s; its log:\n%s", s.URL, b)
}

// Stop stops the server; its data stays for Restart.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	s.cmd = nil
}
