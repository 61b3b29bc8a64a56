package audit

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestReaderLines(t *testing.T) {
	long := strings.Repeat("x", 100)
	rd := NewReader(strings.NewReader("a\n\n" + long + "\nb\r\nlast"))
	rd.max = 50
	type got struct {
		n    int
		raw  string
		torn bool
		err  bool
	}
	var lines []got
	for {
		l, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *LineError
		if errors.As(err, &le) {
			if !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("line error %v, want too long", err)
			}
			lines = append(lines, got{n: le.Line, err: true})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, got{n: l.N, raw: string(l.Raw), torn: l.Torn})
	}
	want := []got{{1, "a", false, false}, {2, "", false, false}, {3, "", false, true}, {4, "b\r", false, false}, {5, "last", true, false}}
	if len(lines) != len(want) {
		t.Fatalf("lines = %+v, want %+v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i+1, lines[i], want[i])
		}
	}
}

func TestReaderTooLongAtEnd(t *testing.T) {
	rd := NewReader(strings.NewReader("ok\n" + strings.Repeat("y", 80)))
	rd.max = 50
	if l, err := rd.Next(); err != nil || string(l.Raw) != "ok" {
		t.Fatalf("first line = %q, %v", l.Raw, err)
	}
	_, err := rd.Next()
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 {
		t.Fatalf("second line: %v, want a LineError at line 2", err)
	}
	if _, err := rd.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after it: %v, want EOF", err)
	}
}

func TestDecode(t *testing.T) {
	ts := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	decision := `{"decision_id":"d1","timestamp":"2025-03-04T05:06:07Z","path":"gatesh/decision",` +
		`"input":{"text":"git push origin main","cwd":"/w","wrapper":"bash -c 'git push origin main'","agent":{"name":"claude-code","session":"s"}},` +
		`"result":{"action":"hold","class":"external","reasons":[{"id":"git.push","msg":"pushing publishes","class":"external"},{"id":"b","msg":"m"}]},` +
		`"custom":{"pid":12,"request_id":7,"prev_hash":"x"}}`
	rec, err := Decode([]byte(decision))
	if err != nil {
		t.Fatal(err)
	}
	if rec.DecisionID != "d1" || !rec.Time.Equal(ts) || rec.Action != "hold" || rec.Class != "external" ||
		rec.Agent != "claude-code" || rec.Text != "git push origin main" || rec.Cwd != "/w" ||
		rec.Wrapper != "bash -c 'git push origin main'" || rec.RequestID != "7" || rec.Event != "" {
		t.Errorf("decision = %+v", rec)
	}
	if len(rec.Reasons) != 2 || rec.Reasons[0] != (Reason{ID: "git.push", Msg: "pushing publishes", Class: "external"}) {
		t.Errorf("reasons = %+v", rec.Reasons)
	}

	// An event as the daemon logs it.
	event := `{"decision_id":"d2","timestamp":"2025-03-04T05:06:07Z","path":"gatesh/decision","input":{"request_id":8},` +
		`"result":{"event":"deny","note":"not on main"},"custom":{"event":"deny","request_id":8,"prev_hash":"x"}}`
	rec, err = Decode([]byte(event))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Event != "deny" || rec.Action != "" || rec.RequestID != "8" || rec.Note != "not on main" || rec.Text != "" {
		t.Errorf("event = %+v", rec)
	}

	// A failed request.
	rec, err = Decode([]byte(`{"input":{"text":"x","cwd":"rel"},"result":{"error":"working directory"},"custom":{}}`))
	if err != nil || rec.Error != "working directory" || rec.Text != "x" {
		t.Errorf("error entry = %+v, %v", rec, err)
	}

	for _, bad := range []string{"", "{", `[1,2]`, `"text"`, `{"timestamp":"yesterday"}`, `{} {}`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%q) succeeded", bad)
		}
	}
}

// explainAfter writes a log of n entries, changes its lines, and returns what
// Verify finds and what Explain makes of it.
func explainAfter(t *testing.T, n int, change func([]string) string) (Problem, Break) {
	t.Helper()
	path := writeLog(t, n)
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if err := os.WriteFile(path, []byte(change(lines)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := verifyFile(t, path)
	var p Problem
	if !errors.As(err, &p) {
		t.Fatalf("Verify = %v, want a Problem", err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	br, err := Explain(f, p)
	if err != nil {
		t.Fatal(err)
	}
	return p, br
}

func prevOf(line string) string {
	p, _ := prevHash([]byte(line))
	return p
}

func join(l []string) string { return strings.Join(l, "\n") + "\n" }

func TestExplain(t *testing.T) {
	tests := []struct {
		name    string
		change  func(l []string) string
		line    int // Verify's line
		kind    string
		suspect int
		says    []string
	}{
		{"edited line", func(l []string) string {
			l[2] = strings.Replace(l[2], `"allow"`, `"deny"`, 1)
			return join(l)
		}, 4, BreakChanged, 3, []string{"line 3 was changed", "between line 3 and line 4 were removed"}},
		{"removed line", func(l []string) string { return join(append(l[:2], l[3:]...)) },
			3, BreakChanged, 2, []string{"line 2 was changed", "between line 2 and line 3 were removed"}},
		{"removed first line", func(l []string) string { return join(l[1:]) },
			1, BreakStart, 1, []string{"removed from the beginning"}},
		{"duplicated line", func(l []string) string { return join(append(l[:3], l[2:]...)) },
			4, BreakInserted, 4, []string{"line 4 was inserted", "line 5 chains onto line 3"}},
		{"inserted line that chains on", func(l []string) string {
			// Made to chain onto line 3, as one who knows the scheme would: line 5
			// (the old line 4) then passes over it.
			forged := strings.Replace(l[3], "xxx", "yyy", 1)
			forged = strings.Replace(forged, prevOf(l[3]), hash([]byte(l[2])), 1)
			return join(append(l[:3], append([]string{forged}, l[3:]...)...))
		}, 5, BreakInserted, 4, []string{"line 4 was inserted", "line 5 chains onto line 3"}},
		{"inserted first line", func(l []string) string {
			return join(append([]string{strings.Replace(l[0], `"ls "`, `"id"`, 1)}, l...))
		}, 2, BreakInserted, 1, []string{"line 1 was inserted: line 2 starts the chain"}},
		{"swapped lines", func(l []string) string { l[1], l[2] = l[2], l[1]; return join(l) },
			2, BreakSwapped, 2, []string{"lines 2 and 3 are in the wrong order"}},
		{"garbage line", func(l []string) string { l[3] = "{not json"; return join(l) },
			4, BreakNotEntry, 4, []string{"line 4 is not a decision entry"}},
		{"empty line", func(l []string) string { l[1] = ""; return join(l) },
			2, BreakEmpty, 2, []string{"line 2 is empty"}},
		{"torn last line", func(l []string) string { return strings.Join(l, "\n")[:len(strings.Join(l, "\n"))-10] },
			5, BreakTorn, 5, []string{"the last line (5) is cut short", "4 entries before it are intact"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, b := explainAfter(t, 5, tt.change)
			if p.Line != tt.line || b.Line != tt.line {
				t.Errorf("problem at line %d (%s), break at %d; want line %d", p.Line, p.What, b.Line, tt.line)
			}
			if b.Kind != tt.kind || b.Suspect != tt.suspect {
				t.Errorf("break %s at line %d, want %s at line %d: %s", b.Kind, b.Suspect, tt.kind, tt.suspect, b.Meaning)
			}
			for _, s := range tt.says {
				if !strings.Contains(b.Meaning, s) {
					t.Errorf("meaning %q does not say %q", b.Meaning, s)
				}
			}
		})
	}
}

// A write cut short that gatesh sealed and wrote after is told apart from an
// edit, and the chain after it is still checked.
func TestExplainSealedTornLine(t *testing.T) {
	path := writeLog(t, 3)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)-10], 0o600)
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := l.Append(Entry{Input: "after"}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	explain := func() Break {
		t.Helper()
		_, err := verifyFile(t, path)
		var p Problem
		if !errors.As(err, &p) || p.Line != 3 {
			t.Fatalf("Verify = %v, want a problem at line 3", err)
		}
		f, _ := os.Open(path)
		defer f.Close()
		br, err := Explain(f, p)
		if err != nil {
			t.Fatal(err)
		}
		return br
	}
	br := explain()
	if br.Kind != BreakSealed || br.Suspect != 3 || !strings.Contains(br.Meaning, "the 3 entries after it chain intact") {
		t.Fatalf("break = %+v", br)
	}

	// An edit after the sealed line is still found.
	b, _ = os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	lines[4] = strings.Replace(lines[4], "after", "AFTER", 1)
	os.WriteFile(path, []byte(join(lines)), 0o600)
	br = explain()
	if br.Kind != BreakSealed || !strings.Contains(br.Meaning, "after it, line 6:") {
		t.Fatalf("break = %+v, want the edit before line 6 named", br)
	}
}

func TestHead(t *testing.T) {
	path := writeLog(t, 3)
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	f, _ := os.Open(path)
	defer f.Close()
	head, err := Head(f)
	if err != nil || head != hash([]byte(lines[2])) {
		t.Fatalf("Head = %s, %v; want the hash of the last line", head, err)
	}
	// It is what the next entry chains onto.
	l, _ := Open(path)
	l.Append(Entry{Input: "next"})
	l.Close()
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), `"prev_hash":"`+head+`"`) {
		t.Errorf("the next entry does not chain onto the head %s", head)
	}
	if h, _ := Head(strings.NewReader("")); h != Genesis {
		t.Errorf("Head of an empty log = %s, want Genesis", h)
	}
}
