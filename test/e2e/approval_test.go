package e2e

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the store's driver: a second process holding its lock
)

// Held commands end to end: a real gatesh waits on a real daemon while the
// person answers with gatectl at a (pseudo-)terminal; pushes go to the bare
// origin, so "it ran" and "it did not run" are facts of the remote.

// reqInfo is what the tests read of `gatectl list --json`.
type reqInfo struct {
	ID      int64  `json:"id"`
	Command string `json:"command"`
	Cwd     string `json:"cwd"`
	Status  string `json:"status"`
	Rules   []struct {
		ID  string `json:"id"`
		Msg string `json:"msg"`
	} `json:"rules"`
	Waiting  bool   `json:"waiting"`
	Approver string `json:"approver"`
	Reason   string `json:"reason"`
}

// grantJSON is what the tests read of `gatectl grants --json`.
type grantJSON struct {
	ID        int64    `json:"id"`
	Rules     []string `json:"rules"`
	Pattern   string   `json:"pattern"`
	Workspace string   `json:"workspace"`
	Branch    string   `json:"branch"`
	Expires   string   `json:"expires"`
	RequestID int64    `json:"request_id"`
	Uses      int      `json:"uses"`
	Revoked   string   `json:"revoked"`
}

// Ctl runs gatectl with the Env's environment in the work tree. stdin nil is
// /dev/null; give a PTY slave for "a person at a terminal".
func (e *Env) Ctl(stdin io.Reader, args ...string) Result {
	e.TB.Helper()
	return e.Run(Gatesh, Call{Path: GatectlBin, Argv0: "gatectl", Args: args, Stdin: stdin})
}

// ctlOK runs gatectl and fails the test unless it exits 0.
func ctlOK(t *testing.T, e *Env, stdin io.Reader, args ...string) Result {
	t.Helper()
	r := e.Ctl(stdin, args...)
	if r.Status != 0 {
		t.Fatalf("gatectl %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// listRequests is `gatectl list --json` (with --all: decided ones too).
func listRequests(t *testing.T, e *Env, all bool) []reqInfo {
	t.Helper()
	args := []string{"list", "--json"}
	if all {
		args = append(args, "--all")
	}
	r := ctlOK(t, e, nil, args...)
	var rs []reqInfo
	if err := json.Unmarshal([]byte(r.Stdout), &rs); err != nil {
		t.Fatalf("gatectl list --json printed no JSON array: %v\n%s", err, r)
	}
	return rs
}

// findRequest returns the request with id in list --all.
func findRequest(t *testing.T, e *Env, id int64) (reqInfo, bool) {
	t.Helper()
	for _, r := range listRequests(t, e, true) {
		if r.ID == id {
			return r, true
		}
	}
	return reqInfo{}, false
}

// waitRequest polls `gatectl list --json` until a pending request for command
// appears (and, with waiting, until the agent's gatesh waits on it).
func waitRequest(t *testing.T, e *Env, command string, waiting bool) reqInfo {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rs := listRequests(t, e, false)
		for _, r := range rs {
			if r.Command == command && r.Status == "pending" && (r.Waiting || !waiting) {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pending request for %q (waiting=%v) after 20s; list: %+v", command, waiting, rs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRequests polls until n pending requests wait, and returns them by command.
func waitRequests(t *testing.T, e *Env, n int) map[string]reqInfo {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rs := listRequests(t, e, false)
		byCmd := map[string]reqInfo{}
		for _, r := range rs {
			if r.Status == "pending" && r.Waiting {
				byCmd[r.Command] = r
			}
		}
		if len(byCmd) >= n {
			return byCmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests pending and waiting after 60s: %+v", len(byCmd), n, rs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func listGrants(t *testing.T, e *Env, all bool) []grantJSON {
	t.Helper()
	args := []string{"grants", "--json"}
	if all {
		args = append(args, "--all")
	}
	r := ctlOK(t, e, nil, args...)
	var gs []grantJSON
	if err := json.Unmarshal([]byte(r.Stdout), &gs); err != nil {
		t.Fatalf("gatectl grants --json printed no JSON array: %v\n%s", err, r)
	}
	return gs
}

// ttyFor is the slave end of a fresh pseudo-terminal: a stdin at which
// gatectl sees a person.
func ttyFor(t *testing.T) *os.File {
	t.Helper()
	_, slave := openPTY(t)
	return slave
}

// heldCall is a gatesh started in the background, as an agent's harness runs a
// command that may wait for the person.
type heldCall struct {
	cmd  string
	done chan Result
	kill func() // kills the gatesh (and what it started) at once
}

// startAgent runs `gatesh -c cmd` in the work tree with GATESH_HOLD_WAIT=wait.
// The call is killed (with its process group) when the test ends, before the
// Env's daemons are stopped, so that no gatesh outlives its test and starts a
// daemon again.
func startAgent(t *testing.T, e *Env, cmd string, wait int, env ...string) *heldCall {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := exec.CommandContext(ctx, ShimBash, "-c", cmd)
	c.Env = mergeEnv(e.Vars(), append([]string{"GATESH_HOLD_WAIT=" + strconv.Itoa(wait)}, env...))
	c.Dir = e.Work
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 5 * time.Second
	a := &heldCall{cmd: cmd, done: make(chan Result, 1), kill: cancel}
	start := time.Now()
	if err := c.Start(); err != nil {
		cancel()
		t.Fatalf("starting gatesh -c %q: %v", cmd, err)
	}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		c.Wait()
		r := Result{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start), Status: -1}
		if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Exited():
				r.Status = ws.ExitStatus()
			case ws.Signaled():
				r.Status = 128 + int(ws.Signal())
			}
		}
		a.done <- r
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
	})
	return a
}

// result waits for the agent's gatesh to end.
func (a *heldCall) result(t *testing.T, within time.Duration) Result {
	t.Helper()
	select {
	case r := <-a.done:
		a.done <- r // later calls see it too
		return r
	case <-time.After(within):
		t.Fatalf("gatesh -c %q did not end within %v", a.cmd, within)
		return Result{}
	}
}

// finished returns the agent's result if it has ended.
func (a *heldCall) finished() (Result, bool) {
	select {
	case r := <-a.done:
		a.done <- r
		return r, true
	default:
		return Result{}, false
	}
}

// heldID is the request number in a "held as request N" line, 0 if none.
func heldID(stderr string) int64 {
	m := regexp.MustCompile(`held as request (\d+)`).FindStringSubmatch(stderr)
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// pushTo is a push of HEAD to a branch of origin: held by the default policy.
func pushTo(branch string) string { return "git push origin HEAD:refs/heads/" + branch }

// runHeld runs cmd through gatesh with no wait and checks that it is held as
// a request (not run); it returns the request number.
func runHeld(t *testing.T, e *Env, cmd string) int64 {
	t.Helper()
	r := e.Gatesh(Call{Args: []string{"-c", cmd}})
	id := heldID(r.Stderr)
	if r.Status != 126 || id == 0 || r.Stdout != "" {
		t.Fatalf("%q was not held as a request: %s", cmd, r)
	}
	if !strings.Contains(r.Stderr, "run the same command again") {
		t.Errorf("the message does not tell the agent to run the same command again: %q", r.Stderr)
	}
	return id
}

// runRuns runs cmd through gatesh and checks that it ran (exit 0) without a
// new hold.
func runRuns(t *testing.T, e *Env, cmd, why string) Result {
	t.Helper()
	r := e.Gatesh(Call{Args: []string{"-c", cmd}})
	if r.Status != 0 || strings.Contains(r.Stderr, "gatesh:") {
		t.Fatalf("%s: %q did not run: %s", why, cmd, r)
	}
	return r
}

// 1. A person approves: the waiting gatesh runs the push.
func TestApprovalApprove(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	a := startAgent(t, e, pushCmd, 30)
	req := waitRequest(t, e, pushCmd, true)
	if req.Cwd != e.Work || len(req.Rules) == 0 || req.Rules[0].ID == "" {
		t.Errorf("the request does not say where and why: %+v", req)
	}
	if _, done := a.finished(); done {
		t.Fatalf("gatesh ended before the person answered")
	}
	if pushed(e) {
		t.Fatal("the push reached origin before the approval")
	}
	tty := ttyFor(t)
	out := ctlOK(t, e, tty, "approve", strconv.FormatInt(req.ID, 10))
	if !strings.Contains(out.Stdout, fmt.Sprintf("approved request %d", req.ID)) {
		t.Errorf("gatectl approve says %q", out.Stdout)
	}
	r := a.result(t, 20*time.Second)
	if r.Status != 0 {
		t.Fatalf("the approved push did not run: %s", r)
	}
	if !pushed(e) {
		t.Errorf("the approved push did not reach origin: %s", r)
	}
	if !strings.Contains(r.Stderr, fmt.Sprintf("gatesh: held as request %d:", req.ID)) || !strings.Contains(r.Stderr, "waiting up to 30 s") {
		t.Errorf("stderr lacks the held line: %q", r.Stderr)
	}
	if got, ok := findRequest(t, e, req.ID); !ok || got.Status != "used" || got.Approver == "" {
		t.Errorf("after the approved run the request is %+v, want used with its approver", got)
	}
}

// 2. A person denies: 126 with their reason, the remote unchanged.
func TestApprovalDeny(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	a := startAgent(t, e, pushCmd, 30)
	req := waitRequest(t, e, pushCmd, true)
	tty := ttyFor(t)
	ctlOK(t, e, tty, "deny", strconv.FormatInt(req.ID, 10), "--reason", "not today")
	r := a.result(t, 20*time.Second)
	if r.Status != 126 || r.Stdout != "" {
		t.Fatalf("the denied push: %s", r)
	}
	for _, want := range []string{fmt.Sprintf("denied request %d", req.ID), "not today", pushCmd} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the denial does not say %q: %q", want, r.Stderr)
		}
	}
	if e.RemoteRef("main") != before {
		t.Errorf("the denied push reached origin")
	}
	if got, _ := findRequest(t, e, req.ID); got.Status != "denied" || got.Reason != "not today" {
		t.Errorf("the denied request is %+v", got)
	}
	// A denial is final: approving it afterwards does nothing.
	if r := e.Ctl(tty, "approve", strconv.FormatInt(req.ID, 10)); r.Status == 0 {
		t.Errorf("a denied request could be approved: %s", r)
	}
}

// 3. The wait runs out: 126 telling the agent to ask and run it again; the
// person approves later; the same command then runs, once.
func TestApprovalWaitRunsOut(t *testing.T) {
	t.Parallel()
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	a := startAgent(t, e, pushCmd, 1)
	r := a.result(t, 20*time.Second)
	id := heldID(r.Stderr)
	if r.Status != 126 || id == 0 || !strings.Contains(r.Stderr, "run the same command again") || r.Stdout != "" {
		t.Fatalf("a hold whose wait ran out: %s", r)
	}
	if !strings.Contains(r.Stderr, fmt.Sprintf("approve request %d", id)) {
		t.Errorf("the message does not name the request to approve: %q", r.Stderr)
	}
	if r.Elapsed > 10*time.Second {
		t.Errorf("a 1 s wait took %v", r.Elapsed)
	}
	if e.RemoteRef("main") != before {
		t.Fatal("the push ran although nobody approved it")
	}
	if got, ok := findRequest(t, e, id); !ok || got.Status != "pending" {
		t.Fatalf("after the wait the request is %+v, want pending", got)
	}

	tty := ttyFor(t)
	out := ctlOK(t, e, tty, "approve", strconv.FormatInt(id, 10))
	if !strings.Contains(out.Stdout, "no longer waiting") {
		t.Errorf("gatectl approve does not say the agent's command no longer waits: %q", out.Stdout)
	}
	if e.RemoteRef("main") != before {
		t.Fatal("approving a request nobody waits on ran it")
	}

	// The approval is for that command in that directory: from another
	// directory the same text holds as a request of its own.
	sub := filepath.Join(e.Work, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	r = e.Gatesh(Call{Args: []string{"-c", pushCmd}, Dir: sub})
	if other := heldID(r.Stderr); r.Status != 126 || other == 0 || other == id || e.RemoteRef("main") != before {
		t.Fatalf("the approval of request %d served the same command in another directory: %s", id, r)
	}
	runRuns(t, e, pushCmd, "the same command after the approval")
	if !pushed(e) {
		t.Fatal("the approved push did not reach origin")
	}

	// The approval was used up: the same command holds again, as a new request.
	e.Commit(e.Work, "later.txt", "later\n", "a later commit")
	after := e.RemoteRef("main")
	again := runHeld(t, e, pushCmd)
	if again == id {
		t.Errorf("the used approval's request %d was reused", id)
	}
	if e.RemoteRef("main") != after {
		t.Error("an approve-once served twice")
	}
}

// 4. A grant lets the same command run without a request until it expires or
// is revoked, and counts its uses.
func TestApprovalGrant(t *testing.T) {
	t.Parallel()
	e := NewEnv(t)
	e.Fresh()
	tty := ttyFor(t)
	cmd := pushTo("feature")
	c1 := e.Commit(e.Work, "one.txt", "1\n", "one")
	a := startAgent(t, e, cmd, 30)
	req := waitRequest(t, e, cmd, true)
	ctlOK(t, e, tty, "approve", strconv.FormatInt(req.ID, 10), "--grant", "3s")
	granted := time.Now()
	if r := a.result(t, 20*time.Second); r.Status != 0 || e.RemoteRef("refs/heads/feature") != c1 {
		t.Fatalf("the approved push: %s", r)
	}

	c2 := e.Commit(e.Work, "two.txt", "2\n", "two")
	r := e.Gatesh(Call{Args: []string{"-c", cmd}})
	if r.Status != 0 || strings.Contains(r.Stderr, "held") {
		t.Fatalf("the grant did not cover the same push %v after it was given: %s", time.Since(granted), r)
	}
	if e.RemoteRef("refs/heads/feature") != c2 {
		t.Fatal("the push under the grant did not reach origin")
	}
	if rs := listRequests(t, e, false); len(rs) != 0 {
		t.Errorf("a push under a grant made a request: %+v", rs)
	}
	gs := listGrants(t, e, true)
	if len(gs) != 1 {
		t.Fatalf("grants: %+v, want one", gs)
	}
	g := gs[0]
	if g.Uses != 1 || g.RequestID != req.ID || g.Pattern != cmd || g.Workspace != e.Work || !hasString(g.Rules, "git.push") {
		t.Errorf("the grant is %+v: want uses 1, request %d, pattern %q, workspace %s, rule git.push", g, req.ID, cmd, e.Work)
	}

	// After it expires, the same command holds again.
	exp, err := time.Parse(time.RFC3339, g.Expires)
	if err != nil {
		t.Fatalf("the grant's expiry %q: %v", g.Expires, err)
	}
	time.Sleep(time.Until(exp.Add(1100 * time.Millisecond)))
	e.Commit(e.Work, "three.txt", "3\n", "three")
	second := runHeld(t, e, cmd)
	if e.RemoteRef("refs/heads/feature") != c2 {
		t.Fatal("an expired grant let the push run")
	}
	if gs := listGrants(t, e, false); len(gs) != 0 {
		t.Errorf("an expired grant is listed as active: %+v", gs)
	}

	// A second grant: the approval itself is used first, then the grant; a
	// revoked grant covers nothing.
	ctlOK(t, e, tty, "approve", strconv.FormatInt(second, 10), "--grant", "1h")
	runRuns(t, e, cmd, "the approved request")
	c4 := e.Commit(e.Work, "four.txt", "4\n", "four")
	runRuns(t, e, cmd, "under the one-hour grant")
	if e.RemoteRef("refs/heads/feature") != c4 {
		t.Fatal("the push under the second grant did not reach origin")
	}
	// The grant covers that command, not another push.
	runHeld(t, e, pushTo("other"))
	if e.RemoteRef("refs/heads/other") != "" {
		t.Fatal("a grant for one push let another run")
	}
	gs = listGrants(t, e, false)
	if len(gs) != 1 || gs[0].Uses != 1 || gs[0].RequestID != second {
		t.Fatalf("active grants: %+v, want the second one with one use", gs)
	}
	gid := strconv.FormatInt(gs[0].ID, 10)
	if r := e.Ctl(nil, "revoke", gid); r.Status != 1 || !strings.Contains(r.Stderr, "terminal") {
		t.Errorf("revoke without a terminal: %s", r)
	}
	if len(listGrants(t, e, false)) != 1 {
		t.Fatal("a revoke without a terminal took effect")
	}
	ctlOK(t, e, tty, "revoke", gid)
	if gs := listGrants(t, e, false); len(gs) != 0 {
		t.Errorf("a revoked grant is listed as active: %+v", gs)
	}
	revoked := false
	for _, g := range listGrants(t, e, true) {
		if strconv.FormatInt(g.ID, 10) == gid {
			revoked = g.Revoked != ""
		}
	}
	if !revoked {
		t.Errorf("grants --all does not show grant %s as revoked", gid)
	}
	e.Commit(e.Work, "five.txt", "5\n", "five")
	runHeld(t, e, cmd)
	if e.RemoteRef("refs/heads/feature") != c4 {
		t.Error("a revoked grant let the push run")
	}
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// 5. Approving and denying need a terminal on stdin.
func TestApprovalNeedsTerminal(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	id := runHeld(t, e, pushCmd)
	n := strconv.FormatInt(id, 10)
	for _, args := range [][]string{{"approve", n}, {"approve", n, "--grant", "1h"}, {"deny", n, "--reason", "x"}} {
		r := e.Ctl(nil, args...)
		if r.Status != 1 || !strings.Contains(r.Stderr, "terminal") || r.Stdout != "" {
			t.Errorf("gatectl %s without a terminal: %s", strings.Join(args, " "), r)
		}
	}
	// A pipe is not a terminal either.
	pr, _ := e.Pipe()
	if r := e.Ctl(pr, "approve", n); r.Status != 1 || !strings.Contains(r.Stderr, "terminal") {
		t.Errorf("gatectl approve with a pipe on stdin: %s", r)
	}
	if got, _ := findRequest(t, e, id); got.Status != "pending" {
		t.Errorf("after the refused approvals the request is %+v", got)
	}
	if pushed(e) || len(listGrants(t, e, true)) != 0 {
		t.Error("a refused approval had an effect")
	}
}

// 6. The agent cannot approve its own request: gatectl approve from the
// agent's shell is denied by policy, and a gatectl inside a command the gate
// let run (even on a terminal it made itself) is refused by the daemon.
func TestApprovalNotFromAgent(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	e.SetVar("PATH=" + ShimDir + ":" + BinDir + ":" + SystemPath) // gatectl on the agent's PATH
	id := runHeld(t, e, pushCmd)
	n := strconv.FormatInt(id, 10)
	tty := ttyFor(t)
	pending := func(what string) {
		t.Helper()
		if got, _ := findRequest(t, e, id); got.Status != "pending" {
			t.Errorf("%s: the request is now %+v", what, got)
		}
		if pushed(e) {
			t.Errorf("%s: the push reached origin", what)
		}
	}
	for _, cmd := range []string{
		"gatectl approve " + n,
		GatectlBin + " approve " + n,
		"gatectl deny " + n,
		`script -qec "gatectl approve ` + n + `" /dev/null`,
	} {
		if strings.HasPrefix(cmd, "script") && !haveScript() {
			continue
		}
		r := e.Gatesh(Call{Args: []string{"-c", cmd}, Stdin: tty})
		assertFailClosed(t, r, "tamper.gatectl")
		pending(cmd)
	}
	// A script the policy does not look into runs gatectl approve in a PTY of
	// its own: the daemon sees that it descends from a command it let run.
	helper := filepath.Join(e.Root, "approve-it")
	if err := os.WriteFile(helper, []byte("#!/bin/sh\nexec gatectl approve \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmds := []string{helper + " " + n}
	if haveScript() {
		cmds = append(cmds, `script -qec "`+helper+" "+n+`" /dev/null`)
	}
	for _, cmd := range cmds {
		r := e.Gatesh(Call{Args: []string{"-c", cmd}, Stdin: tty})
		if r.Status == 0 {
			t.Errorf("%s: exit 0: %s", cmd, r)
		}
		out := r.Stdout + r.Stderr
		if !strings.Contains(out, "tamper") && !strings.Contains(out, "inside a command the gate let run") {
			t.Errorf("%s: refused neither by policy nor by ancestry: %s", cmd, r)
		}
		pending(cmd)
	}
}

func haveScript() bool {
	_, err := lookPath("script", SystemPath)
	return err == nil
}

// 7. A pending request survives a daemon restart, and the gatesh waiting on
// it either goes on waiting (and gets the answer) or fails closed.
func TestApprovalDaemonRestart(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	a := startAgent(t, e, pushCmd, 30)
	req := waitRequest(t, e, pushCmd, true)
	old := e.WaitDaemon()
	e.KillDaemons(syscall.SIGKILL)

	// The request is still there for the next daemon.
	got := waitRequest(t, e, pushCmd, false)
	if got.ID != req.ID {
		t.Fatalf("after the restart the pending request is %d, want %d", got.ID, req.ID)
	}
	if now := e.WaitDaemon(); now == old {
		t.Fatalf("the killed daemon %d still serves", old)
	}
	if e.RemoteRef("main") != before {
		t.Fatal("the push ran when the daemon died")
	}
	// Give the waiting gatesh time to reconnect, then answer.
	reconnected := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, ok := findRequest(t, e, req.ID); ok && r.Waiting {
			reconnected = true
			break
		}
		if _, done := a.finished(); done {
			break
		}
	}
	if r, done := a.finished(); done {
		// Failed closed: fine, as long as nothing ran.
		t.Logf("gatesh failed closed when its daemon died: %s", r)
		if r.Status != 126 {
			t.Errorf("gatesh ended with %d, want 126: %s", r.Status, r)
		}
		if e.RemoteRef("main") != before {
			t.Error("the push ran without an approval")
		}
		ctlOK(t, e, ttyFor(t), "approve", strconv.FormatInt(req.ID, 10))
		runRuns(t, e, pushCmd, "the same command after the approval")
		if !pushed(e) {
			t.Error("the approved push did not reach origin")
		}
		return
	}
	t.Logf("gatesh reconnected to the new daemon: waiting=%v", reconnected)
	if !reconnected {
		t.Errorf("gatesh still runs but does not wait on the new daemon")
	}
	if e.RemoteRef("main") != before {
		t.Fatal("the push ran without an approval")
	}
	ctlOK(t, e, ttyFor(t), "approve", strconv.FormatInt(req.ID, 10))
	r := a.result(t, 20*time.Second)
	if r.Status != 0 || !pushed(e) {
		t.Errorf("after the restart the approved push did not run: %s", r)
	}
}

// The agent's command goes away while it waits (the harness killed it): the
// request says so, can still be approved, and the same command then runs.
func TestApprovalAgentGone(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	a := startAgent(t, e, pushCmd, 30)
	req := waitRequest(t, e, pushCmd, true)
	a.kill()
	a.result(t, 10*time.Second)
	var got reqInfo
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got, _ = findRequest(t, e, req.ID); got.Status == "gone" {
			break
		}
	}
	if got.Status != "gone" || got.Waiting {
		t.Errorf("after its agent went away the request is %+v, want gone and not waiting", got)
	}
	if pushed(e) {
		t.Fatal("the push ran")
	}
	ctlOK(t, e, ttyFor(t), "approve", strconv.FormatInt(req.ID, 10))
	runRuns(t, e, pushCmd, "the same command after approving a gone request")
	if !pushed(e) {
		t.Error("the approved push did not reach origin")
	}
}

// What the person approved runs as approved: a gatesh nested in the approved
// command (a script that calls bash -c through the shim) does not hold again
// for it; the same script started by an allowed command still holds.
func TestApprovalCoversNested(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	head := e.Commit(e.Work, "nested.txt", "nested\n", "nested")
	more := filepath.Join(e.Root, "push-more")
	if err := os.WriteFile(more, []byte("#!/bin/sh\nexec bash -c 'git push -q origin HEAD:refs/heads/nested'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Not approved: the script's push holds in its own gatesh.
	r := e.Gatesh(Call{Args: []string{"-c", more}})
	if r.Status != 126 || heldID(r.Stderr) == 0 || e.RemoteRef("refs/heads/nested") != "" {
		t.Fatalf("the script's nested push was not held: %s", r)
	}
	cmd := "git push -q origin HEAD:refs/heads/outer && " + more
	a := startAgent(t, e, cmd, 30)
	req := waitRequest(t, e, cmd, true)
	ctlOK(t, e, ttyFor(t), "approve", strconv.FormatInt(req.ID, 10))
	r = a.result(t, 20*time.Second)
	if r.Status != 0 || e.RemoteRef("refs/heads/outer") != head || e.RemoteRef("refs/heads/nested") != head {
		t.Errorf("the approved command and the push nested in it did not both run: outer %q nested %q: %s",
			e.RemoteRef("refs/heads/outer"), e.RemoteRef("refs/heads/nested"), r)
	}
	if strings.Count(r.Stderr, "held as request") != 1 {
		t.Errorf("the nested push was held again: %q", r.Stderr)
	}
}

// An approve-once is one run: two agents waiting on the same request (the
// same command in the same directory) do not both run it on one approval, and
// an approval given while none waits serves one of two that race for it.
func TestApprovalOnceIsOnce(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	count := filepath.Join(e.Root, "count")
	cmd := pushTo("twice") + " && echo ran >> " + count
	runs := func() int { return strings.Count(e.ReadFile(count), "ran") }

	first := startAgent(t, e, cmd, 30)
	req := waitRequest(t, e, cmd, true)
	second := startAgent(t, e, cmd, 30)
	// The second is held as the same request; give it time to wait on it.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if n := strings.Count(ctlOK(t, e, nil, "log", "--json", "--grep", "twice").Stdout, `"request_id":`+strconv.FormatInt(req.ID, 10)); n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second agent was not held")
		}
	}
	time.Sleep(300 * time.Millisecond)
	if rs := listRequests(t, e, false); len(rs) != 1 {
		t.Errorf("two agents waiting on the same command: requests %+v, want one", rs)
	}
	ctlOK(t, e, ttyFor(t), "approve", strconv.FormatInt(req.ID, 10))
	r1, r2 := first.result(t, 40*time.Second), second.result(t, 40*time.Second)
	if n := runs(); n != 1 || r1.Status+r2.Status != 126 {
		t.Errorf("one approve-once ran the command %d times:\nfirst: %s\nsecond: %s", n, r1, r2)
	}

	// An approval nobody waits on, and two agents sending the command at once.
	os.Remove(count)
	id := runHeld(t, e, cmd)
	ctlOK(t, e, ttyFor(t), "approve", strconv.FormatInt(id, 10))
	a, b := startAgent(t, e, cmd, 0), startAgent(t, e, cmd, 0)
	ra, rb := a.result(t, 20*time.Second), b.result(t, 20*time.Second)
	if n := runs(); n != 1 || ra.Status+rb.Status != 126 {
		t.Errorf("two agents racing for one approval: %d runs\n%s\n%s", n, ra, rb)
	}
}

// 8. Twenty agents held at once each get their own answer.
func TestApprovalManyAgents(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	head := e.Commit(e.Work, "many.txt", "many\n", "many")
	const n = 20
	agents := make([]*heldCall, n)
	for i := range n {
		agents[i] = startAgent(t, e, pushTo(fmt.Sprintf("b%d", i)), 60)
	}
	reqs := waitRequests(t, e, n)
	tty := ttyFor(t)
	ids := make([]int64, n)
	seen := map[int64]bool{}
	for i := range n {
		req, ok := reqs[pushTo(fmt.Sprintf("b%d", i))]
		if !ok {
			t.Fatalf("no request for agent %d: %+v", i, reqs)
		}
		if seen[req.ID] {
			t.Fatalf("request %d serves two agents", req.ID)
		}
		seen[req.ID], ids[i] = true, req.ID
	}
	for i := range n {
		id := strconv.FormatInt(ids[i], 10)
		if i%2 == 0 {
			ctlOK(t, e, tty, "approve", id)
		} else {
			ctlOK(t, e, tty, "deny", id, "--reason", fmt.Sprintf("not b%d", i))
		}
	}
	for i, a := range agents {
		r := a.result(t, 30*time.Second)
		ref := e.RemoteRef(fmt.Sprintf("refs/heads/b%d", i))
		if !strings.Contains(r.Stderr, fmt.Sprintf("held as request %d:", ids[i])) {
			t.Errorf("agent %d was not told its own request %d: %q", i, ids[i], r.Stderr)
		}
		if i%2 == 0 {
			if r.Status != 0 || ref != head {
				t.Errorf("agent %d (approved): ref %q: %s", i, ref, r)
			}
			continue
		}
		if r.Status != 126 || ref != "" || !strings.Contains(r.Stderr, fmt.Sprintf("not b%d)", i)) || !strings.Contains(r.Stderr, fmt.Sprintf("denied request %d", ids[i])) {
			t.Errorf("agent %d (denied): ref %q: %s", i, ref, r)
		}
	}
}

// 9. A corrupted request store: allowed commands still run, held ones are
// refused at once naming the problem, and the file is left as it is.
func TestApprovalCorruptStore(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	assertRuns(t, e, "before")
	e.WaitDaemon()
	e.KillDaemons(syscall.SIGTERM)
	db := filepath.Join(e.GateshHome, "state", "requests.db")
	for _, p := range []string{db + "-wal", db + "-shm"} {
		os.Remove(p)
	}
	garbage := bytes.Repeat([]byte("this is not an SQLite database\x00\xff\n"), 2000)
	if err := os.WriteFile(db, garbage, 0o600); err != nil {
		t.Fatal(err)
	}

	assertRuns(t, e, "after")
	r := e.Gatesh(Call{Args: []string{"-c", pushCmd}, Env: []string{"GATESH_HOLD_WAIT=30"}})
	assertFailClosed(t, r, pushCmd, "requests.db")
	if !strings.Contains(r.Stderr, "not a usable database") && !strings.Contains(r.Stderr, "corrupt") {
		t.Errorf("the refusal does not say what is wrong with the store: %q", r.Stderr)
	}
	if r.Elapsed > 5*time.Second {
		t.Errorf("the refusal took %v: it should be at once", r.Elapsed)
	}
	if pushed(e) {
		t.Error("the held push ran with a broken store")
	}
	l := e.Ctl(nil, "list")
	if l.Status == 0 || !strings.Contains(l.Stderr, "requests.db") {
		t.Errorf("gatectl list with a broken store: %s", l)
	}
	if a := e.Ctl(ttyFor(t), "approve", "1"); a.Status == 0 || !strings.Contains(a.Stderr, "requests.db") {
		t.Errorf("gatectl approve with a broken store: %s", a)
	}
	if b, err := os.ReadFile(db); err != nil || !bytes.Equal(b, garbage) {
		t.Errorf("the broken store was changed (%v)", err)
	}
}

// 9c. The request store locked by another process (a second gatectl serve
// on the same state directory, a person's sqlite3 shell): a held command is
// refused, not run, and the message says why; no request is lost, and once the
// lock is gone requests queue again.
func TestApprovalLockedStore(t *testing.T) {
	t.Parallel() // it waits for the store's busy timeout
	e := NewEnv(t)
	freshWithLocalCommit(e)
	first := runHeld(t, e, pushTo("before-lock"))
	db := filepath.Join(e.GateshHome, "state", "requests.db")
	sqldb, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	conn, err := sqldb.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("taking the store's write lock: %v", err)
	}
	locked := true
	unlock := func() {
		if locked {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			locked = false
		}
	}
	defer unlock()

	r := e.Gatesh(Call{Args: []string{"-c", pushTo("while-locked")}, Env: []string{"GATESH_HOLD_WAIT=30"}})
	t.Logf("held push with the store locked: %s (%v)", r, r.Elapsed.Round(time.Millisecond))
	if r.Status != 126 || r.Stdout != "" || e.RemoteRef("refs/heads/while-locked") != "" {
		t.Errorf("a held push with the store locked was not refused: %s", r)
	}
	if !strings.Contains(r.Stderr, "locked") {
		t.Errorf("the refusal does not say that the request store is locked: %q", r.Stderr)
	}
	// gatesh gives up on a daemon that does not answer within 5 s
	// (client.DefaultTimeout): the daemon must give up on the lock well
	// before, or the agent and the person learn only "no answer".
	if r.Elapsed > 4*time.Second {
		t.Errorf("the refusal took %v: the daemon waits for the lock about as long as gatesh waits for the daemon (5 s), so under load gatesh times out first and the lock is never named", r.Elapsed.Round(time.Millisecond))
	}
	// Reading goes on while another process writes (WAL).
	if rs := listRequests(t, e, false); len(rs) != 1 || rs[0].ID != first {
		t.Errorf("with the store locked, list shows %+v, want request %d", rs, first)
	}
	unlock()

	after := runHeld(t, e, pushTo("after-lock"))
	ids := map[int64]bool{}
	for _, r := range listRequests(t, e, false) {
		ids[r.ID] = true
	}
	if !ids[first] || !ids[after] {
		t.Errorf("after the lock, pending requests are %v, want %d and %d", ids, first, after)
	}
}

// 9b. The store's error says to move the file aside and "gatesh will create a
// new one": a person who does so can queue requests again without hunting
// down the daemon.
func TestApprovalStoreMovedAside(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	assertRuns(t, e, "before")
	e.WaitDaemon()
	e.KillDaemons(syscall.SIGTERM)
	db := filepath.Join(e.GateshHome, "state", "requests.db")
	if err := os.WriteFile(db, []byte("garbage, not a database\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.Gatesh(Call{Args: []string{"-c", pushCmd}})
	assertFailClosed(t, r, "requests.db")
	// What the message says to do.
	if err := os.Rename(db, db+".broken"); err != nil {
		t.Fatal(err)
	}
	r = e.Gatesh(Call{Args: []string{"-c", pushCmd}})
	if heldID(r.Stderr) == 0 {
		t.Errorf("after the broken store was moved aside as told, the running daemon still cannot queue a request: %s", r)
	}
	if l := e.Ctl(nil, "list", "--json"); l.Status != 0 {
		t.Errorf("after the broken store was moved aside, gatectl list still fails: %s", l)
	}
}

// logLine is what the tests read of `gatectl log --json`.
type logLine struct {
	Input  map[string]any `json:"input"`
	Result map[string]any `json:"result"`
	Custom map[string]any `json:"custom"`
}

func (l logLine) event() string    { s, _ := l.Custom["event"].(string); return s }
func (l logLine) requestID() int64 { f, _ := l.Custom["request_id"].(float64); return int64(f) }
func (l logLine) action() string   { s, _ := l.Result["action"].(string); return s }

// 10. The decision log records holds, approvals, approval and grant uses and
// denials, and its chain verifies.
func TestApprovalDecisionLog(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	tty := ttyFor(t)
	e.Commit(e.Work, "log.txt", "log\n", "log")
	cmdA, cmdB := pushTo("a"), pushTo("b")
	a := runHeld(t, e, cmdA)
	ctlOK(t, e, tty, "approve", strconv.FormatInt(a, 10), "--grant", "1h")
	runRuns(t, e, cmdA, "approved")
	e.Commit(e.Work, "log2.txt", "log2\n", "log2")
	runRuns(t, e, cmdA, "granted")
	b := runHeld(t, e, cmdB)
	ctlOK(t, e, tty, "deny", strconv.FormatInt(b, 10), "--reason", "no b today")

	out := ctlOK(t, e, nil, "log", "--json")
	var entries []logLine
	sc := bufio.NewScanner(strings.NewReader(out.Stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("a log line is not JSON: %v: %s", err, sc.Text())
		}
		entries = append(entries, l)
	}
	find := func(what string, ok func(logLine) bool) logLine {
		t.Helper()
		for _, l := range entries {
			if ok(l) {
				return l
			}
		}
		t.Errorf("the decision log has no %s entry:\n%s", what, out.Stdout)
		return logLine{}
	}
	find("hold of A", func(l logLine) bool { return l.action() == "hold" && l.requestID() == a })
	find("hold of B", func(l logLine) bool { return l.action() == "hold" && l.requestID() == b })
	approve := find("approve", func(l logLine) bool { return l.event() == "approve" && l.requestID() == a })
	find("approval-use", func(l logLine) bool {
		return l.event() == "approval-use" && l.requestID() == a && l.action() == "allow"
	})
	find("grant-use", func(l logLine) bool { return l.event() == "grant-use" && l.requestID() == a && l.action() == "allow" })
	deny := find("deny", func(l logLine) bool { return l.event() == "deny" && l.requestID() == b })
	if note, _ := deny.Result["note"].(string); !strings.Contains(note, "no b today") {
		t.Errorf("the denial's entry does not keep the reason: %+v", deny)
	}
	// DESIGN.md, Audit: gatesh's own fields under custom include the approver.
	for _, l := range []logLine{approve, deny} {
		if s, _ := l.Custom["approver"].(string); s == "" {
			t.Errorf("the %s entry of request %d has no custom.approver (DESIGN.md: custom holds the approver): %v", l.event(), l.requestID(), l.Custom)
		}
	}

	if r := e.Ctl(nil, "log", "--verify"); r.Status != 0 || !strings.Contains(r.Stdout, "chain intact") {
		t.Errorf("gatectl log --verify: %s", r)
	}
	// An edited copy does not verify.
	logPath := filepath.Join(e.GateshHome, "state", "decisions.jsonl")
	b2, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// (the approval's line, not the last one: a change to the last line shows
	// only against a head noted before)
	edited := bytes.Replace(b2, []byte("approved by "), []byte("approved BY "), 1)
	if bytes.Equal(edited, b2) {
		t.Fatal("the log has no approval note to edit")
	}
	copyPath := filepath.Join(e.Root, "edited.jsonl")
	if err := os.WriteFile(copyPath, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.Ctl(nil, "log", "--verify", "--file", copyPath); r.Status == 0 {
		t.Errorf("an edited log verifies: %s", r)
	}
}
