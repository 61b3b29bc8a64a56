package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatesh/gatesh/internal/setup"
)

// runDoctor is gatectl doctor: it checks that an agent's shell is gatesh and that
// the gate really judges what goes through it. Exit 0 when every check passes,
// 1 otherwise.
func runDoctor(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		shell     string
		agentName string
		timeout   time.Duration
	)
	fs.StringVar(&shell, "shell", "", "check this shell `PATH` (default: the one the agent would run)")
	fs.StringVar(&agentName, "agent", "", "find the shell as agent `NAME` does: "+setup.AgentNames())
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "bound on each command sent through the shell")
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg := setup.DoctorConfig{Shell: shell, Getenv: e.getenv, Environ: e.environ, Out: e.stdout, Timeout: timeout}
	if agentName != "" {
		a, ok := setup.LookupAgent(agentName)
		if !ok {
			return fmt.Errorf("%w: unknown agent %q: use one of %s", errUsage, agentName, setup.AgentNames())
		}
		cfg.Agent = &a
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		cfg.Gatectl = exe
	}
	if !setup.Doctor(ctx, cfg) {
		return exitError{1}
	}
	return nil
}
