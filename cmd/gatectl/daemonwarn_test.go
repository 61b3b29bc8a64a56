package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/daemon"
	"github.com/gatesh/gatesh/internal/dirs"
)

// A broken policy edit: gatectl check reports the error and says the running
// daemon keeps the last policy that compiled.
func TestCheckSaysTheDaemonKeepsTheLastGoodPolicy(t *testing.T) {
	home, err := os.MkdirTemp("/tmp", "gsw") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(home)
	c := &cli{t: t, home: home, cwd: t.TempDir()}
	d, _ := dirs.From(func(k string) string { return map[string]string{"GATESH_HOME": home}[k] })
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := daemon.Listen(ctx, daemon.Config{Dirs: d, Idle: -1, AgentUID: -1, Log: &strings.Builder{}, ReloadEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done; srv.Close() }()

	os.MkdirAll(d.Policies(), 0o700)
	os.WriteFile(filepath.Join(d.Policies(), "mine.rego"), []byte("package gatesh.rules.mine\nbroken(\n"), 0o600)
	r := c.run("", "check", "--", "ls")
	if r.code != 2 || !strings.Contains(r.stderr, "mine.rego") || !strings.Contains(r.stderr, "keeps the last policy that compiled") {
		t.Fatalf("check with a broken policy and a running daemon: exit %d\n%s", r.code, r.stderr)
	}
	// The daemon, told to reload, reports the error in its pings, and check
	// (once the file is fixed) warns that the daemon still runs the old one.
	srv.Reload(ctx)
	os.WriteFile(filepath.Join(d.Policies(), "mine.rego"), []byte("package gatesh.rules.mine\n"), 0o600)
	r = c.run("", "check", "--", "ls")
	if r.code != 0 || !strings.Contains(r.stderr, "WARNING: the running daemon") {
		t.Fatalf("check with a fixed policy before the daemon reloaded: exit %d\n%s", r.code, r.stderr)
	}
}
