// Command loadtest measures the latency and throughput that wasmgate adds in
// front of a model provider, compared with calling the provider directly and
// with a bare nginx reverse proxy. It is what "make bench" runs.
//
// Every scenario sends the same ~2 KB non-streaming chat completion request
// to the deterministic mock provider (core/mockprovider), either directly or
// through a proxy:
//
//	direct      the mock provider itself
//	nginx       nginx as a plain keep-alive reverse proxy in front of the mock
//	empty       wasmgate serving the mock with an empty pipeline
//	core        wasmgate with the core pipeline: request-guard, system-prompt
//	            and the OpenAI adapter (the foundation's quickstart pipeline)
//	quickstart  wasmgate with the quickstart config as it is (examples/quickstart)
//
// Usage:
//
//	loadtest --wasmgate bin/wasmgate [--duration 10s] [--concurrency 1,16] [--out bench.md]
//
// The mock provider runs as "<wasmgate> mock-provider --listen ADDR"; without
// --wasmgate, loadtest runs it from its own binary ("loadtest mock-provider
// --listen ADDR") and only the direct and nginx scenarios are available.
// The report is a markdown table on standard output, followed by target
// checks (PASS/FAIL lines). The exit status is 0 when every scenario ran,
// whether or not the targets were met, 1 when a scenario could not run, 2
// on bad usage and 130 when interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wasmgate/wasmgate/core/mockprovider"
)

var allScenarios = []string{"direct", "nginx", "empty", "core", "quickstart"}

var scenarioDescriptions = map[string]string{
	"direct":     "the mock provider called directly",
	"nginx":      "nginx reverse proxy in front of the mock",
	"empty":      "wasmgate with an empty pipeline in front of the mock",
	"core":       "wasmgate with the core pipeline (request-guard, system-prompt, the OpenAI adapter: three Wasm plugins) in front of the mock",
	"quickstart": "wasmgate with the quickstart pipeline in front of the mock",
}

const readyTimeout = 60 * time.Second

type options struct {
	wasmgate     string
	quickstart   string
	plugins      string
	nginx        string
	nginxWorkers string
	scenarios    []string
	explicit     bool // scenarios were given with --scenarios
	duration     time.Duration
	warmup       time.Duration
	rounds       int
	concurrency  []int
	maxRequests  int64
	timeout      time.Duration
	procs        int
	model        string
	headers      http.Header
	out          string
	jsonOut      string
}

type headerFlag struct{ h http.Header }

func (f *headerFlag) String() string { return "" }

func (f *headerFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(k) == "" {
		return errors.New(`want "Name: value"`)
	}
	f.h.Add(strings.TrimSpace(k), strings.TrimSpace(val))
	return nil
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{headers: http.Header{}}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.wasmgate, "wasmgate", "", "path of the built wasmgate binary (gateway scenarios; also runs the mock provider)")
	fs.StringVar(&o.quickstart, "quickstart", filepath.FromSlash("examples/quickstart/wasmgate.yaml"), "config of the quickstart scenario")
	fs.StringVar(&o.plugins, "plugins", filepath.FromSlash("build/plugins"), "folder of the built first-party plugins (core scenario)")
	fs.StringVar(&o.nginx, "nginx", "/usr/sbin/nginx", "path of the nginx binary")
	fs.StringVar(&o.nginxWorkers, "nginx-workers", "auto", `nginx worker_processes: a number or "auto"`)
	scenarios := fs.String("scenarios", "", "comma-separated scenarios among "+strings.Join(allScenarios, ",")+" (default: all; direct,nginx without --wasmgate)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario and concurrency")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each measured run")
	fs.IntVar(&o.rounds, "rounds", 1, "rounds over all scenarios, interleaved; each figure is the round with the median throughput")
	conc := fs.String("concurrency", "1,16", "comma-separated numbers of concurrent clients")
	fs.Int64Var(&o.maxRequests, "max-requests", 10_000_000, "upper bound on requests per run")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.IntVar(&o.procs, "procs", 1, "GOMAXPROCS of the load generator (0: leave the default)")
	fs.StringVar(&o.model, "model", "gpt-4o-mini", "model of the chat completion requests")
	fs.Var(&headerFlag{o.headers}, "header", `extra request header "Name: value" (repeatable)`)
	fs.StringVar(&o.out, "out", "", "also write the markdown report to this file")
	fs.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: loadtest [flags]\n       loadtest mock-provider [--listen ADDR]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var err error
	if o.concurrency, err = parseConcurrency(*conc); err != nil {
		return nil, err
	}
	if o.duration <= 0 || o.warmup < 0 || o.timeout <= 0 || o.maxRequests <= 0 || o.procs < 0 || o.rounds < 1 {
		return nil, errors.New("--duration, --timeout and --max-requests must be positive, --warmup and --procs not negative")
	}
	if o.nginxWorkers != "auto" {
		if n, err := strconv.Atoi(o.nginxWorkers); err != nil || n < 1 {
			return nil, fmt.Errorf("--nginx-workers %q: want a positive number or auto", o.nginxWorkers)
		}
	}
	switch {
	case *scenarios != "":
		o.explicit = true
		for _, s := range strings.Split(*scenarios, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(allScenarios, s) {
				return nil, fmt.Errorf("unknown scenario %q (known: %s)", s, strings.Join(allScenarios, ","))
			}
			if !slices.Contains(o.scenarios, s) {
				o.scenarios = append(o.scenarios, s)
			}
		}
	case o.wasmgate != "":
		o.scenarios = allScenarios
	default:
		o.scenarios = []string{"direct", "nginx"}
	}
	if o.wasmgate == "" && (slices.Contains(o.scenarios, "empty") || slices.Contains(o.scenarios, "core") || slices.Contains(o.scenarios, "quickstart")) {
		return nil, errors.New("the empty, core and quickstart scenarios need --wasmgate")
	}
	return o, nil
}

func parseConcurrency(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 10000 {
			return nil, fmt.Errorf("--concurrency: %q is not a number between 1 and 10000", f)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "mock-provider" {
		os.Exit(mockMain(os.Args[2:]))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// mockMain serves the mock provider, with the command line of
// "wasmgate mock-provider", for runs without a wasmgate binary.
func mockMain(args []string) int {
	fs := flag.NewFlagSet("loadtest mock-provider", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9099", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := mockprovider.ListenAndServe(ctx, *listen, mockprovider.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "mock-provider:", err)
		return 1
	}
	return 0
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	if o.procs > 0 {
		runtime.GOMAXPROCS(o.procs)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b, err := newBench(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 1
	}
	defer b.close()

	rep := b.runAll(ctx)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "loadtest: interrupted")
		return 130
	}
	md := rep.markdown()
	fmt.Fprint(stdout, md)
	status := 0
	if len(rep.Failures) > 0 {
		status = 1
	}
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			status = 1
		}
	}
	if o.jsonOut != "" {
		if err := os.WriteFile(o.jsonOut, rep.json(), 0o644); err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			status = 1
		}
	}
	return status
}

// bench holds the state of one load test: its temporary directory, the
// children it started and the shared mock provider.
type bench struct {
	o       *options
	log     io.Writer
	dir     string
	procs   procs
	body    []byte
	mock    *proc
	mockURL string // http://127.0.0.1:port
}

func newBench(o *options, log io.Writer) (*bench, error) {
	dir, err := os.MkdirTemp("", "wasmgate-loadtest-")
	if err != nil {
		return nil, err
	}
	// nginx workers may run as another user and must reach their temp dirs.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &bench{o: o, log: log, dir: dir, body: chatBody(o.model)}, nil
}

// close stops every child and removes the temporary directory.
func (b *bench) close() {
	b.procs.stopAll()
	os.RemoveAll(b.dir)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "loadtest: "+format+"\n", args...)
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls url until it answers 200, p exits, ctx is done or the
// timeout passes.
func waitReady(ctx context.Context, url string, p *proc, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		if p.exited() {
			return fmt.Errorf("%s exited before it was ready (%v); its output:\n%s", p.name, p.waitErr, p.logTail(20))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready: GET %s did not answer 200 within %v (last: %v); its output:\n%s", p.name, url, timeout, last, p.logTail(20))
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// startMock starts the mock provider all scenarios share.
func (b *bench) startMock(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	bin := b.o.wasmgate
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return err
		}
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p, err := b.procs.start("mock provider", filepath.Join(b.dir, "mock.log"), bin, []string{"mock-provider", "--listen", addr}, nil)
	if err != nil {
		return err
	}
	b.mock = p
	b.mockURL = "http://" + addr
	return waitReady(ctx, b.mockURL+"/v1/models", p, readyTimeout)
}

// target is a server under test, started for one scenario.
type target struct {
	url  string // chat completions URL
	proc *proc  // nil for the mock itself
	info string // for the report
}

func (b *bench) startTarget(ctx context.Context, scenario string) (*target, error) {
	switch scenario {
	case "direct":
		return &target{url: b.mockURL + "/v1/chat/completions"}, nil
	case "nginx":
		return b.startNginx(ctx)
	case "empty":
		cfg := filepath.Join(b.dir, "empty.yaml")
		if err := os.WriteFile(cfg, []byte(emptyConfig(b.mockURL+"/v1")), 0o644); err != nil {
			return nil, err
		}
		return b.startGateway(ctx, "empty", cfg, "")
	case "core":
		plugins, err := filepath.Abs(b.o.plugins)
		if err != nil {
			return nil, err
		}
		for _, p := range corePlugins {
			if _, err := os.Stat(filepath.Join(plugins, p+".wasm")); err != nil {
				return nil, fmt.Errorf("core scenario: %w (run make plugins)", err)
			}
		}
		cfg := filepath.Join(b.dir, "core.yaml")
		if err := os.WriteFile(cfg, []byte(coreConfig(b.mockURL+"/v1", plugins)), 0o644); err != nil {
			return nil, err
		}
		return b.startGateway(ctx, "core", cfg, "plugins from "+filepath.ToSlash(b.o.plugins))
	case "quickstart":
		if _, err := os.Stat(b.o.quickstart); err != nil {
			return nil, fmt.Errorf("quickstart config: %w", err)
		}
		return b.startGateway(ctx, "quickstart", b.o.quickstart, "config "+filepath.ToSlash(b.o.quickstart))
	}
	return nil, fmt.Errorf("unknown scenario %q", scenario)
}

// emptyConfig is the gateway config of the empty scenario.
func emptyConfig(upstream string) string {
	return `# Generated by cmd/loadtest: wasmgate with an empty pipeline.
server: {listen: "127.0.0.1:0"}
providers:
  upstream: {base_url: "` + upstream + `"}
models:
  - {id: gpt-4o-mini, provider: upstream}
pipelines:
  empty: []
routes:
  - {pipeline: empty, models: ["*"]}
`
}

// corePlugins are the plugins of the core scenario, in pipeline order (the
// adapter last): the quickstart pipeline of the foundation.
var corePlugins = []string{"request-guard", "system-prompt", "openai"}

// coreConfig is the gateway config of the core scenario: the foundation's
// quickstart pipeline, with the quickstart's settings for these plugins.
func coreConfig(upstream, plugins string) string {
	return `# Generated by cmd/loadtest: the core pipeline (three Wasm plugins).
server: {listen: "127.0.0.1:0", max_body_bytes: 4MiB}
plugins:
  openai: {source: "` + filepath.ToSlash(filepath.Join(plugins, "openai.wasm")) + `", limits: {timeout: 100ms, max_output_bytes: 8MiB}, pool: {size: 32, prewarm: 2}}
  request-guard: {source: "` + filepath.ToSlash(filepath.Join(plugins, "request-guard.wasm")) + `", pool: {size: 32, prewarm: 2}}
  system-prompt: {source: "` + filepath.ToSlash(filepath.Join(plugins, "system-prompt.wasm")) + `", limits: {max_output_bytes: 8MiB}, pool: {size: 32, prewarm: 2}}
providers:
  upstream: {base_url: "` + upstream + `", adapter: openai, timeout: 120s}
models:
  - {id: gpt-4o-mini, provider: upstream}
pipelines:
  core:
    - {plugin: request-guard, on_error: fail_closed, config: {max_tokens: 4096, max_messages: 200, max_prompt_bytes: 1000000}}
    - {plugin: system-prompt, on_error: fail_open, config: {prompt: "You are a helpful assistant. Answer briefly."}}
routes:
  - {pipeline: core, models: ["*"]}
`
}

// gatewayEnv returns the environment of a gateway child: listen on addr,
// send the "upstream" provider to the mock, and do not start the in-process
// mock provider of the quickstart.
func gatewayEnv(base []string, addr, upstream string) []string {
	return append(slices.Clip(base),
		"WASMGATE_SERVER__LISTEN="+addr,
		"WASMGATE_PROVIDERS__UPSTREAM__BASE_URL="+upstream,
		"WASMGATE_MOCK_PROVIDER__LISTEN=",
	)
}

func (b *bench) startGateway(ctx context.Context, name, config, info string) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := gatewayEnv(os.Environ(), addr, b.mockURL+"/v1")
	p, err := b.procs.start("wasmgate ("+name+")", filepath.Join(b.dir, "wasmgate-"+name+".log"), b.o.wasmgate, []string{"serve", "-c", config}, env)
	if err != nil {
		return nil, err
	}
	base := "http://" + addr
	if err := waitReady(ctx, base+"/readyz", p, readyTimeout); err != nil {
		b.procs.stop(p)
		return nil, err
	}
	return &target{url: base + "/v1/chat/completions", proc: p, info: info}, nil
}

func (b *bench) startNginx(ctx context.Context) (*target, error) {
	version, missing, err := nginxVersion(b.o.nginx)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.dir, "nginx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	conf := nginxConfig{
		Dir:          dir,
		Listen:       addr,
		Upstream:     strings.TrimPrefix(b.mockURL, "http://"),
		Workers:      b.o.nginxWorkers,
		OmitModules:  missing,
		KeepaliveMax: 64,
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf.render()), 0o644); err != nil {
		return nil, err
	}
	args := []string{"-p", dir + string(filepath.Separator), "-c", confPath, "-e", filepath.Join(dir, "error.log")}
	p, err := b.procs.start("nginx", filepath.Join(dir, "stderr.log"), b.o.nginx, args, nil)
	if err != nil {
		return nil, err
	}
	base := "http://" + addr
	if err := waitReady(ctx, base+"/v1/models", p, readyTimeout); err != nil {
		b.procs.stop(p)
		if tail, rerr := os.ReadFile(filepath.Join(dir, "error.log")); rerr == nil && len(tail) > 0 {
			err = fmt.Errorf("%w\nerror.log:\n%s", err, lastLines(string(tail), 10))
		}
		return nil, err
	}
	return &target{url: base + "/v1/chat/completions", proc: p, info: version + ", worker_processes " + b.o.nginxWorkers}, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// runAll runs every scenario at every concurrency and returns the report.
func (b *bench) runAll(ctx context.Context) *report {
	rep := newReport(b.o, len(b.body))
	b.logf("starting the mock provider")
	if err := b.startMock(ctx); err != nil {
		for _, s := range b.o.scenarios {
			rep.fail(s, "mock provider: "+err.Error())
		}
		return rep
	}
	runs := len(b.o.scenarios) * len(b.o.concurrency) * b.o.rounds
	b.logf("%d runs of %v (+%v warmup): about %v", runs, b.o.duration, b.o.warmup, time.Duration(runs)*(b.o.duration+b.o.warmup))
	// Every target runs for the whole test, and the rounds interleave the
	// scenarios, so that drift in the machine's load (it is shared with the
	// generator and the mock) falls on all of them alike.
	var targets []*target
	var names []string
	for _, s := range b.o.scenarios {
		if ctx.Err() != nil {
			break
		}
		if b.mock.exited() {
			rep.fail(s, fmt.Sprintf("the mock provider exited (%v); its output:\n%s", b.mock.waitErr, b.mock.logTail(20)))
			continue
		}
		b.logf("scenario %s: starting", s)
		t, err := b.startTarget(ctx, s)
		if err != nil {
			if ctx.Err() == nil {
				b.logf("scenario %s could not run: %v", s, err)
				rep.fail(s, err.Error())
			}
			continue
		}
		if t.info != "" {
			rep.Info[s] = t.info
		}
		targets, names = append(targets, t), append(names, s)
	}
	defer func() {
		for _, t := range targets {
			if t.proc != nil {
				b.procs.stop(t.proc)
			}
		}
	}()
	type key struct {
		s string
		c int
	}
	results := map[key][]*loadResult{}
	failed := map[key]bool{}
	for round := 1; round <= b.o.rounds && ctx.Err() == nil; round++ {
		for _, c := range b.o.concurrency {
			for i, t := range targets {
				s := names[i]
				if ctx.Err() != nil || failed[key{s, c}] {
					continue
				}
				res, err := b.measure(ctx, t, c)
				if ctx.Err() != nil {
					break
				}
				if err != nil {
					b.logf("scenario %s, concurrency %d: %v", s, c, err)
					rep.fail(s, fmt.Sprintf("concurrency %d: %v", c, err))
					rep.add(s, c, res)
					failed[key{s, c}] = true
					continue
				}
				b.logf("round %d, scenario %s, concurrency %d: %.0f req/s, p50 %v, %d errors", round, s, c, res.rps(), res.Hist.percentile(50), res.Errors)
				results[key{s, c}] = append(results[key{s, c}], res)
			}
		}
	}
	for _, c := range b.o.concurrency {
		for _, s := range names {
			if rs := results[key{s, c}]; len(rs) > 0 && !failed[key{s, c}] {
				rep.add(s, c, medianRun(rs))
			}
		}
	}
	rep.evaluate()
	return rep
}

// medianRun is the run with the median throughput.
func medianRun(rs []*loadResult) *loadResult {
	sorted := append([]*loadResult(nil), rs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].rps() < sorted[j].rps() })
	return sorted[len(sorted)/2]
}

// measure runs the warmup and then the measured load against t.
func (b *bench) measure(ctx context.Context, t *target, concurrency int) (*loadResult, error) {
	client := newClient(concurrency, b.o.timeout)
	defer drain(client)
	cfg := loadConfig{
		URL:         t.url,
		Body:        b.body,
		Header:      b.o.headers,
		Concurrency: concurrency,
		MaxRequests: b.o.maxRequests,
		Timeout:     b.o.timeout,
	}
	if b.o.warmup > 0 {
		cfg.Duration = b.o.warmup
		runLoad(ctx, client, cfg)
	}
	cfg.Duration = b.o.duration
	var before time.Duration
	var measured bool
	if t.proc != nil {
		before, measured = groupCPU(t.proc.cmd.Process.Pid)
	}
	res := runLoad(ctx, client, cfg)
	if measured {
		if after, ok := groupCPU(t.proc.cmd.Process.Pid); ok && after >= before {
			res.CPU = after - before
		}
	}
	if t.proc != nil && t.proc.exited() {
		return res, fmt.Errorf("%s exited during the run (%v); its output:\n%s", t.proc.name, t.proc.waitErr, t.proc.logTail(20))
	}
	if res.Requests == 0 {
		return res, fmt.Errorf("no successful request (%d errors; first: %s)", res.Errors, res.FirstError)
	}
	return res, nil
}
