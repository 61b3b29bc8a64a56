package session

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

type mark struct {
	status int
	cwd    string
}

// feedAll runs chunks through a stripper and returns the output and the marks.
func feedAll(token string, chunks [][]byte) (string, []mark) {
	var marks []mark
	s := newStripper(token, func(st int, cwd string) { marks = append(marks, mark{st, cwd}) })
	var out bytes.Buffer
	for _, c := range chunks {
		out.Write(s.feed(c))
	}
	out.Write(s.flush())
	return out.String(), marks
}

func TestStripperEverySplit(t *testing.T) {
	const tok = "abc123"
	m := "\x1b]6973;" + tok + ";D;7;/tmp/x y\a"
	in := "out1\x1b[31mred\x1b[0m\r\n" + m + "$ prompt" + m + "\x1b]0;title\a tail"
	want := "out1\x1b[31mred\x1b[0m\r\n$ prompt\x1b]0;title\a tail"
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j += 3 {
			got, marks := feedAll(tok, [][]byte{[]byte(in[:i]), []byte(in[i:j]), []byte(in[j:])})
			if got != want {
				t.Fatalf("split %d,%d: got %q, want %q", i, j, got, want)
			}
			if len(marks) != 2 || marks[0] != (mark{7, "/tmp/x y"}) {
				t.Fatalf("split %d,%d: marks %v", i, j, marks)
			}
		}
	}
}

// Output cannot forge a marker: without the session's token it is output.
func TestStripperForgedMarker(t *testing.T) {
	forged := "\x1b]6973;guess;D;0;/\a"
	got, marks := feedAll("secret", [][]byte{[]byte("a" + forged + "b")})
	if got != "a"+forged+"b" || len(marks) != 0 {
		t.Fatalf("got %q, marks %v", got, marks)
	}
}

// A prefix that never ends is output once it is longer than any marker, and
// what is held at the end comes out on flush.
func TestStripperUnterminated(t *testing.T) {
	long := "\x1b]6973;tok;D;0;" + strings.Repeat("x", maxMarker+10)
	got, marks := feedAll("tok", [][]byte{[]byte(long[:100]), []byte(long[100:])})
	if got != long || len(marks) != 0 {
		t.Fatalf("lost output: %d bytes of %d, marks %v", len(got), len(long), marks)
	}
	got, _ = feedAll("tok", [][]byte{[]byte("x\x1b]6973;to")})
	if got != "x\x1b]6973;to" {
		t.Fatalf("flush lost %q", got)
	}
}

// An H marker hides the rest of its line: readline's redraw of the stand-in
// for a refused line and its newline, whatever the reads' split. The next
// marker ends the hiding too, and it never hides more than maxHidden bytes.
func TestStripperHide(t *testing.T) {
	const tok = "k9"
	h := "\x1b]6973;" + tok + ";H\a"
	d := "\x1b]6973;" + tok + ";D;126;/w\a"
	in := "gatesh: denied\r\n$ rm -rf ~\r\x1b[K\r" + h + "$ __gatesh_refused\r\n\x1b[?2004l\r" + d + "\x1b[?2004h$ "
	want := "gatesh: denied\r\n$ rm -rf ~\r\x1b[K\r\x1b[?2004l\r\x1b[?2004h$ "
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j += 5 {
			got, marks := feedAll(tok, [][]byte{[]byte(in[:i]), []byte(in[i:j]), []byte(in[j:])})
			if got != want {
				t.Fatalf("split %d,%d: got %q, want %q", i, j, got, want)
			}
			if len(marks) != 1 || marks[0] != (mark{126, "/w"}) {
				t.Fatalf("split %d,%d: marks %v", i, j, marks)
			}
		}
	}
	// No newline: the next marker ends it.
	if got, _ := feedAll(tok, [][]byte{[]byte("a" + h + "hidden" + d + "$ ")}); got != "a$ " {
		t.Errorf("a marker did not end the hiding: %q", got)
	}
	// Never more than maxHidden bytes.
	long := strings.Repeat("x", maxHidden+7)
	if got, _ := feedAll(tok, [][]byte{[]byte(h + long + "\n")}); got != "xxxxxxx\n" {
		t.Errorf("hid %d bytes of %d", len(long)+1-len(got), len(long)+1)
	}
	// Without the token it is output, and hides nothing.
	forged := "\x1b]6973;guess;H\a"
	if got, _ := feedAll(tok, [][]byte{[]byte(forged + "shown\n")}); got != forged+"shown\n" {
		t.Errorf("a forged H marker hid output: %q", got)
	}
}

func TestStripperLargeOutput(t *testing.T) {
	var in bytes.Buffer
	for i := range 100000 {
		fmt.Fprintf(&in, "%d\r\n", i)
		if i%997 == 0 {
			in.WriteString("\x1b]6973;t;D;0;/\a")
		}
	}
	var chunks [][]byte
	b := in.Bytes()
	for len(b) > 0 {
		n := min(len(b), 4093)
		chunks = append(chunks, b[:n])
		b = b[n:]
	}
	got, marks := feedAll("t", chunks)
	if len(marks) != 101 {
		t.Fatalf("%d marks", len(marks))
	}
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	if len(lines) != 100000 || lines[99999] != "99999" || lines[500] != "500" {
		t.Fatalf("output damaged: %d lines", len(lines))
	}
}

func BenchmarkStripper(b *testing.B) {
	chunk := bytes.Repeat([]byte("some output line \x1b[1mbold\x1b[0m\r\n"), 1000)
	s := newStripper("0123456789abcdef01234567", nil)
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		s.feed(chunk)
	}
}
