package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one line of a recording after the header.
type Event struct {
	// Time is when it happened, from the start of the recording.
	Time time.Duration
	// Code says what it is: CodeOutput, CodeMarker, CodeResize, CodeInput, or
	// another code that the reader keeps and Play ignores.
	Code string
	// Data is the output, the marker's label or the size ("COLSxROWS").
	Data string
}

// Recording is a parsed recording.
type Recording struct {
	// Path is the file it was read from (empty for Parse).
	Path   string
	Header Header
	Events []Event
}

// Duration is the time of the last event.
func (r *Recording) Duration() time.Duration {
	if len(r.Events) == 0 {
		return 0
	}
	return r.Events[len(r.Events)-1].Time
}

// ParseError says where a recording is damaged and how. Reading stops at the
// damage: Open and Parse return it with the recording up to it (unless the
// header itself is damaged).
type ParseError struct {
	// Path is the file (empty for Parse).
	Path string
	// Line is the damaged line, from 1 (the header).
	Line int
	// What is wrong with it.
	What string
	// Truncated means the damage is the file's last line cut short, as when
	// the recording stopped in the middle of a write (a crash, a full disk):
	// everything before it is whole.
	Truncated bool
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.What)
	}
	return fmt.Sprintf("recording %s: line %d: %s", e.Path, e.Line, e.What)
}

// maxLine is the longest line read (gatesh writes lines of at most a few
// hundred KiB: one relay read each).
const maxLine = 64 << 20

// Open reads the recording at path. When the file is damaged it returns a
// *ParseError naming the file, the line and the damage, together with the
// recording up to the damaged line, which can be played (nil when the header
// is damaged). A recording whose last line was cut short (a session killed in
// the middle of a write) is such a case: the error has Truncated set.
func Open(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	rec, err := Parse(f)
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Path = path
	} else if err != nil {
		err = fmt.Errorf("recording %s: %w", path, err)
	}
	if rec != nil {
		rec.Path = path
	}
	return rec, err
}

// Parse reads a recording from r; see Open for damaged recordings.
func Parse(r io.Reader) (*Recording, error) {
	d := newDecoder(r)
	h, err := d.header()
	if err != nil {
		return nil, err
	}
	rec := &Recording{Header: h}
	for {
		ev, err := d.next()
		if err == io.EOF {
			return rec, nil
		}
		if err != nil {
			return rec, err
		}
		rec.Events = append(rec.Events, ev)
	}
}

// decoder reads a recording line by line.
type decoder struct {
	r        *bufio.Reader
	line     int           // the last line read
	last     time.Duration // the last event's time
	lastLine int           // and its line
}

func newDecoder(r io.Reader) *decoder {
	return &decoder{r: bufio.NewReaderSize(r, 64<<10)}
}

// readLine returns the next line without its newline, and whether it had one.
func (d *decoder) readLine() (line []byte, whole bool, err error) {
	var long []byte
	for {
		b, err := d.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(long)+len(b) > maxLine {
				d.line++
				return nil, false, &ParseError{Line: d.line, What: fmt.Sprintf("a line longer than %d MiB: not a recording gatesh wrote", maxLine>>20)}
			}
			long = append(long, b...)
			continue
		}
		if long != nil {
			b = append(long, b...)
		}
		switch {
		case err == nil:
			d.line++
			return b[:len(b)-1], true, nil
		case err == io.EOF && len(b) > 0:
			d.line++
			return b, false, nil
		default:
			return nil, false, err
		}
	}
}

func (d *decoder) header() (Header, error) {
	line, whole, err := d.readLine()
	if err == io.EOF {
		return Header{}, &ParseError{Line: 1, What: "the file is empty: no asciicast header", Truncated: true}
	}
	if err != nil {
		return Header{}, err
	}
	bad := func(format string, args ...any) (Header, error) {
		return Header{}, &ParseError{Line: 1, What: fmt.Sprintf(format, args...)}
	}
	var j struct {
		Version   *int              `json:"version"`
		Width     int               `json:"width"`
		Height    int               `json:"height"`
		Timestamp float64           `json:"timestamp"`
		Title     string            `json:"title"`
		Env       map[string]string `json:"env"`
		Gatesh    *gateshJSON       `json:"gatesh"`
	}
	if err := json.Unmarshal(line, &j); err != nil {
		if !whole && !json.Valid(line) {
			return Header{}, &ParseError{Line: 1, What: "the header is cut short (the recording stopped while it was written)", Truncated: true}
		}
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
			return bad("not an asciicast v2 header (a JSON object on the first line)")
		}
		return bad("the asciicast header is malformed: %v", err)
	}
	switch {
	case j.Version == nil:
		return bad("the header has no version: not an asciicast v2 recording")
	case *j.Version != 2:
		return bad("asciicast version %d: only version 2 is read", *j.Version)
	case j.Width <= 0 || j.Height <= 0:
		return bad("the header's terminal size %dx%d is not a size", j.Width, j.Height)
	}
	h := Header{Width: j.Width, Height: j.Height, Timestamp: int64(j.Timestamp), Title: j.Title, Env: j.Env}
	if j.Gatesh != nil {
		h.Session, h.Agent = j.Gatesh.Session, j.Gatesh.Agent
	}
	return h, nil
}

// next returns the next event, io.EOF at the end, or a *ParseError.
func (d *decoder) next() (Event, error) {
	for {
		line, whole, err := d.readLine()
		if err != nil {
			return Event{}, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		ev, what := d.event(line)
		if what == "" {
			return ev, nil
		}
		if !whole && !json.Valid(line) {
			return Event{}, &ParseError{Line: d.line, Truncated: true,
				What: "the last line is cut short (the recording stopped in the middle of a write: a crash, a killed session or a full disk); the events before it are whole"}
		}
		return Event{}, &ParseError{Line: d.line, What: what}
	}
}

// event decodes one event line; what says what is wrong with it, if anything.
func (d *decoder) event(line []byte) (ev Event, what string) {
	var a []json.RawMessage
	if err := json.Unmarshal(line, &a); err != nil {
		return ev, "not an event: want a JSON array [time, code, data]"
	}
	if len(a) != 3 {
		return ev, fmt.Sprintf("an event is a JSON array of 3 elements [time, code, data], this one has %d", len(a))
	}
	num := string(a[0])
	if num == "" || !strings.ContainsRune("-0123456789", rune(num[0])) {
		return ev, fmt.Sprintf("the event's time %s is not a number", cut(num))
	}
	secs, err := strconv.ParseFloat(num, 64)
	if err != nil || secs > float64(math.MaxInt64/int64(time.Second)) {
		return ev, fmt.Sprintf("the event's time %s is out of range", cut(num))
	}
	if secs < 0 {
		return ev, fmt.Sprintf("the event's time %s is negative", num)
	}
	ev.Time = time.Duration(math.Round(secs * float64(time.Second)))
	if ev.Time < d.last {
		return ev, fmt.Sprintf("the time goes backwards: %s, after %s on line %d", num, fmtSecs(d.last), d.lastLine)
	}
	if err := json.Unmarshal(a[1], &ev.Code); err != nil {
		return ev, fmt.Sprintf("the event's code %s is not a string", cut(string(a[1])))
	}
	if ev.Code == "" {
		return ev, "the event's code is empty"
	}
	if err := json.Unmarshal(a[2], &ev.Data); err != nil {
		return ev, fmt.Sprintf("the event's data %s is not a string", cut(string(a[2])))
	}
	if ev.Code == CodeResize {
		if _, _, err := ParseSize(ev.Data); err != nil {
			return ev, err.Error()
		}
	}
	d.last, d.lastLine = ev.Time, d.line
	return ev, ""
}

// ParseSize reads a resize event's data, "COLSxROWS".
func ParseSize(s string) (cols, rows int, err error) {
	c, r, ok := strings.Cut(s, "x")
	if ok {
		cols, err1 := strconv.Atoi(c)
		rows, err2 := strconv.Atoi(r)
		if err1 == nil && err2 == nil && cols > 0 && rows > 0 {
			return cols, rows, nil
		}
	}
	return 0, 0, fmt.Errorf("the resize %q is not a size COLSxROWS", cut(s))
}

func fmtSecs(t time.Duration) string { return strconv.FormatFloat(t.Seconds(), 'f', -1, 64) }

// cut shortens a quoted bit of a damaged line for a message.
func cut(s string) string {
	if len(s) <= 40 {
		return s
	}
	n := 37
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
