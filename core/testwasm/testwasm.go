// Package testwasm builds the Wasm modules tests need: WAT fixtures with
// wabt's wat2wasm and Go guests with the standard Go toolchain.
package testwasm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = map[string][]byte{} // WAT file -> Wasm bytes
	paths = map[string]string{} // Go package -> .wasm path
	dir   string
)

func outDir(t testing.TB) string {
	if dir == "" {
		d, err := os.MkdirTemp("", "wasmgate-testwasm-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	return dir
}

// Root is the repository root (the folder with the main go.mod).
func Root(t testing.TB) string {
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/wasmgate/wasmgate\n") {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			t.Fatal("testwasm: repository root not found")
		}
		d = parent
	}
}

// WAT compiles a .wat file (path relative to the test's folder) to Wasm.
func WAT(t testing.TB, path string) []byte {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	abs, _ := filepath.Abs(path)
	if b, ok := built[abs]; ok {
		return b
	}
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Fatal("testwasm: wat2wasm not found; run `make deps` (it installs Debian's wabt)")
	}
	out := filepath.Join(outDir(t), strings.ReplaceAll(strings.TrimPrefix(abs, "/"), "/", "_")+".wasm")
	if msg, err := exec.Command(wat2wasm, abs, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("testwasm: wat2wasm %s: %v\n%s", path, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	built[abs] = b
	return b
}

// GoPlugin builds a Go guest from the plugins module, for example "openai" or
// "testguests/noop", and returns the path of the .wasm file.
func GoPlugin(t testing.TB, pkg string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if p, ok := paths[pkg]; ok {
		return p
	}
	// A prebuilt file from `make plugins` saves a link per test binary.
	if pre := os.Getenv("TESTWASM_PREBUILT"); pre != "" {
		p := filepath.Join(pre, pkg+".wasm")
		if _, err := os.Stat(p); err == nil {
			paths[pkg] = p
			return p
		}
	}
	out := filepath.Join(outDir(t), strings.ReplaceAll(pkg, "/", "_")+".wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./"+pkg)
	cmd.Dir = filepath.Join(Root(t), "plugins")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testwasm: building plugins/%s: %v\n%s", pkg, err, msg)
	}
	paths[pkg] = out
	return out
}

// GoPluginBytes is GoPlugin returning the module's bytes.
func GoPluginBytes(t testing.TB, pkg string) []byte {
	t.Helper()
	b, err := os.ReadFile(GoPlugin(t, pkg))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Make runs a target of the project's Makefile at the repository root, for
// a test whose module other toolchains build (Rust, C, AssemblyScript), and
// fails the test with make's output when it fails. make rebuilds only what
// changed.
func Make(t testing.TB, target string) {
	t.Helper()
	out, err := exec.Command("make", "-C", Root(t), "--no-print-directory", target).CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", target, err, out)
	}
}
