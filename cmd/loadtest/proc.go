package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// proc is a child process (mock provider, nginx or gateway) with its output
// in a log file. Each child leads its own process group so that stopping it
// also stops whatever it started.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	waitErr error
}

// procs tracks the running children so that they can all be stopped on
// exit, on failure and on a signal.
type procs struct {
	mu   sync.Mutex
	list []*proc
}

func (ps *procs) start(name, logPath, bin string, args, env []string) (*proc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	ps.mu.Lock()
	ps.list = append(ps.list, p)
	ps.mu.Unlock()
	return p, nil
}

// stop stops p and forgets it.
func (ps *procs) stop(p *proc) {
	p.stop(3 * time.Second)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, q := range ps.list {
		if q == p {
			ps.list = append(ps.list[:i], ps.list[i+1:]...)
			break
		}
	}
}

// stopAll stops every child still running, the last started first.
func (ps *procs) stopAll() {
	ps.mu.Lock()
	list := ps.list
	ps.list = nil
	ps.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		list[i].stop(3 * time.Second)
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process group to terminate, then kills it after grace.
func (p *proc) stop(grace time.Duration) {
	if !p.exited() {
		terminateGroup(p.cmd.Process)
		select {
		case <-p.done:
		case <-time.After(grace):
		}
	}
	// Whatever is left in the group (workers of nginx, grandchildren).
	killGroup(p.cmd.Process)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		fmt.Fprintf(os.Stderr, "loadtest: %s (pid %d) did not exit\n", p.name, p.cmd.Process.Pid)
	}
}

// logTail returns the last lines of the process output, for error messages.
func (p *proc) logTail(lines int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil || len(b) == 0 {
		return "(no output)"
	}
	b = bytes.TrimRight(b, "\n")
	parts := strings.Split(string(b), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
