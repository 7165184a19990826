package upstream

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/wasmgate/wasmgate/core/rawsock"
)

// Both of the client's dialers hand out raw-socket connections: buffered
// requests (fasthttp) and streams (net/http).
func TestDialersUseRawSockets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	c := New()
	fast, err := c.fast.Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fast.Close()
	std, err := c.std.Transport.(*http.Transport).DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	std.Close()
	for name, conn := range map[string]net.Conn{"buffered": fast, "stream": std} {
		if _, ok := conn.(*rawsock.Conn); !ok {
			t.Errorf("%s dialer: a %T, want a *rawsock.Conn", name, conn)
		}
	}
}
