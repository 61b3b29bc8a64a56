// Package queue is gatectl queue: a live terminal view of the held requests
// that wait for a person, with keys to approve one once, approve it with a grant,
// deny it with a reason, and read its facts.
//
// Model is a bubbletea model. It reaches the daemon only through a Backend and
// draws only plain text, so tests drive it without a terminal or a daemon: they
// call Update with key and refresh messages and read Screen.
//
// It asks the terminal nothing: no colours (so no background to ask about),
// and Bubble Tea v2, unlike v1, queries nothing when its package is loaded. A
// terminal that never answers (script, a serial console, a slow link) shows
// the queue at once, and gatectl's other commands, which link this package
// too, never write a query or wait for a reply.
package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/termtext"
)

// Backend is the daemon as the queue uses it. Each call is one request.
type Backend interface {
	// List returns the pending requests (console.OpList).
	List(ctx context.Context) ([]console.RequestInfo, error)
	// Show returns one request with its facts (console.OpShow): the list has none.
	Show(ctx context.Context, id int64) (console.RequestInfo, error)
	// Approve approves a request once, or with a grant for a duration ("1h")
	// covering pattern (the request's own command when "").
	Approve(ctx context.Context, id int64, grant, pattern string) (console.RequestInfo, error)
	// Deny refuses a request; the agent is told the reason.
	Deny(ctx context.Context, id int64, reason string) (console.RequestInfo, error)
}

// Text holds what gatectl's other listings draw with that the queue shows too.
// (Agent-written text is made safe with termtext, as everywhere.)
type Text struct {
	// Push summarizes the git pushes in a request's facts (remote, refspecs).
	Push func(facts json.RawMessage) string
}

// Config is what a Model needs.
type Config struct {
	Backend Backend
	Text    Text
	// Alert is called, from a command off the UI loop, with the requests that
	// arrived since the last refresh (not with those already there when the
	// queue started). Nil: no bell.
	Alert func(news []console.RequestInfo)
	// Every is the refresh interval (DefaultEvery when 0).
	Every time.Duration
	// Timeout bounds one call to the backend (DefaultTimeout when 0).
	Timeout time.Duration
	// Now is the clock for ages (time.Now when nil).
	Now func() time.Time
	// Context is the parent of every backend call (context.Background when nil).
	Context context.Context
}

// Defaults.
const (
	DefaultEvery   = 500 * time.Millisecond
	DefaultTimeout = 10 * time.Second
	// DefaultGrant is the duration a grant prompt starts with.
	DefaultGrant = "1h"
)

// Listed is one refresh: the pending requests as the daemon listed them, or
// the error that kept it from listing them.
type Listed struct {
	Requests []console.RequestInfo
	Err      error
}

// shown is the answer to a Show: the request's facts.
type shown struct {
	id   int64
	info console.RequestInfo
	err  error
}

// done is the daemon's answer to an approval or a denial.
type done struct {
	verb    string // "approve" or "deny"
	req     console.RequestInfo
	grant   string
	pattern string
	info    console.RequestInfo
	err     error
}

// tick asks for the next refresh.
type tick struct{}

type mode int

const (
	browsing mode = iota
	granting      // the grant prompt: duration and pattern
	denying       // the deny prompt: reason
)

// field is one line of a prompt.
type field struct {
	label string
	value string
}

// Model is the queue's state.
type Model struct {
	cfg Config

	rows    []console.RequestInfo
	loaded  bool           // a list arrived at least once
	seen    map[int64]bool // every request id listed so far (for the bell)
	listing bool           // a List is in flight
	listErr string         // the last refresh's error ("" when it worked)
	updated time.Time      // when the last list arrived

	sel   int   // index of the selected row
	selID int64 // the selected request: the selection follows it across refreshes
	// moved is the request that was selected when a refresh moved the
	// selection to another (the selected one was decided, or went away): the
	// next action key only says so, so that a key pressed for one request never
	// acts on another.
	moved int64
	top   int // first body line shown when the list is taller than the screen

	details bool
	help    bool
	facts   map[int64]shown // Show answers, by request id
	showing map[int64]bool  // Shows in flight

	mode   mode
	target console.RequestInfo // the request a prompt is about
	fields []field
	focus  int

	busy      string // the action the daemon is answering
	status    string // the last action's result or error
	statusErr bool
	actions   []string // every action's result, for the summary after the queue closes

	width, height int
}

// New returns a queue model.
func New(cfg Config) *Model {
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	return &Model{
		cfg:     cfg,
		seen:    map[int64]bool{},
		facts:   map[int64]shown{},
		showing: map[int64]bool{},
		details: true,
	}
}

// Actions returns what the person did in this queue, one line each, made safe
// to print: the view is gone when the queue closes.
func (m *Model) Actions() []string { return slices.Clone(m.actions) }

// Init starts the first refresh and the ticking.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.list(), m.tick()) }

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tick:
		cmd = tea.Batch(m.list(), m.tick())
	case Listed:
		cmd = m.listed(msg)
	case shown:
		delete(m.showing, msg.id)
		m.facts[msg.id] = msg
	case done:
		cmd = m.done(msg)
	case tea.KeyPressMsg:
		cmd = m.key(msg)
	case tea.PasteMsg:
		if m.mode != browsing {
			m.typed(msg.Content)
		}
	}
	m.scroll()
	return m, tea.Batch(cmd, m.fetchFacts())
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(m.cfg.Every, func(time.Time) tea.Msg { return tick{} })
}

// call runs f with a context bounded by the timeout.
func (m *Model) call(f func(ctx context.Context) tea.Msg) tea.Cmd {
	parent, timeout := m.cfg.Context, m.cfg.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		return f(ctx)
	}
}

// list asks the daemon for the pending requests, unless it is asked already.
func (m *Model) list() tea.Cmd {
	if m.listing {
		return nil
	}
	m.listing = true
	b := m.cfg.Backend
	return m.call(func(ctx context.Context) tea.Msg {
		rs, err := b.List(ctx)
		return Listed{Requests: rs, Err: err}
	})
}

// listed takes a refresh in: the rows change, the selection stays on its
// request, and new requests ring the bell.
func (m *Model) listed(msg Listed) tea.Cmd {
	m.listing = false
	if msg.Err != nil {
		m.listErr = msg.Err.Error()
		return nil
	}
	m.listErr = ""
	m.updated = m.cfg.Now()
	m.rows = slices.Clone(msg.Requests)

	idx := slices.IndexFunc(m.rows, func(r console.RequestInfo) bool { return r.ID == m.selID })
	if idx < 0 {
		// The selected request is gone: the one now in its place is selected,
		// and the next action key says so instead of acting.
		idx = min(m.sel, len(m.rows)-1)
		if m.selID != 0 && idx >= 0 {
			m.moved = m.selID
		}
	}
	m.sel = max(idx, 0)
	m.selID = 0
	if len(m.rows) > 0 {
		m.selID = m.rows[m.sel].ID
	} else {
		m.moved = 0
	}

	var news []console.RequestInfo
	live := map[int64]bool{}
	for _, r := range m.rows {
		live[r.ID] = true
		if !m.seen[r.ID] {
			m.seen[r.ID] = true
			if m.loaded {
				news = append(news, r)
			}
		}
	}
	m.loaded = true
	for id := range m.facts {
		if !live[id] {
			delete(m.facts, id)
		}
	}
	if len(news) == 0 || m.cfg.Alert == nil {
		return nil
	}
	alert := m.cfg.Alert
	return func() tea.Msg {
		alert(news)
		return nil
	}
}

// fetchFacts asks for the selected request's facts when its details are shown
// and they are not known yet (once per request).
func (m *Model) fetchFacts() tea.Cmd {
	r, ok := m.selected()
	if !ok || !m.details {
		return nil
	}
	if _, ok := m.facts[r.ID]; ok || m.showing[r.ID] {
		return nil
	}
	m.showing[r.ID] = true
	b, id := m.cfg.Backend, r.ID
	return m.call(func(ctx context.Context) tea.Msg {
		info, err := b.Show(ctx, id)
		return shown{id: id, info: info, err: err}
	})
}

func (m *Model) selected() (console.RequestInfo, bool) {
	if m.sel < 0 || m.sel >= len(m.rows) {
		return console.RequestInfo{}, false
	}
	return m.rows[m.sel], true
}

func (m *Model) move(n int) {
	m.moved = 0
	if len(m.rows) == 0 {
		return
	}
	m.sel = max(0, min(len(m.rows)-1, m.sel+n))
	m.selID = m.rows[m.sel].ID
}

// key handles a key press.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if k == "ctrl+c" {
		return tea.Quit
	}
	if m.mode != browsing {
		return m.promptKey(msg)
	}
	if m.help {
		m.help = false
		switch k {
		case "?", "esc", "enter", "i":
			return nil
		}
	}
	switch k {
	case "q":
		return tea.Quit
	case "up", "k":
		m.move(-1)
	case "down", "j":
		m.move(1)
	case "pgup":
		m.move(-max(1, m.height/2))
	case "pgdown":
		m.move(max(1, m.height/2))
	case "home":
		m.move(-len(m.rows))
	case "end":
		m.move(len(m.rows))
	case "enter", "i":
		m.details = !m.details
	case "?":
		m.help = true
	case "r":
		return m.list()
	case "esc":
		m.status, m.statusErr = "", false
	case "a", "g", "d":
		r, ok := m.actionTarget()
		if !ok {
			return nil
		}
		switch k {
		case "a":
			return m.approve(r, "", "")
		case "g":
			m.prompt(granting, r, field{"for", DefaultGrant}, field{"pattern", r.Command})
		case "d":
			m.prompt(denying, r, field{"reason", ""})
		}
	}
	return nil
}

// actionTarget is the request an action key acts on, if it may act now.
func (m *Model) actionTarget() (console.RequestInfo, bool) {
	r, ok := m.selected()
	switch {
	case !ok:
		m.setStatus("no request is selected", true)
		return r, false
	case m.busy != "":
		m.setStatus("still waiting for the daemon's answer: "+m.busy, true)
		return r, false
	case m.moved != 0:
		m.setStatus(fmt.Sprintf("request %d is no longer pending; request %d is selected now: press again to act on it", m.moved, r.ID), true)
		m.moved = 0
		return r, false
	}
	return r, true
}

func (m *Model) prompt(md mode, r console.RequestInfo, fields ...field) {
	m.mode, m.target, m.fields, m.focus = md, r, fields, 0
	m.status, m.statusErr = "", false
}

// promptKey edits a prompt: Enter sends, Esc cancels, Tab moves between fields.
func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	f := &m.fields[m.focus]
	switch msg.Keystroke() {
	case "esc":
		verb := "grant"
		if m.mode == denying {
			verb = "denial"
		}
		m.mode, m.fields = browsing, nil
		m.setStatus(fmt.Sprintf("%s of request %d cancelled: nothing was sent", verb, m.target.ID), false)
	case "enter":
		return m.submit()
	case "tab", "down":
		m.focus = (m.focus + 1) % len(m.fields)
	case "shift+tab", "up":
		m.focus = (m.focus + len(m.fields) - 1) % len(m.fields)
	case "backspace", "ctrl+h":
		if rs := []rune(f.value); len(rs) > 0 {
			f.value = string(rs[:len(rs)-1])
		}
	case "ctrl+u":
		f.value = ""
	case "ctrl+w":
		v := strings.TrimRight(f.value, " ")
		f.value = v[:strings.LastIndex(v, " ")+1]
	default:
		if msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 {
			m.typed(msg.Text)
		}
	}
	return nil
}

// typed adds typed or pasted text to the focused prompt field, without its
// control characters.
func (m *Model) typed(s string) {
	f := &m.fields[m.focus]
	f.value += strings.Map(func(r rune) rune {
		if termtext.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// submit sends the prompt's approval or denial.
func (m *Model) submit() tea.Cmd {
	r := m.target
	if m.mode == denying {
		reason := strings.TrimSpace(m.fields[0].value)
		m.mode, m.fields = browsing, nil
		return m.deny(r, reason)
	}
	grant := strings.TrimSpace(m.fields[0].value)
	if grant == "" {
		grant = DefaultGrant
	}
	if d, err := time.ParseDuration(grant); err != nil || d <= 0 {
		m.setStatus(fmt.Sprintf("%q is not a duration: give one such as 30m, 1h or 8h", grant), true)
		return nil
	}
	pattern := m.fields[1].value
	if pattern == r.Command || strings.TrimSpace(pattern) == "" {
		pattern = "" // the daemon covers the request's own command, exactly
	}
	m.mode, m.fields = browsing, nil
	return m.approve(r, grant, pattern)
}

func (m *Model) approve(r console.RequestInfo, grant, pattern string) tea.Cmd {
	m.busy = fmt.Sprintf("approving request %d", r.ID)
	m.status, m.statusErr = "", false
	b := m.cfg.Backend
	return m.call(func(ctx context.Context) tea.Msg {
		info, err := b.Approve(ctx, r.ID, grant, pattern)
		return done{verb: "approve", req: r, grant: grant, pattern: pattern, info: info, err: err}
	})
}

func (m *Model) deny(r console.RequestInfo, reason string) tea.Cmd {
	m.busy = fmt.Sprintf("denying request %d", r.ID)
	m.status, m.statusErr = "", false
	b := m.cfg.Backend
	return m.call(func(ctx context.Context) tea.Msg {
		info, err := b.Deny(ctx, r.ID, reason)
		return done{verb: "deny", req: r, pattern: reason, info: info, err: err}
	})
}

// done shows the daemon's answer to an action and refreshes the list.
func (m *Model) done(d done) tea.Cmd {
	m.busy = ""
	cmd := m.safe(d.req.Command)
	switch {
	case d.err != nil && d.verb == "approve":
		m.setStatus(fmt.Sprintf("request %d not approved: %v", d.req.ID, d.err), true)
	case d.err != nil:
		m.setStatus(fmt.Sprintf("request %d not denied: %v", d.req.ID, d.err), true)
	case d.verb == "approve":
		s := fmt.Sprintf("approved request %d: %s", d.req.ID, cmd)
		if d.grant != "" {
			s += fmt.Sprintf(" (grant %d for %s", d.info.GrantID, d.grant)
			if d.pattern != "" {
				s += ", pattern " + m.safe(d.pattern)
			}
			s += ")"
		}
		if d.req.Waiting {
			s += "; the waiting command runs now"
		} else {
			s += "; it runs when the agent sends it again"
		}
		m.setStatus(s, false)
	default:
		s := fmt.Sprintf("denied request %d: %s", d.req.ID, cmd)
		if d.pattern != "" {
			s += " (reason: " + m.safe(d.pattern) + ")"
		}
		m.setStatus(s, false)
	}
	m.actions = append(m.actions, m.status)
	return m.list()
}

func (m *Model) setStatus(s string, isErr bool) {
	m.status, m.statusErr = m.safe(s), isErr
}
