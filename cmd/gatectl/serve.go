package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gatesh/gatesh/internal/daemon"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/wire"
)

// runServe is gatectl serve, the daemon. gatesh starts it with --ready-fd: it
// then reports "ready", "running" (another daemon holds the lock) or
// "error: …" on that descriptor, and logs only to its log file.
func runServe(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var pf policyFlags
	pf.register(fs)
	readyFD := fs.Int("ready-fd", -1, "report readiness on this `descriptor` and log only to the log file")
	idle := fs.Duration("idle", 0, "exit after this long without a request (default $GATESH_DAEMON_IDLE or 30m; negative: never)")
	agentUID := fs.Int("agent-uid", -1, "a second `uid` allowed to ask (an agent running as its own user)")
	if err := fs.Parse(e.args); err != nil {
		return errUsage
	}
	var ready io.WriteCloser
	if *readyFD >= 0 {
		ready = os.NewFile(uintptr(*readyFD), "ready")
		defer ready.Close()
	}
	say := func(msg string) {
		if ready != nil {
			fmt.Fprintln(ready, msg)
			ready.Close()
			ready = nil
		}
	}
	d, err := dirs.From(e.getenv)
	if err != nil {
		say("error: " + err.Error())
		return err
	}
	if *idle == 0 {
		if v := e.getenv("GATESH_DAEMON_IDLE"); v != "" {
			if *idle, err = time.ParseDuration(v); err != nil {
				say("error: GATESH_DAEMON_IDLE: " + err.Error())
				return fmt.Errorf("GATESH_DAEMON_IDLE: %w", err)
			}
		}
	}
	logw, err := daemon.OpenLog(d)
	if err != nil {
		say("error: " + err.Error())
		return err
	}
	defer logw.Close()
	var out io.Writer = io.MultiWriter(logw, e.stderr)
	if *readyFD >= 0 {
		out = logw
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	srv, err := daemon.Listen(ctx, daemon.Config{
		Dirs:     d,
		Judge:    judge.Config{PolicyDir: pf.dir, NoDefaults: pf.noDefaults, Binaries: judge.SelfBinaries()},
		Idle:     *idle,
		AgentUID: *agentUID,
		Log:      out,
		Version:  version,
	})
	if errors.Is(err, daemon.ErrRunning) {
		say("running")
		fmt.Fprintln(out, "gatectl serve:", err)
		return nil
	}
	if err != nil {
		say("error: " + err.Error())
		fmt.Fprintln(out, "gatectl serve:", err)
		return exitError{1}
	}
	defer srv.Close()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			srv.Reload(ctx)
		}
	}()
	fmt.Fprintf(out, "gatectl serve: pid %d listening on %s\n", os.Getpid(), wire.Socket(d.Runtime))
	say("ready")
	return srv.Serve(ctx)
}

// runDecide is the one-shot decision gatesh falls back on when no daemon can
// serve: one wire request on stdin, one response on stdout, logged like the
// daemon's. A policy that does not compile gives a deny that says so.
func runDecide(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("decide", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var pf policyFlags
	pf.register(fs)
	if err := fs.Parse(e.args); err != nil {
		return errUsage
	}
	line, err := wire.ReadLine(bufio.NewReader(e.stdin), wire.MaxRequest)
	if err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	var req wire.Request
	if err := json.Unmarshal(line, &req); err != nil {
		return fmt.Errorf("malformed request: %w", err)
	}
	cfg, err := pf.config(e)
	if err != nil {
		return err
	}
	resp := daemon.AnswerOnce(ctx, cfg, req, version)
	return wire.WriteLine(e.stdout, resp)
}
