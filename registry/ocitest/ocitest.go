// Package ocitest runs a real OCI registry (the distribution project's
// registry, built by `make oci-registry`) on loopback for tests.
package ocitest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Env names the registry binary; `make test` sets it.
const Env = "WASMGATE_TEST_OCI_REGISTRY"

// binary is the distribution registry `make oci-registry` builds.
// Without it the OCI tests fail: they are what shows push and pull work.
func binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(Env)
	if bin == "" {
		cache, _ := os.UserCacheDir()
		bin = filepath.Join(cache, "wasmgate", "distribution-v3.0.0", "registry")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no OCI registry at %s: run `make oci-registry` (or `make test`), or set WASMGATE_TEST_OCI_REGISTRY", bin)
	}
	return bin
}

// Start runs a real distribution registry on loopback and
// returns its host:port.
func Start(t testing.TB) string {
	addr, _ := StartStoppable(t)
	return addr
}

// StartStoppable is Start, with a func that stops the registry before the
// test ends (to test what happens when it is gone).
func StartStoppable(t testing.TB) (addr string, stop func()) {
	t.Helper()
	bin := binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	err = os.WriteFile(cfg, fmt.Appendf(nil, `version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}
http: {addr: %s}
`, filepath.Join(dir, "data"), addr), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfg)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var once sync.Once
	stop = func() { once.Do(func() { _ = cmd.Process.Kill(); <-exited }) }
	t.Cleanup(stop)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr, stop
			}
		}
		select {
		case <-exited:
			t.Fatalf("OCI registry exited: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("OCI registry not ready at %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
