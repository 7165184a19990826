package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the mock provider, as the real
// binary does when run as "loadtest mock-provider".
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "mock-provider" {
		os.Exit(mockMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.scenarios, ",") != "direct,nginx" || !slices.Equal(o.concurrency, []int{1, 16}) ||
		o.duration != 10*time.Second || o.warmup != time.Second || o.nginx != "/usr/sbin/nginx" || o.procs != 1 ||
		filepath.ToSlash(o.quickstart) != "examples/quickstart/wasmgate.yaml" {
		t.Errorf("defaults: %+v", o)
	}
	o, err = parseFlags([]string{"--wasmgate", "bin/wasmgate", "--concurrency", "2, 8,2", "--header", "Authorization: Bearer x", "-duration=3s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.scenarios, ",") != "direct,nginx,empty,core,quickstart" || !slices.Equal(o.concurrency, []int{2, 8}) ||
		o.headers.Get("Authorization") != "Bearer x" || o.duration != 3*time.Second {
		t.Errorf("parsed: %+v", o)
	}
	for _, bad := range [][]string{
		{"--scenarios", "empty"},
		{"--scenarios", "direct,bogus"},
		{"--concurrency", "0"},
		{"--concurrency", "a"},
		{"--duration", "0s"},
		{"--nginx-workers", "many"},
		{"--header", "no colon"},
		{"extra"},
	} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestGatewaySetup(t *testing.T) {
	env := gatewayEnv([]string{"PATH=/bin", "WASMGATE_SERVER__LISTEN=0.0.0.0:80"}, "127.0.0.1:1234", "http://127.0.0.1:9999/v1")
	cmd := exec.Command("true")
	cmd.Env = env
	got := map[string]string{}
	for _, kv := range cmd.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	if got["WASMGATE_SERVER__LISTEN"] != "127.0.0.1:1234" || got["WASMGATE_PROVIDERS__UPSTREAM__BASE_URL"] != "http://127.0.0.1:9999/v1" ||
		got["PATH"] != "/bin" {
		t.Errorf("env %v", got)
	}
	if v, ok := got["WASMGATE_MOCK_PROVIDER__LISTEN"]; !ok || v != "" {
		t.Errorf("mock provider listen override = %q, %v", v, ok)
	}

	cfg := emptyConfig("http://127.0.0.1:9999/v1")
	for _, want := range []string{`server: {listen: "127.0.0.1:0"}`, `upstream: {base_url: "http://127.0.0.1:9999/v1"}`,
		"- {id: gpt-4o-mini, provider: upstream}", "empty: []", `- {pipeline: empty, models: ["*"]}`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("empty config lacks %q:\n%s", want, cfg)
		}
	}
}

func TestReport(t *testing.T) {
	o, _ := parseFlags([]string{"--wasmgate", "x"}, io.Discard)
	r := newReport(o, 2048)
	add := func(s string, c int, rps float64, p50 float64) {
		r.Results = append(r.Results, runResult{Scenario: s, Concurrency: c, Requests: 100, RPS: rps, P50us: p50})
	}
	r.evaluate()
	if len(r.Checks) != 2 || r.Checks[0].Status != "SKIP" || r.Checks[1].Status != "SKIP" {
		t.Errorf("checks without results: %+v", r.Checks)
	}
	add("nginx", 1, 4000, 200)
	add("nginx", 16, 10000, 900)
	add("core", 1, 3000, 300)
	add("core", 16, 8000, 1200)
	r.evaluate()
	if r.Checks[0].Status != "PASS" || r.Checks[1].Status != "PASS" {
		t.Errorf("at the limits: %+v", r.Checks)
	}
	r.Results[2].P50us, r.Results[3].RPS = 300.5, 7999
	r.evaluate()
	if r.Checks[0].Status != "FAIL" || r.Checks[1].Status != "FAIL" {
		t.Errorf("beyond the limits: %+v", r.Checks)
	}
	r.fail("empty", "could not start\nsecond line")
	md := r.markdown()
	for _, want := range []string{
		"| scenario | concurrency | requests | rps | p50 µs | p90 µs | p99 µs | max µs | errors |",
		"| core | 16 | 100 | 7999 | 1200 |",
		"\nFAIL core p50 at c=1",
		"\nFAIL core throughput at c=16",
		"compete for its",
		"- empty: ",
		"  second line",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	var back report
	if err := json.Unmarshal(r.json(), &back); err != nil || len(back.Results) != 4 || len(back.Failures) != 1 {
		t.Errorf("json: %v %+v", err, back)
	}
}

func TestWaitReady(t *testing.T) {
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if polls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var ps procs
	defer ps.stopAll()
	dir := t.TempDir()
	sleeper := sleepProc(t, &ps, dir, "30")
	if err := waitReady(context.Background(), srv.URL, sleeper, 5*time.Second); err != nil || polls.Load() != 3 {
		t.Errorf("waitReady: %v after %d polls", err, polls.Load())
	}
	// Never ready: the timeout.
	start := time.Now()
	err := waitReady(context.Background(), "http://127.0.0.1:1/", sleeper, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "not ready") || time.Since(start) > 3*time.Second {
		t.Errorf("unreachable: %v", err)
	}
	// The process dies: reported with its output.
	quitter := sleepProc(t, &ps, dir, "0")
	err = waitReady(context.Background(), "http://127.0.0.1:1/", quitter, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "hello from sleeper") {
		t.Errorf("exited: %v", err)
	}
}

func sleepProc(t *testing.T, ps *procs, dir, secs string) *proc {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs sh")
	}
	p, err := ps.start("sleeper", filepath.Join(dir, "sleeper-"+secs+".log"), "/bin/sh", []string{"-c", "echo hello from sleeper; sleep " + secs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStopKillsProcessGroup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process groups")
	}
	var ps procs
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "grandchild.pid")
	// The grandchild ignores SIGTERM, so only the group SIGKILL stops it.
	p, err := ps.start("group", filepath.Join(dir, "group.log"), "/bin/sh",
		[]string{"-c", "sh -c 'trap \"\" TERM; sleep 60' & echo $! > " + pidFile + "; wait"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	for i := 0; i < 100 && pid == 0; i++ {
		time.Sleep(20 * time.Millisecond)
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if pid == 0 {
		t.Fatal("no grandchild")
	}
	start := time.Now()
	ps.stopAll()
	if !p.exited() || time.Since(start) > 6*time.Second {
		t.Errorf("child still running after %v", time.Since(start))
	}
	// The grandchild is gone (or a zombie waiting for init).
	for i := 0; i < 100; i++ {
		if err := syscall.Kill(pid, 0); err != nil || isZombie(pid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("grandchild %d still running", pid)
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, rest, _ := bytes.Cut(b, []byte(") "))
	return len(rest) > 0 && rest[0] == 'Z'
}

// TestRunEndToEnd runs the program against the mock provider (served by
// this test binary) and, when it is installed, nginx.
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	scenarios := "direct"
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		scenarios += ",nginx"
	}
	dir := t.TempDir()
	out, js := filepath.Join(dir, "bench.md"), filepath.Join(dir, "bench.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--scenarios", scenarios, "--duration", "300ms", "--warmup", "100ms", "--concurrency", "1,4", "--out", out, "--json", js}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	md, err := os.ReadFile(out)
	if err != nil || string(md) != stdout.String() {
		t.Errorf("--out file differs from standard output (%v)", err)
	}
	var rep report
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	want := 2 * len(strings.Split(scenarios, ","))
	if len(rep.Results) != want || len(rep.Failures) != 0 {
		t.Fatalf("%d results, failures %v", len(rep.Results), rep.Failures)
	}
	for _, r := range rep.Results {
		if r.Requests == 0 || r.Errors != 0 || r.P50us <= 0 {
			t.Errorf("bad result %+v", r)
		}
	}
	if !strings.Contains(stdout.String(), "SKIP core") {
		t.Errorf("no target lines:\n%s", stdout.String())
	}
}

func TestMedianRun(t *testing.T) {
	mk := func(n int64) *loadResult { return &loadResult{Requests: n, Elapsed: time.Second} }
	rs := []*loadResult{mk(300), mk(100), mk(200)}
	if got := medianRun(rs); got.Requests != 200 {
		t.Fatalf("median of 100, 200, 300 req/s: %d", got.Requests)
	}
	if rs[0].Requests != 300 {
		t.Fatal("medianRun reordered its input")
	}
	if got := medianRun(rs[:1]); got.Requests != 300 {
		t.Fatalf("median of one run: %d", got.Requests)
	}
}
