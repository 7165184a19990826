// Command failover-load checks that wasmgate keeps serving while one of
// three upstreams is down. It starts two mock providers and names a third
// address where nothing listens, runs the gateway in-process with the router
// spreading requests evenly over the three (with retries, fallbacks and a
// circuit breaker per provider), and sends chat requests at a steady rate.
// It reports the success rate, latencies, attempts per request and, per
// time slice, how many provider requests still went to the dead upstream:
// once its breaker is open only the half-open probes should.
//
// Usage:
//
//	failover-load --plugins build/plugins [--rate 200] [--duration 60s] [--out report.md]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
	"github.com/wasmgate/wasmgate/core/gateway"
	"github.com/wasmgate/wasmgate/core/metrics"
	"github.com/wasmgate/wasmgate/core/mockprovider"
	"github.com/wasmgate/wasmgate/core/server"
)

const configTemplate = `
server: {listen: "127.0.0.1:0"}
dispatch: {retries: 1, backoff: 20ms, max_backoff: 200ms, max_attempts: 4}
plugins:
  router: {source: %[1]q, pool: {size: 64, prewarm: 4}}
providers:
  up1: {base_url: %[2]q, timeout: 5s, breaker: {failures: 5, open_for: %[5]s}}
  up2: {base_url: %[3]q, timeout: 5s, breaker: {failures: 5, open_for: %[5]s}}
  dead: {base_url: %[4]q, timeout: 5s, breaker: {failures: 5, open_for: %[5]s}}
models:
  - {id: gpt-4o-mini, provider: up1}
pipelines:
  routed:
    - plugin: router
      config:
        rules:
          - strategy: weighted
            targets: [{provider: dead}, {provider: up1}, {provider: up2}]
routes:
  - {pipeline: routed, models: ["*"]}
`

func main() {
	plugins := flag.String("plugins", filepath.FromSlash("build/plugins"), "folder of the built plugins (router.wasm)")
	rate := flag.Int("rate", 200, "requests per second")
	duration := flag.Duration("duration", 60*time.Second, "how long to send")
	openFor := flag.Duration("open-for", 5*time.Second, "breaker open_for of each provider")
	out := flag.String("out", "", "also write the report to this file")
	flag.Parse()
	if err := run(*plugins, *rate, *duration, *openFor, *out); err != nil {
		fmt.Fprintln(os.Stderr, "failover-load:", err)
		os.Exit(1)
	}
}

type sample struct {
	at       time.Duration // since the start, when sent
	latency  time.Duration
	status   int
	attempts int
	provider string
	err      bool
}

func run(plugins string, rate int, duration, openFor time.Duration, out string) error {
	router, err := filepath.Abs(filepath.Join(plugins, "router.wasm"))
	if err != nil {
		return err
	}
	if _, err := os.Stat(router); err != nil {
		return fmt.Errorf("%w (run `make plugins`)", err)
	}
	up1, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{})
	if err != nil {
		return err
	}
	defer up1.Close()
	up2, err := mockprovider.Start("127.0.0.1:0", mockprovider.Options{})
	if err != nil {
		return err
	}
	defer up2.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	dead := "http://" + ln.Addr().String() + "/v1"
	ln.Close() // nothing listens there: connection refused

	raw := fmt.Sprintf(configTemplate, router, up1.URL(), up2.URL(), dead, openFor)
	cfg, err := config.Parse([]byte(raw), os.TempDir())
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := metrics.New()
	gw, err := gateway.New(gateway.Options{Logger: logger, Metrics: m})
	if err != nil {
		return err
	}
	ctx := context.Background()
	defer gw.Close(ctx)
	if err := gw.Reload(ctx, cfg); err != nil {
		return err
	}
	srv := server.New(gw, cfg.Server, m, logger)
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(gln)
	defer srv.Shutdown(ctx)
	url := "http://" + gln.Addr().String() + "/v1/chat/completions"

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	body := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello from the failover load test."}]}`
	var (
		mu      sync.Mutex
		samples []sample
		wg      sync.WaitGroup
		sent    atomic.Int64
	)
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	deadAttempts := []float64{}
	tick := time.NewTicker(interval)
	probe := time.NewTicker(time.Second)
	stop := time.After(duration)
loop:
	for {
		select {
		case <-stop:
			break loop
		case <-probe.C:
			deadAttempts = append(deadAttempts, counter(m, "wasmgate_upstream_attempts_total", "dead"))
		case <-tick.C:
			sent.Add(1)
			wg.Add(1)
			go func(at time.Duration) {
				defer wg.Done()
				t := time.Now()
				s := sample{at: at}
				resp, err := client.Post(url, "application/json", strings.NewReader(body))
				if err != nil {
					s.err = true
				} else {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					s.status = resp.StatusCode
					s.attempts, _ = strconv.Atoi(resp.Header.Get("X-Wasmgate-Attempts"))
					s.provider = resp.Header.Get("X-Wasmgate-Provider")
				}
				s.latency = time.Since(t)
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
			}(time.Since(start))
		}
	}
	tick.Stop()
	probe.Stop()
	wg.Wait()
	elapsed := time.Since(start)
	deadAttempts = append(deadAttempts, counter(m, "wasmgate_upstream_attempts_total", "dead"))

	report := render(samples, deadAttempts, rate, duration, elapsed, openFor, counter(m, "wasmgate_breaker_transitions_total", "dead"))
	fmt.Print(report)
	if out != "" {
		return os.WriteFile(out, []byte(report), 0o644)
	}
	return nil
}

// counter sums a metric's series whose provider label is provider.
func counter(m *metrics.Metrics, name, provider string) float64 {
	families, _ := m.Registry.Gather()
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "provider" && l.GetValue() == provider {
					sum += s.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}

func render(samples []sample, deadAttempts []float64, rate int, duration, elapsed, openFor time.Duration, transitions float64) string {
	var b strings.Builder
	ok, errs := 0, 0
	var lat []time.Duration
	attempts := map[int]int{}
	providers := map[string]int{}
	for _, s := range samples {
		if s.status == http.StatusOK {
			ok++
			providers[s.provider]++
		} else {
			errs++
		}
		attempts[s.attempts]++
		lat = append(lat, s.latency)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	n := len(samples)
	fmt.Fprintf(&b, "## Failover: one of three upstreams down\n\n")
	fmt.Fprintf(&b, "Target rate %d rps for %s (sent %d in %s); router weighted evenly over `dead`, `up1`, `up2`; breaker `failures: 5, open_for: %s`; `retries: 1`.\n\n",
		rate, duration, n, elapsed.Round(time.Millisecond), openFor)
	fmt.Fprintf(&b, "| requests | success | errors | success rate | p50 | p90 | p99 | max |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %.3f %% | %s | %s | %s | %s |\n\n", n, ok, errs, 100*float64(ok)/float64(max(n, 1)),
		pct(0.5).Round(time.Microsecond), pct(0.9).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	keys := make([]int, 0, len(attempts))
	for k := range attempts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprintf(&b, "Attempts per request:")
	for _, k := range keys {
		fmt.Fprintf(&b, " %d: %d;", k, attempts[k])
	}
	fmt.Fprintf(&b, " served by: up1 %d, up2 %d, dead %d.\n\n", providers["up1"], providers["up2"], providers["dead"])
	total := deadAttempts[len(deadAttempts)-1]
	fmt.Fprintf(&b, "Provider requests sent to `dead`: %.0f in total (%.2f %% of requests); breaker transitions of `dead`: %.0f.\n\n",
		total, 100*total/float64(max(n, 1)), transitions)
	fmt.Fprintf(&b, "Requests to `dead` per 5 s (without a breaker about a third of all requests, %d per 5 s, would try it twice):\n\n", rate*5/3)
	fmt.Fprintf(&b, "| seconds | attempts on dead |\n| --- | --- |\n")
	prev := 0.0
	for i := 4; i < len(deadAttempts); i += 5 {
		fmt.Fprintf(&b, "| %d–%d | %.0f |\n", i-4, i+1, deadAttempts[i]-prev)
		prev = deadAttempts[i]
	}
	return b.String()
}
