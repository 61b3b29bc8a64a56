package vtscreen

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func screen(cols, rows int, out ...string) *Screen {
	s := New(cols, rows)
	for _, o := range out {
		s.Write([]byte(o))
	}
	return s
}

func TestScreen(t *testing.T) {
	for _, tt := range []struct {
		name       string
		cols, rows int
		out        string
		want       string
	}{
		{"blank", 10, 3, "", ""},
		{"text", 10, 3, "hello", "hello\n"},
		{"crlf", 10, 3, "a\r\nb\r\n", "a\nb\n"},
		{"lf keeps the column", 10, 3, "ab\ncd", "ab\n  cd\n"},
		{"wrap", 10, 3, "hello world!", "hello worl\nd!\n"},
		{"a full line then crlf adds no blank line", 5, 3, "abcde\r\nf", "abcde\nf\n"},
		{"cr overwrites", 10, 3, "abcdef\rXY", "XYcdef\n"},
		{"backspace", 10, 3, "abc\b\bX", "aXc\n"},
		{"backspace at column 0", 10, 3, "\b\bab", "ab\n"},
		{"backspace after the last column", 5, 3, "abcde\bX", "abcXe\n"},
		{"tab", 20, 3, "a\tb\tc", "a       b       c\n"},
		{"tab stops at the edge", 10, 3, "a\t\t\tb", "a        b\n"},
		{"bell and other controls", 10, 3, "a\x07\x00\x01b\x7fc", "abc\n"},
		{"utf-8", 10, 3, "café €😀", "café €😀\n"},
		{"invalid utf-8", 10, 3, "a\xffb", "a\ufffdb\n"},
		{"c1 as characters are not shown", 10, 3, "a\u009b31mb", "a31mb\n"},
		{"cursor up down forward back", 10, 4, "a\x1b[2Bb\x1b[Ac\x1b[3Cd\x1b[2De", "a\n  c  ed\n b\n"},
		{"cursor moves stop at the edges", 5, 3, "\x1b[9A\x1b[9Dx\x1b[9C\x1b[9By", "x\n\n    y\n"},
		{"zero counts as one", 10, 3, "abc\x1b[0DX", "abX\n"},
		{"column", 10, 3, "abcdef\x1b[3GX\x1b[GY\x1b[99GZ", "YbXdef   Z\n"},
		{"position", 10, 4, "\x1b[2;3Hx\x1b[Hy\x1b[4;1fz\x1b[;5Hw", "y   w\n  x\n\nz\n"},
		{"row", 10, 3, "ab\x1b[3dX", "ab\n\n  X\n"},
		{"next and previous line", 10, 4, "ab\x1b[2Ec\x1b[Fd", "ab\nd\nc\n"},
		{"erase to the end of the line", 10, 3, "abcdef\x1b[3D\x1b[K", "abc\n"},
		{"erase to the start of the line", 10, 3, "abcdef\x1b[3D\x1b[1K", "    ef\n"},
		{"erase the line", 10, 3, "x\r\nabcdef\x1b[2K!", "x\n      !\n"},
		{"erase below", 10, 3, "aaa\r\nbbb\r\nccc\x1b[2;2H\x1b[J", "aaa\nb\n"},
		{"erase above", 10, 3, "aaa\r\nbbb\r\nccc\x1b[2;2H\x1b[1J", "\n  b\nccc\n"},
		{"erase all", 10, 3, "aaa\r\nbbb\x1b[2Jx", "\n   x\n"},
		{"erase scrollback is not the screen", 10, 3, "aaa\x1b[3J", "aaa\n"},
		{"clear", 10, 3, "old\r\nstuff\x1b[H\x1b[2J\x1b[3Jnew", "new\n"},
		{"private modes ignored", 10, 3, "\x1b[?2004ha\x1b[?25l\x1b[?1hb\x1b[?2004l\x1b[>4;1mc", "abc\n"},
		{"sgr ignored", 20, 3, "\x1b[1;31mred\x1b[0m \x1b[38;5;196mx\x1b[38:2::1:2:3my\x1b[m", "red xy\n"},
		{"osc with bel", 10, 3, "\x1b]0;title\x07ok", "ok\n"},
		{"osc with st", 10, 3, "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link\n"},
		{"osc 133 markers", 10, 3, "\x1b]133;A\x07$ ls\x1b]133;D;0\x07", "$ ls\n"},
		{"dcs and apc ignored", 10, 3, "\x1bPq#0;2;0;0;0\x1b\\a\x1b_apc\x1b\\b", "ab\n"},
		{"charset designation", 10, 3, "\x1b(Ba\x1b)0b", "ab\n"},
		{"unknown csi with intermediates", 10, 3, "a\x1b[2 qb", "ab\n"},
		{"esc cancels a sequence", 10, 3, "a\x1b[12\x1b[Cb", "a b\n"},
		{"can cancels a sequence", 10, 3, "a\x1b[12\x18b", "ab\n"},
		{"controls inside a sequence", 10, 3, "abc\x1b[\b\bKx", "ax\n"},
		{"scroll at the bottom", 10, 3, "1\r\n2\r\n3\r\n4\r\n5", "3\n4\n5\n"},
		{"wrap scrolls", 3, 2, "abcdefghi", "def\nghi\n"},
		{"scroll up and down", 10, 3, "1\r\n2\r\n3\x1b[S", "2\n3\n"},
		{"scroll down", 10, 3, "1\r\n2\r\n3\x1b[T", "\n1\n2\n"},
		{"reverse index at the top", 10, 3, "1\r\n2\x1b[H\x1bMx", "x\n1\n2\n"},
		{"index and next line", 10, 3, "ab\x1bDc\x1bEd", "ab\n  c\nd\n"},
		{"save and restore the cursor", 10, 3, "ab\x1b7\x1b[3;5Hx\x1b8c", "abc\n\n    x\n"},
		{"delete characters", 10, 3, "abcdef\x1b[4G\x1b[2P", "abcf\n"},
		{"insert characters", 10, 3, "abcdef\x1b[2G\x1b[2@XY", "aXYbcdef\n"},
		{"insert pushes off the edge", 5, 3, "abcde\x1b[1G\x1b[@", " abcd\n"},
		{"erase characters", 10, 3, "abcdef\x1b[2G\x1b[3X", "a   ef\n"},
		{"insert lines", 10, 3, "1\r\n2\r\n3\x1b[2H\x1b[L", "1\n\n2\n"},
		{"delete lines", 10, 3, "1\r\n2\r\n3\x1b[1H\x1b[2M", "3\n"},
		{"alternate screen", 10, 3, "$ vim\r\n\x1b[?1049h\x1b[Hvim text\x1b[?1049l$ ", "$ vim\n$\n"},
		{"alternate screen shown", 10, 3, "$ less\x1b[?1049h\x1b[2J\x1b[Hpage", "page\n"},
		{"alternate screen 1047", 10, 3, "main\x1b[?1047hALT\x1b[?1047l", "main\n"},
		{"reset", 10, 3, "junk\x1bcok", "ok\n"},
		{"trailing spaces and blank lines dropped", 10, 5, "a   \r\n\r\n  b  \r\n\r\n", "a\n\n  b\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := screen(tt.cols, tt.rows, tt.out).Text(); got != tt.want {
				t.Errorf("Text() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// session is terminal output as bash and a few programs write it: a prompt
// with OSC title and markers, bracketed paste, colours, readline redrawing,
// a full-screen program, and text past the last row.
const session = "\x1b]0;user@host: ~/repo\x07\x1b]133;A\x07\x1b[?2004h\x1b[01;32muser@host\x1b[00m:\x1b[01;34m~/repo\x1b[00m$ " +
	"git sta\x07\x1b[K\b\b\btus\r\n\x1b[?2004l\r" +
	"On branch main\r\nChanges not staged for commit:\r\n\t\x1b[31mmodified:   café.go\x1b[m\r\n\r\n" +
	"\x1b]133;D;0\x07\x1b[?2004h$ echo résumé\b\b\b\b\b\b\x1b[4P\x1b[C\x1b[C\r\n" +
	"\x1b[?1049h\x1b[22;1H\x1b[2Jfull screen\x1b[?1049l" +
	"line 1\r\nline 2\r\nline 3\r\nline 4\r\nline 5\r\nline 6 is longer than the forty columns of the screen\r\n$ \x1b[?2004h"

func TestSplitAnywhere(t *testing.T) {
	whole := screen(40, 12, session).Text()
	if !strings.Contains(whole, "modified:   café.go") || strings.Contains(whole, "full screen") {
		t.Fatalf("unexpected screen:\n%s", whole)
	}
	// Every split in two.
	for i := range len(session) {
		if got := screen(40, 12, session[:i], session[i:]).Text(); got != whole {
			t.Fatalf("split at %d (%q|%q):\n%s\nwant\n%s", i, session[max(i-5, 0):i], session[i:min(i+5, len(session))], got, whole)
		}
	}
	// One byte at a time, and random chunks.
	s := New(40, 12)
	for i := range len(session) {
		s.Write([]byte{session[i]})
	}
	if s.Text() != whole {
		t.Fatalf("byte by byte:\n%s\nwant\n%s", s.Text(), whole)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		s := New(40, 12)
		for rest := session; rest != ""; {
			n := min(1+rng.IntN(12), len(rest))
			s.Write([]byte(rest[:n]))
			rest = rest[n:]
		}
		if s.Text() != whole {
			t.Fatalf("random chunks:\n%s\nwant\n%s", s.Text(), whole)
		}
	}
}

func TestResize(t *testing.T) {
	s := screen(10, 4, "1\r\n2\r\n3\r\n4 long li")
	s.Resize(6, 2) // the cursor is on the last row: rows leave from the top
	if got, want := s.Text(), "3\n4 long\n"; got != want {
		t.Errorf("shrunk: %q, want %q", got, want)
	}
	if x, y := s.Cursor(); x != 5 || y != 1 {
		t.Errorf("cursor %d,%d, want 5,1", x, y)
	}
	s.Resize(12, 4)
	s.Write([]byte("\r\nmore text here"))
	if got, want := s.Text(), "3\n4 long\nmore text he\nre\n"; got != want {
		t.Errorf("grown: %q, want %q", got, want)
	}
	if c, r := s.Size(); c != 12 || r != 4 {
		t.Errorf("size %dx%d", c, r)
	}
	s = screen(10, 4, "top\x1b[H")
	s.Resize(10, 2) // the cursor is at the top: rows leave from the bottom
	if got := s.Text(); got != "top\n" {
		t.Errorf("cursor at the top: %q", got)
	}
	s = New(0, -1)
	s.Write([]byte("ab"))
	if got := s.Text(); got != "b\n" {
		t.Errorf("1x1 screen: %q", got)
	}
}

func TestTextIsInert(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		b := make([]byte, 200)
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(4) == 0 {
				const some = "\x1b[];?0123456789ABCDHJKmhl\r\n\b\t\x07\\"
				b[i] = some[rng.IntN(len(some))]
			}
		}
		s := New(1+rng.IntN(30), 1+rng.IntN(10))
		s.Write(b)
		for _, r := range s.Text() {
			if r != '\n' && (r < 0x20 || r >= 0x7f && r < 0xa0) {
				t.Fatalf("control %U on the screen from %q", r, b)
			}
		}
	}
}
