// Package guides tests the "write your first plugin" guides by following
// them as a new user would: every shell block of a guide runs, in order, in
// one shell, in a fresh folder; and every output block after a shell block
// must match what that block printed.
package guides

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/testnet"
)

// step is a shell block of a guide and the output block that follows it.
type step struct {
	line   int // where the shell block starts in the guide
	script string
	output string // "" when the guide shows none
}

var fence = regexp.MustCompile("^```(\\w*)\\s*$")

// parse returns a guide's shell blocks with their outputs.
func parse(t *testing.T, file string) []step {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []step
	var lang string
	var block []string
	inside, start, n := false, 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		m := fence.FindStringSubmatch(sc.Text())
		switch {
		case m != nil && !inside:
			inside, lang, start, block = true, m[1], n, nil
		case m != nil && inside && m[1] == "":
			inside = false
			text := strings.Join(block, "\n") + "\n"
			switch {
			case lang == "sh":
				steps = append(steps, step{line: start, script: text})
			case lang == "" && len(steps) > 0 && steps[len(steps)-1].output == "":
				steps[len(steps)-1].output = text
			}
		case inside:
			block = append(block, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return steps
}

// matches reports whether every line of want appears in got; "…" in a
// line stands for any text (numbers that change from run to run).
func matches(got, want string) (missing string, ok bool) {
	for _, line := range strings.Split(strings.TrimSpace(want), "\n") {
		rest := got
		for _, part := range strings.Split(line, "…") {
			i := strings.Index(rest, part)
			if i < 0 {
				return line, false
			}
			rest = rest[i+len(part):]
		}
	}
	return "", true
}

// TestGuides follows each guide from the checkout, with the user's home
// folder (~) moved to a temporary one and the gateway and the mock provider
// moved to free ports, so that the test runs beside anything else.
func TestGuides(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	for _, lang := range []string{"go", "rust", "c", "assemblyscript"} {
		t.Run(lang, func(t *testing.T) {
			steps := parse(t, lang+".md")
			if len(steps) < 4 {
				t.Fatalf("%s.md: %d shell blocks, want at least 4 (set up, write, build, test)", lang, len(steps))
			}
			home, gateway, mock := t.TempDir(), testnet.FreeAddr(t), testnet.FreeAddr(t)
			dir := t.TempDir()
			var script strings.Builder
			// The gateway started in the background must not outlive a failed step.
			script.WriteString("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\ncd " + root + "\n")
			for i, s := range steps {
				body := strings.NewReplacer("~/", home+"/", "127.0.0.1:8080", gateway, "127.0.0.1:9099", mock).Replace(s.script)
				fmt.Fprintf(&script, "{\n%s} > %s 2>&1\n", body, filepath.Join(dir, fmt.Sprintf("step%d.out", i)))
			}
			cmd := exec.Command("timeout", "600", "bash", "-c", script.String())
			cmd.Env = append(os.Environ(), "WASMGATE_SERVER__LISTEN="+gateway)
			// Not the make that runs this test: the guide's make is the user's own.
			for _, v := range []string{"MAKEFLAGS", "MFLAGS", "MAKELEVEL"} {
				cmd.Env = append(cmd.Env, v+"=")
			}
			start := time.Now()
			runErr := cmd.Run()
			for i, s := range steps {
				out, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("step%d.out", i)))
				if err != nil {
					t.Fatalf("%s.md:%d: the block did not run (an earlier one failed: %v)", lang, s.line, runErr)
				}
				if runErr != nil && (i == len(steps)-1 || !exists(filepath.Join(dir, fmt.Sprintf("step%d.out", i+1)))) {
					t.Fatalf("%s.md:%d: the block failed (%v); it printed:\n%s", lang, s.line, runErr, out)
				}
				if missing, ok := matches(string(out), s.output); !ok {
					t.Errorf("%s.md:%d: the output lacks %q; it printed:\n%s", lang, s.line, missing, out)
				}
			}
			t.Logf("%s.md: %d blocks in %s", lang, len(steps), time.Since(start).Round(time.Second))
		})
	}
}

func exists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}
