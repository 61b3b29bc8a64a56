// Command gatectl is the person's console for gatesh and, later, its daemon: it
// checks command lines against the policy, prints the policy input, and runs the
// policy's unit tests.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is what a subcommand may use of the process it runs in.
type env struct {
	args    []string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	getenv  func(string) string
	environ []string
	getwd   func() (string, error)
}

// errUsage marks errors that are the caller's mistake (exit 2, usage printed).
var errUsage = errors.New("usage")

// exitError carries an exit status chosen by a subcommand.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

const usage = `usage: gatectl <command> [arguments]

commands:
  check [--cwd DIR] [--json] [--explain] [--batch FILE|-] -- 'CMD'
                         decide a command line without running it
  input [--cwd DIR] -- 'CMD'
                         print the policy input document for a command line
  test [-v] [DIR]        run the Rego unit tests of the defaults and of DIR
                         (default: the user policy directory), with coverage
  rules [--json] [--all] [PACKAGE|ID ...]
                         the rule packages and what their # METADATA says: title,
                         classes, rule ids, guards, description; an argument keeps
                         one package (git, gatesh.rules.git) or rule ids (git.push)
  serve [--idle D] [--agent-uid UID]
                         the daemon gatesh asks (gatesh starts it when needed)
  decide                 one-shot decision: a gatesh request on stdin, the answer
                         on stdout (what gatesh falls back on without a daemon)
  install [--dir DIR] [--agent NAME] [--apply] [--print]
                         create the shim directory (bash and sh -> gatesh) and print
                         an agent's setup (NAME: claude-code|codex|gemini|aider|generic);
                         --apply writes Claude Code's settings.json
  doctor [--agent NAME] [--shell PATH]
                         check that the agent's shell is gatesh and the gate is in
                         the path (exit 0 all passed, 1 otherwise)
  list [--json] [--all]  held requests waiting for a person (--all: decided ones too)
  show [--json] ID       one request with its facts
  queue [--no-bell] [--once]
                         the live view of held requests: approve (once or with a
                         grant), deny with a reason, read their facts; a bell and
                         a desktop notification when one arrives (--no-bell: none).
                         Needs a terminal; --once prints the list as list does
  approve ID [--grant DURATION [--pattern GLOB]]
                         run a held command (once, or remembered for DURATION)
  deny ID [--reason TEXT]
                         refuse a held command; the agent is told the reason
  grants [--json] [--all]
                         remembered approvals
  revoke ID              forget a grant
  log [--since D|TIME] [--action A,...] [--class C,...] [--grep TEXT] [--limit N]
      [--json] [--file PATH]
                         the decision log, one line per decision or event: time,
                         action (or event: approve, deny-request, grant-use, expire,
                         gone), class, agent, command, first rule; --json prints the
                         entries as logged. --since takes 1h, 7d, an RFC 3339 time or
                         2006-01-02; --action matches the policy's action or the
                         event; --grep searches command, rule ids and messages.
                         Exit 0 (also with no log yet), 1 if a line was unreadable
  log --verify [--file PATH]
                         check the log's hash chain: exit 0 intact, 1 broken (the
                         line and what it means) or no log at all. Lines cut from
                         the end show only against the head it prints
  sessions [--json]      recorded interactive sessions: id, start, length, size,
                         markers (the gate's decisions), agent, title
  replay ID|PATH [--speed N] [--idle-limit SECONDS] [--screen]
                         play a recorded session to stdout (--speed 0: no waiting);
                         --screen prints the screen it ends on instead. Exit 1 if
                         the recording is damaged, after playing what precedes it
  version                print the version

Policy options (check, input, test, rules):
  --policy-dir DIR       user policy directory (default: $GATESH_HOME/config/policies
                         or ~/.config/gatesh/policies)
  --no-defaults          use only the user policy directory's rules

check and input exit 0 whatever the action, 2 on a usage or policy error.
`

func main() {
	e := env{
		args:    os.Args[1:],
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		getenv:  os.Getenv,
		environ: os.Environ(),
		getwd:   os.Getwd,
	}
	os.Exit(run(context.Background(), e))
}

func run(ctx context.Context, e env) int {
	if len(e.args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	cmd, rest := e.args[0], e.args[1:]
	e.args = rest
	var err error
	switch cmd {
	case "check":
		err = runCheck(ctx, e, false)
	case "input":
		err = runCheck(ctx, e, true)
	case "test":
		err = runTest(ctx, e)
	case "rules":
		err = runRules(ctx, e)
	case "serve":
		err = runServe(ctx, e)
	case "decide":
		err = runDecide(ctx, e)
	case "list":
		err = runList(ctx, e)
	case "show":
		err = runShow(ctx, e)
	case "queue":
		err = runQueue(ctx, e)
	case "approve":
		err = runApprove(ctx, e)
	case "deny":
		err = runDeny(ctx, e)
	case "grants":
		err = runGrants(ctx, e)
	case "revoke":
		err = runRevoke(ctx, e)
	case "install":
		err = runInstall(ctx, e)
	case "doctor":
		err = runDoctor(ctx, e)
	case "log":
		err = runLog(ctx, e)
	case "sessions":
		err = runSessions(ctx, e)
	case "replay":
		err = runReplay(ctx, e)
	case "version", "--version":
		fmt.Fprintln(e.stdout, "gatectl", version)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
	default:
		fmt.Fprintf(e.stderr, "gatectl: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.stderr, "gatectl %s: %v\n", cmd, err)
		return 2
	default:
		fmt.Fprintf(e.stderr, "gatectl %s: %v\n", cmd, err)
		return 2
	}
}
