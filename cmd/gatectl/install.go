package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/setup"
)

// runInstall is gatectl install: the shim directory, and each agent's setup.
func runInstall(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		dir       string
		agentName string
		apply     bool
		printOnly bool
	)
	fs.StringVar(&dir, "dir", "", "the shim `directory` (default: shims in gatesh's config directory)")
	fs.StringVar(&agentName, "agent", "", "print the setup of agent `NAME`: "+setup.AgentNames())
	fs.BoolVar(&apply, "apply", false, "also write the setup where that is safe (Claude Code's settings.json)")
	fs.BoolVar(&printOnly, "print", false, "print only the setup lines, as shell code (for an rc file or eval); without --agent, only the shim directory")
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	var agent *setup.Agent
	if agentName != "" {
		a, ok := setup.LookupAgent(agentName)
		if !ok {
			return fmt.Errorf("%w: unknown agent %q: use one of %s", errUsage, agentName, setup.AgentNames())
		}
		agent = &a
	}
	if dir == "" {
		d, err := dirs.From(e.getenv)
		if err != nil {
			return err
		}
		dir = setup.ShimDir(d)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot tell where gatectl is, to find gatesh beside it: %w", err)
	}
	gatesh, err := setup.Beside(exe, "gatesh")
	if err != nil {
		return err
	}
	shims, err := setup.InstallShims(dir, gatesh)
	if err != nil {
		return err
	}

	// With --print, stdout is shell code only; the rest goes to stderr.
	info := e.stdout
	if printOnly {
		info = e.stderr
	}
	fmt.Fprintf(info, "gatesh shims in %s:\n", dir)
	for _, s := range shims {
		how := s.Action
		if s.Was != "" {
			how += ", was -> " + s.Was
		}
		fmt.Fprintf(info, "  %-4s -> %s (%s)\n", s.Name, s.Target, how)
	}
	fmt.Fprintln(info)

	if agent == nil {
		if apply {
			fmt.Fprintln(info, "--apply: nothing was applied: name the agent with --agent (only claude-code has a settings file that gatectl writes).")
			fmt.Fprintln(info)
		}
		if printOnly {
			fmt.Fprintln(e.stdout, dir)
			return nil
		}
		setup.WriteOverview(e.stdout, dir)
		return nil
	}

	settings, serr := setup.ClaudeSettingsPath(e.getenv)
	shown := settings
	if serr != nil {
		shown = "~/.claude/settings.json"
	}
	if apply {
		if agent.Name != "claude-code" {
			fmt.Fprintln(info, setup.NotApplied(*agent))
			fmt.Fprintln(info)
		} else {
			if serr != nil {
				return serr
			}
			if err := applyClaude(info, settings, filepath.Join(dir, "bash")); err != nil {
				return err
			}
		}
	}
	g := setup.GuideFor(*agent, dir, shown)
	if printOnly {
		g.WriteShell(e.stdout)
		return nil
	}
	g.Write(e.stdout)
	return nil
}

// applyClaude writes the shim into Claude Code's settings and says what it did.
func applyClaude(w io.Writer, settings, bash string) error {
	vars := make([][2]string, len(setup.ClaudeShellVars))
	for i, v := range setup.ClaudeShellVars {
		vars[i] = [2]string{v, bash}
	}
	names := strings.Join(setup.ClaudeShellVars, " and ")
	res, err := setup.ApplyClaudeSettings(settings, vars, time.Now())
	if err != nil {
		return err
	}
	switch {
	case res.Unchanged:
		fmt.Fprintf(w, "--apply: %s already sets %s to %s; nothing was written.\n", res.Path, names, bash)
	case res.Created:
		fmt.Fprintf(w, "--apply: created %s with %s = %s in its \"env\".\n", res.Path, names, bash)
	default:
		fmt.Fprintf(w, "--apply: set %s = %s in the \"env\" of %s, keeping every other key; the file as it was is in %s.\n", names, bash, res.Path, res.Backup)
		for _, v := range setup.ClaudeShellVars {
			if old, ok := res.Old[v]; ok {
				fmt.Fprintf(w, "  %s was %s\n", v, old)
			}
		}
	}
	fmt.Fprintln(w, "Start claude again for it to take effect. PATH is not written there: use the alias below for that, if you want a bare \"bash\" in commands to be the shim too.")
	fmt.Fprintln(w)
	return nil
}
