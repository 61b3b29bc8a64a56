package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/daemon"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/queue"
	"github.com/gatesh/gatesh/internal/wire"
)

// Without a terminal the queue does not start, and says what to use instead;
// it asks the daemon nothing (no daemon is started).
func TestQueueNeedsATerminal(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"queue"}, {"queue", "--no-bell"}} {
		r := c.run("", args...)
		if r.code != 1 || !strings.Contains(r.stderr, "needs a terminal on stdin and stdout") || !strings.Contains(r.stderr, "--once") {
			t.Errorf("%v without a terminal: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(c.home); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the refused queue left files in GATESH_HOME (a daemon started?): %v", names)
	}
	if r := c.run("", "queue", "3"); r.code != 2 {
		t.Errorf("queue with an argument: exit %d, want 2\n%s", r.code, r.stderr)
	}
}

// queueDaemon runs a daemon in the test process and holds commands in it.
type queueDaemon struct {
	t    *testing.T
	c    *cli
	d    dirs.Dirs
	repo string
}

func newQueueDaemon(t *testing.T) *queueDaemon {
	t.Helper()
	home, err := os.MkdirTemp("/tmp", "gsq") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	d, err := dirs.From(func(k string) string { return map[string]string{"GATESH_HOME": home}[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := daemon.Listen(ctx, daemon.Config{Dirs: d, Idle: -1, AgentUID: -1, Log: &strings.Builder{}, ReloadEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })

	repo := t.TempDir()
	git := exec.Command("git", "init", "-q", "-b", "main", repo)
	if out, err := git.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	return &queueDaemon{t: t, c: &cli{t: t, home: home, cwd: repo}, d: d, repo: repo}
}

// hold sends text as an agent's command that waits no time: it stays pending.
func (q *queueDaemon) hold(text string) {
	q.t.Helper()
	cl := client.Client{Runtime: q.d.Runtime}
	resp, err := cl.Do(context.Background(), wire.Request{
		V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeCommand, Text: text, Cwd: q.repo,
		Env: []string{"PATH=" + os.Getenv("PATH"), "GATESH_HOLD_WAIT=0", "CLAUDECODE=1"}, PID: os.Getpid(),
	})
	if err != nil || resp.RequestID == 0 {
		q.t.Fatalf("holding %q: %+v %v", text, resp, err)
	}
}

func TestQueueOnceListsAsListDoes(t *testing.T) {
	q := newQueueDaemon(t)
	if r := q.c.run("", "queue", "--once"); r.code != 0 || r.stdout != "no requests waiting\n" {
		t.Fatalf("queue --once with nothing held: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	q.hold("git push origin HEAD:main")
	q.hold("npm publish")
	once := q.c.run("", "queue", "--once")
	list := q.c.run("", "list")
	if once.code != 0 || !strings.Contains(once.stdout, "git push origin HEAD:main") || !strings.Contains(once.stdout, "npm publish") {
		t.Fatalf("queue --once: exit %d\n%s%s", once.code, once.stdout, once.stderr)
	}
	ages := regexp.MustCompile(`\b\d+[smhd]\b`) // a second may pass between the two
	if ages.ReplaceAllString(once.stdout, "AGE") != ages.ReplaceAllString(list.stdout, "AGE") {
		t.Errorf("queue --once and list differ:\n%s\n%s", once.stdout, list.stdout)
	}
}

// The queue as gatectl wires it, on a real daemon: the list, the facts of a
// push, control characters drawn by gatectl's own helpers, and the daemon's
// refusal of an approval from a process without a terminal.
func TestQueueOnARealDaemon(t *testing.T) {
	q := newQueueDaemon(t)
	q.hold("git push origin HEAD:main")
	q.hold("npm publish --tag \"x\x1b[2Jy\"\nnpm publish")

	var out bytes.Buffer
	e := env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &out, environ: []string{"GATESH_HOME=" + q.c.home},
		getenv: func(k string) string { return map[string]string{"GATESH_HOME": q.c.home}[k] },
	}
	cfg := queueConfig(context.Background(), e, false)
	if cfg.Alert != nil {
		t.Error("--no-bell left the bell on")
	}
	m := queue.New(cfg)
	drive := func(msg tea.Msg) {
		t.Helper()
		cmds := []tea.Cmd{}
		_, cmd := m.Update(msg)
		cmds = append(cmds, cmd)
		for len(cmds) > 0 {
			cmd, cmds = cmds[0], cmds[1:]
			if cmd == nil {
				continue
			}
			switch msg := cmd().(type) {
			case nil:
			case tea.BatchMsg:
				cmds = append(cmds, msg...)
			default:
				if fmt.Sprintf("%T", msg) == "queue.tick" {
					continue // the next refresh: this test refreshes by hand
				}
				_, cmd := m.Update(msg)
				cmds = append(cmds, cmd)
			}
		}
	}
	drive(tea.WindowSizeMsg{Width: 120, Height: 40})
	rs, err := cfg.Backend.List(context.Background())
	if err != nil || len(rs) != 2 {
		t.Fatalf("list: %v %v", rs, err)
	}
	drive(queue.Listed{Requests: rs})
	v := m.Screen()
	// The newest first: the npm publish, drawn with gatectl's oneLine.
	for _, want := range []string{
		"2 requests waiting for you",
		fmt.Sprintf("> %d ", rs[0].ID),
		`npm publish --tag "x\x1b[2Jy"↵npm publish`,
		"rule       publish.package: npm publish publishes outside this machine",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.ContainsRune(v, 0x1b) {
		t.Errorf("the view has an escape character:\n%q", v)
	}
	// The push, with its facts from the daemon (show) through pushFacts.
	drive(tea.KeyPressMsg{Code: 'j', Text: "j"})
	v = m.Screen()
	for _, want := range []string{
		fmt.Sprintf("> %d ", rs[1].ID),
		"push       to origin HEAD:main",
		"workspace  " + q.repo + ", branch main",
		"rule       git.push.protected: push to protected branch main",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// The test has no terminal on stdin: the daemon refuses, the view says why.
	drive(tea.KeyPressMsg{Code: 'a', Text: "a"})
	if v := m.Screen(); !strings.Contains(v, "not approved: approvals need a person at a terminal") {
		t.Errorf("the daemon's refusal is not shown:\n%s", v)
	}
	if r := q.c.run("", "list"); !strings.Contains(r.stdout, "git push origin HEAD:main") {
		t.Errorf("the refused approval changed the request:\n%s", r.stdout)
	}
}
