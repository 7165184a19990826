// Package testvault starts a real Vault server for tests: the Vault test
// server that `make test` builds (conformance/testservers/vault), on
// 127.0.0.1 with a free port, a root token and its storage in a temporary
// folder, so that it can be stopped and started again with its data.
//
// `make test` sets WASMGATE_TEST_VAULT_BIN; a test run that sets it to a
// missing file fails. A plain `go test` without it skips the Vault tests.
package testvault

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// EnvBin names the Vault test server binary.
const EnvBin = "WASMGATE_TEST_VAULT_BIN"

// RootToken is the server's root token.
const RootToken = "wasmgate-test-root"

// Server is a running (or stopped) Vault test server.
type Server struct {
	// Addr is http://127.0.0.1:PORT; it stays the same across restarts.
	Addr string

	t     testing.TB
	bin   string
	data  string
	args  []string
	certs *Certs
	cmd   *exec.Cmd
	done  chan struct{}
}

// Option changes how the server starts.
type Option func(*Server)

// WithTLS serves HTTPS with the test certificates; with clientCerts the
// server requires a client certificate signed by their CA.
func WithTLS(c *Certs, clientCerts bool) Option {
	return func(s *Server) {
		s.certs = c
		s.args = append(s.args, "-tls-cert", c.ServerCert, "-tls-key", c.ServerKey)
		if clientCerts {
			s.args = append(s.args, "-tls-client-ca", c.CA)
		}
	}
}

// Start starts a Vault server that the test stops when it ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin := os.Getenv(EnvBin)
	if bin == "" {
		t.Skipf("no Vault test server: %s is not set (`make test` builds the server and sets it)", EnvBin)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s=%s: %v (run `make vault-testserver`)", EnvBin, bin, err)
	}
	s := &Server{t: t, bin: bin, data: t.TempDir()}
	for _, o := range opts {
		o(s)
	}
	if err := s.start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// start runs the server on addr and waits until it listens.
func (s *Server) start(addr string) error {
	cmd := exec.Command(s.bin, append([]string{"-addr", addr, "-root-token", RootToken, "-data", s.data}, s.args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting vault: %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "vault-testserver listening on "); ok {
				ready <- a
			}
		}
		close(ready)
	}()
	s.cmd, s.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(s.done)
	select {
	case a, ok := <-ready:
		if !ok {
			<-s.done
			s.cmd = nil
			return fmt.Errorf("vault exited before it was ready: %s", stderr.String())
		}
		s.Addr = a
	case <-time.After(60 * time.Second):
		s.Stop()
		return fmt.Errorf("vault not ready in 60s: %s", stderr.String())
	}
	return nil
}

// Stop stops the server (its data stays for Restart).
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts a stopped server again on the same address. Another
// process may take the port in between (other test packages run at once):
// then it tries again, a few times.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	_, hostPort, _ := strings.Cut(s.Addr, "://")
	var err error
	for range 3 {
		if err = s.start(hostPort); err == nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	s.t.Fatal(err)
}

// Client is an API client with the root token.
func (s *Server) Client() *api.Client {
	s.t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = s.Addr
	if s.certs != nil {
		if err := cfg.ConfigureTLS(&api.TLSConfig{CACert: s.certs.CA, ClientCert: s.certs.ClientCert, ClientKey: s.certs.ClientKey}); err != nil {
			s.t.Fatal(err)
		}
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	c.SetToken(RootToken)
	return c
}

// MountKV mounts a KV secrets engine of version 1 or 2 at path.
func (s *Server) MountKV(path string, version int) {
	s.t.Helper()
	err := s.Client().Sys().Mount(path, &api.MountInput{Type: "kv", Options: map[string]string{"version": fmt.Sprint(version)}})
	if err != nil {
		s.t.Fatalf("mounting kv v%d at %s: %v", version, path, err)
	}
}

// Put writes a KV secret, whatever the mount's version; right after a v2
// mount Vault is still upgrading it, so a write is tried until it lands.
func (s *Server) Put(mount, path string, data map[string]any) {
	s.t.Helper()
	c := s.Client()
	ctx := context.Background()
	ver := "1"
	if m, err := c.Logical().Read("sys/internal/ui/mounts/" + mount); err == nil && m != nil {
		if o, ok := m.Data["options"].(map[string]any); ok && o["version"] == "2" {
			ver = "2"
		}
	}
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ver == "2" {
			_, err = c.KVv2(mount).Put(ctx, path, data)
		} else {
			err = c.KVv1(mount).Put(ctx, path, data)
		}
		if err == nil {
			return
		}
	}
	s.t.Fatalf("writing %s/%s: %v", mount, path, err)
}

// TempFile writes content to a new file in the test's temporary folder.
func TempFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
