package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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
	time.Sleep(600 * time.Millisecond)
	later, ok := groupCPU(p.cmd.Process.Pid)
	if !ok || later-first < 100*time.Millisecond {
		t.Errorf("CPU of a busy group: %v then %v", first, later)
	}
	if _, ok := groupCPU(1 << 30); ok {
		t.Error("a group with no process was measured")
	}
}
