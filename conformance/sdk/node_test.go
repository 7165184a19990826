package sdk

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestNodeSDKs runs js/*.test.mjs (the npm openai and @anthropic-ai/sdk
// packages) with node's test runner against the gateway. `make test`
// installs the packages (mk/adapters.mk).
func TestNodeSDKs(t *testing.T) {
	url := gatewayURL(t)
	for _, pkg := range []string{"openai", "@anthropic-ai/sdk"} {
		if _, err := os.Stat(filepath.Join("node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("npm package %s is not installed here: run `make conformance-sdk-deps` (or npm ci in conformance/sdk)", pkg)
		}
	}
	files, _ := filepath.Glob("js/*.test.mjs")
	if len(files) != 2 {
		t.Fatalf("test files: %v", files)
	}
	cmd := exec.Command("node", append([]string{"--test", "--test-reporter=spec"}, files...)...)
	cmd.Env = append(os.Environ(), "WASMGATE_URL="+url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
