package session

import (
	"bytes"
	"strconv"
	"strings"
)

// maxMarker bounds a marker's body; a longer "marker" is output.
const maxMarker = 4096

// stripper takes the session's markers out of bash's output. An end-of-command
// marker is ESC ] 6973 ; TOKEN ; D ; STATUS ; CWD BEL, printed by the hook
// before each prompt; ESC ] 6973 ; TOKEN ; H BEL hides the rest of the line
// (the stand-in for a refused line); TOKEN is the session's secret, so command output cannot
// forge one (it passes through as output). A marker split across reads is
// held back until it is complete.
type stripper struct {
	prefix []byte
	held   []byte
	out    []byte
	onMark func(status int, cwd string)
	// hidden counts what is being hidden (-1: nothing is): after an H marker,
	// output up to and including the next newline, so that readline's redraw
	// of the line that stands in for a refused one (and the newline of its
	// accept-line) never reaches the terminal. The next marker, or maxHidden
	// bytes, end it too.
	hidden int
}

// maxHidden bounds what one H marker hides: readline's redraw of the prompt's
// last line and a short command.
const maxHidden = 4096

func newStripper(token string, onMark func(int, string)) *stripper {
	return &stripper{prefix: []byte("\x1b]6973;" + token + ";"), onMark: onMark, hidden: -1}
}

// feed returns the output in p with markers removed. The result is valid until
// the next call.
func (s *stripper) feed(p []byte) []byte {
	if len(s.held) == 0 && s.hidden < 0 && bytes.IndexByte(p, 0x1b) < 0 {
		return p
	}
	data := append(s.held, p...)
	s.held = nil
	out := s.out[:0]
	for len(data) > 0 {
		i := bytes.IndexByte(data, 0x1b)
		if i < 0 {
			out = s.emit(out, data)
			break
		}
		out = s.emit(out, data[:i])
		data = data[i:]
		n := min(len(data), len(s.prefix))
		if !bytes.Equal(data[:n], s.prefix[:n]) {
			out = s.emit(out, data[:1])
			data = data[1:]
			continue
		}
		if n < len(s.prefix) {
			s.held = append([]byte(nil), data...)
			break
		}
		end := bytes.IndexByte(data[len(s.prefix):], 0x07)
		if end < 0 {
			if len(data) > maxMarker {
				out = s.emit(out, data[:1])
				data = data[1:]
				continue
			}
			s.held = append([]byte(nil), data...)
			break
		}
		s.mark(string(data[len(s.prefix) : len(s.prefix)+end]))
		data = data[len(s.prefix)+end+1:]
	}
	s.out = out
	return out
}

// flush returns what is held back (the session ended inside a would-be marker).
func (s *stripper) flush() []byte {
	h := s.held
	s.held = nil
	return h
}

// emit appends output to out, less what an H marker hides.
func (s *stripper) emit(out, b []byte) []byte {
	if s.hidden < 0 {
		return append(out, b...)
	}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 && s.hidden+len(b) <= maxHidden {
		s.hidden += len(b)
		return out
	}
	cut := nl + 1
	if nl < 0 || s.hidden+cut > maxHidden {
		cut = maxHidden - s.hidden
	}
	s.hidden = -1
	return append(out, b[cut:]...)
}

func (s *stripper) mark(body string) {
	kind, rest, _ := strings.Cut(body, ";")
	s.hidden = -1
	if kind == "H" {
		s.hidden = 0
		return
	}
	if kind != "D" || s.onMark == nil {
		return
	}
	st, cwd, _ := strings.Cut(rest, ";")
	n, err := strconv.Atoi(st)
	if err != nil {
		n = -1
	}
	s.onMark(n, cwd)
}
