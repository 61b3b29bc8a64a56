package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/termtext"
	"github.com/gatesh/gatesh/internal/wire"
)

// fake is the daemon: it lists its rows and records every request it gets.
type fake struct {
	mu      sync.Mutex
	rows    []console.RequestInfo
	facts   map[int64]json.RawMessage
	listErr error
	actErr  error
	calls   []console.Request
}

func (f *fake) record(r console.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r)
}

func (f *fake) List(ctx context.Context) ([]console.RequestInfo, error) {
	f.record(console.Request{Op: console.OpList})
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]console.RequestInfo(nil), f.rows...), f.listErr
}

func (f *fake) Show(ctx context.Context, id int64) (console.RequestInfo, error) {
	f.record(console.Request{Op: console.OpShow, ID: id})
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rows {
		if r.ID == id {
			r.Facts = f.facts[id]
			return r, nil
		}
	}
	return console.RequestInfo{}, fmt.Errorf("request %d: not found", id)
}

func (f *fake) Approve(ctx context.Context, id int64, grant, pattern string) (console.RequestInfo, error) {
	f.record(console.Request{Op: console.OpApprove, ID: id, Grant: grant, Pattern: pattern})
	if f.actErr != nil {
		return console.RequestInfo{}, f.actErr
	}
	r := console.RequestInfo{ID: id, Status: "approved"}
	if grant != "" {
		r.GrantID = 40 + id
	}
	return r, nil
}

func (f *fake) Deny(ctx context.Context, id int64, reason string) (console.RequestInfo, error) {
	f.record(console.Request{Op: console.OpDeny, ID: id, Reason: reason})
	if f.actErr != nil {
		return console.RequestInfo{}, f.actErr
	}
	return console.RequestInfo{ID: id, Status: "denied", Reason: reason}, nil
}

// actions are the approvals and denials the fake received.
func (f *fake) actions() []console.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []console.Request
	for _, c := range f.calls {
		if c.Op == console.OpApprove || c.Op == console.OpDeny {
			out = append(out, c)
		}
	}
	return out
}

func (f *fake) set(rows ...console.RequestInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows = rows
}

// harness drives a Model as bubbletea would, but synchronously: each command
// runs at once and its message goes back into Update. Ticks are dropped (the
// test refreshes when it wants to).
type harness struct {
	t      *testing.T
	m      *Model
	b      *fake
	alerts [][]int64
	quit   bool
}

var now = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, rows ...console.RequestInfo) *harness {
	t.Helper()
	h := &harness{t: t, b: &fake{facts: map[int64]json.RawMessage{}}}
	h.b.set(rows...)
	h.m = New(Config{
		Backend: h.b,
		Text:    Text{Push: func(f json.RawMessage) string { return strings.Trim(string(f), `"`) }},
		Alert: func(news []console.RequestInfo) {
			var ids []int64
			for _, r := range news {
				ids = append(ids, r.ID)
			}
			h.alerts = append(h.alerts, ids)
		},
		Every: time.Millisecond,
		Now:   func() time.Time { return now },
	})
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h.run(h.m.Init())
	return h
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil, tick:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	default:
		h.send(msg)
	}
}

// refresh lists the fake's rows now, as the next tick would.
func (h *harness) refresh(rows ...console.RequestInfo) {
	h.t.Helper()
	h.b.set(rows...)
	h.send(tick{})
}

// keys presses keys: single runes, or names such as "enter", "esc", "tab".
func (h *harness) keys(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

// typeText types text into a prompt, one key per rune.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// keyMsg is the key press Bubble Tea reports for k.
func keyMsg(k string) tea.KeyPressMsg {
	names := map[string]tea.KeyPressMsg{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
		"up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown}, "end": {Code: tea.KeyEnd},
		"backspace": {Code: tea.KeyBackspace},
		"ctrl+u":    {Code: 'u', Mod: tea.ModCtrl}, "ctrl+c": {Code: 'c', Mod: tea.ModCtrl},
	}
	if k, ok := names[k]; ok {
		return k
	}
	r, _ := utf8.DecodeRuneInString(k)
	return tea.KeyPressMsg{Code: r, Text: k}
}

func (h *harness) view() string { return h.m.Screen() }

// selectedID is the id on the row marked as selected in the view.
func (h *harness) selectedID() string {
	h.t.Helper()
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.HasPrefix(l, "> ") {
			return strings.Fields(l)[1]
		}
	}
	return ""
}

func (h *harness) wantView(subs ...string) {
	h.t.Helper()
	v := h.view()
	for _, s := range subs {
		if !strings.Contains(v, s) {
			h.t.Errorf("view lacks %q:\n%s", s, v)
		}
	}
}

func (h *harness) wantActions(want ...console.Request) {
	h.t.Helper()
	got := h.b.actions()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		h.t.Errorf("the daemon received %+v, want %+v", got, want)
	}
}

func req(id int64, command string) console.RequestInfo {
	return console.RequestInfo{
		ID: id, Command: command, Cwd: "/home/me/proj", Status: "pending", Class: "external",
		Workspace: "/home/me/proj", Branch: "main", Agent: "claude-code", Waiting: true,
		Created: now.Add(-time.Duration(id) * 7 * time.Second).Format(time.RFC3339),
		Rules:   []wire.Reason{{ID: "rule." + fmt.Sprint(id), Msg: "held because of " + command}},
	}
}

func TestQueueListsRequestsWithTheirFacts(t *testing.T) {
	r := req(3, "git push origin HEAD:main")
	r.Text = "bash -lc 'git push origin HEAD:main'"
	r.Harness = "claude-code"
	r.Session = "s-42"
	h := newHarness(t)
	h.b.facts[3] = json.RawMessage(`"to origin HEAD:main"`)
	h.refresh(r, req(5, "npm publish"))
	h.wantView(
		"2 requests waiting for you", "(updated ",
		"ID  AGE  AGENT        CLASS     STATUS    COMMAND",
		"> 3   21s  claude-code  external  pending*  git push origin HEAD:main",
		"  5   35s  claude-code  external  pending*  npm publish",
		"sent as    bash -lc 'git push origin HEAD:main'",
		"cwd        /home/me/proj",
		"workspace  /home/me/proj, branch main",
		"push       to origin HEAD:main",
		"rule       rule.3: held because of git push origin HEAD:main",
		"agent      claude-code (session s-42)",
		"harness    claude-code",
		"* the agent's command is waiting for your answer",
	)
	if strings.Contains(h.view(), "rule.5") {
		t.Errorf("details of an unselected request are shown:\n%s", h.view())
	}
	// Enter hides the details, i shows them again.
	h.keys("enter")
	if strings.Contains(h.view(), "rule.3") {
		t.Errorf("enter did not hide the details:\n%s", h.view())
	}
	h.keys("i")
	h.wantView("rule.3")
	// Down moves the details to the next request, whose facts are asked for.
	h.keys("j")
	h.wantView("> 5 ", "rule.5: held because of npm publish")
	if h.selectedID() != "5" {
		t.Errorf("selected %q after j, want 5", h.selectedID())
	}
	h.keys("k")
	if h.selectedID() != "3" {
		t.Errorf("selected %q after k, want 3", h.selectedID())
	}
}

func TestQueueKeepsTheSelectionByID(t *testing.T) {
	h := newHarness(t, req(1, "a1"), req(2, "a2"), req(3, "a3"))
	h.keys("down")
	if h.selectedID() != "2" {
		t.Fatalf("selected %q, want 2", h.selectedID())
	}
	// A request arrives before the selected one: the selection stays on 2.
	h.refresh(req(7, "a7"), req(1, "a1"), req(2, "a2"), req(3, "a3"))
	if h.selectedID() != "2" {
		t.Fatalf("after a row came in above: selected %q, want 2\n%s", h.selectedID(), h.view())
	}
	// One above it goes away: still 2.
	h.refresh(req(7, "a7"), req(2, "a2"), req(3, "a3"))
	if h.selectedID() != "2" {
		t.Fatalf("after a row above went away: selected %q, want 2\n%s", h.selectedID(), h.view())
	}
	// The selected one goes away (decided elsewhere): its neighbour is
	// selected, and the next action key only says so.
	h.refresh(req(7, "a7"), req(3, "a3"))
	if h.selectedID() != "3" {
		t.Fatalf("after the selected row went away: selected %q, want 3\n%s", h.selectedID(), h.view())
	}
	h.keys("a")
	h.wantActions()
	h.wantView("request 2 is no longer pending; request 3 is selected now: press again to act on it")
	h.keys("a")
	h.wantActions(console.Request{Op: console.OpApprove, ID: 3})
	// The last one going away leaves an empty list, and keys do nothing.
	h.refresh()
	h.wantView("no requests waiting")
	h.keys("a", "d", "j", "k")
	h.wantActions(console.Request{Op: console.OpApprove, ID: 3})
}

func TestQueueApproveOnce(t *testing.T) {
	h := newHarness(t, req(1, "npm publish"), req(2, "kubectl apply -f deploy.yaml"))
	h.keys("j", "a")
	h.wantActions(console.Request{Op: console.OpApprove, ID: 2})
	h.wantView("approved request 2: kubectl apply -f deploy.yaml; the waiting command runs now")
	// The approval is followed by a refresh.
	if c := h.b.calls[len(h.b.calls)-1]; c.Op != console.OpList {
		t.Errorf("after the approval the queue asked %q, want a list", c.Op)
	}
	if got := h.m.Actions(); len(got) != 1 || !strings.HasPrefix(got[0], "approved request 2") {
		t.Errorf("Actions() = %q", got)
	}
}

func TestQueueGrant(t *testing.T) {
	h := newHarness(t, req(4, "git push origin HEAD:main"))
	// The defaults: an hour, exactly this command (the daemon's default pattern).
	h.keys("g")
	h.wantView("approve request 4 with a grant", "> for      1h▌", "pattern  git push origin HEAD:main", "where    workspace /home/me/proj\n")
	h.keys("enter")
	h.wantActions(console.Request{Op: console.OpApprove, ID: 4, Grant: "1h"})
	h.wantView("approved request 4: git push origin HEAD:main (grant 44 for 1h)")

	// Another duration and a pattern.
	h = newHarness(t, req(4, "git push origin HEAD:main"))
	h.keys("g", "ctrl+u")
	h.typeText("30m")
	h.keys("tab")
	for range len("HEAD:main") {
		h.keys("backspace")
	}
	h.typeText("*")
	h.wantView("> pattern  git push origin *▌")
	h.keys("enter")
	h.wantActions(console.Request{Op: console.OpApprove, ID: 4, Grant: "30m", Pattern: "git push origin *"})
	h.wantView("(grant 44 for 30m, pattern git push origin *)")

	// The scope the grant will have: the branch too for git rules, and no
	// workspace said as such.
	r := req(5, "git push origin HEAD:main")
	r.Rules = []wire.Reason{{ID: "git.push.protected", Msg: "push to main"}}
	noWS := req(6, "kubectl apply -f deploy.yaml")
	noWS.Workspace = ""
	h = newHarness(t, r, noWS)
	h.keys("g")
	h.wantView("where    workspace /home/me/proj, branch main")
	h.keys("esc", "j", "g")
	h.wantView("where    any directory outside a workspace")
	h.keys("esc")

	// A duration that is none keeps the prompt open and sends nothing.
	h = newHarness(t, req(4, "git push origin HEAD:main"))
	h.keys("g", "ctrl+u")
	h.typeText("soon")
	h.keys("enter")
	h.wantActions()
	h.wantView(`"soon" is not a duration`, "> for      soon▌")
	// An emptied duration is the default.
	h.keys("ctrl+u", "enter")
	h.wantActions(console.Request{Op: console.OpApprove, ID: 4, Grant: "1h"})
}

func TestQueueDenyWithReason(t *testing.T) {
	h := newHarness(t, req(8, "npm publish"))
	h.keys("d")
	h.wantView("deny request 8: npm publish", "> reason")
	h.typeText("not from this branch")
	h.keys("enter")
	h.wantActions(console.Request{Op: console.OpDeny, ID: 8, Reason: "not from this branch"})
	h.wantView("denied request 8: npm publish (reason: not from this branch)")
	// Keys typed into a prompt are text, not commands: q and a did not act.
	h = newHarness(t, req(8, "npm publish"))
	h.keys("d")
	h.typeText("qa gdj")
	h.keys("enter")
	h.wantActions(console.Request{Op: console.OpDeny, ID: 8, Reason: "qa gdj"})
	if h.quit {
		t.Error("q in a prompt quit the queue")
	}
}

func TestQueueEscCancelsWithoutSending(t *testing.T) {
	h := newHarness(t, req(8, "npm publish"))
	h.keys("d")
	h.typeText("no")
	h.keys("esc")
	h.wantView("denial of request 8 cancelled: nothing was sent", "a approve once")
	h.keys("g", "tab")
	h.typeText(" --force")
	h.keys("esc")
	h.wantView("grant of request 8 cancelled: nothing was sent")
	h.wantActions()
	// The prompt's text is gone: a new one starts from the defaults.
	h.keys("d")
	h.wantView("> reason   ▌")
}

func TestQueueBellOncePerNewRequest(t *testing.T) {
	h := newHarness(t, req(1, "a1"))
	if len(h.alerts) != 0 {
		t.Fatalf("the requests there at start rang the bell: %v", h.alerts)
	}
	h.refresh(req(1, "a1"), req(2, "a2"))
	h.refresh(req(1, "a1"), req(2, "a2"))
	h.refresh(req(2, "a2"), req(3, "a3"), req(4, "a4"))
	h.refresh(req(1, "a1"), req(4, "a4")) // 1 came back (a gone request sent again): seen already
	h.refresh()
	h.refresh(req(5, "a5"))
	if got, want := fmt.Sprint(h.alerts), "[[2] [3 4] [5]]"; got != want {
		t.Errorf("bells for %s, want %s", got, want)
	}
}

func TestQueueShowsControlCharactersEscaped(t *testing.T) {
	r := req(6, "echo \x1b[2J\x1b]0;owned\x07done\nrm -rf ~ \x9b31m \u009b32m")
	r.Agent = "ag\x1b[31ment"
	r.Cwd = "/tmp/\x1b[1mx"
	r.Rules[0].Msg = "msg\r\x1b[Kclean"
	h := newHarness(t, r)
	h.keys("d")
	h.typeText("fine")
	h.send(tea.PasteMsg{Content: "\x1b[5m"})
	v := h.view()
	if !utf8.ValidString(v) {
		t.Fatalf("the view is not UTF-8 (a lone 0x9b is CSI to some terminals):\n%q", v)
	}
	for i, c := range v {
		if c != '\n' && termtext.IsControl(c) {
			t.Fatalf("the view has control character %q at %d:\n%q", c, i, v)
		}
	}
	h.wantView(`echo \x1b[2J\x1b]0;owned\x07done↵rm -rf ~ \x9b31m \x9b32m`, `ag\x1b[31ment`, `/tmp/\x1b[1mx`, `msg\x0d\x1b[Kclean`)
	// Pasted control characters are not kept in a prompt.
	h.keys("enter")
	h.wantActions(console.Request{Op: console.OpDeny, ID: 6, Reason: "fine[5m"})
}

func TestQueueShowsTheDaemonsErrors(t *testing.T) {
	h := newHarness(t, req(2, "npm publish"))
	h.b.actErr = errors.New("approvals need a person at a terminal: run gatectl from a terminal")
	h.keys("a")
	h.wantView("! request 2 not approved: approvals need a person at a terminal: run gatectl from a terminal")
	h.keys("d", "enter")
	h.wantView("! request 2 not denied: approvals need a person at a terminal")
	// A failed refresh keeps the rows and says the list is stale.
	h.b.listErr = errors.New("the gatesh daemon is not running and could not be started")
	h.refresh(req(2, "npm publish"))
	h.wantView("! the list is not up to date: the gatesh daemon is not running", "> 2 ")
	h.b.listErr = nil
	h.refresh(req(2, "npm publish"))
	if strings.Contains(h.view(), "not up to date") {
		t.Errorf("the refresh error stays after a refresh worked:\n%s", h.view())
	}
	// Facts that cannot be read say so.
	h.refresh(req(2, "npm publish"), req(3, "npm publish --tag next"))
	h.b.set(req(2, "npm publish"))
	h.keys("j")
	h.wantView("facts      could not be read: request 3: not found")
}

func TestQueueScrollsToTheSelection(t *testing.T) {
	var rows []console.RequestInfo
	for i := int64(1); i <= 50; i++ {
		rows = append(rows, req(i, fmt.Sprintf("make deploy-%d", i)))
	}
	h := newHarness(t, rows...)
	h.send(tea.WindowSizeMsg{Width: 100, Height: 20})
	h.keys("end")
	if h.selectedID() != "50" {
		t.Fatalf("selected %q after end, want 50:\n%s", h.selectedID(), h.view())
	}
	h.wantView("rule.50", "(requests 44-50 of 50: ↑/↓ to move)", "  ID  AGE")
	if n := len(strings.Split(h.view(), "\n")); n > 20 {
		t.Errorf("the view has %d lines on a 20-line screen", n)
	}
	for range 49 {
		h.keys("k")
	}
	if h.selectedID() != "1" {
		t.Fatalf("selected %q after going up, want 1:\n%s", h.selectedID(), h.view())
	}
	for _, l := range strings.Split(h.view(), "\n") {
		if len([]rune(l)) > 100 {
			t.Errorf("line wider than the screen: %q", l)
		}
	}
}

func TestQueueLongCommandsWrapInTheDetails(t *testing.T) {
	long := "deploy --target prod " + strings.Repeat("x", 150) + " && rm -rf /srv/data"
	h := newHarness(t, req(1, long))
	h.send(tea.WindowSizeMsg{Width: 80, Height: 40})
	// The row is cut, the details show every character.
	var joined string
	in := false
	for _, l := range strings.Split(h.view(), "\n") {
		switch {
		case strings.HasPrefix(l, "      command    "):
			in = true
		case !strings.HasPrefix(l, "                 "):
			in = false
		}
		if in {
			joined += strings.TrimSpace(l[len("      command    "):]) + " "
		}
	}
	if !strings.HasSuffix(joined, "&& rm -rf /srv/data ") || strings.Count(joined, "x") != 150 {
		t.Errorf("the details do not show the whole command: %q\n%s", joined, h.view())
	}
}

func TestQueueHelpAndQuit(t *testing.T) {
	h := newHarness(t, req(1, "npm publish"))
	h.keys("?")
	h.wantView("approve with a grant", "in a prompt: enter sends, esc cancels")
	h.keys("?")
	if strings.Contains(h.view(), "in a prompt:") {
		t.Errorf("? did not close the help")
	}
	h.keys("q")
	if !h.quit {
		t.Error("q did not quit")
	}
	h = newHarness(t, req(1, "npm publish"))
	h.keys("g", "ctrl+c")
	if !h.quit {
		t.Error("ctrl+c in a prompt did not quit")
	}
	h.wantActions()
}

func TestQueueRefreshesOnTicksOneListAtATime(t *testing.T) {
	b := &fake{}
	m := New(Config{Backend: b, Every: time.Millisecond})
	// Init asks for the list once, and a tick while it is asked asks no more.
	init := m.Init()
	if init == nil {
		t.Fatal("Init returned no command")
	}
	_, cmd := m.Update(tick{})
	msgs := runAll(cmd)
	for _, msg := range msgs {
		if _, ok := msg.(Listed); ok {
			t.Fatal("a tick asked for the list while a list was asked for already")
		}
	}
	for _, msg := range runAll(init) {
		if l, ok := msg.(Listed); ok {
			m.Update(l)
		}
	}
	if !m.loaded {
		t.Fatal("the first list was not taken in")
	}
	_, cmd = m.Update(tick{})
	var listed, ticked bool
	for _, msg := range runAll(cmd) {
		switch msg.(type) {
		case Listed:
			listed = true
		case tick:
			ticked = true
		}
	}
	if !listed || !ticked {
		t.Errorf("a tick listed=%v and scheduled the next=%v, want both", listed, ticked)
	}
}

func runAll(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runAll(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}
