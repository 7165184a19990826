package main_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/testnet"
	"github.com/wasmgate/wasmgate/core/testwasm"
	"github.com/wasmgate/wasmgate/registry/ocitest"
)

// pluginProject is a folder with a signing key, the system-prompt plugin
// packed as 0.1.0 and 0.2.0, and a config that uses it.
type pluginProject struct {
	root, app, mock string
}

func newPluginProject(t *testing.T) *pluginProject {
	t.Helper()
	p := &pluginProject{root: t.TempDir(), mock: testnet.FreeAddr(t)}
	p.app = filepath.Join(p.root, "app")
	os.MkdirAll(p.app, 0o755)
	os.WriteFile(filepath.Join(p.root, "system-prompt.wasm"), testwasm.GoPluginBytes(t, "system-prompt"), 0o644)
	run(t, p.root, "plugin", "keygen", "dev")
	man, err := os.ReadFile("../../plugins/system-prompt/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"0.1.0", "0.2.0"} {
		dir := filepath.Join(p.root, "sp-"+v)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(strings.Replace(string(man), "version: 0.1.0", "version: "+v, 1)), 0o644)
		run(t, p.root, "plugin", "pack", dir, "--wasm", "system-prompt.wasm", "--key", "dev.key", "-o", "sp-"+v+".wgpkg")
	}
	return p
}

// config writes app/wasmgate.yaml with the plugin's source and slot config.
func (p *pluginProject) config(t *testing.T, index, source, slotConfig string) string {
	t.Helper()
	file := filepath.Join(p.app, "wasmgate.yaml")
	conf := fmt.Sprintf(`
mock_provider: {listen: %q}
registry: {index: %q, trusted_keys: [../dev.pub], store: ../store}
plugins:
  sp: {source: %q}
providers:
  up: {base_url: "http://%s/v1"}
models: [{id: m, provider: up}]
pipelines:
  main: [{plugin: sp, config: %s}]
routes: [{pipeline: main}]
`, p.mock, index, source, p.mock, slotConfig)
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// registryServe runs `wasmgate registry serve DIR` and returns its URL.
func registryServe(t *testing.T, dir string) string {
	t.Helper()
	addr := testnet.FreeAddr(t)
	cmd := exec.Command(bin, "registry", "serve", dir, "--listen", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url + "/index.json"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("registry serve did not come up")
		}
	}
}

func mustFail(t *testing.T, dir, want string, args ...string) {
	t.Helper()
	out, err := runErr(dir, args...)
	if err == nil || !strings.Contains(out, want) {
		t.Fatalf("wasmgate %s: %v, output %q; want a failure containing %q", strings.Join(args, " "), err, out, want)
	}
}

// TestPluginRegistryFlow publishes to a static registry served over HTTP,
// installs from it, pins, upgrades, refuses a downgrade, and loads only what
// the lockfile pins.
func TestPluginRegistryFlow(t *testing.T) {
	p := newPluginProject(t)
	run(t, p.root, "plugin", "publish", "sp-0.1.0.wgpkg", "sp-0.2.0.wgpkg", "--to", "reg")
	url := registryServe(t, filepath.Join(p.root, "reg"))
	good := `{prompt: "Be brief."}`
	file := p.config(t, url, "registry://system-prompt@^0.1", good)

	if out := run(t, p.app, "plugin", "install"); !strings.Contains(out, "system-prompt 0.1.0 sha256:") {
		t.Fatalf("install: %s", out)
	}
	if out := run(t, p.app, "plugin", "search", "prompt"); !strings.Contains(out, "0.1.0, 0.2.0") {
		t.Fatalf("search: %s", out)
	}
	if out := run(t, p.app, "plugin", "list"); !strings.Contains(out, "system-prompt  0.1.0    yes") {
		t.Fatalf("list: %s", out)
	}
	run(t, p.app, "plugin", "verify")
	run(t, p.app, "validate", "-c", file)
	g := serve(t, file)
	if status, body := chat(t, g.url, "m", false); status != 200 || !strings.Contains(body, "Mock reply") {
		t.Fatalf("%d %s", status, body)
	}

	// The slot config is checked against the package's schema at load.
	p.config(t, url, "registry://system-prompt@^0.1", `{mode: insert}`)
	mustFail(t, p.app, "pipelines.main[0]: config does not match the schema of system-prompt 0.1.0: at /: missing property 'prompt'", "validate")

	// Upgrade within a wider range; a downgrade below the pin needs a flag.
	p.config(t, url, "registry://system-prompt@>=0.1", good)
	if out := run(t, p.app, "plugin", "upgrade"); !strings.Contains(out, "system-prompt 0.2.0") {
		t.Fatalf("upgrade: %s", out)
	}
	mustFail(t, p.app, "refusing to downgrade system-prompt from 0.2.0 (pinned in wasmgate.lock) to 0.1.0", "plugin", "install", "system-prompt@0.1.0")
	if out := run(t, p.app, "plugin", "install", "system-prompt@0.1.0", "--allow-downgrade"); !strings.Contains(out, "system-prompt 0.1.0") {
		t.Fatalf("allowed downgrade: %s", out)
	}
	lock, _ := os.ReadFile(filepath.Join(p.app, "wasmgate.lock"))
	if !strings.Contains(string(lock), "version: 0.1.0") {
		t.Fatalf("lockfile after the downgrade:\n%s", lock)
	}

	// Stored bytes that no longer hash to the pin are refused at load.
	wasms, _ := filepath.Glob(filepath.Join(p.root, "store", "sha256", "*", "plugin.wasm"))
	for _, w := range wasms {
		f, _ := os.OpenFile(w, os.O_APPEND|os.O_WRONLY, 0)
		f.Write([]byte{0})
		f.Close()
	}
	mustFail(t, p.app, "package digest does not match", "validate")
	mustFail(t, p.app, "package digest does not match", "plugin", "verify")

	// Unpinned: the gateway says how to install it.
	run(t, p.app, "plugin", "remove", "system-prompt")
	mustFail(t, p.app, "plugins.sp.source: registry://system-prompt@>=0.1 is not installed", "validate")
}

// TestUnsignedPackage: a package without a trusted signature is refused,
// unless --allow-unsigned, which says so loudly.
func TestUnsignedPackage(t *testing.T) {
	p := newPluginProject(t)
	wasm := filepath.Join(p.root, "system-prompt.wasm")
	run(t, p.root, "plugin", "pack", filepath.Join(p.root, "sp-0.1.0"), "--wasm", wasm, "-o", filepath.Join(p.app, "unsigned.wgpkg"))
	file := p.config(t, "", "unsigned.wgpkg", `{prompt: "x"}`)
	mustFail(t, p.app, "plugins.sp.source: system-prompt 0.1.0 refused: package is not signed", "validate", "-c", file)
	out := run(t, p.app, "validate", "-c", file, "--allow-unsigned")
	if !strings.Contains(out, "LOADING AN UNVERIFIED PLUGIN") || !strings.Contains(out, "ok (1 plugins") {
		t.Fatalf("--allow-unsigned: %s", out)
	}
	// Signed afterwards, it loads without the flag.
	run(t, p.app, "plugin", "sign", "unsigned.wgpkg", "--key", "../dev.key")
	run(t, p.app, "plugin", "verify", "unsigned.wgpkg", "--trusted-key", "../dev.pub")
	run(t, p.app, "validate", "-c", file)
	file = p.config(t, "", "file://unsigned.wgpkg", `{prompt: "x"}`)
	run(t, p.app, "validate", "-c", file)
}

// TestPluginOCI publishes to a real OCI registry and installs from it.
func TestPluginOCI(t *testing.T) {
	addr := ocitest.Start(t)
	p := newPluginProject(t)
	if out := run(t, p.root, "plugin", "publish", "sp-0.1.0.wgpkg", "--to", "oci://"+addr+"/plugins"); !strings.Contains(out, "oci://"+addr+"/plugins/system-prompt:0.1.0") {
		t.Fatalf("publish: %s", out)
	}
	file := p.config(t, "", "oci://"+addr+"/plugins/system-prompt:0.1.0", `{prompt: "x"}`)
	run(t, p.app, "plugin", "install")
	lock, _ := os.ReadFile(filepath.Join(p.app, "wasmgate.lock"))
	if !strings.Contains(string(lock), "resolved: oci://"+addr+"/plugins/system-prompt@sha256:") {
		t.Fatalf("lockfile:\n%s", lock)
	}
	run(t, p.app, "validate", "-c", file)
}

// TestManifestHooksChecked: a module that runs a hook its plugin.yaml does not
// declare is refused at load.
func TestManifestHooksChecked(t *testing.T) {
	p := newPluginProject(t)
	dir := filepath.Join(p.root, "sp-0.1.0")
	man, _ := os.ReadFile(filepath.Join(dir, "plugin.yaml"))
	os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(strings.Replace(string(man), "hooks: [request]", "hooks: [response]", 1)), 0o644)
	run(t, p.root, "plugin", "pack", dir, "--wasm", "system-prompt.wasm", "--key", "dev.key", "-o", "app/sp.wgpkg")
	file := p.config(t, "", "sp.wgpkg", `{prompt: "x"}`)
	mustFail(t, p.app, "pipelines.main[0]: system-prompt 0.1.0 runs hooks its plugin.yaml does not declare", "validate", "-c", file)
}

// TestConcurrentInstallProcesses: two `wasmgate plugin install` processes at
// once, into one store and one lockfile, both land.
func TestConcurrentInstallProcesses(t *testing.T) {
	p := newPluginProject(t)
	other := filepath.Join(p.root, "other")
	os.MkdirAll(other, 0o755)
	man, _ := os.ReadFile(filepath.Join(p.root, "sp-0.2.0", "plugin.yaml"))
	os.WriteFile(filepath.Join(other, "plugin.yaml"), []byte(strings.Replace(string(man), "name: system-prompt", "name: other-prompt", 1)), 0o644)
	run(t, p.root, "plugin", "pack", other, "--wasm", "system-prompt.wasm", "--key", "dev.key", "-o", "other.wgpkg")
	run(t, p.root, "plugin", "publish", "sp-0.1.0.wgpkg", "other.wgpkg", "--to", "reg")
	p.config(t, "../reg", "registry://system-prompt@^0.1", `{prompt: "x"}`)
	for round := range 3 {
		errs := make(chan error, 2)
		for _, src := range []string{"system-prompt@^0.1", "other-prompt@^0.2"} {
			go func() {
				out, err := runErr(p.app, "plugin", "install", src)
				if err != nil {
					err = fmt.Errorf("%s: %v\n%s", src, err, out)
				}
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		out := run(t, p.app, "plugin", "verify")
		if !strings.Contains(out, "system-prompt 0.1.0") || !strings.Contains(out, "other-prompt 0.2.0") {
			t.Fatalf("round %d: the lockfile lost an install:\n%s", round, out)
		}
		// Local paths in the lockfile are relative to the config, so it can be committed.
		if lock, _ := os.ReadFile(filepath.Join(p.app, "wasmgate.lock")); !strings.Contains(string(lock), "resolved: ../reg/packages/other-prompt-0.2.0.wgpkg") {
			t.Fatalf("lockfile:\n%s", lock)
		}
		if round < 2 {
			run(t, p.app, "plugin", "remove", "system-prompt", "other-prompt")
			os.RemoveAll(filepath.Join(p.root, "store"))
		}
	}
}

// TestPackChecksModule: pack refuses a module the host could not load.
func TestPackChecksModule(t *testing.T) {
	p := newPluginProject(t)
	os.WriteFile(filepath.Join(p.root, "empty.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	mustFail(t, p.root, `empty.wasm: plugin "system-prompt": does not export its memory as "memory"`, "plugin", "pack", "sp-0.1.0", "--wasm", "empty.wasm")
	if _, err := os.Stat(filepath.Join(p.root, "system-prompt-0.1.0.wgpkg")); err == nil {
		t.Fatal("a package was written")
	}
}

// TestHelloPackageWalkthrough runs step 7 of examples/hello-plugin/README.md
// as written: keygen, pack, publish, then install by range and validate.
func TestHelloPackageWalkthrough(t *testing.T) {
	readme, err := os.ReadFile("../../examples/hello-plugin/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, step, ok := strings.Cut(string(readme), "## 7. Package, sign and publish it\n")
	if !ok {
		t.Fatal("README has no step 7")
	}
	blocks := strings.Split(step, "```")
	// blocks[1]: the publishing commands, [3]: the config, [5]: the install.
	if len(blocks) < 6 || !strings.HasPrefix(blocks[1], "sh\n") || !strings.HasPrefix(blocks[3], "yaml\n") {
		t.Fatalf("step 7 changed shape: %q", step)
	}
	dir := t.TempDir()
	man, _ := os.ReadFile("../../examples/hello-plugin/plugin.yaml")
	os.WriteFile(filepath.Join(dir, "plugin.yaml"), man, 0o644)
	os.WriteFile(filepath.Join(dir, "hello.wasm"), helloWasm(t), 0o644)
	commands := func(block string) {
		for _, line := range strings.Split(strings.TrimPrefix(block, "sh\n"), "\n") {
			line, _, _ = strings.Cut(line, "#")
			if f := strings.Fields(line); len(f) > 0 && f[0] == "wasmgate" {
				run(t, dir, f[1:]...)
			}
		}
	}
	commands(blocks[1])
	conf, _ := os.ReadFile("../../examples/hello-plugin/wasmgate.yaml")
	// The walkthrough's config with the plugins section replaced by step 7's.
	before, after, _ := strings.Cut(string(conf), "plugins:\n")
	_, after, _ = strings.Cut(after, "\nproviders:")
	os.WriteFile(filepath.Join(dir, "wasmgate.yaml"), []byte(before+strings.TrimPrefix(blocks[3], "yaml\n")+"\nproviders:"+after), 0o644)
	commands(blocks[5])
	if out := run(t, dir, "validate", "-c", "wasmgate.yaml"); !strings.Contains(out, "ok (1 plugins") {
		t.Fatalf("validate: %s", out)
	}
	if lock, _ := os.ReadFile(filepath.Join(dir, "wasmgate.lock")); !strings.Contains(string(lock), "name: hello") {
		t.Fatalf("lockfile:\n%s", lock)
	}
}

// helloWasm is examples/hello-plugin built (`make examples` leaves it there).
func helloWasm(t *testing.T) []byte {
	t.Helper()
	src := filepath.Join("..", "..", "examples", "hello-plugin")
	if b, err := os.ReadFile(filepath.Join(src, "hello.wasm")); err == nil {
		return b
	}
	out := filepath.Join(t.TempDir(), "hello.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the hello plugin: %v\n%s", err, msg)
	}
	b, _ := os.ReadFile(out)
	return b
}
