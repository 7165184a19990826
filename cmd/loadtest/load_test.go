package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/mockprovider"
)

func TestChatBody(t *testing.T) {
	b := chatBody("gpt-4o-mini")
	if len(b) < 1900 || len(b) > 2300 {
		t.Errorf("body is %d bytes, want about 2 KB", len(b))
	}
	var req struct {
		Model    string
		Stream   bool
		Messages []struct{ Role, Content string }
	}
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	if req.Model != "gpt-4o-mini" || req.Stream || len(req.Messages) < 4 || req.Messages[0].Role != "system" || req.Messages[len(req.Messages)-1].Role != "user" {
		t.Errorf("unexpected request %s", b)
	}
}

func TestRunLoadAgainstMock(t *testing.T) {
	srv, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := newClient(4, 5*time.Second)
	defer drain(client)
	cfg := loadConfig{URL: srv.URL() + "/chat/completions", Body: chatBody("gpt-4o-mini"), Concurrency: 4, Duration: 300 * time.Millisecond, Timeout: 5 * time.Second}
	start := time.Now()
	res := runLoad(context.Background(), client, cfg)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("run took %v", d)
	}
	if res.Requests < 10 || res.Errors != 0 {
		t.Fatalf("requests %d, errors %d (%s)", res.Requests, res.Errors, res.FirstError)
	}
	if res.Hist.n != uint64(res.Requests) || res.Elapsed < cfg.Duration || res.rps() <= 0 {
		t.Errorf("hist %d values, elapsed %v, rps %v", res.Hist.n, res.Elapsed, res.rps())
	}
	p50, p99 := res.Hist.percentile(50), res.Hist.percentile(99)
	if p50 <= 0 || p50 > p99 || p99 > time.Duration(res.Hist.max) {
		t.Errorf("p50 %v p99 %v max %v", p50, p99, time.Duration(res.Hist.max))
	}

	// The request count bounds the run too.
	cfg.Duration, cfg.MaxRequests = time.Minute, 37
	res = runLoad(context.Background(), client, cfg)
	if res.Requests+res.Errors != 37 || res.Errors != 0 {
		t.Errorf("sent %d+%d requests, want 37", res.Requests, res.Errors)
	}

	// Errors of the mock are counted as errors.
	cfg.MaxRequests, cfg.Body = 20, chatBody("mock-fail-503")
	res = runLoad(context.Background(), client, cfg)
	if res.Requests != 0 || res.Errors != 20 || !strings.Contains(res.FirstError, "status 503") {
		t.Errorf("failing upstream: %d ok, %d errors, first %q", res.Requests, res.Errors, res.FirstError)
	}
}

func TestRunLoadChecksAnswers(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 3 {
		case 0:
			w.Write([]byte(`{"object":"chat.completion","choices":[{"message":{"content":"hi"}}]}`))
		case 1:
			w.Write([]byte(`{"object":"chat.completion"}`))
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	client := newClient(1, time.Second)
	res := runLoad(context.Background(), client, loadConfig{URL: srv.URL, Body: []byte(`{}`), Concurrency: 1, Duration: time.Minute, MaxRequests: 30})
	if res.Requests != 10 || res.Errors != 20 {
		t.Errorf("%d ok, %d errors; want 10, 20", res.Requests, res.Errors)
	}

	// A 200 whose first answer has an empty choices array fails the full check.
	if err := checkCompletion([]byte(`{"choices":[]}`)); err == nil {
		t.Error("empty choices accepted")
	}
	if err := checkCompletion([]byte(`{"choices":[{"message":{"role":"assistant","content":"x"}}]}`)); err != nil {
		t.Error(err)
	}
}

func TestRunLoadStopsOnCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := runLoad(ctx, newClient(4, time.Minute), loadConfig{URL: srv.URL, Body: []byte(`{}`), Concurrency: 4, Duration: time.Minute})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("run went on for %v after cancel", d)
	}
	if res.Errors != 0 {
		t.Errorf("cancelled requests counted as %d errors", res.Errors)
	}
}
