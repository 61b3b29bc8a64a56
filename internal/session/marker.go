package session

import (
	"bytes"
	"strconv"
	"strings"
)

// maxMarker bounds a marker's body; a longer "marker" is output.
const maxMarker = 4096

// stripper takes the session's end-of-command markers out of bash's output. A
// marker is ESC ] 6973 ; TOKEN ; D ; STATUS ; CWD BEL, printed by the hook
// before each prompt; TOKEN is the session's secret, so command output cannot
// forge one (it passes through as output). A marker split across reads is
// held back until it is complete.
type stripper struct {
	prefix []byte
	held   []byte
	out    []byte
	onMark func(status int, cwd string)
}

func newStripper(token string, onMark func(int, string)) *stripper {
	return &stripper{prefix: []byte("\x1b]6973;" + token + ";"), onMark: onMark}
}

// feed returns the output in p with markers removed. The result is valid until
// the next call.
func (s *stripper) feed(p []byte) []byte {
	if len(s.held) == 0 && bytes.IndexByte(p, 0x1b) < 0 {
		return p
	}
	data := append(s.held, p...)
	s.held = nil
	out := s.out[:0]
	for len(data) > 0 {
		i := bytes.IndexByte(data, 0x1b)
		if i < 0 {
			out = append(out, data...)
			break
		}
		out = append(out, data[:i]...)
		data = data[i:]
		n := min(len(data), len(s.prefix))
		if !bytes.Equal(data[:n], s.prefix[:n]) {
			out = append(out, data[0])
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
				out = append(out, data[0])
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

func (s *stripper) mark(body string) {
	kind, rest, _ := strings.Cut(body, ";")
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
