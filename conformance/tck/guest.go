package tck

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	guestOnce sync.Once
	guestWasm []byte
	guestErr  error
)

// dir is this package's folder in the source tree.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Guest builds the conformance guest with the Go toolchain (once per test
// binary) and returns the module.
func Guest(t testing.TB) []byte {
	t.Helper()
	guestOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "wasmgate-tck-")
		if err != nil {
			guestErr = err
			return
		}
		defer os.RemoveAll(tmp)
		out := filepath.Join(tmp, "tck.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
		cmd.Dir = filepath.Join(dir(), "guest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if msg, err := cmd.CombinedOutput(); err != nil {
			guestErr = &buildError{err: err, out: string(msg)}
			return
		}
		guestWasm, guestErr = os.ReadFile(out)
	})
	if guestErr != nil {
		t.Fatalf("tck: building the conformance guest: %v", guestErr)
	}
	return guestWasm
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }
