// Package record writes and reads session recordings in the asciicast v2 format
// (https://docs.asciinema.org/manual/asciicast/v2/), which asciinema can play too.
//
// A recording is a file of JSON lines: a header object, then one event per line,
// [seconds, code, data], with the code "o" for terminal output, "m" for a marker
// (gatesh marks the gate's decisions) and "r" for a resize ("COLSxROWS"). gatesh
// records what the terminal showed, never what was typed: it writes no "i"
// events (Parse reads them, Play ignores them).
//
// The package uses the standard library only: it is linked into gatesh.
package record

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gatesh/gatesh/internal/jsonstr"
)

// Ext is the file name extension of a recording.
const Ext = ".cast"

// Dir is where recordings live in the state directory.
func Dir(state string) string { return filepath.Join(state, "sessions") }

// Path is the recording of the session id in the state directory.
func Path(state, id string) string { return filepath.Join(Dir(state), id+Ext) }

// Event codes.
const (
	CodeOutput = "o" // terminal output
	CodeInput  = "i" // keyboard input (read, never written by gatesh)
	CodeMarker = "m" // a marker: its data is the label
	CodeResize = "r" // a terminal resize: its data is "COLSxROWS"
)

// Header is a recording's first line.
type Header struct {
	// Width and Height are the terminal's size in columns and rows at the
	// start (Create uses 80x24 when either is not positive).
	Width, Height int
	// Timestamp is the start, in Unix seconds (Create uses the current time
	// when it is 0).
	Timestamp int64
	// Title is optional.
	Title string
	// Env holds the recorded shell's SHELL and TERM (empty values are left out).
	Env map[string]string
	// Session and Agent are gatesh's own, under the header's "gatesh" key: the
	// session's id (the one the decision log names) and the agent's name.
	Session, Agent string
}

// Start is the header's Timestamp as a time (zero when it has none).
func (h Header) Start() time.Time {
	if h.Timestamp == 0 {
		return time.Time{}
	}
	return time.Unix(h.Timestamp, 0)
}

// headerJSON is the header as written: asciicast v2 keys, gatesh's under "gatesh".
type headerJSON struct {
	Version   int               `json:"version"`
	Width     int               `json:"width"`
	Height    int               `json:"height"`
	Timestamp int64             `json:"timestamp,omitempty"`
	Title     string            `json:"title,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	Gatesh    *gateshJSON       `json:"gatesh,omitempty"`
}

type gateshJSON struct {
	Session string `json:"session,omitempty"`
	Agent   string `json:"agent,omitempty"`
}

func (h Header) marshal() ([]byte, error) {
	j := headerJSON{Version: 2, Width: h.Width, Height: h.Height, Timestamp: h.Timestamp, Title: h.Title}
	for k, v := range h.Env {
		if v == "" {
			continue
		}
		if j.Env == nil {
			j.Env = map[string]string{}
		}
		j.Env[k] = v
	}
	if h.Session != "" || h.Agent != "" {
		j.Gatesh = &gateshJSON{Session: h.Session, Agent: h.Agent}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Tuning of the Writer.
const (
	// flushEvery is the longest an event waits in memory before it is written.
	flushEvery = 100 * time.Millisecond
	// flushAt is how much waiting output makes the writer write at once.
	flushAt = 256 << 10
	// maxBacklog is how much unwritten output stops the recording: the disk
	// does not keep up (or hangs), and the relay must not wait for it.
	maxBacklog = 64 << 20
	// keepBuf is the largest buffer kept for reuse after a write.
	keepBuf = 4 << 20
)

// Writer appends events to a recording. Its methods are safe for concurrent
// use and never wait for the disk: events are encoded into memory and written
// by a goroutine of the Writer's at most flushEvery later (at once when much
// is waiting, and on Close, before it returns). A write error, or more than 64 MiB
// waiting to be written, stops the recording: the methods go on returning at
// once, and Err says why. Close must be called to end the goroutine.
type Writer struct {
	name string // for errors
	f    io.WriteCloser

	start    time.Time
	now      func() time.Duration // time since start
	interval time.Duration
	backlog  int // maxBacklog, smaller in tests

	mu      sync.Mutex
	buf     []byte // encoded events not yet handed to the file
	spare   []byte // a written buffer, for reuse
	carry   []byte // the start of a UTF-8 sequence the last Output ended in
	last    time.Duration
	err     error
	closed  bool
	closeMu sync.Mutex // serializes Close
	closing error      // Close's result, once closed

	notify chan struct{} // data arrived in an empty buffer
	urgent chan struct{} // write now (a marker, a large buffer)
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the writing goroutine has finished
}

// Create starts the recording at path: it creates the parent directory (0700)
// when missing and the file (0600), never replacing one that exists, and writes
// the header. Event times count from the call, on the monotonic clock.
func Create(path string, h Header) (*Writer, error) {
	start := time.Now()
	if h.Width <= 0 || h.Height <= 0 {
		h.Width, h.Height = 80, 24
	}
	if h.Timestamp == 0 {
		h.Timestamp = start.Unix()
	}
	head, err := h.marshal()
	if err != nil {
		return nil, fmt.Errorf("recording %s: header: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	if _, err := f.Write(head); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("recording %s: writing the header: %w", path, err)
	}
	return newWriter(f, path, func(w *Writer) { w.start = start }), nil
}

// newWriter is a Writer on f, whose header is written already (or not needed:
// tests), timed from now; set changes it before it starts (tests).
func newWriter(f io.WriteCloser, name string, set ...func(*Writer)) *Writer {
	w := &Writer{
		name:     name,
		f:        f,
		start:    time.Now(),
		interval: flushEvery,
		backlog:  maxBacklog,
		notify:   make(chan struct{}, 1),
		urgent:   make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	w.now = func() time.Duration { return time.Since(w.start) }
	for _, f := range set {
		f(w)
	}
	go w.loop()
	return w
}

// Output records terminal output. Bytes that end p in the middle of a UTF-8
// sequence are kept for the next Output; bytes that are not UTF-8 are recorded
// as U+FFFD (JSON strings hold only Unicode). p is not retained.
func (w *Writer) Output(p []byte) {
	if len(p) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.err != nil {
		return
	}
	data := p
	if len(w.carry) > 0 {
		data = make([]byte, 0, len(w.carry)+len(p))
		data = append(append(data, w.carry...), p...)
		w.carry = w.carry[:0]
	}
	if n := incompleteTail(data); n > 0 {
		w.carry = append(w.carry[:0], data[len(data)-n:]...)
		data = data[:len(data)-n]
	}
	if len(data) == 0 {
		return
	}
	w.event(CodeOutput, data, false)
}

// Marker records a marker with label (gatesh labels the gate's decisions). It is
// written at the next flush, with the output around it.
func (w *Writer) Marker(label string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.err != nil {
		return
	}
	w.event(CodeMarker, []byte(label), false)
}

// Resize records that the terminal is now cols wide and rows high.
func (w *Writer) Resize(cols, rows int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.err != nil {
		return
	}
	w.event(CodeResize, []byte(strconv.Itoa(cols)+"x"+strconv.Itoa(rows)), false)
}

// event encodes one event at the current time into the buffer; w.mu is held.
func (w *Writer) event(code string, data []byte, now bool) {
	t := w.now()
	if t < w.last {
		t = w.last
	}
	w.last = t
	was := len(w.buf)
	b := append(w.buf, '[')
	b = strconv.AppendFloat(b, t.Seconds(), 'f', 6, 64)
	b = append(b, ", \""...)
	b = append(b, code...)
	b = append(b, "\", "...)
	b = appendString(b, data)
	b = append(b, "]\n"...)
	w.buf = b
	switch {
	case len(b) > w.backlog:
		w.err = fmt.Errorf("recording %s stopped: more than %d KiB waited to be written (the disk does not keep up)", w.name, w.backlog>>10)
		w.buf = nil
		kick(w.urgent) // the goroutine finds the error and stops
	case now || len(b) >= flushAt:
		kick(w.urgent)
	case was == 0:
		kick(w.notify)
	}
}

func kick(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// loop writes the buffer out: flushEvery after data arrives in an empty
// buffer, at once when urgent, and a last time when stopped.
func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTimer(time.Hour)
	t.Stop()
	var due <-chan time.Time
	for {
		select {
		case <-w.notify:
			if due == nil {
				t.Reset(w.interval)
				due = t.C
			}
			continue
		case <-due:
		case <-w.urgent:
		case <-w.stop:
			w.writeOut()
			return
		}
		t.Stop()
		due = nil
		w.writeOut()
	}
}

// writeOut writes what is buffered to the file, outside the lock.
func (w *Writer) writeOut() {
	w.mu.Lock()
	b := w.buf
	if w.err != nil || len(b) == 0 {
		w.mu.Unlock()
		return
	}
	w.buf = w.spare[:0]
	w.spare = nil
	w.mu.Unlock()

	_, err := w.f.Write(b)

	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("recording %s stopped: %w", w.name, err)
		}
		w.buf = nil
		return
	}
	if cap(b) <= keepBuf {
		w.spare = b[:0]
	}
}

// Err reports why the recording stopped (a write error, the disk not keeping
// up, a failed Close), or nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close writes what is buffered and closes the file. Bytes of an unfinished
// UTF-8 sequence left by the last Output are recorded as U+FFFD. Later calls
// return the first's result; the other methods do nothing after it.
func (w *Writer) Close() error {
	w.closeMu.Lock()
	defer w.closeMu.Unlock()
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return w.closing
	}
	if len(w.carry) > 0 && w.err == nil {
		w.event(CodeOutput, w.carry, false)
		w.carry = nil
	}
	w.closed = true
	w.mu.Unlock()

	close(w.stop)
	<-w.done
	cerr := w.f.Close()

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil && cerr != nil {
		w.err = fmt.Errorf("recording %s: %w", w.name, cerr)
	}
	w.closing = w.err
	return w.closing
}

// incompleteTail is how many bytes at the end of p start a UTF-8 sequence
// that the next bytes may complete (0 to 3).
func incompleteTail(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return len(p) - i
			}
			return 0
		}
	}
	return 0
}

// appendString appends p as a JSON string (jsonstr.Append).
func appendString(b, p []byte) []byte {
	return jsonstr.Append(slices.Grow(b, len(p)+len(p)/8+2), p)
}
