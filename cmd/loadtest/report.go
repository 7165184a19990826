package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// runResult is one row of the report.
type runResult struct {
	Scenario    string  `json:"scenario"`
	Concurrency int     `json:"concurrency"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	Seconds     float64 `json:"seconds"`
	RPS         float64 `json:"rps"`
	P50us       float64 `json:"p50_us"`
	P90us       float64 `json:"p90_us"`
	P99us       float64 `json:"p99_us"`
	MaxUs       float64 `json:"max_us"`
	MeanUs      float64 `json:"mean_us"`
	// CPUus is the proxy's CPU time per request, user and system (0: not
	// measured, as for the mock called directly).
	CPUus      float64 `json:"cpu_us_per_request,omitempty"`
	FirstError string  `json:"first_error,omitempty"`
}

type failure struct {
	Scenario string `json:"scenario"`
	Error    string `json:"error"`
}

// check is the outcome of a target: PASS, FAIL or SKIP.
type check struct {
	Status string `json:"status"`
	Text   string `json:"text"`
}

type report struct {
	Date        string            `json:"date"`
	GoVersion   string            `json:"go_version"`
	Platform    string            `json:"platform"`
	CPUs        int               `json:"cpus"`
	GenProcs    int               `json:"generator_gomaxprocs"`
	BodyBytes   int               `json:"request_body_bytes"`
	Model       string            `json:"model"`
	Duration    string            `json:"duration"`
	Warmup      string            `json:"warmup"`
	Rounds      int               `json:"rounds"`
	Concurrency []int             `json:"concurrency"`
	Scenarios   []string          `json:"scenarios"`
	Info        map[string]string `json:"info"`
	Results     []runResult       `json:"results"`
	Failures    []failure         `json:"failures"`
	Checks      []check           `json:"checks"`
}

func newReport(o *options, bodyBytes int) *report {
	return &report{
		Date:        time.Now().UTC().Format(time.RFC3339),
		GoVersion:   runtime.Version(),
		Platform:    runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:        runtime.NumCPU(),
		GenProcs:    runtime.GOMAXPROCS(0),
		BodyBytes:   bodyBytes,
		Model:       o.model,
		Duration:    o.duration.String(),
		Warmup:      o.warmup.String(),
		Rounds:      o.rounds,
		Concurrency: o.concurrency,
		Scenarios:   o.scenarios,
		Info:        map[string]string{},
		Results:     []runResult{},
		Failures:    []failure{},
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func (r *report) add(scenario string, concurrency int, res *loadResult) {
	h := res.Hist
	r.Results = append(r.Results, runResult{
		Scenario:    scenario,
		Concurrency: concurrency,
		Requests:    res.Requests,
		Errors:      res.Errors,
		Seconds:     res.Elapsed.Seconds(),
		RPS:         res.rps(),
		P50us:       us(h.percentile(50)),
		P90us:       us(h.percentile(90)),
		P99us:       us(h.percentile(99)),
		MaxUs:       us(time.Duration(h.max)),
		MeanUs:      us(h.mean()),
		CPUus:       cpuPerRequest(res),
		FirstError:  res.FirstError,
	})
}

func cpuPerRequest(res *loadResult) float64 {
	if res.CPU <= 0 || res.Requests+res.Errors == 0 {
		return 0
	}
	return us(res.CPU) / float64(res.Requests+res.Errors)
}

func (r *report) fail(scenario, err string) {
	r.Failures = append(r.Failures, failure{Scenario: scenario, Error: err})
}

func (r *report) find(scenario string, concurrency int) *runResult {
	for i := range r.Results {
		if x := &r.Results[i]; x.Scenario == scenario && x.Concurrency == concurrency && x.Requests > 0 {
			return x
		}
	}
	return nil
}

// Targets: the core pipeline (the foundation's quickstart pipeline: three
// Wasm plugins) adds at most 100 µs to nginx's median latency at
// concurrency 1, and keeps 80% of nginx's throughput at 16. The quickstart
// as it is now (more plugins, each with its own budget) is reported beside.
const (
	targetLatencyC      = 1
	targetLatencySlack  = 100.0 // µs
	targetThroughputC   = 16
	targetThroughputMin = 0.8
)

func (r *report) evaluate() {
	r.Checks = nil
	name := fmt.Sprintf("core p50 at c=%d <= nginx p50 + %.0f µs", targetLatencyC, targetLatencySlack)
	q, n := r.find("core", targetLatencyC), r.find("nginx", targetLatencyC)
	if q == nil || n == nil {
		r.Checks = append(r.Checks, check{"SKIP", name + ": " + missing(q, n, targetLatencyC)})
	} else {
		limit := n.P50us + targetLatencySlack
		r.Checks = append(r.Checks, check{passFail(q.P50us <= limit),
			fmt.Sprintf("%s: %.0f µs vs limit %.0f µs (nginx %.0f µs)", name, q.P50us, limit, n.P50us)})
	}
	name = fmt.Sprintf("core throughput at c=%d >= %.1f × nginx", targetThroughputC, targetThroughputMin)
	q, n = r.find("core", targetThroughputC), r.find("nginx", targetThroughputC)
	if q == nil || n == nil {
		r.Checks = append(r.Checks, check{"SKIP", name + ": " + missing(q, n, targetThroughputC)})
	} else {
		limit := n.RPS * targetThroughputMin
		r.Checks = append(r.Checks, check{passFail(q.RPS >= limit),
			fmt.Sprintf("%s: %.0f req/s vs limit %.0f req/s (nginx %.0f req/s)", name, q.RPS, limit, n.RPS)})
	}
}

func missing(q, n *runResult, c int) string {
	var m []string
	if q == nil {
		m = append(m, "core")
	}
	if n == nil {
		m = append(m, "nginx")
	}
	return fmt.Sprintf("no %s result at concurrency %d", strings.Join(m, " and "), c)
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# wasmgate load test")
	p("")
	p("- Date: %s; %s, %s, %d CPUs; load generator GOMAXPROCS=%d.", r.Date, r.GoVersion, r.Platform, r.CPUs, r.GenProcs)
	p("- Note: the load generator, the proxy under test and the mock provider all run on this machine and compete for its %d CPUs; compare the scenarios with each other rather than reading the numbers as capacity.", r.CPUs)
	p("- Request: POST /v1/chat/completions, model %s, %d-byte body (system prompt and 5 turns), not streamed, over keep-alive connections; every answer must be 200 with choices.", r.Model, r.BodyBytes)
	p("- proxy CPU µs/req: user and system CPU time of the proxy under test (all its processes) per request during the run; it holds when the machine is busy, where throughput and latency do not.")
	p("- Each run: %s of load after %s of warmup, concurrency %s.", r.Duration, r.Warmup, joinInts(r.Concurrency))
	if r.Rounds > 1 {
		p("- %d rounds, the scenarios interleaved in each; every row is the round with the median throughput.", r.Rounds)
	}
	p("- Scenarios:")
	for _, s := range r.Scenarios {
		line := fmt.Sprintf("  - %s: %s", s, scenarioDescriptions[s])
		if info := r.Info[s]; info != "" {
			line += " (" + info + ")"
		}
		p("%s", line)
	}
	p("")
	p("| scenario | concurrency | requests | rps | p50 µs | p90 µs | p99 µs | max µs | errors | proxy CPU µs/req |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, x := range r.Results {
		cpu := "–"
		if x.CPUus > 0 {
			cpu = fmt.Sprintf("%.0f", x.CPUus)
		}
		p("| %s | %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %d | %s |", x.Scenario, x.Concurrency, x.Requests, x.RPS, x.P50us, x.P90us, x.P99us, x.MaxUs, x.Errors, cpu)
	}
	var errs []string
	for _, x := range r.Results {
		if x.Errors > 0 && x.FirstError != "" {
			errs = append(errs, fmt.Sprintf("- %s, concurrency %d: %d errors, first: %s", x.Scenario, x.Concurrency, x.Errors, oneLine(x.FirstError)))
		}
	}
	if len(errs) > 0 {
		p("")
		p("Errors:")
		p("")
		for _, e := range errs {
			p("%s", e)
		}
	}
	p("")
	p("## Targets")
	p("")
	p("```")
	for _, c := range r.Checks {
		p("%s %s", c.Status, c.Text)
	}
	p("```")
	if len(r.Failures) > 0 {
		p("")
		p("## Scenarios that could not run")
		p("")
		for _, f := range r.Failures {
			p("- %s: %s", f.Scenario, indent(f.Error))
		}
	}
	return b.String()
}

func (r *report) json() []byte {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// indent keeps a multi-line message inside its list item.
func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if !strings.Contains(s, "\n") {
		return s
	}
	return "\n\n  ```\n  " + strings.ReplaceAll(s, "\n", "\n  ") + "\n  ```"
}
