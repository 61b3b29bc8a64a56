// Package vtscreen is a tiny model of a terminal's screen: enough of an xterm
// to tell what a stream of output leaves on the screen, for tests and for
// `gatectl replay --screen`.
//
// It handles UTF-8 text (one column per character: wide and combining
// characters are not measured), line wrap, CR, LF (also VT and FF), BS, TAB,
// the cursor movements CSI A B C D E F G H f d, the erasures CSI K and J, the
// edits CSI @ P X L M, scrolling (at the last row, CSI S and T, ESC D E M), ESC 7
// and ESC 8, and the alternate screen (CSI ?1049 h/l, ?1047, ?47). It ignores
// colours and attributes (SGR), other private modes (e.g. bracketed paste,
// ?2004h), scroll regions, and OSC, DCS, APC and PM strings (ended by BEL or
// ESC \). There is no scrollback: lines scrolled off the top are gone.
package vtscreen

import (
	"strings"
	"unicode/utf8"
)

// Screen is a terminal screen. The zero value is not usable: use New.
type Screen struct {
	cols, rows int
	lines      [][]rune
	x, y       int
	wrapNext   bool // the last column was written: the next character wraps

	savedX, savedY int
	main           [][]rune // the main screen while the alternate one is shown

	state  int
	params []byte // a CSI's parameter and intermediate bytes
	carry  []byte // an incomplete UTF-8 sequence at the end of the last Write
}

// Parser states.
const (
	ground = iota
	escape
	escInter // ESC and intermediate bytes: waits for the final byte
	csi
	str    // OSC, DCS, APC, PM, SOS: up to BEL or ST
	strEsc // ESC inside a string: ST if '\' follows
)

// New returns a blank screen cols wide and rows high (at least 1x1).
func New(cols, rows int) *Screen {
	s := &Screen{cols: max(cols, 1), rows: max(rows, 1)}
	s.lines = s.blank(s.rows)
	return s
}

// Size is the screen's width and height.
func (s *Screen) Size() (cols, rows int) { return s.cols, s.rows }

// Cursor is the cursor's column and row, from 0.
func (s *Screen) Cursor() (x, y int) { return s.x, s.y }

func (s *Screen) blank(n int) [][]rune {
	out := make([][]rune, n)
	for i := range out {
		out[i] = s.blankLine()
	}
	return out
}

func (s *Screen) blankLine() []rune {
	l := make([]rune, s.cols)
	for i := range l {
		l[i] = ' '
	}
	return l
}

// Write applies terminal output to the screen. Sequences (and UTF-8
// characters) split across calls are taken up where they were cut. It never
// fails.
func (s *Screen) Write(p []byte) (int, error) {
	n := len(p)
	if len(s.carry) > 0 {
		p = append(s.carry, p...)
		s.carry = nil
	}
	for i := 0; i < len(p); {
		c := p[i]
		if c >= utf8.RuneSelf && s.state == ground {
			if !utf8.FullRune(p[i:]) {
				s.carry = append([]byte(nil), p[i:]...)
				break
			}
			r, size := utf8.DecodeRune(p[i:])
			i += size
			if r >= 0x80 && r < 0xa0 { // C1 controls, as characters: not shown
				continue
			}
			s.put(r)
			continue
		}
		i++
		s.byte(c)
	}
	return n, nil
}

// byte handles one byte outside UTF-8 text.
func (s *Screen) byte(c byte) {
	switch s.state {
	case str:
		switch c {
		case 0x07, 0x18, 0x1a: // BEL ends it; CAN and SUB cancel it
			s.state = ground
		case 0x1b:
			s.state = strEsc
		}
		return
	case strEsc:
		if c == '\\' {
			s.state = ground
			return
		}
		s.state = escape // ESC then something else: a new sequence
	}
	if c == 0x1b {
		s.state = escape
		s.params = s.params[:0]
		return
	}
	if c == 0x18 || c == 0x1a {
		s.state = ground
		return
	}
	if c < 0x20 {
		s.control(c) // executed in the middle of sequences too, as a VT does
		return
	}
	switch s.state {
	case ground:
		if c < 0x7f {
			s.put(rune(c))
		}
	case escape:
		s.esc(c)
	case escInter:
		if c >= 0x30 && c < 0x7f { // the final byte: charset designations and the like, ignored
			s.state = ground
		}
	case csi:
		switch {
		case c >= 0x40 && c < 0x7f:
			s.state = ground
			s.csi(c)
		case c >= 0x20 && c < 0x40:
			s.params = append(s.params, c)
		default: // DEL, or a byte >= 0x80: the sequence is abandoned
			s.state = ground
		}
	}
}

func (s *Screen) control(c byte) {
	switch c {
	case '\r':
		s.x, s.wrapNext = 0, false
	case '\n', 0x0b, 0x0c:
		s.wrapNext = false
		s.lineFeed()
	case '\b':
		s.wrapNext = false
		if s.x > 0 {
			s.x--
		}
	case '\t':
		s.x, s.wrapNext = min((s.x/8+1)*8, s.cols-1), false
	}
}

func (s *Screen) esc(c byte) {
	s.state = ground
	switch c {
	case '[':
		s.state = csi
	case ']', 'P', 'X', '^', '_':
		s.state = str
	case '7':
		s.savedX, s.savedY = s.x, s.y
	case '8':
		s.x, s.y, s.wrapNext = min(s.savedX, s.cols-1), min(s.savedY, s.rows-1), false
	case 'D':
		s.lineFeed()
	case 'E':
		s.x = 0
		s.lineFeed()
	case 'M':
		if s.y == 0 {
			s.scrollDown(1)
		} else {
			s.y--
		}
	case 'c':
		s.lines, s.main = s.blank(s.rows), nil
		s.x, s.y, s.wrapNext = 0, 0, false
	default:
		if c >= 0x20 && c < 0x30 {
			s.state = escInter
		}
	}
}

// put writes a character at the cursor, wrapping first if the last one
// filled the line.
func (s *Screen) put(r rune) {
	if s.wrapNext {
		s.x, s.wrapNext = 0, false
		s.lineFeed()
	}
	s.lines[s.y][s.x] = r
	if s.x == s.cols-1 {
		s.wrapNext = true
	} else {
		s.x++
	}
}

func (s *Screen) lineFeed() {
	if s.y == s.rows-1 {
		s.scrollUp(1)
	} else {
		s.y++
	}
}

func (s *Screen) scrollUp(n int) {
	n = min(n, s.rows)
	copy(s.lines, s.lines[n:])
	for i := s.rows - n; i < s.rows; i++ {
		s.lines[i] = s.blankLine()
	}
}

func (s *Screen) scrollDown(n int) {
	n = min(n, s.rows)
	copy(s.lines[n:], s.lines[:s.rows-n])
	for i := 0; i < n; i++ {
		s.lines[i] = s.blankLine()
	}
}

// csi runs a control sequence whose parameters are in s.params.
func (s *Screen) csi(final byte) {
	ps := s.params
	if len(ps) > 0 && ps[0] >= '<' && ps[0] <= '?' {
		if ps[0] == '?' && (final == 'h' || final == 'l') {
			s.privateMode(ps[1:], final == 'h')
		}
		return
	}
	for _, c := range ps {
		if c < 0x30 { // intermediates: a sequence this model does not know
			return
		}
	}
	args := numbers(ps)
	arg := func(i, def int) int {
		if i < len(args) && args[i] > 0 {
			return args[i]
		}
		return def
	}
	n := arg(0, 1)
	s.wrapNext = false
	switch final {
	case 'A':
		s.y = max(s.y-n, 0)
	case 'B':
		s.y = min(s.y+n, s.rows-1)
	case 'C':
		s.x = min(s.x+n, s.cols-1)
	case 'D':
		s.x = max(s.x-n, 0)
	case 'E':
		s.x, s.y = 0, min(s.y+n, s.rows-1)
	case 'F':
		s.x, s.y = 0, max(s.y-n, 0)
	case 'G', '`':
		s.x = min(n, s.cols) - 1
	case 'd':
		s.y = min(n, s.rows) - 1
	case 'H', 'f':
		s.y, s.x = min(arg(0, 1), s.rows)-1, min(arg(1, 1), s.cols)-1
	case 'K':
		switch arg(0, 0) {
		case 0:
			s.clear(s.y, s.x, s.cols)
		case 1:
			s.clear(s.y, 0, s.x+1)
		case 2:
			s.clear(s.y, 0, s.cols)
		}
	case 'J':
		switch arg(0, 0) {
		case 0:
			s.clear(s.y, s.x, s.cols)
			for y := s.y + 1; y < s.rows; y++ {
				s.clear(y, 0, s.cols)
			}
		case 1:
			for y := 0; y < s.y; y++ {
				s.clear(y, 0, s.cols)
			}
			s.clear(s.y, 0, s.x+1)
		case 2:
			for y := range s.rows {
				s.clear(y, 0, s.cols)
			}
		} // 3 erases the scrollback, which there is none of
	case 'X':
		s.clear(s.y, s.x, min(s.x+n, s.cols))
	case 'P':
		l := s.lines[s.y]
		n = min(n, s.cols-s.x)
		copy(l[s.x:], l[s.x+n:])
		s.clear(s.y, s.cols-n, s.cols)
	case '@':
		l := s.lines[s.y]
		n = min(n, s.cols-s.x)
		copy(l[s.x+n:], l[s.x:])
		s.clear(s.y, s.x, s.x+n)
	case 'L', 'M':
		n = min(n, s.rows-s.y)
		rest := s.lines[s.y:]
		if final == 'L' {
			copy(rest[n:], rest[:len(rest)-n])
			for i := 0; i < n; i++ {
				rest[i] = s.blankLine()
			}
		} else {
			copy(rest, rest[n:])
			for i := len(rest) - n; i < len(rest); i++ {
				rest[i] = s.blankLine()
			}
		}
		s.x = 0
	case 'S':
		s.scrollUp(n)
	case 'T':
		s.scrollDown(n)
	} // m (SGR), r (scroll region), h, l and the rest: ignored
}

// privateMode handles DEC private modes: only the alternate screen matters to
// what is on the screen.
func (s *Screen) privateMode(ps []byte, set bool) {
	for _, m := range numbers(ps) {
		switch m {
		case 1049, 1047, 47:
			if set == (s.main != nil) {
				continue // already there
			}
			if set {
				if m == 1049 {
					s.savedX, s.savedY = s.x, s.y
				}
				s.main, s.lines = s.lines, s.blank(s.rows)
			} else {
				s.lines, s.main = s.main, nil
				if m == 1049 {
					s.x, s.y = min(s.savedX, s.cols-1), min(s.savedY, s.rows-1)
				}
			}
			s.wrapNext = false
		}
	}
}

// clear blanks the columns [from, to) of row y.
func (s *Screen) clear(y, from, to int) {
	l := s.lines[y]
	for x := max(from, 0); x < to && x < s.cols; x++ {
		l[x] = ' '
	}
}

// numbers reads "1;22;3" (empty parts are 0; sub-parameters after ':' are
// dropped).
func numbers(ps []byte) []int {
	var out []int
	n, sub := 0, false
	for _, c := range ps {
		switch {
		case c == ';':
			out = append(out, n)
			n, sub = 0, false
		case c == ':':
			sub = true
		case c >= '0' && c <= '9' && !sub:
			if n < 1<<20 {
				n = n*10 + int(c-'0')
			}
		}
	}
	return append(out, n)
}

// Resize changes the screen's size as a terminal window's resize does: rows
// leave from the top when the cursor would fall off the bottom, from the
// bottom otherwise; columns are cut or padded on the right.
func (s *Screen) Resize(cols, rows int) {
	cols, rows = max(cols, 1), max(rows, 1)
	if cols == s.cols && rows == s.rows {
		return
	}
	top := max(s.y-(rows-1), 0)
	fit := func(lines [][]rune) [][]rune {
		if lines == nil {
			return nil
		}
		lines = lines[top:]
		out := make([][]rune, rows)
		for i := range out {
			l := make([]rune, cols)
			for x := range l {
				l[x] = ' '
			}
			if i < len(lines) {
				copy(l, lines[i])
			}
			out[i] = l
		}
		return out
	}
	s.lines, s.main = fit(s.lines), fit(s.main)
	s.cols, s.rows = cols, rows
	s.y -= top
	s.x = min(s.x, cols-1)
	s.savedX, s.savedY = min(s.savedX, cols-1), min(s.savedY, rows-1)
	s.wrapNext = false
}

// Text is what the screen shows: one line per row, trailing spaces trimmed,
// each ending in a newline, without the empty rows at the bottom ("" for a
// blank screen). It holds no control characters.
func (s *Screen) Text() string {
	end := 0
	for y, l := range s.lines {
		if strings.TrimRight(string(l), " ") != "" {
			end = y + 1
		}
	}
	var b strings.Builder
	for _, l := range s.lines[:end] {
		b.WriteString(strings.TrimRight(string(l), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
