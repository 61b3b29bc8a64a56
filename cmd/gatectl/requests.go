package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/queue"
	"github.com/gatesh/gatesh/internal/termtext"
)

// The person's side of held commands: list, show, approve, deny, grants,
// revoke. Each is one request to the daemon, which keeps the requests.

// ask sends one of the person's requests to the user's daemon, on its console
// socket.
func ask(ctx context.Context, e env, req console.Request) (console.Response, error) {
	d, err := dirs.From(e.getenv)
	if err != nil {
		return console.Response{}, err
	}
	duid, err := client.DaemonUIDFrom(e.getenv)
	if err != nil {
		return console.Response{}, err
	}
	c := client.Client{Runtime: d.Runtime, Env: e.environ, DaemonUID: duid}
	resp, err := console.Do(ctx, &c, req)
	if err != nil {
		return resp, err
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	return resp, nil
}

// query asks the daemon for the named subcommand; a failure is said on stderr
// and is exit status 1.
func query(ctx context.Context, e env, name string, req console.Request) (console.Response, error) {
	resp, err := ask(ctx, e, req)
	if err != nil {
		fmt.Fprintf(e.stderr, "gatectl %s: %v\n", name, err)
		return resp, exitError{1}
	}
	return resp, nil
}

// answer is query for a person's answer (approve, deny, revoke): it is refused
// without a terminal on stdin.
func answer(ctx context.Context, e env, name string, req console.Request) (console.Response, error) {
	if !atTerminal(e) {
		fmt.Fprintf(e.stderr, "gatectl %s: %v\n", name, errNoTerminal)
		return console.Response{}, exitError{1}
	}
	return query(ctx, e, name, req)
}

// atTerminal reports whether stdin is a terminal: approving and denying need a
// person, and a command the agent runs has none.
func atTerminal(e env) bool {
	f, ok := e.stdin.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func runList(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print a JSON array of requests")
	all := fs.Bool("all", false, "include decided requests, not only pending ones")
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	resp, err := query(ctx, e, "list", console.Request{Op: console.OpList, All: *all})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, resp.Requests, false)
	}
	if len(resp.Requests) == 0 {
		fmt.Fprintln(e.stdout, "no requests waiting")
		return nil
	}
	printRequests(e.stdout, resp.Requests)
	return nil
}

// printRequests is the table of list (and of the queue's plain mode).
func printRequests(w io.Writer, rs []console.RequestInfo) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAGE\tSTATUS\tAGENT\tCLASS\tCOMMAND")
	waiting := false
	for _, r := range rs {
		status := r.Status
		if r.Waiting {
			status += "*"
			waiting = true
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, age(r.Created), status, r.Agent, r.Class, display(r.Command, 80))
	}
	tw.Flush()
	if waiting {
		fmt.Fprintln(w, "(* the agent's command is waiting for your answer)")
	}
}

func age(rfc string) string { return queue.Age(rfc, time.Now()) }

// display fits text an agent wrote on one line of the person's terminal, with
// control characters (escape sequences among them) made visible, not obeyed.
func display(s string, n int) string { return termtext.Cut(termtext.OneLine(s), n) }

func runShow(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print the request as JSON, with its facts")
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	id, err := requestID(fs)
	if err != nil {
		return err
	}
	resp, err := query(ctx, e, "show", console.Request{Op: console.OpShow, ID: id})
	if err != nil {
		return err
	}
	r := resp.Requests[0]
	if *asJSON {
		return writeJSON(e.stdout, r, true)
	}
	printRequest(e.stdout, r)
	return nil
}

// printRequest shows what a person needs to decide.
func printRequest(w io.Writer, r console.RequestInfo) {
	fmt.Fprintf(w, "request %d  %s  (%s ago)\n", r.ID, r.Status, age(r.Created))
	fmt.Fprintf(w, "  command    %s\n", termtext.OneLine(r.Command))
	if r.Text != "" {
		fmt.Fprintf(w, "  sent as    %s\n", display(r.Text, 200))
	}
	fmt.Fprintf(w, "  cwd        %s\n", termtext.OneLine(r.Cwd))
	if r.Workspace != "" {
		fmt.Fprintf(w, "  workspace  %s (branch %s)\n", r.Workspace, r.Branch)
	}
	fmt.Fprintf(w, "  agent      %s %s\n", r.Agent, r.Session)
	fmt.Fprintf(w, "  class      %s\n", r.Class)
	for _, rule := range r.Rules {
		fmt.Fprintf(w, "  rule       %s: %s\n", rule.ID, termtext.OneLine(rule.Msg))
	}
	if p := pushFacts(r.Facts); p != "" {
		fmt.Fprintf(w, "  push       %s\n", termtext.OneLine(p))
	}
	if r.Approver != "" {
		fmt.Fprintf(w, "  decided    %s by %s %s\n", r.Decided, r.Approver, r.Reason)
	}
	if r.Waiting {
		fmt.Fprintln(w, "  the agent's command is waiting for your answer")
	}
}

// pushFacts summarizes the git pushes in a request's facts: remote and
// refspecs, what a person most needs to see before a push runs.
func pushFacts(facts json.RawMessage) string {
	var cmds []struct {
		Git *struct {
			Push *struct {
				Remote   string `json:"remote"`
				Refspecs []struct {
					Src, Dst      string
					Force, Delete bool
				} `json:"refspecs"`
				Force, Mirror, All bool
			} `json:"push"`
		} `json:"git"`
	}
	if json.Unmarshal(facts, &cmds) != nil {
		return ""
	}
	var out []string
	for _, c := range cmds {
		if c.Git == nil || c.Git.Push == nil {
			continue
		}
		p := c.Git.Push
		s := "to " + p.Remote
		if p.Remote == "" {
			s = "to the default remote"
		}
		for _, r := range p.Refspecs {
			spec := r.Src + ":" + r.Dst
			if r.Force || p.Force {
				spec = "+" + spec + " (force)"
			}
			if r.Delete {
				spec = "delete " + r.Dst
			}
			s += " " + spec
		}
		if p.Mirror {
			s += " --mirror"
		}
		if p.All {
			s += " --all"
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func requestID(fs *flag.FlagSet) (int64, error) {
	if fs.NArg() != 1 {
		return 0, fmt.Errorf("%w: give one request number", errUsage)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(fs.Arg(0), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %q is not a request number", errUsage, fs.Arg(0))
	}
	return id, nil
}

// errNoTerminal is the refusal of an approval without a person at a terminal.
var errNoTerminal = errors.New("approving and denying need a person at a terminal (stdin is not one); run gatectl from your own terminal")

func runApprove(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("approve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	grant := fs.String("grant", "", "also remember the approval for this long (e.g. 1h; at most 24h): the same command, in the same workspace (and branch, for git rules), runs without asking")
	pattern := fs.String("pattern", "", "with --grant: cover commands matching this glob (* = anything) instead of only the exact command")
	if err := fs.Parse(reorder(e.args)); err != nil {
		return exitError{2}
	}
	id, err := requestID(fs)
	if err != nil {
		return err
	}
	if *pattern != "" && *grant == "" {
		return fmt.Errorf("%w: --pattern needs --grant", errUsage)
	}
	resp, err := answer(ctx, e, "approve", console.Request{Op: console.OpApprove, ID: id, Grant: *grant, Pattern: *pattern})
	if err != nil {
		return err
	}
	r := resp.Requests[0]
	msg := fmt.Sprintf("approved request %d: %s", r.ID, display(r.Command, 100))
	if r.GrantID != 0 {
		msg += fmt.Sprintf(" (grant %d, %s)", r.GrantID, *grant)
	}
	if !r.Waiting {
		msg += "; the agent's command is no longer waiting: it runs when the agent sends it again"
	}
	fmt.Fprintln(e.stdout, msg)
	return nil
}

func runDeny(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("deny", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	reason := fs.String("reason", "", "tell the agent why")
	if err := fs.Parse(reorder(e.args)); err != nil {
		return exitError{2}
	}
	id, err := requestID(fs)
	if err != nil {
		return err
	}
	resp, err := answer(ctx, e, "deny", console.Request{Op: console.OpDeny, ID: id, Reason: *reason})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "denied request %d: %s\n", resp.Requests[0].ID, display(resp.Requests[0].Command, 100))
	return nil
}

func runGrants(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("grants", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print a JSON array of grants")
	all := fs.Bool("all", false, "include expired and revoked grants")
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	resp, err := query(ctx, e, "grants", console.Request{Op: console.OpGrants, All: *all})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, resp.Grants, false)
	}
	if len(resp.Grants) == 0 {
		fmt.Fprintln(e.stdout, "no grants")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEXPIRES\tUSES\tRULES\tWORKSPACE\tBRANCH\tPATTERN")
	for _, g := range resp.Grants {
		expires := g.Expires
		if t, err := time.Parse(time.RFC3339, g.Expires); err == nil {
			expires = t.Local().Format("15:04 Jan 2")
		}
		if g.Revoked != "" {
			expires = "revoked"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\n", g.ID, expires, g.Uses, strings.Join(g.Rules, ","), g.Workspace, g.Branch, display(g.Pattern, 60))
	}
	return tw.Flush()
}

func runRevoke(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("revoke", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	id, err := requestID(fs)
	if err != nil {
		return err
	}
	resp, err := answer(ctx, e, "revoke", console.Request{Op: console.OpRevoke, ID: id})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked grant %d (%s)\n", resp.Grants[0].ID, display(resp.Grants[0].Pattern, 80))
	return nil
}

// reorder moves flags after the request number in front of it, so that both
// `approve 3 --grant 1h` and `approve --grant 1h 3` work.
func reorder(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && (a == "--grant" || a == "-grant" || a == "--pattern" || a == "-pattern" || a == "--reason" || a == "-reason") {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	return append(flags, rest...)
}
