package upstream

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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
