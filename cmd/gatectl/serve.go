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
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/daemon"
	"github.com/gatesh/gatesh/internal/decide"
	"github.com/gatesh/gatesh/internal/dirs"
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
	logw, err := openLog(d)
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
		Decide:   decide.Config{PolicyDir: pf.dir, NoDefaults: pf.noDefaults, Binaries: decide.SelfBinaries()},
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

func openLog(d dirs.Dirs) (*os.File, error) {
	if err := os.MkdirAll(d.State, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	return os.OpenFile(filepath.Join(d.State, "daemon.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
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
	d, err := dirs.From(e.getenv)
	if err != nil {
		return err
	}
	dec, perr := decide.New(ctx, decide.Config{Dirs: d, PolicyDir: pf.dir, NoDefaults: pf.noDefaults, Binaries: decide.SelfBinaries()})
	if perr != nil {
		dec = nil
	}
	resp, entry, _ := daemon.Judge(ctx, dec, perr, req)
	entry.Custom["one_shot"] = true
	entry.Custom["uid"] = os.Getuid()
	entry.Labels = map[string]string{"version": version}
	if err := os.MkdirAll(d.State, 0o700); err == nil {
		if l, err := audit.Open(filepath.Join(d.State, "decisions.jsonl")); err == nil {
			if id, err := l.Append(entry); err == nil {
				resp.DecisionID = id
			}
			l.Close()
		}
	}
	if logw, err := openLog(d); err == nil {
		fmt.Fprintf(logw, "%s gatectl decide: one-shot decision for pid %s (the daemon was not reachable)\n", time.Now().Format("2006/01/02 15:04:05"), strconv.Itoa(req.PID))
		logw.Close()
	}
	return wire.WriteLine(e.stdout, resp)
}
