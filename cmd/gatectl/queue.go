package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/queue"
)

// gatectl queue: the live view of the held requests, for the person. The view
// itself is internal/queue; this wires it to the daemon and the terminal.

func runQueue(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("queue", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	once := fs.Bool("once", false, "print the pending requests as gatectl list does and exit (needs no terminal)")
	noBell := fs.Bool("no-bell", false, "no bell and no desktop notification when a request arrives")
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: queue takes no arguments", errUsage)
	}
	if *once {
		rs, err := daemonBackend{e}.List(ctx)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			fmt.Fprintln(e.stdout, "no requests waiting")
			return nil
		}
		printRequests(e.stdout, rs)
		return nil
	}
	if !atTerminal(e) || !isTerminal(e.stdout) {
		fmt.Fprintln(e.stderr, "gatectl queue: needs a terminal on stdin and stdout: a person answers here. In a script, use gatectl queue --once or gatectl list")
		return exitError{1}
	}
	m := queue.New(queueConfig(ctx, e, !*noBell))
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintln(e.stderr, "gatectl queue:", err)
		return exitError{1}
	}
	// The view is gone with the alternate screen: say what was done in it.
	for _, a := range m.Actions() {
		fmt.Fprintln(e.stdout, a)
	}
	return nil
}

// queueConfig is the queue as gatectl runs it: the daemon, the text helpers of
// the other listings, and the bell.
func queueConfig(ctx context.Context, e env, bell bool) queue.Config {
	cfg := queue.Config{
		Backend: daemonBackend{e},
		Text:    queue.Text{Push: pushFacts},
		Context: ctx,
	}
	if bell {
		cfg.Alert = alerter(e.stdout, lookPath("notify-send"))
	}
	return cfg
}

// daemonBackend is the queue's backend: one request to the daemon per call
// (which starts the daemon if it is not running).
type daemonBackend struct{ e env }

func (b daemonBackend) List(ctx context.Context) ([]console.RequestInfo, error) {
	resp, err := ask(ctx, b.e, console.Request{Op: console.OpList})
	return resp.Requests, err
}

func (b daemonBackend) Show(ctx context.Context, id int64) (console.RequestInfo, error) {
	return one(ask(ctx, b.e, console.Request{Op: console.OpShow, ID: id}))
}

func (b daemonBackend) Approve(ctx context.Context, id int64, grant, pattern string) (console.RequestInfo, error) {
	return one(ask(ctx, b.e, console.Request{Op: console.OpApprove, ID: id, Grant: grant, Pattern: pattern}))
}

func (b daemonBackend) Deny(ctx context.Context, id int64, reason string) (console.RequestInfo, error) {
	return one(ask(ctx, b.e, console.Request{Op: console.OpDeny, ID: id, Reason: reason}))
}

func one(resp console.Response, err error) (console.RequestInfo, error) {
	if err != nil {
		return console.RequestInfo{}, err
	}
	if len(resp.Requests) != 1 {
		return console.RequestInfo{}, errors.New("the daemon answered without the request")
	}
	return resp.Requests[0], nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func lookPath(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

// alerter rings the terminal's bell and, when notifySend is set, shows a
// desktop notification, without waiting for it. It runs off the UI loop.
func alerter(out io.Writer, notifySend string) func([]console.RequestInfo) {
	return func(news []console.RequestInfo) {
		out.Write([]byte("\a"))
		if notifySend == "" || len(news) == 0 {
			return
		}
		summary := fmt.Sprintf("gatesh: request %d waits for you", news[0].ID)
		if len(news) > 1 {
			summary = fmt.Sprintf("gatesh: %d new requests wait for you", len(news))
		}
		var body []string
		for i, r := range news {
			if i == 3 {
				body = append(body, fmt.Sprintf("and %d more", len(news)-i))
				break
			}
			body = append(body, fmt.Sprintf("request %d (%s): %s", r.ID, display(r.Agent, 20), display(r.Command, 100)))
		}
		// Notification servers read some markup in the body: the agent's text
		// is shown as written.
		text := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(strings.Join(body, "\n"))
		cmd := exec.Command(notifySend, "--app-name=gatesh", "--", summary, text)
		if cmd.Start() == nil {
			go cmd.Wait()
		}
	}
}
