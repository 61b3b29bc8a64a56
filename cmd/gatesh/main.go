// Command gatesh is the shell an AI agent is given. It reads its argv as bash
// would, asks the gatesh daemon whether what would run may run, and then becomes
// the real bash with the caller's own argv, environment and descriptors (allow),
// or exits 126 with one gatesh: line on stderr (deny, hold, or any failure: it
// fails closed). It never reads stdin or writes stdout on its own account, except
// that a script given on stdin is read whole, judged, and handed to bash as is.
//
// It must start about as fast as a Go hello-world, so it does not link the policy
// engine: the daemon (gatectl serve) holds that.
//
// It lives a few milliseconds per command, so the runtime is not asked to
// keep GOMAXPROCS in step with the cgroup (a goroutine and timer for nothing).
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/bashcli"
	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/record"
	"github.com/gatesh/gatesh/internal/session"
	"github.com/gatesh/gatesh/internal/wire"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// maxScript bounds a script judged whole (the parser's own limit).
const maxScript = 256 << 10

// statusRefused is bash's "found but cannot execute": what a gated command that
// did not run exits with.
const statusRefused = 126

func main() {
	os.Exit(run(shell{
		args:       os.Args,
		environ:    os.Environ(),
		getwd:      os.Getwd,
		stdin:      os.Stdin,
		stderr:     os.Stderr,
		isTerminal: isTerminal,
		exec:       execve,
		layers:     putLayers,
	}))
}

// shell is what gatesh takes from the process it runs in: main passes the
// process's own, a test its own and a stand-in for exec. A gated session
// relays the process's terminal (descriptors 0 and 1) itself.
type shell struct {
	args    []string // bash's argv, argv[0] included
	environ []string // the caller's environment: sent to the daemon, handed to bash unchanged
	getwd   func() (string, error)
	stdin   io.Reader // read only for a script on stdin, which bash then gets from memory
	stderr  io.Writer // every gatesh: line
	// isTerminal tells whether descriptor 0 (stdin) or 2 (stderr) is a terminal.
	isTerminal func(fd int) bool
	// exec becomes the real bash with argv and env, keeping every inherited
	// descriptor, with script (when not nil) as its stdin. It returns only if
	// it could not, and is the last thing run does.
	exec func(bash string, argv, env []string, script []byte) error
	// layers puts the exec gate and confinement on the process before the
	// exec, when the daemon asks for them (putLayers; nil: never).
	layers func(resp wire.Response, c *client.Client) error
}

// run is gatesh: it reads the argv as bash would, asks the daemon, and execs
// the real bash (s.exec) or returns the status to exit with.
func run(s shell) int {
	inv, err := bashcli.Parse(s.args)
	if err != nil {
		fmt.Fprintln(s.stderr, err)
		var st interface{ Status() int }
		if errors.As(err, &st) {
			return st.Status()
		}
		return 2
	}
	self, _ := os.Executable()
	real, err := bashcli.FindReal(s.getenv("GATESH_REAL_BASH"), s.getenv("PATH"), self)
	if err != nil {
		return s.refuse("cannot find the real bash (%v), so nothing was run; set GATESH_REAL_BASH to its path", err)
	}
	// What runs nothing needs no judgment.
	stdinTTY, stderrTTY := s.isTerminal(0), s.isTerminal(2)
	if !inv.Executes(inv.WouldBeInteractive(stdinTTY, stderrTTY)) {
		return s.execBash(real, nil)
	}
	// A shell reading commands from a terminal is a gated session, judged line
	// by line. One reading them from elsewhere with -i has no readline to hook:
	// it is refused rather than started ungated.
	if inv.ReadsLines(stdinTTY, stderrTTY) {
		if !stdinTTY {
			return s.refuse("an interactive shell reading commands from a file or pipe cannot be gated line by line, so it was not started; run the commands with -c 'CMD' or as a script")
		}
		return s.runSession(real, inv)
	}

	req := wire.Request{V: wire.Version, Op: wire.OpDecide, Flags: inv.Flags, Login: inv.Login, Interactive: inv.Interactive, Env: s.environ, PID: os.Getpid()}
	var script []byte // a script read from stdin, handed to bash after the decision
	switch {
	case inv.Command:
		req.Mode, req.Text = wire.ModeCommand, inv.Text
	case inv.Script != "":
		// Judge the file bash will run (NAME, else NAME on PATH).
		path, b, err := bashcli.ReadScript(inv.Script, s.getenv("PATH"), maxScript)
		if errors.Is(err, bashcli.ErrTooLarge) {
			return s.refuse("the script %s is larger than %d KiB; gatesh judges scripts whole and did not run it", path, maxScript>>10)
		}
		if err != nil {
			// Bash cannot read it either: let it say so in its own words.
			return s.execBash(real, nil)
		}
		req.Mode, req.Text, req.Script = wire.ModeScript, string(b), path
	default:
		b, err := io.ReadAll(io.LimitReader(s.stdin, maxScript+1))
		if err != nil {
			return s.refuse("reading the script on stdin: %v; nothing was run", err)
		}
		if len(b) > maxScript {
			return s.refuse("the script on stdin is larger than %d KiB; gatesh judges scripts whole and did not run it", maxScript>>10)
		}
		req.Mode, req.Text, script = wire.ModeStdin, string(b), b
	}
	if req.Cwd, err = s.workingDir(); err != nil {
		return s.refuse("cannot tell the working directory (%v), so nothing was run", err)
	}

	c, d, err := s.newClient()
	if err != nil {
		return s.refuse("%v; nothing was run", err)
	}
	c.OnHeld = func(r wire.Response) {
		// The only line gatesh adds to a command that may still run: the agent
		// (and the person watching it) learn why it waits.
		s.say("held as request %d: %s; waiting up to %d s for the user to approve it", r.RequestID, explain(r, ""), r.Wait)
	}
	resp, err := c.Ask(context.Background(), req)
	if err != nil {
		return s.refuse("%v; nothing was run. Tell the user: gatesh cannot get a decision (the daemon's log is %s/daemon.log)", err, d.State)
	}
	if resp.Error != "" {
		return s.refuse("the gatesh daemon did not judge the command: %s; nothing was run", resp.Error)
	}
	switch {
	case resp.Action == wire.ActionAllow:
		if resp.Outcome == wire.OutcomeApproved && !resp.Gate && strings.Contains(resp.Note, "without the exec gate") {
			// The person approved a command that needs privilege: say that
			// it runs without the layers.
			s.say("request %d approved: %s", resp.RequestID, resp.Note)
		}
		if !resp.Gate || s.layers == nil {
			c.Release()
		} else {
			if err := s.layers(resp, &c); err != nil {
				return s.refuse("%v; nothing was run (the gate fails closed). Tell the user: gatectl doctor shows which layers this machine offers", err)
			}
		}
		return s.execBash(real, script)
	case resp.Outcome == wire.OutcomeDenied:
		reason := "no reason given"
		if resp.Note != "" {
			reason = resp.Note
		}
		return s.refuse("the user denied request %d, so it was not run: `%s` (their reason: %s). Do not retry it; ask the user how to go on.", resp.RequestID, oneLine(resp.Command, 160), reason)
	case resp.Outcome == wire.OutcomeExpired || (resp.Action == wire.ActionHold && resp.RequestID != 0):
		return s.refuse("held as request %d, not run: %s Ask the user to approve request %d, then run the same command again.", resp.RequestID, explain(resp, ""), resp.RequestID)
	case resp.Action == wire.ActionHold:
		msg := explain(resp, "It needs a person's approval: ask the user to approve it or to run it themselves, then go on.")
		if resp.Note != "" {
			msg += " (" + resp.Note + ")"
		}
		return s.refuse("held, not run: %s", msg)
	case resp.Action == wire.ActionDeny:
		return s.refuse("denied, not run: %s", explain(resp, "Do not retry it; use another way or ask the user."))
	default:
		return s.refuse("the daemon answered %q, which is not a decision; nothing was run", resp.Action)
	}
}

// runSession is gatesh on a terminal: one real bash in a PTY, each line judged
// before it runs (internal/session).
func (s *shell) runSession(real string, inv bashcli.Invocation) int {
	c, d, err := s.newClient()
	if err != nil {
		return s.refuse("%v; the session was not started", err)
	}
	id := session.NewID()
	o := session.Options{
		Bash: real, Argv0: inv.Argv0, Login: inv.Login, NoRC: inv.NoRC, NoProfile: inv.NoProfile, RCFile: inv.RCFile,
		Env: s.environ, ID: id, In: os.Stdin, Out: os.Stdout,
		Ask: func(ctx context.Context, req wire.Request, onHeld func(wire.Response)) (wire.Response, error) {
			cc := c
			cc.OnHeld = onHeld
			return cc.Ask(ctx, req)
		},
	}
	if inv.Command {
		// tmux and the like start "bash -c /bin/bash": the session stands
		// for the inner shell, with its default startup.
		o.Login, o.NoRC, o.NoProfile, o.RCFile = false, false, false, ""
	}
	// The daemon says which agent drives the session and whether the record
	// setting wants it recorded; one that cannot be reached judges no line
	// either (each fails closed), and the session is recorded.
	rec := true
	cwd, err := s.workingDir()
	if err != nil {
		cwd = "/" // only logged with the session's start
	}
	if resp, err := c.Do(context.Background(), wire.Request{V: wire.Version, Op: wire.OpSession, Env: o.Env, Session: id, Cwd: cwd}); err == nil && resp.Error == "" {
		rec, o.Agent = resp.Record, resp.Agent
	}
	switch s.getenv("GATESH_RECORD") {
	case "0", "off", "no":
		rec = false
	case "1", "on", "yes":
		rec = true
	}
	if rec {
		o.Record = record.Path(d.State, id)
	}
	status, err := session.Run(o)
	if err != nil {
		return s.refuse("the gated session could not start: %v", err)
	}
	return status
}

// newClient is the daemon client for this user's gatesh directories.
func (s *shell) newClient() (client.Client, dirs.Dirs, error) {
	d, err := dirs.From(s.getenv)
	if err != nil {
		return client.Client{}, d, err
	}
	duid, err := client.DaemonUIDFrom(s.getenv)
	if err != nil {
		return client.Client{}, d, err
	}
	return client.Client{Runtime: d.Runtime, Env: s.environ, DaemonUID: duid}, d, nil
}

// getenv is os.Getenv over the caller's environment (the first definition of
// a name wins, as in the runtime's).
func (s *shell) getenv(name string) string {
	for _, kv := range s.environ {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			return kv[len(name)+1:]
		}
	}
	return ""
}

// workingDir is the caller's working directory: getcwd, else an absolute $PWD
// (getcwd fails in a directory that was removed).
func (s *shell) workingDir() (string, error) {
	wd, err := s.getwd()
	if err == nil {
		return wd, nil
	}
	if pwd := s.getenv("PWD"); strings.HasPrefix(pwd, "/") {
		return pwd, nil
	}
	return "", err
}

// execBash becomes the real bash with the caller's argv (argv[0] a bash name:
// bashcli.ShellArgv0), environment and descriptors, and a script read from
// stdin as its stdin.
func (s *shell) execBash(real string, script []byte) int {
	argv := []string{bashcli.ShellArgv0("")}
	if len(s.args) > 0 {
		argv = append([]string{bashcli.ShellArgv0(s.args[0])}, s.args[1:]...)
	}
	err := s.exec(real, argv, s.environ, script)
	return s.refuse("cannot run the real bash %s: %v; nothing was run", real, err)
}

// execve is the exec step of gatesh as a process: a script read from stdin
// becomes bash's stdin again, as an in-memory file holding exactly what was
// judged, and the process becomes bash.
func execve(bash string, argv, env []string, script []byte) error {
	if script != nil {
		if err := replaceStdin(script); err != nil {
			return fmt.Errorf("handing it the script read from stdin: %w", err)
		}
	}
	return syscall.Exec(bash, argv, env)
}

// replaceStdin puts content on descriptor 0 as a sealed memory file positioned at
// its start.
func replaceStdin(content []byte) error {
	fd, err := memfd("gatesh-script")
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), "script")
	defer f.Close()
	if _, err := f.Write(content); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return syscall.Dup2(fd, 0)
}

// memfd creates an anonymous memory file, without close-on-exec so that the dup
// on descriptor 0 is what bash gets.
func memfd(name string) (int, error) {
	fd, err := unix.MemfdCreate(name, 0)
	if err != nil {
		return -1, fmt.Errorf("memfd_create: %w", err)
	}
	return fd, nil
}

// explain is the one-line account of a refusal: the command, each rule and its
// message, and what to do.
func explain(resp wire.Response, todo string) string {
	var b strings.Builder
	if resp.Line != "" {
		// A nested call (a script a program of the agent's line ran through
		// the shim): the agent knows its own line, not the script.
		b.WriteString("your command `" + oneLine(resp.Line, 160) + "` ran ")
	}
	b.WriteString("`" + oneLine(resp.Command, 160) + "`")
	for i, r := range resp.Reasons {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more rules)", len(resp.Reasons)-3)
			break
		}
		fmt.Fprintf(&b, " [%s] %s", r.ID, oneLine(r.Msg, 600))
	}
	if len(resp.Reasons) == 0 {
		b.WriteString(" " + todo)
	}
	return b.String()
}

// oneLine folds whitespace runs to one space and cuts s to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// say prints one gatesh: line (whitespace folded: harnesses read it as one line).
func (s *shell) say(format string, args ...any) {
	msg := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
	fmt.Fprintln(s.stderr, "gatesh: "+msg)
}

// refuse prints one gatesh: line (whitespace folded: harnesses read it as one
// line) and returns 126.
func (s *shell) refuse(format string, args ...any) int {
	s.say(format, args...)
	return statusRefused
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
