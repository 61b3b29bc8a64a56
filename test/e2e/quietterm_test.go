package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/gatesh/gatesh/internal/vtscreen"
)

// A terminal that never answers: script(1), a serial console, some
// multiplexers, a slow ssh link. A program that asks such a terminal a question
// (its background colour, the cursor's position) waits for its own timeout,
// and the question's bytes land in the output. gatectl asks nothing, except
// gatectl queue, which may ask but never waits for the answer. (Bubble Tea v1
// asked for the background colour when its package was loaded, in every
// gatectl command: 5 s each, and "\x1b]11;?\x1b\\\x1b[6n" in the output.)

// quietTermEnv is a terminal type that does not tell a program to keep
// quiet (the Env's TERM=dumb would: libraries ask no dumb terminal anything).
const quietTermEnv = "TERM=xterm-256color"

// termQueries are the questions a program asks a terminal, by name.
var termQueries = map[string]string{
	"background colour (OSC 11)":             "\x1b]11;?",
	"foreground colour (OSC 10)":             "\x1b]10;?",
	"cursor colour (OSC 12)":                 "\x1b]12;?",
	"cursor position (DSR 6)":                "\x1b[6n",
	"device attributes (DA1)":                "\x1b[c",
	"secondary device attributes (DA2)":      "\x1b[>c",
	"terminal version (XTVERSION)":           "\x1b[>0q",
	"a mode (DECRQM)":                        "$p",
	"kitty keyboard flags":                   "\x1b[?u",
	"a capability (XTGETTCAP)":               "\x1bP+q",
	"the clipboard (OSC 52)":                 "\x1b]52;",
	"window size in pixels (XTWINOPS 14/16)": "\x1b[14t",
}

// quietHang bounds a gatectl run on a quiet terminal. It only detects a hang:
// a command that waits for an answer never gets one.
const quietHang = 20 * time.Second

// quietTerm is a program on a fresh pseudo-terminal (its controlling
// terminal, stdin, stdout and stderr) on which the test never types unless
// told to, and which answers nothing.
type quietTerm struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	start  time.Time

	ptyLog
	exited  chan struct{}
	status  int
	elapsed time.Duration
}

// startQuiet starts gatectl args on a quiet terminal of 100x30 with the Env's
// environment, quietTermEnv and env.
func startQuiet(t *testing.T, e *Env, env []string, args ...string) *quietTerm {
	t.Helper()
	return startQuietPath(t, e, env, GatectlBin, args...)
}

// startQuietPath is startQuiet for any program.
func startQuietPath(t *testing.T, e *Env, env []string, path string, args ...string) *quietTerm {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = mergeEnv(e.Vars(), append([]string{quietTermEnv}, env...))
	cmd.Dir = e.Work
	q := &quietTerm{t: t, cmd: cmd, ptyLog: newPTYLog(), exited: make(chan struct{}), status: -1}
	q.start = time.Now()
	// pty.Start makes the terminal the controlling one (a new session), so
	// that gatectl is its foreground process group, as at a person's
	// terminal: a library asks only a terminal it has in the foreground.
	m, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 100, Rows: 30})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	q.master = m
	go q.collect(m, nil)
	go func() {
		defer close(q.exited)
		cmd.Wait()
		q.elapsed = time.Since(q.start)
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Exited():
				q.status = ws.ExitStatus()
			case ws.Signaled():
				q.status = 128 + int(ws.Signal())
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-q.exited:
		default:
			cmd.Process.Kill()
			<-q.exited
		}
		m.Close()
	})
	return q
}

// wait waits for the program to end (and the terminal to have given all it
// wrote) and returns its exit status; a program still running after quietHang
// is killed and fails the test.
func (q *quietTerm) wait() int {
	q.t.Helper()
	select {
	case <-q.exited:
	case <-time.After(quietHang):
		q.cmd.Process.Kill()
		<-q.exited
		q.t.Fatalf("%q did not end within %v on a terminal that never answers (it waits for an answer?); it wrote %q",
			q.cmd.Args, quietHang, q.output())
	}
	select {
	case <-q.readDone:
	case <-time.After(5 * time.Second):
		// Something it started holds the terminal: what was written is read.
	}
	return q.status
}

// output is everything the program wrote so far.
func (q *quietTerm) output() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return string(q.out)
}

// screen is what the output leaves on a 100x30 screen.
func (q *quietTerm) screen() string {
	s := vtscreen.New(100, 30)
	s.Write([]byte(q.output()))
	return s.Text()
}

// expectScreen waits until the screen holds every one of want.
func (q *quietTerm) expectScreen(what string, want ...string) string {
	q.t.Helper()
	deadline := time.After(quietHang)
	for {
		scr := q.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(scr, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return scr
		}
		select {
		case <-q.grew:
		case <-q.exited:
			q.t.Fatalf("%s: %q ended (status %d) without showing %q; screen:\n%s", what, q.cmd.Args, q.status, missing, scr)
		case <-deadline:
			q.t.Fatalf("%s: %q showed no %q within %v; screen:\n%s", what, q.cmd.Args, missing, quietHang, scr)
		}
	}
}

// send types keys.
func (q *quietTerm) send(keys string) {
	q.t.Helper()
	if _, err := q.master.Write([]byte(keys)); err != nil {
		q.t.Fatalf("typing %q: %v", keys, err)
	}
}

// queries names the terminal questions in out.
func queries(out string) []string {
	var asked []string
	for name, seq := range termQueries {
		if strings.Contains(out, seq) {
			asked = append(asked, name)
		}
	}
	return asked
}

// gatectl's commands write no escape sequence on a terminal, ask it nothing
// and end without waiting for it: list, approve and deny (which need a
// terminal), grants, log, check, doctor, usage and version.
func TestQuietTerminalCommands(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	e.SetVar("TMPDIR=" + t.TempDir())
	approveID := strconv.FormatInt(runHeld(t, e, pushCmd), 10)
	denyID := strconv.FormatInt(runHeld(t, e, "git push origin HEAD:refs/heads/other"), 10)
	for _, tc := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"list"}, 0, pushCmd},
		{[]string{"list", "--json"}, 0, `"id"`},
		{[]string{"queue", "--once"}, 0, pushCmd},
		{[]string{"grants"}, 0, ""},
		{[]string{"check", "--", "git status"}, 0, "allow"},
		{[]string{"log"}, 0, ""},
		{[]string{"doctor"}, -1, ""},
		{[]string{"--version"}, -1, ""},
		{[]string{"help"}, -1, "queue"},
		{[]string{"no-such-command"}, 2, ""},
		{[]string{"approve", approveID}, 0, "approved"},
		{[]string{"deny", denyID, "--reason", "not now"}, 0, "denied"},
		{[]string{"approve", "99999"}, 1, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			q := startQuiet(t, e, nil, tc.args...)
			status := q.wait()
			out := q.output()
			if asked := queries(out); len(asked) > 0 {
				t.Errorf("gatectl %s asked a terminal that never answers for: %s (it took %v)\n%q", strings.Join(tc.args, " "), strings.Join(asked, ", "), q.elapsed, out)
			}
			if i := strings.IndexByte(out, 0x1b); i >= 0 {
				t.Errorf("gatectl %s wrote an escape sequence at %d: %q", strings.Join(tc.args, " "), i, out)
			}
			if tc.status >= 0 && status != tc.status {
				t.Errorf("gatectl %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), status, tc.status, out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("gatectl %s did not print %q:\n%s", strings.Join(tc.args, " "), tc.want, out)
			}
			t.Logf("gatectl %s: %v", strings.Join(tc.args, " "), q.elapsed)
		})
	}
	if got, _ := findRequest(t, e, mustID(t, approveID)); got.Status != "approved" {
		t.Errorf("the approval on the quiet terminal did not take: %+v", got)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// gatectl queue on a terminal that never answers draws its view at once,
// takes keys (approve, quit), and waits for no answer: it may ask, but not
// about colours or the cursor, which it has no use for.
func TestQuietTerminalQueue(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	e.SetVar("TMPDIR=" + t.TempDir())
	id := runHeld(t, e, pushCmd)
	q := startQuiet(t, e, nil, "queue", "--no-bell")
	scr := q.expectScreen("the queue's first view",
		"gatesh queue: 1 request waiting for you", fmt.Sprintf("> %d ", id), pushCmd, "a approve once")
	drawn := time.Since(q.start)
	q.send("a")
	q.expectScreen("the approval", fmt.Sprintf("approved request %d:", id))
	q.send("q")
	if status := q.wait(); status != 0 {
		t.Fatalf("gatectl queue: exit %d after q; screen:\n%s", status, q.screen())
	}
	out := q.output()
	for _, name := range []string{"background colour (OSC 11)", "foreground colour (OSC 10)", "cursor position (DSR 6)"} {
		if strings.Contains(out, termQueries[name]) {
			t.Errorf("gatectl queue asked for the %s:\n%q", name, out)
		}
	}
	if !strings.Contains(q.screen(), fmt.Sprintf("approved request %d:", id)) {
		t.Errorf("after the queue closed, what was done in it is not said; screen:\n%s", q.screen())
	}
	if got, _ := findRequest(t, e, id); got.Status != "approved" {
		t.Errorf("a in the queue did not approve request %d: %+v", id, got)
	}
	t.Logf("view drawn after %v; ran %v in all; it asked for: %s\n%s", drawn, q.elapsed, strings.Join(queries(out), ", "), scr)
}

// The case from the issue: twenty agents held at once, each answered by
// gatectl approve run through script(1), a terminal that never replies. Each
// answer took 5 s when gatectl waited on the terminal, so twenty of them could
// not all be given within a 60 s hold; every agent must now run within its
// wait.
func TestQuietTerminalManyApprovals(t *testing.T) {
	if !haveScript() {
		t.Skip("no script(1) here")
	}
	script, _ := lookPath("script", SystemPath)
	e := NewEnv(t)
	e.Fresh()
	e.SetVar("TMPDIR=" + t.TempDir())
	head := e.Commit(e.Work, "quiet.txt", "quiet\n", "quiet")
	const n, hold = 20, 60
	agents := make([]*heldCall, n)
	for i := range n {
		agents[i] = startAgent(t, e, pushTo(fmt.Sprintf("q%d", i)), hold)
	}
	reqs := waitRequests(t, e, n)
	start := time.Now()
	for i := range n {
		req, ok := reqs[pushTo(fmt.Sprintf("q%d", i))]
		if !ok {
			t.Fatalf("no request for agent %d: %+v", i, reqs)
		}
		// script gives gatectl a terminal of its own and relays it; with
		// /dev/null on its stdin nothing ever answers on it.
		r := e.Run(Gatesh, Call{Path: script, Argv0: "script",
			Args: []string{"-qec", GatectlBin + " approve " + strconv.FormatInt(req.ID, 10), "/dev/null"},
			Env:  []string{quietTermEnv}})
		if r.Status != 0 || !strings.Contains(r.Stdout, "approved") {
			t.Fatalf("gatectl approve %d through script: %s", req.ID, r)
		}
		if asked := queries(r.Stdout); len(asked) > 0 {
			t.Errorf("gatectl approve %d through script asked for: %s (%v)\n%q", req.ID, strings.Join(asked, ", "), r.Elapsed, r.Stdout)
		}
	}
	answered := time.Since(start)
	for i, a := range agents {
		r := a.result(t, hold*time.Second)
		if ref := e.RemoteRef(fmt.Sprintf("refs/heads/q%d", i)); r.Status != 0 || ref != head {
			t.Errorf("agent %d was not let run within its %d s wait (all twenty answers took %v): ref %q: %s", i, hold, answered, ref, r)
		}
	}
	t.Logf("twenty approvals through script took %v", answered)
}
