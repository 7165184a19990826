package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmgate/wasmgate/core/testnet"
)

// TestGroupCPU: a busy grandchild's CPU counts for the group it runs in; a
// group with no process is not measured.
func TestGroupCPU(t *testing.T) {
	var ps procs
	defer ps.stopAll()
	// The busy loop runs in a grandchild: the group, not the child alone,
	// must be summed (nginx's workers are the master's children).
	p, err := ps.start("busy", filepath.Join(t.TempDir(), "busy.log"), "/bin/sh",
		[]string{"-c", "sh -c 'while :; do :; done' & wait"}, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	first, ok := groupCPU(p.cmd.Process.Pid)
	if !ok {
		t.Fatal("group not found")
	}
	// On a loaded machine the loop gets a small share of a core: wait for
	// the group's CPU to grow rather than expect a share in a fixed time.
	var later time.Duration
	testnet.WaitFor(t, 20*time.Second, 50*time.Millisecond, "CPU of a busy group grows by 100ms", func() bool {
		later, ok = groupCPU(p.cmd.Process.Pid)
		return ok && later-first >= 100*time.Millisecond
	}, func() string { return fmt.Sprintf("%v then %v", first, later) })
	if _, ok := groupCPU(1 << 30); ok {
		t.Error("a group with no process was measured")
	}
}
