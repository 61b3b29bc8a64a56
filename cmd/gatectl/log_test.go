package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatesh/gatesh/internal/audit"
)

// logEntry is one entry of the test log, shaped as the daemon writes it.
type logEntry struct {
	id    string
	ago   time.Duration
	entry audit.Entry
}

func decisionEntry(text, agent, action, class string, reasons []map[string]any, custom map[string]any) audit.Entry {
	if reasons == nil {
		reasons = []map[string]any{}
	}
	c := map[string]any{"pid": 4242, "mode": "command", "harness": "", "uid": 1000}
	for k, v := range custom {
		c[k] = v
	}
	return audit.Entry{
		Input: map[string]any{"text": text, "cwd": "/work/repo", "wrapper": "", "script": "",
			"agent": map[string]any{"name": agent, "session": "s1"}, "harness": "",
			"workspace": map[string]any{"root": "/work/repo", "branch": "main"}},
		Result:  map[string]any{"action": action, "class": class, "reasons": reasons},
		Labels:  map[string]string{"version": "test"},
		Metrics: map[string]any{"timer_gatesh_decide_ns": 1234},
		Custom:  c,
	}
}

func eventEntry(kind string, request int64, note string) audit.Entry {
	return audit.Entry{
		Input:  map[string]any{"request_id": request},
		Result: map[string]any{"event": kind, "note": note},
		Custom: map[string]any{"event": kind, "request_id": request},
		Labels: map[string]string{"version": "test"},
	}
}

// withNote adds the note the daemon gives a hold it settles.
func withNote(e audit.Entry, note string) audit.Entry {
	e.Result.(map[string]any)["note"] = note
	return e
}

var pushReason = []map[string]any{{"id": "git.push", "msg": "pushing publishes commits to a remote", "class": "external"}}

// testLog is the log every listing test reads, oldest first.
func testLog() []logEntry {
	return []logEntry{
		{"ls", 3 * time.Hour, decisionEntry("ls -la", "claude-code", "allow", "read-only", nil, nil)},
		{"hold", 2 * time.Hour, decisionEntry("git push origin main", "claude-code", "hold", "external", pushReason, map[string]any{"request_id": 7, "session": "s-1"})},
		{"rm", 90 * time.Minute, decisionEntry("rm -rf /", "codex", "deny", "destructive", []map[string]any{
			{"id": "files.rm.catastrophic", "msg": "removes the whole file system", "class": "destructive"},
			{"id": "files.rm.workspace_root", "msg": "removes the workspace", "class": "destructive"}}, nil)},
		{"approve", 60 * time.Minute, eventEntry("approve", 7, "approved once")},
		{"grant", 50 * time.Minute, withNote(decisionEntry("git push origin feature", "claude-code", "allow", "external", pushReason,
			map[string]any{"event": "grant-use", "request_id": 7}), "covered by the user's grant 3")},
		{"denied", 40 * time.Minute, eventEntry("deny", 8, "not on main")},
		{"expire", 30 * time.Minute, eventEntry("expire", 9, "the wait ran out; the request stays pending")},
		{"echo", 10 * time.Minute, decisionEntry("printf 'a\nb' \x1b[31mred", "gemini-cli", "allow", "reversible", nil, nil)},
		{"error", 5 * time.Minute, audit.Entry{
			Input:  map[string]any{"text": "pwd", "cwd": "relative"},
			Result: map[string]any{"error": `working directory "relative" is not absolute`},
			Custom: map[string]any{"pid": 1, "mode": "command", "uid": 1000}}},
	}
}

// writeTestLog writes entries to the decision log of c's GATESH_HOME and returns
// its path; each entry's decision_id is its test id.
func writeTestLog(t *testing.T, c *cli, entries []logEntry) string {
	t.Helper()
	dir := filepath.Join(c.home, "state")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "decisions.jsonl")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, x := range entries {
		x.entry.DecisionID = x.id
		x.entry.Timestamp = now.Add(-x.ago)
		if _, err := l.Append(x.entry); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func outLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// jsonIDs are the decision ids of `gatectl log --json` output.
func jsonIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for _, line := range outLines(out) {
		var e audit.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not a JSON entry: %v\n%s", err, line)
		}
		ids = append(ids, e.DecisionID)
	}
	return ids
}

func TestLogListing(t *testing.T) {
	c := newCLI(t)
	entries := testLog()
	writeTestLog(t, c, entries)
	r := c.run("", "log")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	lines := outLines(r.stdout)
	if len(lines) != len(entries) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(entries), r.stdout)
	}
	want := []struct {
		label, class, agent, rest string
	}{
		{"allow", "read-only", "claude-code", "ls -la"},
		{"hold", "external", "claude-code", "request 7: git push origin main  [git.push]"},
		{"deny", "destructive", "codex", "rm -rf /  [files.rm.catastrophic +1]"},
		{"approve", "-", "-", "request 7 (approved once)"},
		{"grant-use", "external", "claude-code", "request 7: git push origin feature (covered by…  [git.push]"},
		{"deny-request", "-", "-", "request 8 (not on main)"},
		{"expire", "-", "-", "request 9 (the wait ran out; the request stays pending)"},
		{"allow", "reversible", "gemini-cli", `printf 'a↵b' \x1b[31mred`},
		{"error", "-", "-", `pwd  [error: working directory "relative" is not absolute]`},
	}
	now := time.Now()
	for i, w := range want {
		line := lines[i]
		// The columns are aligned: time, action, class, agent, then the command.
		ts := now.Add(-entries[i].ago).Local().Format(time.DateTime)
		cols := []struct{ got, want string }{
			{string([]rune(line)[:19]), ts},
			{strings.TrimSpace(string([]rune(line)[21:33])), w.label},
			{strings.TrimSpace(string([]rune(line)[35:46])), w.class},
			{strings.TrimSpace(string([]rune(line)[48:59])), w.agent},
		}
		for _, col := range cols {
			// The second may tick between writing and listing.
			if col.got != col.want && !(col.want == ts && col.got[:16] == ts[:16]) {
				t.Errorf("line %d: column %q, want %q\n%s", i+1, col.got, col.want, line)
			}
		}
		if rest := string([]rune(line)[61:]); !strings.HasPrefix(rest, w.rest) && rest != w.rest {
			t.Errorf("line %d: command part %q, want %q", i+1, rest, w.rest)
		}
	}
	if strings.ContainsRune(r.stdout, 0x1b) {
		t.Error("the listing passes an escape sequence from the command text to the terminal")
	}
	// The grant-use entry shows the rule after the command.
	if !strings.HasSuffix(lines[4], "[git.push]") {
		t.Errorf("grant-use line does not end with its rule: %q", lines[4])
	}
}

func TestLogFilters(t *testing.T) {
	c := newCLI(t)
	entries := testLog()
	writeTestLog(t, c, entries)
	now := time.Now()
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{"ls", "hold", "rm", "approve", "grant", "denied", "expire", "echo", "error"}},
		{[]string{"--action", "hold"}, []string{"hold"}},
		{[]string{"--action", "HOLD"}, []string{"hold"}},
		// The policy's deny and a person's denial of a request.
		{[]string{"--action", "deny"}, []string{"rm", "denied"}},
		{[]string{"--action", "deny-request"}, []string{"denied"}},
		// A grant's use is an allow too.
		{[]string{"--action", "allow"}, []string{"ls", "grant", "echo"}},
		{[]string{"--action", "grant-use"}, []string{"grant"}},
		{[]string{"--action", "approve,expire"}, []string{"approve", "expire"}},
		{[]string{"--action", "error"}, []string{"error"}},
		{[]string{"--action", "nosuch"}, nil},
		{[]string{"--class", "destructive"}, []string{"rm"}},
		{[]string{"--class", "external,Read-Only"}, []string{"ls", "hold", "grant"}},
		{[]string{"--grep", "PUSH"}, []string{"hold", "grant"}},
		{[]string{"--grep", "catastrophic"}, []string{"rm"}},  // a rule id
		{[]string{"--grep", "the workspace"}, []string{"rm"}}, // a second rule's message
		{[]string{"--grep", "publishes commits"}, []string{"hold", "grant"}},
		{[]string{"--grep", "not on main"}, []string{"denied"}}, // a person's reason
		{[]string{"--grep", "is not absolute"}, []string{"error"}},
		{[]string{"--since", "100m"}, []string{"rm", "approve", "grant", "denied", "expire", "echo", "error"}},
		{[]string{"--since", "1d"}, []string{"ls", "hold", "rm", "approve", "grant", "denied", "expire", "echo", "error"}},
		{[]string{"--since", now.Add(-45 * time.Minute).Format(time.RFC3339)}, []string{"denied", "expire", "echo", "error"}},
		{[]string{"--since", now.AddDate(0, 0, -2).Format(time.DateOnly)}, []string{"ls", "hold", "rm", "approve", "grant", "denied", "expire", "echo", "error"}},
		{[]string{"--since", now.AddDate(0, 0, 1).Format(time.DateOnly)}, nil},
		{[]string{"--action", "allow", "--grep", "push"}, []string{"grant"}},
		{[]string{"--action", "hold,deny", "--class", "destructive"}, []string{"rm"}},
		{[]string{"--since", "100m", "--action", "deny"}, []string{"rm", "denied"}},
		{[]string{"--since", "100m", "--action", "deny", "--grep", "main"}, []string{"denied"}},
		{[]string{"--limit", "2"}, []string{"echo", "error"}},
		{[]string{"--limit", "100"}, []string{"ls", "hold", "rm", "approve", "grant", "denied", "expire", "echo", "error"}},
		{[]string{"--action", "allow", "--limit", "2"}, []string{"grant", "echo"}},
		{[]string{"--limit", "1", "--action", "deny"}, []string{"denied"}},
		{[]string{"--session", "s-1"}, []string{"hold"}},
		{[]string{"--session", "s-2"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := c.run("", append([]string{"log", "--json"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if got := jsonIDs(t, r.stdout); !slices.Equal(got, tt.want) {
				t.Errorf("entries %v, want %v", got, tt.want)
			}
			// The listing shows the same entries, in the same order.
			h := c.run("", append([]string{"log"}, tt.args...)...)
			if h.code != 0 || len(outLines(h.stdout)) != len(tt.want) {
				t.Errorf("listing: exit %d, %d lines, want %d:\n%s%s", h.code, len(outLines(h.stdout)), len(tt.want), h.stdout, h.stderr)
			}
			if len(tt.want) == 0 && !strings.Contains(h.stderr, "no entry matches (of 9)") {
				t.Errorf("no match, but stderr says %q", h.stderr)
			}
		})
	}
}

// --json prints the lines as they are in the log: byte for byte, so the chain's
// hashes still hold for what jq reads.
func TestLogJSONIsRaw(t *testing.T) {
	c := newCLI(t)
	path := writeTestLog(t, c, testLog())
	raw, _ := os.ReadFile(path)
	r := c.run("", "log", "--json")
	if r.code != 0 || r.stdout != string(raw) {
		t.Fatalf("exit %d; --json output differs from the log:\n%s\nwant\n%s", r.code, r.stdout, raw)
	}
	lines := readLines(t, path)
	r = c.run("", "log", "--json", "--action", "hold")
	if r.stdout != lines[1]+"\n" {
		t.Errorf("--json --action hold = %q, want line 2 as it is", r.stdout)
	}
}

func TestLogWidth(t *testing.T) {
	rec := audit.Record{Time: time.Now(), Action: "hold", Class: "external", Agent: "claude-code",
		Text: "git push origin main " + strings.Repeat("--force-with-lease ", 20), Reasons: []audit.Reason{{ID: "git.push"}}}
	for _, width := range []int{100, 120, 200} {
		line := formatRecord(rec, width)
		if n := utf8.RuneCountInString(line); n != width {
			t.Errorf("width %d: line is %d runes: %s", width, n, line)
		}
		if !strings.HasSuffix(line, "…  [git.push]") {
			t.Errorf("width %d: the command is not cut before the rule: %s", width, line)
		}
	}
	// Too narrow a terminal keeps some of the command and the whole rule.
	if line := formatRecord(rec, 60); !strings.HasSuffix(line, "  git push or…  [git.push]") {
		t.Errorf("width 60: %s", line)
	}
	// A short command is not padded.
	rec.Text = "git push"
	if line := formatRecord(rec, 120); !strings.HasSuffix(line, "  git push  [git.push]") {
		t.Errorf("short line %q", line)
	}
	// Without a terminal the listing is cut at 120; COLUMNS overrides.
	c := newCLI(t)
	writeTestLog(t, c, []logEntry{{"long", time.Minute, decisionEntry(rec.Text+strings.Repeat(" x", 200), "codex", "allow", "reversible", nil, nil)}})
	if r := c.run("", "log"); utf8.RuneCountInString(strings.TrimSuffix(r.stdout, "\n")) != 120 {
		t.Errorf("listing line is not cut to 120: %q", r.stdout)
	}
	if w := termWidth(env{getenv: func(k string) string { return map[string]string{"COLUMNS": "90"}[k] }, stdout: os.Stdout}); w != 90 {
		t.Errorf("termWidth with COLUMNS=90 = %d", w)
	}
}

func TestLogVerifyOK(t *testing.T) {
	c := newCLI(t)
	path := writeTestLog(t, c, testLog())
	r := c.run("", "log", "--verify")
	lines := outLines(r.stdout)
	if r.code != 0 || len(lines) != 2 || lines[0] != "ok: 9 entries, chain intact" {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	log := readLines(t, path)
	sum := sha256.Sum256([]byte(log[len(log)-1]))
	if !strings.HasPrefix(lines[1], "head: "+hex.EncodeToString(sum[:])) {
		t.Errorf("head line %q is not the hash of the last line", lines[1])
	}
	// --file reads another log.
	other := filepath.Join(t.TempDir(), "copy.jsonl")
	b, _ := os.ReadFile(path)
	os.WriteFile(other, b[:len(b)-len(log[8])-1], 0o600)
	if r := c.run("", "log", "--verify", "--file", other); r.code != 0 || !strings.HasPrefix(r.stdout, "ok: 8 entries, chain intact\n") {
		t.Errorf("--file: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	// An empty log is intact.
	os.WriteFile(other, nil, 0o600)
	if r := c.run("", "log", "--verify", "--file", other); r.code != 0 || r.stdout != "ok: 0 entries, chain intact\n" {
		t.Errorf("empty log: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
}

// rewrite changes the log's lines and writes it back.
func rewrite(t *testing.T, path string, change func([]string) []string) {
	t.Helper()
	lines := change(readLines(t, path))
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLogVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		change func([]string) []string
		says   []string
	}{
		{"edited line", func(l []string) []string {
			l[2] = strings.Replace(l[2], `"deny"`, `"allow"`, 1)
			return l
		}, []string{"broken at line 4 of ", "line 3 was changed", "      3  ", fmt.Sprintf("%-12s  %-11s  %-11s  rm -rf /", "allow", "destructive", "codex")}},
		{"deleted line", func(l []string) []string { return append(l[:4], l[5:]...) },
			[]string{"broken at line 5 of ", "lines that stood between line 4 and line 5 were removed", "      4  ", "      5  "}},
		{"deleted first line", func(l []string) []string { return l[1:] },
			[]string{"broken at line 1 of ", "removed from the beginning"}},
		{"inserted line", func(l []string) []string { return append(l[:3], l[2:]...) },
			[]string{"broken at line 4 of ", "line 4 was inserted"}},
		{"garbage line", func(l []string) []string { l[5] = "hello"; return l },
			[]string{"broken at line 6 of ", "line 6 is not a decision entry", "(not an entry)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			path := writeTestLog(t, c, testLog())
			rewrite(t, path, tt.change)
			r := c.run("", "log", "--verify")
			if r.code != 1 {
				t.Fatalf("exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, s := range tt.says {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output does not say %q:\n%s", s, r.stdout)
				}
			}
			if !strings.Contains(r.stdout, path) {
				t.Errorf("output does not name the log %s:\n%s", path, r.stdout)
			}
		})
	}
}

func TestLogTornLastLine(t *testing.T) {
	c := newCLI(t)
	path := writeTestLog(t, c, testLog())
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)-20], 0o600) // a write cut short
	r := c.run("", "log", "--verify")
	if r.code != 1 || !strings.Contains(r.stdout, "broken at line 9 of ") || !strings.Contains(r.stdout, "the last line (9) is cut short") {
		t.Errorf("--verify: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The listing shows the 8 whole entries, reports the torn one, exits 1.
	r = c.run("", "log")
	if r.code != 1 || len(outLines(r.stdout)) != 8 {
		t.Errorf("listing: exit %d, %d lines:\n%s", r.code, len(outLines(r.stdout)), r.stdout)
	}
	if !strings.Contains(r.stderr, "line 9: the last line is cut short") {
		t.Errorf("stderr does not report the torn line: %q", r.stderr)
	}

	// gatesh ends the torn line when it writes again: not an edit, and the
	// entries after it are checked.
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	l.Append(decisionEntry("true", "codex", "allow", "read-only", nil, nil))
	l.Close()
	r = c.run("", "log", "--verify")
	if r.code != 1 || !strings.Contains(r.stdout, "line 9 is a write cut short") || !strings.Contains(r.stdout, "the 1 entry after it chains intact") {
		t.Errorf("--verify after a new entry: exit %d:\n%s", r.code, r.stdout)
	}
}

// A line that cannot be read is reported with its number; the listing goes on
// and loses nothing, then exits 1.
func TestLogUnreadableLine(t *testing.T) {
	c := newCLI(t)
	path := writeTestLog(t, c, testLog())
	rewrite(t, path, func(l []string) []string {
		return append(l[:3], append([]string{"{not json", ""}, l[3:]...)...)
	})
	r := c.run("", "log", "--json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if got := jsonIDs(t, r.stdout); len(got) != 9 {
		t.Errorf("%d entries listed, want all 9: %v", len(got), got)
	}
	for _, s := range []string{"line 4: not a decision entry", "line 5: an empty line", "2 lines could not be read"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr does not say %q:\n%s", s, r.stderr)
		}
	}
}

func TestLogMissing(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(c.home, "state", "decisions.jsonl")
	r := c.run("", "log")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "no decision log yet") || !strings.Contains(r.stderr, path) {
		t.Errorf("listing: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = c.run("", "log", "--verify")
	if r.code != 1 || !strings.Contains(r.stdout, "no decision log at "+path) {
		t.Errorf("--verify: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestLogUsage(t *testing.T) {
	c := newCLI(t)
	writeTestLog(t, c, testLog())
	for _, args := range [][]string{
		{"log", "--since", "last tuesday"},
		{"log", "--since", "-1h"},
		{"log", "--limit", "-1"},
		{"log", "hold"},
		{"log", "--verify", "--action", "hold"},
		{"log", "--nosuch"},
	} {
		r := c.run("", args...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, r.code, r.stderr)
		}
	}
	if r := c.run("", "log", "hold"); !strings.Contains(r.stderr, "--action hold") {
		t.Errorf("a bare word does not suggest --action: %q", r.stderr)
	}
	if r := c.run("", "help"); !strings.Contains(r.stdout, "log --verify") {
		t.Error("the usage text does not list log --verify")
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"1h", now.Add(-time.Hour)},
		{"30m", now.Add(-30 * time.Minute)},
		{"7d", now.AddDate(0, 0, -7)},
		{"2025-06-01T08:00:00Z", time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)},
		{"2025-06-01T08:00:00+02:00", time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC)},
		{"2025-06-01", time.Date(2025, 6, 1, 0, 0, 0, 0, time.Local)},
	} {
		got, err := parseSince(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
