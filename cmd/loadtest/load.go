package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// loadConfig describes one measured run.
type loadConfig struct {
	URL         string
	Body        []byte
	Header      http.Header
	Concurrency int
	Duration    time.Duration
	MaxRequests int64         // bound on requests sent in the run, over all workers
	Timeout     time.Duration // per request
}

// loadResult is what a run measured. Latencies are of successful requests.
type loadResult struct {
	Requests   int64
	Errors     int64
	Elapsed    time.Duration
	Hist       *histogram
	FirstError string
	// CPU is the CPU time the proxy under test used during the run (0 when
	// not measured): a cost per request that holds on a busy machine, where
	// throughput and latency do not.
	CPU time.Duration
}

func (r *loadResult) rps() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// newClient returns a keep-alive client for loopback load: one idle
// connection per worker is kept, no proxy, no compression, HTTP/1.1.
func newClient(concurrency int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 2 * concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// runLoad runs cfg.Concurrency workers that each send requests back to back
// until cfg.Duration has passed, cfg.MaxRequests were sent or ctx is done.
func runLoad(ctx context.Context, client *http.Client, cfg loadConfig) *loadResult {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	budget := &atomic.Int64{} // requests left to send
	budget.Store(cfg.MaxRequests)
	if cfg.MaxRequests <= 0 {
		budget.Store(math.MaxInt64)
	}
	results := make([]*loadResult, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for i := range results {
		r := &loadResult{Hist: &histogram{}}
		results[i] = r
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(ctx, client, cfg, deadline, budget, r)
		}()
	}
	wg.Wait()
	total := &loadResult{Hist: &histogram{}, Elapsed: time.Since(start)}
	for _, r := range results {
		total.Requests += r.Requests
		total.Errors += r.Errors
		total.Hist.merge(r.Hist)
		if total.FirstError == "" {
			total.FirstError = r.FirstError
		}
	}
	return total
}

func worker(ctx context.Context, client *http.Client, cfg loadConfig, deadline time.Time, budget *atomic.Int64, r *loadResult) {
	header := cfg.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json")
	}
	body := bytes.NewReader(cfg.Body)
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	checked := false
	for budget.Add(-1) >= 0 {
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			return
		}
		body.Reset(cfg.Body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, body)
		if err != nil {
			r.fail(err)
			return
		}
		req.Header = header
		req.ContentLength = int64(len(cfg.Body))
		t0 := time.Now()
		err = roundTrip(client, req, &buf)
		lat := time.Since(t0)
		if err == nil && !checked {
			// The first answer of each worker is checked in full, the
			// others by status and a look for "choices".
			err = checkCompletion(buf.Bytes())
			checked = err == nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return // interrupted, not a failure of the server
			}
			r.fail(err)
			continue
		}
		r.Requests++
		r.Hist.record(lat)
	}
}

func (r *loadResult) fail(err error) {
	r.Errors++
	if r.FirstError == "" {
		r.FirstError = err.Error()
	}
}

var choicesKey = []byte(`"choices"`)

// roundTrip sends req and reads the whole answer into buf; non-200 answers
// and answers without "choices" are errors.
func roundTrip(client *http.Client, req *http.Request, buf *bytes.Buffer) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		b := buf.Bytes()
		if len(b) > 200 {
			b = b[:200]
		}
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	if !bytes.Contains(buf.Bytes(), choicesKey) {
		return errors.New(`response has no "choices"`)
	}
	return nil
}

// checkCompletion checks that b is a chat completion with at least one
// choice holding a message.
func checkCompletion(b []byte) error {
	var c struct {
		Object  string `json:"object"`
		Choices []struct {
			Message *struct {
				Content *string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("response is not JSON: %w", err)
	}
	if len(c.Choices) == 0 || c.Choices[0].Message == nil || c.Choices[0].Message.Content == nil {
		return fmt.Errorf("response has no choice with a message: %.200s", b)
	}
	return nil
}

// drain closes idle connections of client.
func drain(client *http.Client) {
	if tr, ok := client.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}
