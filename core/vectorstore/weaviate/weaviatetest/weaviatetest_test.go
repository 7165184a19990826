package weaviatetest

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestRestartWaitsForItsPort holds the server's HTTP port while it is
// stopped, as another process may: Restart must try again rather than fail
// or wait out its whole ready timeout on a server that has exited.
func TestRestartWaitsForItsPort(t *testing.T) {
	s := Start(t)
	s.Stop()
	ln, err := net.Listen("tcp", s.URL[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	var failed []error
	beforeRetry = func(err error) { failed = append(failed, err); ln.Close() }
	t.Cleanup(func() { beforeRetry = nil; ln.Close() })
	s.Restart(t)
	if len(failed) != 1 || !strings.Contains(failed[0].Error(), "exited before it was ready") {
		t.Fatalf("failed attempts %v, want one whose server exited", failed)
	}
	resp, err := http.Get(s.URL + "/v1/.well-known/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("ready: %d", resp.StatusCode)
	}
}
