//go:build unix

package main

import (
	"os"
	"syscall"
)

// terminateGroup sends SIGTERM to the process group led by p.
func terminateGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGTERM) }

// killGroup sends SIGKILL to the process group led by p.
func killGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) }
