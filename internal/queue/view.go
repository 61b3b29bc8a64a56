package queue

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/termtext"
)

// The view is plain text: no colours, no escape sequences of its own, and none
// of the agent's. Everything an agent, the daemon or a policy wrote goes through
// safe, which shows control characters instead of obeying them.

// defaultWidth is used until the terminal's size is known.
const defaultWidth = 100

// labelWidth aligns the details' labels.
const labelWidth = 10

// safe keeps s on one line of the terminal with control characters made
// visible (termtext.OneLine).
func (m *Model) safe(s string) string { return termtext.OneLine(s) }

// cut shortens a safe s to n runes (at least 2).
func (m *Model) cut(s string, n int) string { return termtext.Cut(s, max(n, 2)) }

func (m *Model) screenWidth() int {
	if m.width > 0 {
		return m.width
	}
	return defaultWidth
}

// View draws the queue on the alternate screen, as Bubble Tea asks.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Screen())
	v.AltScreen = true
	return v
}

// Screen is the queue's text as View draws it.
func (m *Model) Screen() string {
	l := m.layout()
	body := l.body
	if avail := m.bodyHeight(len(l.header), len(l.footer)); avail > 0 && len(body) > avail {
		top := max(0, min(m.top, len(body)-avail+1))
		end := min(len(body), top+avail-1)
		first, last := 0, 0
		for i, start := range l.rowStart {
			if start < top {
				first = i + 1
			}
			if start < end {
				last = i + 1
			}
		}
		more := fmt.Sprintf("  (requests %d-%d of %d: ↑/↓ to move)", min(first+1, last), last, len(m.rows))
		body = append(body[top:end:end], more)
	}
	lines := append(append(l.header, body...), l.footer...)
	w := m.screenWidth()
	for i, line := range lines {
		lines[i] = m.cut(line, w)
	}
	return strings.Join(lines, "\n")
}

// bodyHeight is how many lines the list may take, 0 when the height is unknown.
func (m *Model) bodyHeight(header, footer int) int {
	if m.height <= 0 {
		return 0
	}
	return max(3, m.height-header-footer)
}

// scroll keeps the selected request (and its details) on the screen.
func (m *Model) scroll() {
	l := m.layout()
	avail := m.bodyHeight(len(l.header), len(l.footer))
	if avail == 0 || len(l.body) <= avail {
		m.top = 0
		return
	}
	avail-- // the line saying where we are
	if l.selStart < m.top {
		m.top = l.selStart
	}
	if l.selEnd > m.top+avail {
		m.top = max(l.selStart, l.selEnd-avail)
		if l.selEnd-l.selStart > avail {
			m.top = l.selStart
		}
	}
	m.top = max(0, min(m.top, len(l.body)-avail))
}

// layout is the view's lines: the header, the list (the body, which scrolls)
// and the footer.
type layout struct {
	header, body, footer []string
	// rowStart is where each request's lines start in the body; selStart and
	// selEnd bound the selected request's lines.
	rowStart         []int
	selStart, selEnd int
}

func (m *Model) layout() layout {
	l := layout{header: []string{m.title(), ""}, footer: m.footer()}
	switch {
	case m.help:
		l.body = helpLines
		return l
	case len(m.rows) == 0:
		msg := "  no requests waiting"
		if !m.loaded {
			msg = "  asking the daemon…"
		}
		l.body, l.selEnd = []string{msg}, 1
		return l
	}
	cols := m.columns()
	l.header = append(l.header, m.row(cols, "", []string{"ID", "AGE", "AGENT", "CLASS", "STATUS"}, "COMMAND"))
	now := m.cfg.Now()
	for i, r := range m.rows {
		l.rowStart = append(l.rowStart, len(l.body))
		mark := " "
		if i == m.sel {
			mark = ">"
			l.selStart = len(l.body)
		}
		l.body = append(l.body, m.row(cols, mark, m.cells(r, now), m.safe(r.Command)))
		if i == m.sel {
			if m.details {
				l.body = append(l.body, m.detailLines(r)...)
			}
			l.selEnd = len(l.body)
		}
	}
	return l
}

func (m *Model) title() string {
	n := len(m.rows)
	t := "gatesh queue: "
	switch {
	case !m.loaded:
		t += "connecting"
	case n == 1:
		t += "1 request waiting for you"
	default:
		t += fmt.Sprintf("%d requests waiting for you", n)
	}
	if !m.updated.IsZero() {
		t += "  (updated " + m.updated.Format("15:04:05") + ")"
	}
	return t + "    ? help  q quit"
}

// cells are a row's short columns.
func (m *Model) cells(r console.RequestInfo, now time.Time) []string {
	status := r.Status
	if r.Waiting {
		status += "*"
	}
	return []string{
		fmt.Sprint(r.ID), Age(r.Created, now),
		m.cut(m.safe(r.Agent), 16), m.cut(m.safe(r.Class), 12), m.cut(m.safe(status), 12),
	}
}

// columns are the widths of the short columns over every row, so that rows
// line up as they come and go.
func (m *Model) columns() []int {
	cols := []int{2, 3, 5, 5, 8} // at least the headers' widths, and "pending*"
	now := m.cfg.Now()
	for _, r := range m.rows {
		for i, c := range m.cells(r, now) {
			cols[i] = max(cols[i], utf8.RuneCountInString(c))
		}
	}
	return cols
}

func (m *Model) row(cols []int, mark string, cells []string, command string) string {
	var b strings.Builder
	b.WriteString(mark)
	if mark == "" {
		b.WriteString(" ")
	}
	b.WriteString(" ")
	for i, c := range cells {
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", cols[i]-utf8.RuneCountInString(c)+2))
	}
	room := m.screenWidth() - utf8.RuneCountInString(b.String())
	b.WriteString(m.cut(command, max(room, 20)))
	return b.String()
}

// detailLines are the facts of the selected request, under its row. Long
// values wrap: a person must be able to read all of what they approve.
func (m *Model) detailLines(r console.RequestInfo) []string {
	var out []string
	add := func(label, value string) {
		if value == "" {
			return
		}
		indent := strings.Repeat(" ", 6)
		width := m.screenWidth() - len(indent) - labelWidth - 1
		for i, l := range wrap(value, max(width, 20)) {
			if i == 0 {
				out = append(out, fmt.Sprintf("%s%-*s %s", indent, labelWidth, label, l))
			} else {
				out = append(out, fmt.Sprintf("%s%-*s %s", indent, labelWidth, "", l))
			}
		}
	}
	add("command", m.safe(r.Command))
	if r.Text != "" && r.Text != r.Command {
		add("sent as", m.safe(r.Text))
	}
	add("cwd", m.safe(r.Cwd))
	if r.Workspace != "" {
		ws := m.safe(r.Workspace)
		if r.Branch != "" {
			ws += ", branch " + m.safe(r.Branch)
		}
		add("workspace", ws)
	}
	if f, ok := m.facts[r.ID]; ok {
		switch {
		case f.err != nil:
			add("facts", "could not be read: "+m.safe(f.err.Error()))
		case m.cfg.Text.Push != nil:
			add("push", m.safe(m.cfg.Text.Push(f.info.Facts)))
		}
	}
	for _, rule := range r.Rules {
		add("rule", m.safe(rule.ID)+": "+m.safe(rule.Msg))
	}
	agent := m.safe(r.Agent)
	if r.Session != "" {
		agent += " (session " + m.safe(r.Session) + ")"
	}
	if r.PID != 0 {
		agent += fmt.Sprintf(", pid %d", r.PID)
	}
	add("agent", strings.TrimPrefix(agent, ", "))
	add("harness", m.safe(r.Harness))
	switch {
	case r.Status == "gone":
		add("waiting", "no: the agent's command went away; approving lets the same command run when it is sent again")
	case r.Waiting:
		add("waiting", "yes: the agent's command waits for your answer")
	default:
		add("waiting", "no: the wait ran out; approving lets the same command run when it is sent again")
	}
	return out
}

// wrap breaks s into lines of at most n runes, at spaces when it can.
func wrap(s string, n int) []string {
	var out []string
	rs := []rune(s)
	for len(rs) > n {
		cut := n
		for i := n; i > n/2; i-- {
			if rs[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, strings.TrimRight(string(rs[:cut]), " "))
		rs = rs[cut:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
	}
	return append(out, string(rs))
}

// footer is the legend, the result of the last action, and the keys or the
// open prompt.
func (m *Model) footer() []string {
	out := []string{""}
	for _, r := range m.rows {
		if r.Waiting {
			out = append(out, "  * the agent's command is waiting for your answer")
			break
		}
	}
	if m.listErr != "" {
		out = append(out, "  ! the list is not up to date: "+m.safe(m.listErr))
	}
	switch {
	case m.busy != "":
		out = append(out, "  "+m.busy+"…")
	case m.status != "" && m.statusErr:
		out = append(out, "  ! "+m.status)
	case m.status != "":
		out = append(out, "  "+m.status)
	}
	switch m.mode {
	case granting:
		out = append(out,
			fmt.Sprintf("  approve request %d with a grant: what matches runs without asking until the grant expires", m.target.ID),
			m.fieldLine(0, "(a duration: 30m, 1h, 8h; at most 24h)"),
			m.fieldLine(1, "(* matches anything; as shown: exactly this command)"),
			"    where    "+m.grantScope(m.target),
			"  enter approve   tab next field   ctrl+u clear   esc cancel")
	case denying:
		out = append(out,
			fmt.Sprintf("  deny request %d: %s", m.target.ID, m.safe(m.target.Command)),
			m.fieldLine(0, "(the agent is told)"),
			"  enter deny   esc cancel")
	default:
		out = append(out, "  a approve once   g approve with a grant   d deny   enter/i details   ↑/↓ move   ? help   q quit")
	}
	return out
}

// grantScope says where a grant for r holds: its workspace, and its branch
// when a git rule held it (as the daemon scopes grants).
func (m *Model) grantScope(r console.RequestInfo) string {
	if r.Workspace == "" {
		return "any directory outside a workspace (this request has none)"
	}
	s := "workspace " + m.safe(r.Workspace)
	for _, rule := range r.Rules {
		if strings.HasPrefix(rule.ID, "git.") && r.Branch != "" {
			return s + ", branch " + m.safe(r.Branch)
		}
	}
	return s
}

// fieldLine draws one prompt field, its end shown when it is long.
func (m *Model) fieldLine(i int, hint string) string {
	if i >= len(m.fields) {
		return ""
	}
	f := m.fields[i]
	mark, cursor := " ", ""
	if i == m.focus {
		mark, cursor = ">", "▌"
	}
	value := m.safe(f.value)
	room := m.screenWidth() - 4 - 8 - 2
	if i != m.focus {
		room -= utf8.RuneCountInString(hint) + 2
	}
	if rs := []rune(value); len(rs) > max(room, 10) {
		value = "…" + string(rs[len(rs)-max(room, 10)+1:])
	}
	line := fmt.Sprintf("  %s %-8s %s%s", mark, f.label, value, cursor)
	if i != m.focus || value == "" {
		line += "  " + hint
	}
	return line
}

var helpLines = []string{
	"  keys",
	"    ↑/↓, k/j     move between requests (the selection stays on its request as others come and go)",
	"    enter, i     show or hide the selected request's details: cwd, workspace, branch, push, rules",
	"    a            approve once: the command runs (now, if the agent's command still waits)",
	"    g            approve with a grant: the same command (or a pattern you give), in the same",
	"                 workspace (and branch, for git rules), runs without asking until it expires",
	"    d            deny with a reason: the agent's command fails with it",
	"    r            refresh now (the list refreshes by itself twice a second)",
	"    esc          clear the last message",
	"    ?            this help (any key closes it)",
	"    q, ctrl+c    quit",
	"",
	"  in a prompt: enter sends, esc cancels without sending, tab moves between fields,",
	"  backspace deletes, ctrl+u clears, ctrl+w deletes a word",
	"",
	"  A bell (and a desktop notification, with notify-send) says a new request arrived;",
	"  gatectl queue --no-bell turns both off. Grants are listed by gatectl grants and",
	"  revoked by gatectl revoke ID.",
}

// Age is how long ago an RFC 3339 time was, in its largest unit (gatectl list
// shows ages the same way).
func Age(rfc string, now time.Time) string {
	t, err := time.Parse(time.RFC3339, rfc)
	if err != nil {
		return "?"
	}
	d := max(now.Sub(t).Round(time.Second), 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
