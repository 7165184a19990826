package upstream

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// An adapter that sets neither the method nor the content type gets the
// host's defaults (pdk/ABI.md): POST and application/json, buffered or
// streamed; what it sets is kept.
func TestRequestDefaults(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.Header.Get("Content-Type")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c := New()
	defer c.CloseIdle()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		req    Request
		stream bool
		want   string
	}{
		{"buffered, nothing set", Request{URL: srv.URL, Body: []byte(`{}`)}, false, "POST application/json"},
		{"streamed, nothing set", Request{URL: srv.URL, Body: []byte(`{}`)}, true, "POST application/json"},
		{"buffered, set", Request{Method: "PUT", URL: srv.URL, Header: [][2]string{{"content-type", "application/x-ndjson"}}, Body: []byte(`{}`)}, false, "PUT application/x-ndjson"},
	} {
		tc.req.Deadline = time.Now().Add(5 * time.Second)
		var err error
		if tc.stream {
			var resp *Response
			if resp, err = c.Stream(ctx, &tc.req); err == nil {
				resp.Stream.Close()
			}
		} else {
			_, err = c.Do(ctx, &tc.req)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := <-got; g != tc.want {
			t.Errorf("%s: provider got %q, want %q", tc.name, g, tc.want)
		}
	}
}

// A provider URL is parsed once and reused: the second request to it goes
// out exactly as the first (path as written, query kept), and the cache
// stops growing at its bound while URLs past it are still sent right.
func TestParsedURLsReused(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Host + " " + r.RequestURI
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	host := srv.Listener.Addr().String()
	c := New()
	defer c.CloseIdle()
	send := func(url string) string {
		t.Helper()
		if _, err := c.Do(context.Background(), &Request{URL: url, Body: []byte(`{}`), Deadline: time.Now().Add(5 * time.Second)}); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		return <-got
	}
	for _, tc := range []struct{ path, want string }{
		{"/v1/chat/completions", "/v1/chat/completions"},
		{"/openai/deployments/gpt%2F4o/chat/completions?api-version=2024-10-21", "/openai/deployments/gpt%2F4o/chat/completions?api-version=2024-10-21"},
		{"/v1//models/../x", "/v1//models/../x"},
	} {
		for round := range 2 {
			if g, want := send(srv.URL+tc.path), host+" "+tc.want; g != want {
				t.Errorf("%s, request %d: provider got %q, want %q", tc.path, round+1, g, want)
			}
		}
	}
	for i := range maxURIs + 8 {
		path := "/v1/n" + strconv.Itoa(i)
		if g, want := send(srv.URL+path), host+" "+path; g != want {
			t.Fatalf("provider got %q, want %q", g, want)
		}
	}
	if n := c.nURIs.Load(); n != maxURIs {
		t.Errorf("%d URLs cached, want the bound %d", n, maxURIs)
	}
	if g, want := send(srv.URL+"/v1/n3"), host+" /v1/n3"; g != want {
		t.Errorf("a cached URL again: provider got %q, want %q", g, want)
	}
}
