// Package audit is the decision log: one JSON line per decision, with the field
// names of OPA's decision log (decision_id, timestamp, path, input, result, labels,
// metrics) and gatesh's own under custom. Each line carries the SHA-256 of the line
// before it (custom.prev_hash), so an edited or removed line breaks the chain and
// Verify finds it.
package audit

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// Genesis is the prev_hash of the first line.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Path is the OPA decision-log "path" of gatesh's decisions.
const Path = "gatesh/decision"

// Entry is one decision.
type Entry struct {
	DecisionID string            `json:"decision_id"`
	Timestamp  time.Time         `json:"timestamp"`
	Path       string            `json:"path"`
	Input      any               `json:"input"`
	Result     any               `json:"result"`
	Labels     map[string]string `json:"labels,omitempty"`
	Metrics    map[string]any    `json:"metrics,omitempty"`
	Custom     map[string]any    `json:"custom"`
}

// Log appends entries to a file. It is safe for concurrent use, also by several
// processes (the daemon and a one-shot gatectl decide): each append holds an
// exclusive lock on the file and rereads the last line when another process
// wrote since.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	prev string
	size int64 // the file's size after this Log's last write
}

// Open opens (creating) the log at path and reads the hash of its last line.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	last, torn, err := lastLine(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reading the end of %s: %w", path, err)
	}
	l := &Log{f: f, prev: Genesis, size: -1}
	if last != nil {
		l.prev = hash(last)
	}
	if torn {
		// A write cut short (a crash, a full disk): end that line so the next
		// entry starts cleanly; Verify reports the torn line.
		if _, err := f.Write([]byte{'\n'}); err != nil {
			f.Close()
			return nil, err
		}
	}
	return l, nil
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// Append writes e, filling in its id, time, path and chain hash when empty.
func (l *Log) Append(e Entry) (string, error) {
	if e.DecisionID == "" {
		e.DecisionID = NewID()
	}
	if e.Timestamp.IsZero() {
		e.Timestamp = time.Now().UTC()
	}
	if e.Path == "" {
		e.Path = Path
	}
	custom := make(map[string]any, len(e.Custom)+1)
	for k, v := range e.Custom {
		custom[k] = v
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fd := int(l.f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking the decision log: %w", err)
	}
	defer syscall.Flock(fd, syscall.LOCK_UN)
	if fi, err := l.f.Stat(); err != nil {
		return "", err
	} else if fi.Size() != l.size {
		// Another process appended (or this is the first append): chain onto
		// the line that is last now.
		last, torn, err := lastLine(l.f)
		if err != nil {
			return "", err
		}
		l.prev = Genesis
		if last != nil {
			l.prev = hash(last)
		}
		if torn {
			if _, err := l.f.Write([]byte{'\n'}); err != nil {
				return "", err
			}
		}
	}
	custom["prev_hash"] = l.prev
	e.Custom = custom
	b, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return "", fmt.Errorf("writing the decision log: %w", err)
	}
	l.prev = hash(b)
	if fi, err := l.f.Stat(); err == nil {
		l.size = fi.Size()
	}
	return e.DecisionID, nil
}

// NewID returns a random decision id.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func hash(line []byte) string {
	s := sha256.Sum256(line)
	return hex.EncodeToString(s[:])
}

// lastLine returns the file's last line (without its newline) and whether the
// file ends without a newline.
func lastLine(f *os.File) ([]byte, bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	size := fi.Size()
	if size == 0 {
		return nil, false, nil
	}
	// Read back in growing windows until a full line is in view.
	for window := int64(64 << 10); ; window *= 4 {
		off := max(size-window, 0)
		buf := make([]byte, size-off)
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		torn := buf[len(buf)-1] != '\n'
		body := bytes.TrimSuffix(buf, []byte{'\n'})
		if i := bytes.LastIndexByte(body, '\n'); i >= 0 {
			return body[i+1:], torn, nil
		}
		if off == 0 {
			return body, torn, nil
		}
	}
}

// Problem is a break in the chain.
type Problem struct {
	Line int
	What string
}

func (p Problem) Error() string { return fmt.Sprintf("line %d: %s", p.Line, p.What) }

// Verify reads a log and returns the first break in its chain: a line that is not
// an entry, or whose prev_hash is not the hash of the line before it (an edited,
// inserted or removed line). It returns the number of entries checked.
func Verify(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	prev := Genesis
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		var e struct {
			Custom struct {
				Prev string `json:"prev_hash"`
			} `json:"custom"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			return n - 1, Problem{n, "not a decision entry (" + err.Error() + "); the line was changed or cut short"}
		}
		if e.Custom.Prev != prev {
			return n - 1, Problem{n, "its prev_hash does not match the line before it: a line before it was changed, inserted or removed"}
		}
		prev = hash(line)
	}
	if err := sc.Err(); err != nil {
		return n, err
	}
	return n, nil
}
