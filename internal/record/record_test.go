package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// outputOf is the recording's output, joined.
func outputOf(rec *Recording) string {
	var b strings.Builder
	for _, e := range rec.Events {
		if e.Code == CodeOutput {
			b.WriteString(e.Data)
		}
	}
	return b.String()
}

func codes(rec *Recording) string {
	var b strings.Builder
	for _, e := range rec.Events {
		b.WriteString(e.Code)
	}
	return b.String()
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions", "s1.cast")
	h := Header{Width: 120, Height: 40, Timestamp: 1700000000, Title: "claude-code in /work",
		Env: map[string]string{"SHELL": "/bin/bash", "TERM": "xterm-256color", "EMPTY": ""}, Session: "s1", Agent: "claude-code"}
	w, err := Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	w.Output([]byte("$ echo caf"))
	w.Output([]byte("\xc3")) // é, split across two writes
	w.Output([]byte("\xa9 \xe2\x82"))
	w.Output([]byte("\xac\r\n")) // and €
	w.Marker("allow: echo café")
	time.Sleep(5 * time.Millisecond)
	w.Resize(100, 30)
	w.Output([]byte("\x1b[1;31m\"quoted\" back\\slash\ttab\x00nul\x7f\xff!\x1b]0;title\x07"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Err(); err != nil {
		t.Fatalf("Err after a good Close: %v", err)
	}

	for p, want := range map[string]fs.FileMode{filepath.Dir(path): 0o700 | fs.ModeDir, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	var head map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil {
		t.Fatalf("header: %v", err)
	}
	wantHead := `{"version":2,"width":120,"height":40,"timestamp":1700000000,"title":"claude-code in /work","env":{"SHELL":"/bin/bash","TERM":"xterm-256color"},"gatesh":{"session":"s1","agent":"claude-code"}}`
	if lines[0] != wantHead {
		t.Errorf("header\n got %s\nwant %s", lines[0], wantHead)
	}
	for i, l := range lines[1:] {
		var ev []any
		if err := json.Unmarshal([]byte(l), &ev); err != nil || len(ev) != 3 {
			t.Errorf("line %d is not [t, code, data]: %s", i+2, l)
		}
	}

	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h.Env = map[string]string{"SHELL": "/bin/bash", "TERM": "xterm-256color"}
	if fmt.Sprint(rec.Header) != fmt.Sprint(h) {
		t.Errorf("header %+v, want %+v", rec.Header, h)
	}
	if rec.Path != path {
		t.Errorf("Path %q", rec.Path)
	}
	if got, want := codes(rec), "ooomro"; got != want {
		t.Errorf("codes %q, want %q", got, want)
	}
	want := "$ echo café €\r\n\x1b[1;31m\"quoted\" back\\slash\ttab\x00nul\x7f\ufffd!\x1b]0;title\x07"
	if got := outputOf(rec); got != want {
		t.Errorf("output\n got %q\nwant %q", got, want)
	}
	if strings.Contains(rec.Events[1].Data, "\ufffd") || strings.Contains(rec.Events[2].Data, "\ufffd") {
		t.Errorf("a split character became U+FFFD: %q", rec.Events[1:3])
	}
	if m := rec.Events[3]; m.Data != "allow: echo café" {
		t.Errorf("marker %+v", m)
	}
	if r := rec.Events[4]; r.Data != "100x30" {
		t.Errorf("resize %+v", r)
	}
	for i := 1; i < len(rec.Events); i++ {
		if rec.Events[i].Time < rec.Events[i-1].Time {
			t.Errorf("event %d goes back in time: %v", i, rec.Events)
		}
	}
	if d := rec.Duration(); d < 5*time.Millisecond || d > time.Minute {
		t.Errorf("duration %v: want the time from Create to the last event", d)
	}
}

func TestCreateNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cast")
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, Header{Width: 80, Height: 24}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over a file: %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep" {
		t.Errorf("the file was changed: %q", b)
	}
}

func TestCreateDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cast")
	before := time.Now().Unix()
	w, err := Create(path, Header{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h := rec.Header
	if h.Width != 80 || h.Height != 24 || h.Timestamp < before || h.Timestamp > time.Now().Unix() || len(rec.Events) != 0 {
		t.Errorf("got %+v with %d events, want 80x24 stamped now and no events", h, len(rec.Events))
	}
}

func TestWriterFlushesOnItsOwn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cast")
	w, err := Create(path, Header{Width: 80, Height: 24})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Output([]byte("soon"))
	waitFor(t, path, "soon", 5*time.Second)
}

func waitFor(t *testing.T, path, text string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(text)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q not written after %v: %q", text, limit, b)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// A marker is written with the output around it, at the next flush: not at
// once, since the session records a decision while bash is starting the line.
func TestWriterMarkerWaitsForTheFlush(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cast")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	w := newWriter(f, path, func(w *Writer) { w.interval = 300 * time.Millisecond })
	defer w.Close()
	w.Output([]byte("before the marker"))
	w.Marker("deny: rm -rf /")
	time.Sleep(20 * time.Millisecond)
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("written before its time: %q", b)
	}
	waitFor(t, path, "deny: rm -rf /", 5*time.Second)
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte("before the marker")) {
		t.Errorf("the output before the marker is not written with it: %q", b)
	}
}

func TestWriterConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cast")
	w, err := Create(path, Header{Width: 80, Height: 24})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 300
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				w.Output(fmt.Appendf(nil, "<%d.%d>", g, i))
				switch i % 50 {
				case 0:
					w.Marker(fmt.Sprintf("m%d.%d", g, i))
				case 25:
					w.Resize(80+g, 24+i)
				}
				_ = w.Err()
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Output([]byte("after close")) // ignored, no panic
	w.Marker("after close")
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	out := outputOf(rec)
	for g := range writers {
		for i := range each {
			if n := strings.Count(out, fmt.Sprintf("<%d.%d>", g, i)); n != 1 {
				t.Fatalf("<%d.%d> recorded %d times", g, i, n)
			}
		}
	}
	if strings.Contains(out, "after close") {
		t.Error("output after Close was recorded")
	}
	if m := strings.Count(codes(rec), "m"); m != writers*each/50 {
		t.Errorf("%d markers, want %d", m, writers*each/50)
	}
}

func TestWriterCloseTwice(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "x.cast"), Header{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestWriterUnfinishedCharacterAtClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cast")
	w, err := Create(path, Header{})
	if err != nil {
		t.Fatal(err)
	}
	w.Output([]byte("ok \xe2\x82"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := outputOf(rec); got != "ok \ufffd\ufffd" {
		t.Errorf("output %q, want the cut character's bytes as U+FFFD", got)
	}
}

// TestWriterDiskFull writes to /dev/full: every write fails with ENOSPC.
func TestWriterDiskFull(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	w := newWriter(f, "/dev/full")
	w.Output([]byte("lost"))
	w.Marker("flush now")
	deadline := time.Now().Add(5 * time.Second)
	for w.Err() == nil {
		if time.Now().After(deadline) {
			t.Fatal("no error after writing to a full disk")
		}
		time.Sleep(time.Millisecond)
	}
	if !strings.Contains(w.Err().Error(), "no space left") || !strings.Contains(w.Err().Error(), "/dev/full") {
		t.Errorf("Err() = %v", w.Err())
	}
	for range 1000 {
		w.Output(bytes.Repeat([]byte("x"), 4096)) // returns at once, no panic
		w.Marker("m")
		w.Resize(1, 1)
	}
	if err := w.Close(); err == nil || err.Error() != w.Err().Error() {
		t.Errorf("Close() = %v, want %v", err, w.Err())
	}
}

// stuck is a file whose writes wait until it is released.
type stuck struct {
	release chan struct{}
	bytes.Buffer
}

func (s *stuck) Write(p []byte) (int, error) { <-s.release; return s.Buffer.Write(p) }
func (s *stuck) Close() error                { return nil }

func TestWriterStopsWhenTheDiskDoesNotKeepUp(t *testing.T) {
	s := &stuck{release: make(chan struct{})}
	w := newWriter(s, "slow.cast", func(w *Writer) { w.backlog = 64 << 10 })
	chunk := bytes.Repeat([]byte("y"), 1024)
	start := time.Now()
	for range 200 {
		w.Output(chunk)
	}
	w.Marker("now") // the goroutine is stuck in Write, or finds the error
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Output waited for the disk: %v", d)
	}
	if err := w.Err(); err == nil || !strings.Contains(err.Error(), "does not keep up") {
		t.Errorf("Err() = %v, want the recording stopped", err)
	}
	close(s.release)
	if err := w.Close(); err == nil {
		t.Error("Close after the recording stopped: no error")
	}
}

func TestIncompleteTail(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"", 0}, {"abc", 0}, {"é", 0}, {"a\xc3", 1}, {"a\xe2\x82", 2}, {"\xf0\x9f\x98", 3},
		{"\xf0\x9f\x98\x80", 0}, {"a\xff", 0}, {"a\x82", 0}, {"\xe2\x82\xac\xe2", 1},
		{"a\xe2a", 0}, {"\xc3\xa9\x82\x82\x82", 0},
	} {
		if got := incompleteTail([]byte(tt.in)); got != tt.want {
			t.Errorf("incompleteTail(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestAppendString checks the hand-written JSON string encoder against
// encoding/json, which also turns each invalid byte into U+FFFD.
func TestAppendString(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := []string{"", "plain", "\x00\x1f\x7f\"\\/", "é€😀", "\xff\xfe", "a\xe2\x82b", "\u2028\u2029<>&"}
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(3) == 0 {
				const some = "a\x1b\"\\\n\xc3\xa9\xe2\x82\xac"
				b[i] = some[rng.IntN(len(some))]
			}
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		enc := appendString(nil, []byte(in))
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("appendString(%q) = %s: not JSON: %v", in, enc, err)
		}
		want := strings.ToValidUTF8(in, "\ufffd")
		ref, _ := json.Marshal(in)
		var viaJSON string
		json.Unmarshal(ref, &viaJSON)
		if got != viaJSON {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json gives %q (%q)", in, got, viaJSON, want)
		}
		if !utf8.Valid(enc) {
			t.Fatalf("appendString(%q) is not UTF-8", in)
		}
	}
}

// cast is a recording's text with the given event lines after a header.
func cast(events ...string) string {
	s := `{"version":2,"width":80,"height":24,"timestamp":1700000000}` + "\n"
	for _, e := range events {
		s += e + "\n"
	}
	return s
}

func TestParseDamaged(t *testing.T) {
	good := `[0.5, "o", "one"]`
	for _, tt := range []struct {
		name      string
		in        string
		line      int
		want      string
		truncated bool
		events    int // -1: no recording at all
	}{
		{"empty", "", 1, "empty", true, -1},
		{"header not JSON", "hello\n" + good + "\n", 1, "not an asciicast v2 header", false, -1},
		{"header an array", good + "\n", 1, "not an asciicast v2 header", false, -1},
		{"header cut short", `{"version":2,"wid`, 1, "the header is cut short", true, -1},
		{"no version", `{"width":80,"height":24}` + "\n", 1, "no version", false, -1},
		{"version 1", `{"version":1,"width":80,"height":24}` + "\n", 1, "asciicast version 1", false, -1},
		{"version 3", `{"version":3,"term":{"cols":80,"rows":24}}` + "\n", 1, "asciicast version 3", false, -1},
		{"no size", `{"version":2}` + "\n", 1, "terminal size 0x0", false, -1},
		{"bad env", `{"version":2,"width":80,"height":24,"env":[1]}` + "\n", 1, "header is malformed", false, -1},
		{"not an array", cast(good, `{"t":1}`), 3, "not an event: want a JSON array", false, 1},
		{"two elements", cast(good, `[1.0, "o"]`), 3, "3 elements [time, code, data], this one has 2", false, 1},
		{"time a string", cast(good, `["1.0", "o", "x"]`), 3, `time "1.0" is not a number`, false, 1},
		{"negative time", cast(`[-1, "o", "x"]`), 2, "time -1 is negative", false, 0},
		{"huge time", cast(`[1e300, "o", "x"]`), 2, "out of range", false, 0},
		{"code a number", cast(good, `[1.0, 5, "x"]`), 3, "code 5 is not a string", false, 1},
		{"empty code", cast(good, `[1.0, "", "x"]`), 3, "code is empty", false, 1},
		{"data a number", cast(good, `[1.0, "o", 42]`), 3, "data 42 is not a string", false, 1},
		{"backwards", cast(good, `[1.0, "o", "x"]`, `[0.25, "o", "y"]`), 4, "the time goes backwards: 0.25, after 1 on line 3", false, 2},
		{"bad resize", cast(good, `[1.0, "r", "wide"]`), 3, `resize "wide" is not a size COLSxROWS`, false, 1},
		{"damage in the middle", cast(good, `[1.0, "o"`, `[2.0, "o", "after"]`), 3, "not an event", false, 1},
		{"last line cut short", strings.TrimSuffix(cast(good, `[1.0, "o", "two"]`), "\n") + "\n" + `[1.5, "o", "thr`, 4, "the last line is cut short", true, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := Parse(strings.NewReader(tt.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.What, tt.want) || pe.Truncated != tt.truncated {
				t.Errorf("got line %d %q (truncated %v), want line %d %q (truncated %v)", pe.Line, pe.What, pe.Truncated, tt.line, tt.want, tt.truncated)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: ", tt.line)) {
				t.Errorf("message %q does not start with the line", err)
			}
			switch {
			case tt.events < 0 && rec != nil:
				t.Errorf("a recording with a damaged header: %+v", rec)
			case tt.events >= 0 && rec == nil:
				t.Errorf("no recording, want the %d events before the damage", tt.events)
			case tt.events >= 0 && len(rec.Events) != tt.events:
				t.Errorf("%d events, want the %d before the damage", len(rec.Events), tt.events)
			}
		})
	}
}

func TestOpenNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.cast")
	if err := os.WriteFile(path, []byte(cast(`[0.5, "o", "one"]`)+`[1.5, "o", "tw`), 0o600); err != nil {
		t.Fatal(err)
	}
	rec, err := Open(path)
	want := "recording " + path + ": line 3: the last line is cut short"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v, want %q...", err, want)
	}
	if rec == nil || outputOf(rec) != "one" || rec.Path != path {
		t.Errorf("recording before the damage: %+v", rec)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.cast")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseTolerates(t *testing.T) {
	// A last line without its newline that is whole, blank lines, codes this
	// package does not write, and a header with extra keys.
	in := `{"version":2,"width":80,"height":24,"idle_time_limit":2,"theme":{"fg":"#fff"}}` + "\n\n" +
		`[0, "i", "typed"]` + "\n  \n" + `[0.1, "x", "future"]` + "\n" + `[0.2, "o", "done"]`
	rec, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if codes(rec) != "ixo" || outputOf(rec) != "done" || rec.Header.Timestamp != 0 || !rec.Header.Start().IsZero() {
		t.Errorf("got %+v", rec)
	}
}

func TestParseLongLine(t *testing.T) {
	big := strings.Repeat("x", 300<<10)
	rec, err := Parse(strings.NewReader(cast(`[0.5, "o", "` + big + `"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if outputOf(rec) != big {
		t.Error("a long line is not read whole")
	}
}

// playLog records what Play writes and the markers it reports, in order.
type playLog struct{ items []string }

func (p *playLog) Write(b []byte) (int, error) {
	p.items = append(p.items, string(b))
	return len(b), nil
}

func testRecording() *Recording {
	return &Recording{Header: Header{Width: 80, Height: 24}, Events: []Event{
		{Time: 500 * time.Millisecond, Code: CodeOutput, Data: "a"},
		{Time: 1000 * time.Millisecond, Code: CodeOutput, Data: "b"},
		{Time: 1000 * time.Millisecond, Code: CodeMarker, Data: "allow: ls"},
		{Time: 1000 * time.Millisecond, Code: CodeOutput, Data: "c"},
		{Time: 11 * time.Second, Code: CodeResize, Data: "100x30"},
		{Time: 11 * time.Second, Code: CodeInput, Data: "typed"},
		{Time: 11500 * time.Millisecond, Code: CodeOutput, Data: "d"},
	}}
}

func TestPlayNoWait(t *testing.T) {
	for _, speed := range []float64{0, -1, math.Inf(1)} {
		var log playLog
		var sleeps []time.Duration
		err := Play(context.Background(), &log, testRecording(), speed, 0,
			OnMarker(func(e Event) { log.items = append(log.items, "marker "+e.Data) }),
			withClock(func() time.Duration { return 0 }, func(_ context.Context, d time.Duration) error {
				sleeps = append(sleeps, d)
				return nil
			}))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(log.items, "|"), "ab|marker allow: ls|cd"; got != want {
			t.Errorf("speed %v: wrote %q, want %q", speed, got, want)
		}
		if len(sleeps) > 0 {
			t.Errorf("speed %v waited %v", speed, sleeps)
		}
	}
}

func TestPlayTiming(t *testing.T) {
	for _, tt := range []struct {
		speed float64
		idle  time.Duration
		want  []time.Duration
	}{
		{1, 0, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, 10 * time.Second, 500 * time.Millisecond}},
		{2, 0, []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 5 * time.Second, 250 * time.Millisecond}},
		{2, 2 * time.Second, []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, time.Second, 250 * time.Millisecond}},
		{0.5, time.Second, []time.Duration{time.Second, time.Second, 2 * time.Second, time.Second}},
	} {
		var now time.Duration
		var sleeps []time.Duration
		var out bytes.Buffer
		var marker time.Duration
		err := Play(context.Background(), &out, testRecording(), tt.speed, tt.idle,
			OnMarker(func(Event) { marker = now }),
			withClock(func() time.Duration { return now }, func(_ context.Context, d time.Duration) error {
				sleeps = append(sleeps, d)
				now += d
				return nil
			}))
		if err != nil {
			t.Fatal(err)
		}
		if out.String() != "abcd" {
			t.Errorf("output %q", out.String())
		}
		if fmt.Sprint(sleeps) != fmt.Sprint(tt.want) {
			t.Errorf("speed %v idle %v: waited %v, want %v", tt.speed, tt.idle, sleeps, tt.want)
		}
		if want := tt.want[0] + tt.want[1]; marker != want {
			t.Errorf("speed %v: marker shown at %v, want %v", tt.speed, marker, want)
		}
	}
}

func TestPlayCatchesUp(t *testing.T) {
	// Time spent writing counts: an event already due is not waited for.
	now := 2 * time.Second
	var sleeps []time.Duration
	err := Play(context.Background(), io.Discard, testRecording(), 1, 0,
		withClock(func() time.Duration { return now }, func(_ context.Context, d time.Duration) error {
			sleeps = append(sleeps, d)
			now += d
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sleeps) != "[9s 500ms]" {
		t.Errorf("waited %v, want [9s 500ms]", sleeps)
	}
}

func TestPlayRealClock(t *testing.T) {
	rec := &Recording{Events: []Event{{Time: 20 * time.Millisecond, Code: "o", Data: "x"}, {Time: 40 * time.Millisecond, Code: "o", Data: "y"}}}
	start := time.Now()
	var out bytes.Buffer
	if err := Play(context.Background(), &out, rec, 1, 0); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("played 40 ms of recording in %v", d)
	}
	if out.String() != "xy" {
		t.Errorf("output %q", out.String())
	}
}

func TestPlayCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	err := Play(ctx, &out, testRecording(), 1, 0,
		withClock(func() time.Duration { return 0 }, func(ctx context.Context, d time.Duration) error {
			if out.Len() > 0 {
				cancel()
				return ctx.Err()
			}
			return nil
		}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if out.String() != "a" {
		t.Errorf("wrote %q before the cancel, want %q", out.String(), "a")
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	mk := func(id string, ts int64, title string, f func(*Writer)) {
		t.Helper()
		w, err := Create(filepath.Join(dir, id+Ext), Header{Width: 90, Height: 30, Timestamp: ts, Title: title, Session: id, Agent: "codex"})
		if err != nil {
			t.Fatal(err)
		}
		f(w)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	mk("late", 1700000300, "third", func(w *Writer) { w.Output([]byte("x")) })
	mk("early", 1700000100, "first", func(w *Writer) {
		w.Output([]byte("x"))
		w.Marker("allow: a")
		w.Marker("hold: b")
	})
	mk("middle", 1700000200, "second", func(w *Writer) {})
	// A killed session: its last line is cut short.
	cut := cast(`[0.5, "m", "allow: ls"]`, `[1.25, "o", "x"]`) + `[2.0, "o", "cu`
	cut = strings.Replace(cut, "1700000000", "1700000150", 1)
	if err := os.WriteFile(filepath.Join(dir, "killed.cast"), []byte(cut), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "garbage.cast"), []byte("not a recording\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o600)
	os.Mkdir(filepath.Join(dir, "dir.cast"), 0o700)

	infos, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range infos {
		ids = append(ids, in.ID)
	}
	if got, want := strings.Join(ids, " "), "early killed middle late garbage"; got != want {
		// garbage has no header: it sorts by its modification time, now.
		t.Fatalf("ids %q, want %q", got, want)
	}
	e := infos[0]
	fi, _ := os.Stat(filepath.Join(dir, "early.cast"))
	if e.Title != "first" || e.Markers != 2 || e.Size != fi.Size() || e.Damaged != "" || e.Width != 90 || e.Height != 30 ||
		e.Session != "early" || e.Agent != "codex" || !e.Start.Equal(time.Unix(1700000100, 0)) || e.Path != filepath.Join(dir, "early.cast") || e.Duration <= 0 {
		t.Errorf("early: %+v", e)
	}
	k := infos[1]
	if k.Markers != 1 || k.Duration != 1250*time.Millisecond || !strings.HasPrefix(k.Damaged, "line 4: the last line is cut short") {
		t.Errorf("killed: %+v", k)
	}
	if g := infos[4]; !strings.Contains(g.Damaged, "line 1: not an asciicast v2 header") {
		t.Errorf("garbage: %+v", g)
	}

	if infos, err := List(filepath.Join(dir, "none")); err != nil || infos != nil {
		t.Errorf("a missing directory: %v, %v", infos, err)
	}
}

// BenchmarkWriterOutput is the cost of recording 4 KiB of terminal output.
func BenchmarkWriterOutput(b *testing.B) {
	var chunk []byte
	line := "drwxr-xr-x  2 user user  4096 Jan  2 15:04 \x1b[01;34mdirectory\x1b[0m  café \"quoted\"\r\n"
	for len(chunk) < 4096 {
		chunk = append(chunk, line...)
	}
	chunk = chunk[:4096]
	w, err := Create(filepath.Join(b.TempDir(), "bench.cast"), Header{Width: 80, Height: 24})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		w.Output(chunk)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
