package host_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/conformance/tck"
)

// TestConformancePDKs runs the conformance kit with each port of its guest
// to a PDK (conformance/tck/guest-<language>), so that every PDK's helpers
// are run against this host, not only compiled. Each port is built by
// `make tck-guest-<language>` into build/tck/<language>.wasm, which the test
// runs first.
func TestConformancePDKs(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	dirs, err := filepath.Glob(filepath.Join(root, "conformance", "tck", "guest-*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		lang := strings.TrimPrefix(filepath.Base(d), "guest-")
		t.Run(lang, func(t *testing.T) {
			// make rebuilds only what changed, so an edited guest or PDK is
			// never tested from a stale module.
			cmd := exec.Command("make", "-C", root, "--no-print-directory", "tck-guest-"+lang)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make tck-guest-%s: %v\n%s", lang, err, out)
			}
			wasm := filepath.Join(root, "build", "tck", lang+".wasm")
			b, err := os.ReadFile(wasm)
			if err != nil {
				t.Fatal(err)
			}
			tck.RunGuest(t, tckHost{newEngine(t)}, b)
		})
	}
}
