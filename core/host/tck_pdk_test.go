package host_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgate/wasmgate/conformance/tck"
	"github.com/wasmgate/wasmgate/core/testwasm"
)

// TestConformancePDKs runs the conformance kit with each port of its guest
// to a PDK (conformance/tck/guest-<language>), so that every PDK's helpers
// are run against this host, not only compiled. Each port is built by
// `make tck-guest-<language>` into build/tck/<language>.wasm, which the test
// runs first.
func TestConformancePDKs(t *testing.T) {
	root := testwasm.Root(t)
	dirs, err := filepath.Glob(filepath.Join(root, "conformance", "tck", "guest-*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		lang := strings.TrimPrefix(filepath.Base(d), "guest-")
		t.Run(lang, func(t *testing.T) {
			// make rebuilds only what changed, so an edited guest or PDK is
			// never tested from a stale module.
			testwasm.Make(t, "tck-guest-"+lang)
			wasm := filepath.Join(root, "build", "tck", lang+".wasm")
			b, err := os.ReadFile(wasm)
			if err != nil {
				t.Fatal(err)
			}
			tck.RunGuest(t, tckHost{newEngine(t)}, b)
		})
	}
}
