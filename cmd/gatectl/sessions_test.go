package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/record"
	"github.com/gatesh/gatesh/internal/vtscreen"
)

// sessionsDir is where the cli's recordings go.
func (c *cli) sessionsDir() string { return record.Dir(filepath.Join(c.home, "state")) }

// recordSession writes a recording as the session side does: output in the
// given chunks, "m:label" a marker, "r:COLSxROWS" a resize.
func recordSession(t *testing.T, path string, h record.Header, chunks ...string) {
	t.Helper()
	w, err := record.Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		switch {
		case strings.HasPrefix(c, "m:"):
			w.Marker(c[2:])
		case strings.HasPrefix(c, "r:"):
			cols, rows, err := record.ParseSize(c[2:])
			if err != nil {
				t.Fatal(err)
			}
			w.Resize(cols, rows)
		default:
			w.Output([]byte(c))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSessionsNone(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "sessions")
	if res.code != 0 || !strings.Contains(res.stdout, "no recorded sessions") || !strings.Contains(res.stdout, c.sessionsDir()) {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	res = c.run("", "sessions", "--json")
	if res.code != 0 || res.stdout != "[]\n" {
		t.Errorf("--json: exit %d, stdout %q", res.code, res.stdout)
	}
}

func TestSessionsList(t *testing.T) {
	c := newCLI(t)
	dir := c.sessionsDir()
	recordSession(t, filepath.Join(dir, "s2.cast"), record.Header{Width: 80, Height: 24, Timestamp: 1700000200, Title: "second", Agent: "codex", Session: "s2"},
		"$ ls\r\n", "m:allow: ls", "a b c\r\n", "m:hold: git push")
	recordSession(t, filepath.Join(dir, "s1.cast"), record.Header{Width: 80, Height: 24, Timestamp: 1700000100, Title: "first\x1b]0;pwned\x07\x1b[2J", Agent: "claude\x1b[31m"},
		"hello\r\n")
	recordSession(t, filepath.Join(dir, "evil\x1b[2J.cast"), record.Header{Timestamp: 1700000300}, "x")
	// A session killed in the middle of a write.
	killed := `{"version":2,"width":80,"height":24,"timestamp":1700000400,"title":"killed"}` + "\n" +
		`[0.5, "o", "before"]` + "\n" + `[1.0, "m", "allow: x"]` + "\n" + `[1.5, "o", "cut sh`
	if err := os.WriteFile(filepath.Join(dir, "s4.cast"), []byte(killed), 0o600); err != nil {
		t.Fatal(err)
	}

	res := c.run("", "sessions")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if strings.ContainsAny(res.stdout, "\x1b\x07") {
		t.Errorf("escape sequences reach the terminal:\n%q", res.stdout)
	}
	lines := outLines(res.stdout)
	if len(lines) != 6 {
		t.Fatalf("want a header, 4 recordings and a note:\n%s", res.stdout)
	}
	for i, want := range []string{"ID", "s1", "s2", `evil\x1b[2J`, "s4!"} {
		if !strings.HasPrefix(lines[i], want+" ") {
			t.Errorf("line %d: %q, want it to start with %q", i, lines[i], want)
		}
	}
	for _, want := range []string{"MARKERS", "TITLE"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header %q lacks %s", lines[0], want)
		}
	}
	if !strings.Contains(lines[1], `first\x1b]0;pwned\x07\x1b[2J`) || !strings.Contains(lines[1], `claude\x1b[31m`) {
		t.Errorf("s1: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); len(f) != 9 || f[6] != "2" || f[7] != "codex" || f[8] != "second" {
		t.Errorf("s2: %q: want 2 markers, agent codex, title second", lines[2])
	}
	if !strings.Contains(lines[4], "1.0s") || !strings.Contains(lines[4], "killed") {
		t.Errorf("s4: %q: want its length up to the damage", lines[4])
	}
	if !strings.HasPrefix(lines[5], "(! s4 is damaged: line 4: the last line is cut short") {
		t.Errorf("note: %q", lines[5])
	}

	res = c.run("", "sessions", "--json")
	if res.code != 0 {
		t.Fatalf("--json: exit %d, stderr %q", res.code, res.stderr)
	}
	var got []sessionJSON
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, res.stdout)
	}
	if len(got) != 4 {
		t.Fatalf("--json: %d recordings", len(got))
	}
	s2 := got[1]
	if s2.ID != "s2" || s2.Markers != 2 || s2.Agent != "codex" || s2.Session != "s2" || s2.Title != "second" ||
		s2.Path != filepath.Join(dir, "s2.cast") || !s2.Start.Equal(time.Unix(1700000200, 0)) || s2.Size == 0 || s2.Width != 80 || s2.Damaged != "" {
		t.Errorf("--json s2: %+v", s2)
	}
	if got[0].Title != "first\x1b]0;pwned\x07\x1b[2J" {
		t.Errorf("--json keeps the title as recorded (JSON escapes it): %q", got[0].Title)
	}
	if got[3].Duration != 1 || !strings.Contains(got[3].Damaged, "cut short") {
		t.Errorf("--json s4: %+v", got[3])
	}

	if res := c.run("", "sessions", "s1"); res.code != 2 || !strings.Contains(res.stderr, "gatectl replay s1") {
		t.Errorf("an argument: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestReplay(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(c.sessionsDir(), "s1.cast")
	recordSession(t, path, record.Header{Width: 80, Height: 24},
		"$ echo caf", "\xc3", "\xa9\r\n", "m:allow: echo café", "café\r\n", "r:100x30", "$ ")
	want := "$ echo café\r\ncafé\r\n$ "
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(c.cwd, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"replay", "s1", "--speed", "0"},
		{"replay", "--speed=0", "s1"},
		{"replay", "--speed", "0", "--idle-limit", "0.5", path},
		{"replay", rel, "--speed", "0"}, // relative to the working directory
		{"replay", "--speed", "0", "--", "s1"},
	} {
		res := c.run("", args...)
		if res.code != 0 || res.stdout != want || res.stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", args, res.code, res.stdout, res.stderr, want)
		}
	}
	if now, _ := os.Getwd(); now != wd {
		t.Errorf("replay changed the working directory")
	}
}

func TestReplayWaits(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(c.cwd, "slow.cast")
	text := `{"version":2,"width":80,"height":24}` + "\n" + `[0.1, "o", "a"]` + "\n" + `[30.0, "o", "b"]` + "\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := c.run("", "replay", "slow.cast", "--idle-limit", "0.1", "--speed", "2")
	elapsed := time.Since(start)
	if res.code != 0 || res.stdout != "ab" {
		t.Fatalf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	// 0.1 s then 29.9 s cut to 0.1 s, at twice the speed: 0.1 s.
	if elapsed < 90*time.Millisecond || elapsed > 20*time.Second {
		t.Errorf("took %v, want about 100 ms", elapsed)
	}
}

// terminalOutput is what bash and a few programs write to a terminal: OSC
// titles and prompt markers, bracketed paste, colours, readline redrawing, a
// full-screen program, and more lines than the screen has.
var terminalOutput = []string{
	"\x1b]0;user@host: ~/repo\x07\x1b]133;A\x07\x1b[?2004h\x1b[01;32muser@host\x1b[00m:\x1b[01;34m~/repo\x1b[00m$ ",
	"git sta\x07\x1b[K\b\b\btus\r\n\x1b[?2004l\r",
	"On branch main\r\nChanges not staged for commit:\r\n\t\x1b[31mmodified:   caf\xc3\xa9.go\x1b[m\r\n\r\n",
	"\x1b]133;D;0\x07\x1b[?2004h$ echo r\xc3\xa9sum\xc3\xa9\b\b\b\b\b\b\x1b[4P\x1b[C\x1b[C\r\n",
	"\x1b[?1049h\x1b[22;1H\x1b[2Jvim was here\x1b[?1049l",
	"line 1\r\nline 2\r\nline 3\r\nline 4\r\nline 5\r\nline 6 is longer than the forty columns of the screen\r\n$ \x1b[?2004h",
}

func TestReplayScreen(t *testing.T) {
	c := newCLI(t)
	all := strings.Join(terminalOutput, "")
	// Recorded in chunks cut anywhere: in escape sequences, in characters.
	var chunks []string
	for rest, n := all, 1; rest != ""; n = n%13 + 1 {
		n = min(n, len(rest))
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	recordSession(t, filepath.Join(c.sessionsDir(), "scr.cast"), record.Header{Width: 40, Height: 12}, chunks...)

	direct := vtscreen.New(40, 12)
	direct.Write([]byte(all))
	want := direct.Text()
	if !strings.Contains(want, "modified:   café.go") || strings.Contains(want, "vim was here") {
		t.Fatalf("unexpected screen:\n%s", want)
	}
	res := c.run("", "replay", "scr", "--screen")
	if res.code != 0 || res.stdout != want {
		t.Errorf("exit %d, stderr %q, screen:\n%s\nwant:\n%s", res.code, res.stderr, res.stdout, want)
	}

	// Resizes are followed.
	recordSession(t, filepath.Join(c.sessionsDir(), "rs.cast"), record.Header{Width: 10, Height: 3},
		"0123456789abc\r\n", "r:20x3", "0123456789abcdefghij")
	res = c.run("", "replay", "rs", "--screen")
	if want := "0123456789\nabc\n0123456789abcdefghij\n"; res.code != 0 || res.stdout != want {
		t.Errorf("with a resize: exit %d, stderr %q, screen %q, want %q", res.code, res.stderr, res.stdout, want)
	}
}

func TestReplayDamaged(t *testing.T) {
	c := newCLI(t)
	dir := c.sessionsDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	head := `{"version":2,"width":20,"height":5}` + "\n"
	write := func(name, text string) string {
		p := filepath.Join(dir, name+".cast")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	killed := write("killed", head+`[0.1, "o", "one\r\n"]`+"\n"+`[0.2, "o", "two\r\n"]`+"\n"+`[0.3, "o", "thr`)
	backwards := write("backwards", head+`[0.5, "o", "one"]`+"\n"+`[0.2, "o", "two"]`+"\n")
	write("noheader", `[0.5, "o", "one"]`+"\n")

	res := c.run("", "replay", "killed", "--speed", "0")
	if res.code != 1 || res.stdout != "one\r\ntwo\r\n" {
		t.Errorf("killed: exit %d, stdout %q: want what precedes the damage and exit 1", res.code, res.stdout)
	}
	for _, want := range []string{"gatectl replay: recording " + killed + ": line 4: the last line is cut short", "played what comes before line 4"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("killed: stderr %q lacks %q", res.stderr, want)
		}
	}

	res = c.run("", "replay", "killed", "--screen")
	if res.code != 1 || res.stdout != "one\ntwo\n" || !strings.Contains(res.stderr, "the screen shown is the one before line 4") {
		t.Errorf("killed --screen: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}

	res = c.run("", "replay", "backwards", "--speed", "0")
	if res.code != 1 || res.stdout != "one" || !strings.Contains(res.stderr, backwards+": line 3: the time goes backwards: 0.2, after 0.5 on line 2") {
		t.Errorf("backwards: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}

	res = c.run("", "replay", "noheader", "--speed", "0")
	if res.code != 1 || res.stdout != "" || !strings.Contains(res.stderr, "line 1: not an asciicast v2 header") {
		t.Errorf("noheader: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

func TestReplayMissing(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "replay", "nope")
	if res.code != 1 || !strings.Contains(res.stderr, `no recording of a session "nope" in `+c.sessionsDir()) {
		t.Errorf("unknown id: exit %d, stderr %q", res.code, res.stderr)
	}
	res = c.run("", "replay", "./nope.cast")
	if res.code != 1 || !strings.Contains(res.stderr, filepath.Join(c.cwd, "nope.cast")) {
		t.Errorf("unknown file: exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestReplayUsage(t *testing.T) {
	c := newCLI(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"replay"}, "give one session id or recording file"},
		{[]string{"replay", "a", "b"}, "give one session id or recording file"},
		{[]string{"replay", "a", "--speed", "-1"}, "--speed -1"},
		{[]string{"replay", "a", "--speed", "NaN"}, "--speed NaN"},
		{[]string{"replay", "a", "--idle-limit", "-2"}, "--idle-limit -2"},
		{[]string{"replay", "a", "--frob"}, "frob"},
		{[]string{"replay", ".."}, "not a session id"},
	} {
		res := c.run("", tt.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) || res.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, res.code, res.stdout, res.stderr, tt.want)
		}
	}
}
