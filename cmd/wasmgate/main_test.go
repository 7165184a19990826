package main_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/testnet"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasmgate-cli-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "wasmgate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building wasmgate: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// gatewayProc is a running `wasmgate serve`.
type gatewayProc struct {
	cmd    *exec.Cmd
	url    string
	logs   *lockedBuf
	exited chan error
}

func serve(t *testing.T, cfg string, env ...string) *gatewayProc {
	t.Helper()
	addr := testnet.FreeAddr(t)
	cmd := exec.Command(bin, "serve", "-c", cfg)
	cmd.Env = append(os.Environ(), append(env, "WASMGATE_SERVER__LISTEN="+addr, "XDG_CACHE_HOME="+cacheHome)...)
	logs := &lockedBuf{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &gatewayProc{cmd: cmd, url: "http://" + addr, logs: logs, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.exited })
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("gateway exited (%v); log:\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gateway not ready in 90s (plugins compile on first start; a busy machine is slow); log:\n%s", logs.String())
	return nil
}

var cacheHome = filepath.Join(os.TempDir(), "wasmgate-cli-test-cache")

func chat(t *testing.T, url, model string, stream bool) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"model":%q,"stream":%v,"messages":[{"role":"user","content":"Hello, wasmgate!"}]}`, model, stream)
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// firstPartyPlugins lists the plugins under plugins/ that have a README
// (the test guests have none).
func firstPartyPlugins(t *testing.T) []string {
	readmes, _ := filepath.Glob(filepath.Join("..", "..", "plugins", "*", "README.md"))
	var plugins []string
	for _, r := range readmes {
		plugins = append(plugins, filepath.Base(filepath.Dir(r)))
	}
	if len(plugins) < 3 {
		t.Fatalf("found %d plugin READMEs, want every first-party plugin's", len(plugins))
	}
	return plugins
}

// quickstart copies the quickstart config, unchanged, into a tree laid out
// like the repository: freshly built plugins packed, signed with a new
// registry/keys/dev key and published into registry/first-party (as `make
// registry` does), then installed with `wasmgate plugin install`. The
// environment moves its mock provider to a free port.
func quickstart(t *testing.T) (file string, env []string) {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"build/plugins", "registry/keys", "examples/quickstart"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run(t, root, "plugin", "keygen", "registry/keys/dev")
	for _, p := range firstPartyPlugins(t) {
		wasm := filepath.Join("build", "plugins", p+".wasm")
		os.WriteFile(filepath.Join(root, wasm), testwasm.GoPluginBytes(t, p), 0o644)
		manifestDir, _ := filepath.Abs(filepath.Join("../../plugins", p))
		pkg := filepath.Join("build", p+".wgpkg")
		run(t, root, "plugin", "pack", manifestDir, "--wasm", wasm, "--key", "registry/keys/dev.key", "-o", pkg)
		run(t, root, "plugin", "publish", pkg, "--to", "registry/first-party")
	}
	src, err := os.ReadFile("../../examples/quickstart/wasmgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(root, "examples", "quickstart", "wasmgate.yaml")
	os.WriteFile(file, src, 0o644)
	run(t, root, "plugin", "install", "-c", file)
	mock := testnet.FreeAddr(t)
	return file, []string{"WASMGATE_MOCK_PROVIDER__LISTEN=" + mock, "WASMGATE_PROVIDERS__UPSTREAM__BASE_URL=http://" + mock + "/v1",
		"WASMGATE_PROVIDERS__BACKUP__BASE_URL=http://" + mock + "/v1"}
}

// run runs the wasmgate binary in dir and fails the test if it fails.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := runErr(dir, args...)
	if err != nil {
		t.Fatalf("wasmgate %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func runErr(dir string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cacheHome)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestQuickstart is the README's curl against `wasmgate serve` with the
// quickstart config: a completion, and the same as a stream.
func TestQuickstart(t *testing.T) {
	file, env := quickstart(t)
	g := serve(t, file, env...)
	status, body := chat(t, g.url, "gpt-4o-mini", false)
	if status != 200 || !strings.Contains(body, `"content":"Mock reply to: Hello, wasmgate!"`) {
		t.Fatalf("%d %s", status, body)
	}
	status, body = chat(t, g.url, "gpt-4o-mini", true)
	if status != 200 || !strings.HasPrefix(body, "data: {") || !strings.HasSuffix(body, "data: [DONE]\n\n") || !strings.Contains(body, `"usage"`) {
		t.Fatalf("stream: %d %s", status, body)
	}
	if status, body = chat(t, g.url, "gpt-5-nope", false); status != 404 {
		t.Fatalf("unknown model: %d %s", status, body)
	}
	// Routing: an alias, and a fallback from upstream to backup.
	if status, body = chat(t, g.url, "fast", false); status != 200 || !strings.Contains(body, `"model":"gpt-4o-mini"`) {
		t.Fatalf("alias: %d %s", status, body)
	}
	resp, err := http.Post(g.url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"demo-fallback","messages":[{"role":"user","content":"Hello, wasmgate!"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Wasmgate-Provider") != "backup" || resp.Header.Get("X-Wasmgate-Attempts") != "3" {
		t.Fatalf("fallback: %d %v %s", resp.StatusCode, resp.Header, b)
	}
}

func TestValidate(t *testing.T) {
	file, env := quickstart(t)
	cmd := exec.Command(bin, "validate", "-c", file)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil || !regexp.MustCompile(`: ok \(\d+ plugins, 1 pipelines, 2 models\)`).Match(out) {
		t.Fatalf("validate quickstart: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("server: {lisen: x}\nproviders: {}\n"), 0o644)
	out, err = exec.Command(bin, "validate", "-c", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "server.lisen: unknown key") {
		t.Fatalf("validate bad file: %v\n%s", err, out)
	}
}

// TestFileReload edits the config of a running gateway: the new pipeline
// takes over; a broken edit leaves it running and is logged.
func TestFileReload(t *testing.T) {
	dir := t.TempDir()
	for _, g := range []string{"noop", "respond"} {
		b := testwasm.GoPluginBytes(t, "testguests/"+g)
		os.WriteFile(filepath.Join(dir, g+".wasm"), b, 0o644)
	}
	mock := testnet.FreeAddr(t)
	conf := `
mock_provider: {listen: "` + mock + `"}
plugins:
  noop: {source: noop.wasm}
  respond: {source: respond.wasm}
providers:
  up: {base_url: "http://` + mock + `/v1"}
models: [{id: m, provider: up}]
pipelines:
  main: [{plugin: noop}]
routes: [{pipeline: main}]
`
	file := filepath.Join(dir, "wasmgate.yaml")
	os.WriteFile(file, []byte(conf), 0o644)
	g := serve(t, file)
	if status, body := chat(t, g.url, "m", false); status != 200 || !strings.Contains(body, "Mock reply") {
		t.Fatalf("%d %s", status, body)
	}
	os.WriteFile(file, []byte(strings.Replace(conf, "[{plugin: noop}]", "[{plugin: respond}]", 1)), 0o644)
	waitFor(t, g, func() bool { _, body := chat(t, g.url, "m", false); return strings.Contains(body, "short-circuit") })

	os.WriteFile(file, []byte(strings.Replace(conf, "[{plugin: noop}]", "[{plugin: missing}]", 1)), 0o644)
	waitFor(t, g, func() bool { return strings.Contains(g.logs.String(), "config reload failed") })
	if !strings.Contains(g.logs.String(), `pipelines.main[0].plugin: unknown plugin \"missing\"`) {
		t.Fatalf("reload error does not name the key:\n%s", g.logs.String())
	}
	if _, body := chat(t, g.url, "m", false); !strings.Contains(body, "short-circuit") {
		t.Fatalf("running pipeline lost: %s", body)
	}
	// SIGTERM: a clean stop.
	g.cmd.Process.Signal(syscall.SIGTERM)
	err := <-g.exited
	g.exited <- err
	if err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, g.logs.String())
	}
}

func waitFor(t *testing.T, g *gatewayProc, ok func() bool) {
	t.Helper()
	testnet.WaitFor(t, 10*time.Second, 100*time.Millisecond, "condition", ok, func() string { return "log:\n" + g.logs.String() })
}

// TestPluginREADMEExamples validates the example config of every first-party
// plugin's README, as a user would copy it, beside the built plugins.
func TestPluginREADMEExamples(t *testing.T) {
	plugins := firstPartyPlugins(t)
	for _, name := range plugins {
		t.Run(name, func(t *testing.T) {
			readme, err := os.ReadFile(filepath.Join("..", "..", "plugins", name, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			_, examples, ok := strings.Cut(string(readme), "\n## Examples\n")
			if !ok {
				t.Fatal("README has no ## Examples section")
			}
			_, block, ok := strings.Cut(examples, "```yaml\n")
			if !ok {
				t.Fatal("## Examples has no yaml block")
			}
			block, _, _ = strings.Cut(block, "```")
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "build", "plugins"), 0o755)
			for _, p := range plugins {
				os.WriteFile(filepath.Join(dir, "build", "plugins", p+".wasm"), testwasm.GoPluginBytes(t, p), 0o644)
			}
			file := filepath.Join(dir, "wasmgate.yaml")
			os.WriteFile(file, []byte(block), 0o644)
			out, err := exec.Command(bin, "validate", "-c", file).CombinedOutput()
			if err != nil || !strings.Contains(string(out), ": ok (") {
				t.Fatalf("the README's example does not validate: %v\n%s\n%s", err, out, block)
			}
		})
	}
}

func TestPluginTest(t *testing.T) {
	tests := []struct {
		guest    string
		wantCode int
		want     string
	}{
		{"testguests/rewrite", 0, "PASS "},
		{"testguests/panic", 1, "FAIL malformed inputs: request hook on"},
	}
	for _, tc := range tests {
		t.Run(tc.guest, func(t *testing.T) {
			out, err := exec.Command(bin, "plugin", "test", "--calls", "20", testwasm.GoPlugin(t, tc.guest)).CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode || !strings.Contains(string(out), tc.want) {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.wantCode, out)
			}
		})
	}
}
