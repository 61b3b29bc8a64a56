package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/termtext"
)

// logFile is the decision log's name in the state directory.
const logFile = "decisions.jsonl"

// logFilter selects entries; its parts combine with AND.
type logFilter struct {
	since   time.Time // zero: any time
	actions []string  // any of them; empty: any
	classes []string
	grep    string // lower-cased
	session string
}

// runLog is `gatectl log`: the decision log, filtered, or its chain verified.
func runLog(_ context.Context, e env) error {
	flags := flag.NewFlagSet("log", flag.ContinueOnError)
	flags.SetOutput(e.stderr)
	var (
		since, action, class, grep, file, session string
		asJSON, verify                            bool
		limit                                     int
	)
	flags.StringVar(&since, "since", "", "entries from `D|TIME` on: a duration ago (1h, 30m, 7d), an RFC 3339 time or a date (2006-01-02)")
	flags.StringVar(&action, "action", "", "entries whose action or event is one of `A[,A...]` (allow, hold, deny, error; approve, deny-request, grant-use, expire, gone, ...)")
	flags.StringVar(&class, "class", "", "entries of the class(es) `C[,C...]`")
	flags.StringVar(&grep, "grep", "", "entries whose command, rule ids or messages contain `TEXT` (any case)")
	flags.StringVar(&session, "session", "", "entries of the gated session `ID` (gatectl sessions lists them)")
	flags.BoolVar(&asJSON, "json", false, "print the matching entries as they are in the log, one JSON object per line")
	flags.IntVar(&limit, "limit", 0, "print only the last `N` matches (0: all)")
	flags.BoolVar(&verify, "verify", false, "check the whole log's hash chain")
	flags.StringVar(&file, "file", "", "read the log at `PATH` (default: the state directory's "+logFile+")")
	if err := flags.Parse(e.args); err != nil {
		return exitError{2}
	}
	if flags.NArg() > 0 {
		hint := ""
		if a := flags.Arg(0); !strings.HasPrefix(a, "-") {
			hint = fmt.Sprintf(" (to filter by action: --action %s; by text: --grep %s)", a, a)
		}
		return fmt.Errorf("%w: unexpected argument %q%s", errUsage, flags.Arg(0), hint)
	}
	if file == "" {
		d, err := dirs.From(e.getenv)
		if err != nil {
			return err
		}
		file = filepath.Join(d.State, logFile)
	}
	if verify {
		var other []string
		flags.Visit(func(f *flag.Flag) {
			if f.Name != "verify" && f.Name != "file" {
				other = append(other, "--"+f.Name)
			}
		})
		if len(other) > 0 {
			return fmt.Errorf("%w: --verify checks the whole log and takes no %s", errUsage, strings.Join(other, ", "))
		}
		return verifyLog(e, file)
	}
	if limit < 0 {
		return fmt.Errorf("%w: --limit %d: give a count of entries, or 0 for all", errUsage, limit)
	}
	var flt logFilter
	if since != "" {
		t, err := parseSince(since, time.Now())
		if err != nil {
			return fmt.Errorf("%w: --since: %v", errUsage, err)
		}
		flt.since = t
	}
	flt.actions = splitList(action)
	flt.classes = splitList(class)
	flt.grep = strings.ToLower(grep)
	flt.session = session

	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(e.stderr, "gatectl log: there is no decision log yet (it will be %s, written from the daemon's first decision)\n", file)
		return nil
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "gatectl log: %v\n", err)
		return exitError{1}
	}
	defer f.Close()
	return listLog(e, f, flt, asJSON, limit)
}

// listLog prints the entries of the log r that flt selects, the last limit of
// them when limit > 0. A line it cannot read is reported, and reading goes on;
// the exit status is then 1.
func listLog(e env, r io.Reader, flt logFilter, asJSON bool, limit int) error {
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	width := termWidth(e)
	type match struct {
		raw []byte // --json
		rec audit.Record
	}
	var ring []match
	next := 0 // where the next match goes once the ring is full
	emit := func(m match) {
		if asJSON {
			out.Write(m.raw)
			out.WriteByte('\n')
			return
		}
		out.WriteString(formatRecord(m.rec, width))
		out.WriteByte('\n')
	}
	bad, read, matched := 0, 0, 0
	report := func(n int, what string) {
		bad++
		out.Flush()
		fmt.Fprintf(e.stderr, "gatectl log: line %d: %s\n", n, what)
	}
	rd := audit.NewReader(r)
	for {
		l, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *audit.LineError
		if errors.As(err, &le) {
			report(le.Line, le.Err.Error()+": not an entry gatesh writes")
			continue
		}
		if err != nil {
			out.Flush()
			fmt.Fprintf(e.stderr, "gatectl log: reading the log after line %d: %v\n", read, err)
			return exitError{1}
		}
		read++
		rec, derr := audit.Decode(l.Raw)
		if derr != nil {
			what := "not a decision entry (" + derr.Error() + ")"
			switch {
			case l.Torn:
				what = "the last line is cut short: a write was interrupted (a crash or a full disk)"
			case len(bytes.TrimSpace(l.Raw)) == 0:
				what = "an empty line (gatesh writes none)"
			}
			report(l.N, what)
			continue
		}
		if !flt.match(rec) {
			continue
		}
		matched++
		m := match{rec: rec}
		if asJSON {
			m.raw = append([]byte(nil), l.Raw...)
		}
		switch {
		case limit == 0:
			emit(m)
		case len(ring) < limit:
			ring = append(ring, m)
		default:
			ring[next] = m
			next = (next + 1) % limit
		}
	}
	for i := range ring {
		emit(ring[(next+i)%len(ring)])
	}
	out.Flush()
	if matched == 0 && read > 0 {
		fmt.Fprintf(e.stderr, "gatectl log: no entry matches (of %d)\n", read)
	}
	if bad > 0 {
		s := "s"
		if bad == 1 {
			s = ""
		}
		fmt.Fprintf(e.stderr, "gatectl log: %d line%s could not be read (above); `gatectl log --verify` checks the chain\n", bad, s)
		return exitError{1}
	}
	return nil
}

// verifyLog checks the log's chain with audit.Verify and, when it is broken,
// says what the break means.
func verifyLog(e env, file string) error {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(e.stdout, "no decision log at %s: nothing to verify (none is written before the daemon's first decision; if there were decisions, the log was removed)\n", file)
		return exitError{1}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "gatectl log: %v\n", err)
		return exitError{1}
	}
	defer f.Close()
	n, verr := audit.Verify(f)
	if verr == nil {
		fmt.Fprintf(e.stdout, "ok: %d entries, chain intact\n", n)
		if _, err := f.Seek(0, io.SeekStart); err == nil {
			if head, err := audit.Head(f); err == nil && n > 0 {
				// The chain cannot show lines cut from its end, nor a change to the
				// last line: a head noted now can, later.
				fmt.Fprintf(e.stdout, "head: %s (note it: lines later cut from the end show only against it)\n", head)
			}
		}
		return nil
	}
	var p audit.Problem
	if !errors.As(verr, &p) {
		fmt.Fprintf(e.stdout, "cannot verify %s: after line %d: %v\n", file, n, verr)
		return exitError{1}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	b, err := audit.Explain(f, p)
	if err != nil {
		fmt.Fprintf(e.stdout, "broken at line %d of %s: %s\n", p.Line, file, p.What)
		fmt.Fprintf(e.stderr, "gatectl log: %v\n", err)
		return exitError{1}
	}
	fmt.Fprintf(e.stdout, "broken at line %d of %s: %s\n", p.Line, file, b.Meaning)
	// The lines around the break, as the listing shows them.
	if _, err := f.Seek(0, io.SeekStart); err == nil {
		lo, hi := max(min(b.Suspect, p.Line-1), 1), p.Line+1
		rd := audit.NewReader(f)
		width := termWidth(e) - 10
		for {
			l, err := rd.Next()
			if err != nil && !errors.As(err, new(*audit.LineError)) || l.N > hi {
				break
			}
			if err != nil || l.N < lo {
				continue
			}
			text := "(not an entry)"
			if rec, err := audit.Decode(l.Raw); err == nil {
				text = formatRecord(rec, width)
			}
			fmt.Fprintf(e.stdout, "  %6d  %s\n", l.N, text)
		}
	}
	return exitError{1}
}

func (flt logFilter) match(r audit.Record) bool {
	if !flt.since.IsZero() && r.Time.Before(flt.since) {
		return false
	}
	if len(flt.actions) > 0 {
		label := strings.ToLower(recordLabel(r))
		if !anyEqual(flt.actions, strings.ToLower(r.Action), strings.ToLower(r.Event), label) {
			return false
		}
	}
	if len(flt.classes) > 0 && !anyEqual(flt.classes, strings.ToLower(r.Class)) {
		return false
	}
	if flt.session != "" && r.Session != flt.session {
		return false
	}
	if flt.grep != "" {
		found := contains(r.Text, flt.grep) || contains(r.Wrapper, flt.grep) ||
			contains(r.Error, flt.grep) || contains(r.Note, flt.grep)
		for _, x := range r.Reasons {
			found = found || contains(x.ID, flt.grep) || contains(x.Msg, flt.grep)
		}
		if !found {
			return false
		}
	}
	return true
}

// anyEqual says whether one of vals (non-empty) is in list.
func anyEqual(list []string, vals ...string) bool {
	for _, v := range vals {
		if v == "" {
			continue
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
	}
	return false
}

func contains(s, lowerSub string) bool {
	return s != "" && strings.Contains(strings.ToLower(s), lowerSub)
}

// splitList is a comma-separated flag value, lower-cased.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.ToLower(strings.TrimSpace(x)); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseSince reads --since: a duration before now (Go's, or whole days "7d"), an
// RFC 3339 time, or a local date.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: give how long ago as a positive duration", s)
		}
		return now.Add(-d), nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a duration (1h, 30m, 7d), an RFC 3339 time (2006-01-02T15:04:05Z07:00) nor a date (2006-01-02)", s)
}

// Column widths of the listing: the longest action label, class and agent name.
const (
	labelWidth = len("deny-request")
	classWidth = len("destructive")
	agentWidth = len("claude-code")
)

// recordLabel is what the listing shows in the action column: the event for what
// is not a decision of the policy ("deny-request" for a person's denial, apart
// from the policy's deny), else the action, or "error".
func recordLabel(r audit.Record) string {
	switch {
	case r.Event == "deny":
		return "deny-request"
	case r.Event != "":
		return r.Event
	case r.Action != "":
		return r.Action
	case r.Error != "":
		return "error"
	}
	return "-"
}

// formatRecord is an entry's line in the listing, at most width columns: local
// time, action or event, class, agent, the command and the first rule.
func formatRecord(r audit.Record, width int) string {
	ts := "-"
	if !r.Time.IsZero() {
		ts = r.Time.Local().Format(time.DateTime)
	}
	prefix := fmt.Sprintf("%-19s  %-*s  %-*s  %-*s  ", ts, labelWidth, recordLabel(r), classWidth, dash(r.Class), agentWidth, dash(termtext.OneLine(r.Agent)))
	cmd := termtext.OneLine(r.Text)
	if r.RequestID != "" && r.RequestID != "0" {
		cmd = strings.TrimSuffix("request "+termtext.OneLine(r.RequestID)+": "+cmd, ": ")
	}
	if r.Event != "" && r.Note != "" {
		cmd = strings.TrimPrefix(cmd+" ("+termtext.OneLine(r.Note)+")", " ")
	}
	var tail string
	switch {
	case len(r.Reasons) > 0:
		tail = "[" + termtext.OneLine(r.Reasons[0].ID)
		if len(r.Reasons) > 1 {
			tail += fmt.Sprintf(" +%d", len(r.Reasons)-1)
		}
		tail += "]"
	case r.Error != "":
		tail = "[error: " + termtext.OneLine(r.Error) + "]"
	}
	room := width - utf8.RuneCountInString(prefix)
	if tail != "" {
		room -= 2 + utf8.RuneCountInString(tail)
	}
	// The command gets what room is left, at least a few words of it; the rule
	// is never cut (on a narrow terminal the line is then wider), an error is.
	cmd = termtext.Cut(dash(cmd), max(room, 12))
	line := prefix + cmd
	if tail != "" {
		line += "  " + tail
	}
	if len(r.Reasons) == 0 {
		line = termtext.Cut(line, max(width, utf8.RuneCountInString(prefix)+12))
	}
	return line
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// termWidth is the width to cut listing lines to: $COLUMNS, else the terminal's
// when stdout is one, else 120.
func termWidth(e env) int {
	if n, err := strconv.Atoi(e.getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := e.stdout.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	return 120
}
