package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gatesh/gatesh/internal/verdict"
)

// MaxLine is the longest line Reader returns, as long as the longest Verify reads.
const MaxLine = 64 << 20

// Line is one line of a log as written, without its newline.
type Line struct {
	// N counts lines from 1.
	N int
	// Raw is the line's bytes; valid until the next call to Next.
	Raw []byte
	// Torn says the log ends inside this line: it has no newline, a write cut short.
	Torn bool
}

// LineError is a line Reader could not return; reading may go on after it.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ErrLineTooLong is a line longer than MaxLine: not one gatesh wrote.
var ErrLineTooLong = fmt.Errorf("longer than %d MiB", MaxLine>>20)

// Reader reads a log one line at a time, holding no more than one line.
type Reader struct {
	br  *bufio.Reader
	n   int
	buf []byte
	max int
}

// NewReader reads the log r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), max: MaxLine}
}

// Next returns the next line, io.EOF after the last, or a *LineError for a line
// too long to return (call Next again to go on); any other error ends reading.
func (r *Reader) Next() (Line, error) {
	r.buf = r.buf[:0]
	long := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if !long {
			if len(r.buf)+len(chunk) > r.max+1 {
				long = true
				r.buf = r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			r.n++
			if long {
				return Line{}, &LineError{Line: r.n, Err: ErrLineTooLong}
			}
			return Line{N: r.n, Raw: r.buf[:len(r.buf)-1]}, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(r.buf) == 0 && !long {
				return Line{}, io.EOF
			}
			r.n++
			if long {
				return Line{}, &LineError{Line: r.n, Err: ErrLineTooLong}
			}
			return Line{N: r.n, Raw: r.buf, Torn: true}, nil
		default:
			return Line{}, err
		}
	}
}

// Reason is a rule that fired, as logged under result.reasons.
type Reason = verdict.Reason

// Record is what a person reads of one entry. Every field is "" (or nil) when the
// entry does not have it.
type Record struct {
	DecisionID string
	Time       time.Time
	// Action is result.action: allow, hold or deny.
	Action string
	// Event is custom.event, set on what is not a decision of the policy: "approve",
	// "deny" (a person's), "grant-use", "expire", "gone".
	Event string
	// RequestID is custom.request_id, the held request an entry is about.
	RequestID string
	Class     string
	// Agent is input.agent.name (or a plain input.agent string).
	Agent string
	// Text is the command judged, input.text; Wrapper the text as the agent sent
	// it when a wrapper was seen through.
	Text    string
	Wrapper string
	Cwd     string
	Reasons []Reason
	// Error is result.error or custom.error.
	Error string
	// Note is result.note (or custom.reason): what happened to a request, a
	// person's reason for a denial.
	Note string
	// Session is custom.session: the gated interactive session the line was
	// typed in.
	Session string
}

// Decode reads one line of the log.
func Decode(line []byte) (Record, error) {
	var e Entry
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&e); err != nil {
		return Record{}, err
	}
	if d.More() {
		return Record{}, errors.New("more than one JSON value on the line")
	}
	rec := Record{DecisionID: e.DecisionID, Time: e.Timestamp}
	in, _ := e.Input.(map[string]any)
	if s, ok := e.Input.(string); ok {
		rec.Text = s
	}
	res, _ := e.Result.(map[string]any)
	rec.Action = str(res["action"])
	rec.Class = str(res["class"])
	rec.Error = str(res["error"])
	rec.Note = str(res["note"])
	if reasons, ok := res["reasons"].([]any); ok {
		for _, x := range reasons {
			m, _ := x.(map[string]any)
			rec.Reasons = append(rec.Reasons, Reason{ID: str(m["id"]), Msg: str(m["msg"]), Class: str(m["class"])})
		}
	}
	if in != nil {
		rec.Text = str(in["text"])
		rec.Wrapper = str(in["wrapper"])
		rec.Cwd = str(in["cwd"])
		switch a := in["agent"].(type) {
		case map[string]any:
			rec.Agent = str(a["name"])
		case string:
			rec.Agent = a
		}
	}
	rec.Event = str(e.Custom["event"])
	rec.RequestID = str(e.Custom["request_id"])
	rec.Session = str(e.Custom["session"])
	if rec.RequestID == "" && in != nil {
		rec.RequestID = str(in["request_id"])
	}
	if rec.Note == "" {
		rec.Note = str(e.Custom["reason"])
	}
	if rec.Agent == "" {
		rec.Agent = str(e.Custom["agent"])
	}
	if rec.Error == "" {
		rec.Error = str(e.Custom["error"])
	}
	return rec, nil
}

// str is a JSON string or number as text, "" for anything else.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// What a break in the chain is.
const (
	// BreakTorn: the last line has no newline, a write cut short (a crash, a full disk).
	BreakTorn = "torn"
	// BreakSealed: a line cut short that gatesh ended when it wrote again; the
	// line after it chains onto it.
	BreakSealed = "sealed"
	// BreakEmpty: an empty line.
	BreakEmpty = "empty"
	// BreakNotEntry: a line that is not a decision entry.
	BreakNotEntry = "not-entry"
	// BreakInserted: a line the chain passes over.
	BreakInserted = "inserted"
	// BreakSwapped: two lines in the wrong order.
	BreakSwapped = "swapped"
	// BreakStart: the first line does not start the chain.
	BreakStart = "start"
	// BreakChanged: the line before the break was changed, or lines after it removed.
	BreakChanged = "changed-or-removed"
)

// Break is what a Problem found by Verify means.
type Break struct {
	Problem
	// Kind is one of the Break constants.
	Kind string
	// Suspect is the line the break points at (the edited, inserted or torn one,
	// or the last line before a removal); 0 when no line is to blame.
	Suspect int
	// Meaning says it for a person, in one or two sentences.
	Meaning string
}

// Explain reads the log again to say what p, the problem Verify found in it,
// means: an edited, removed or inserted line, or a write cut short.
func Explain(r io.Reader, p Problem) (Break, error) {
	b := Break{Problem: p}
	n := p.Line
	rd := NewReader(r)
	// Hashes of the lines before n, as Verify takes them; h[0] is line n-2.
	h := [2]string{Genesis, Genesis}
	var cur, next []byte
	haveCur, curTorn, haveNext := false, false, false
	for {
		l, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *LineError
		if errors.As(err, &le) {
			if le.Line == n {
				b.Kind, b.Suspect = BreakNotEntry, n
				b.Meaning = fmt.Sprintf("line %d is %v: gatesh writes no such line; it was changed", n, le.Err)
				return b, nil
			}
			if le.Line == n+1 {
				break
			}
			h[0], h[1] = h[1], ""
			continue
		}
		if err != nil {
			return b, err
		}
		switch {
		case l.N < n:
			h[0], h[1] = h[1], hash(verifyBytes(l.Raw))
			continue
		case l.N == n:
			cur, curTorn, haveCur = append([]byte(nil), l.Raw...), l.Torn, true
			continue
		}
		next, haveNext = append([]byte(nil), l.Raw...), true
		break
	}
	if !haveCur {
		return b, fmt.Errorf("the log has no line %d: it changed since it was verified", n)
	}
	cur = verifyBytes(cur)
	var nextPrev string
	if haveNext {
		nextPrev, _ = prevHash(verifyBytes(next))
	}
	curPrev, ok := prevHash(cur)
	if !ok {
		switch {
		case curTorn:
			b.Kind, b.Suspect = BreakTorn, n
			b.Meaning = fmt.Sprintf("the last line (%d) is cut short: a write was interrupted (a crash or a full disk); the decision being written is lost, the %s before it are intact", n, plural(n-1, "entry", "entries"))
		case haveNext && nextPrev == hash(cur):
			b.Kind, b.Suspect = BreakSealed, n
			b.Meaning = fmt.Sprintf("line %d is a write cut short (a crash or a full disk) that gatesh ended when it wrote again: line %d chains onto it, so it was not edited afterwards; the decision being written there is lost", n, n+1)
			rest, perr := verifyFrom(rd, hash(verifyBytes(next)), n+1)
			if perr != nil {
				b.Meaning += "; after it, " + perr.Error()
			} else {
				b.Meaning += fmt.Sprintf("; the %s after it chain%s intact", plural(rest+1, "entry", "entries"), map[bool]string{true: "s"}[rest == 0])
			}
		case len(bytes.TrimSpace(cur)) == 0:
			b.Kind, b.Suspect = BreakEmpty, n
			b.Meaning = fmt.Sprintf("line %d is empty: gatesh writes no empty lines; the log was edited", n)
		case !haveNext:
			b.Kind, b.Suspect = BreakNotEntry, n
			b.Meaning = fmt.Sprintf("the last line (%d) is not a decision entry: it was changed, or it is a write cut short (a crash or a full disk) that gatesh ended when it reopened the log", n)
		default:
			b.Kind, b.Suspect = BreakNotEntry, n
			b.Meaning = fmt.Sprintf("line %d is not a decision entry: it was changed", n)
		}
		return b, nil
	}
	switch {
	case haveNext && curPrev == hash(verifyBytes(next)):
		b.Kind, b.Suspect = BreakSwapped, n
		b.Meaning = fmt.Sprintf("lines %d and %d are in the wrong order: line %d chains onto the line after it", n, n+1, n)
	// Line n+1 chains onto line n-1: line n is the intruder. (Checked first: a
	// line inserted with the prev_hash of the one before it also makes line n
	// chain onto line n-2.)
	case haveNext && nextPrev == h[1]:
		b.Kind, b.Suspect = BreakInserted, n
		b.Meaning = fmt.Sprintf("line %d was inserted: line %d chains onto line %d, passing over it", n, n+1, n-1)
		if n == 1 {
			b.Meaning = "line 1 was inserted: line 2 starts the chain"
		}
	case n >= 2 && curPrev == h[0]:
		b.Kind, b.Suspect = BreakInserted, n-1
		b.Meaning = fmt.Sprintf("line %d was inserted: line %d chains onto line %d, passing over it", n-1, n, n-2)
		if n == 2 {
			b.Meaning = "line 1 was inserted: line 2 starts the chain"
		}
	case n == 1:
		b.Kind, b.Suspect = BreakStart, 1
		b.Meaning = "the first line does not start the chain: lines were removed from the beginning of the log (or the first line's prev_hash was changed)"
	default:
		b.Kind, b.Suspect = BreakChanged, n-1
		b.Meaning = fmt.Sprintf("line %d was changed, or lines that stood between line %d and line %d were removed: line %d's prev_hash is not the hash of line %d", n-1, n-1, n, n, n-1)
	}
	return b, nil
}

// Head is the hash of the log's last line, the one the next entry will chain onto:
// noted elsewhere, it shows lines later removed from the end or a change to the
// last line, which the chain itself cannot. It is Genesis for an empty log.
func Head(r io.Reader) (string, error) {
	rd := NewReader(r)
	head := Genesis
	for {
		l, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return head, nil
		}
		if err != nil {
			return "", err
		}
		head = hash(verifyBytes(l.Raw))
	}
}

// verifyFrom goes on checking the chain from prev, the hash of line n, as Verify
// does; it returns the number of lines after line n that chain.
func verifyFrom(rd *Reader, prev string, n int) (int, error) {
	count := 0
	for {
		l, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return count, nil
		}
		if err != nil {
			return count, err
		}
		line := verifyBytes(l.Raw)
		p, ok := prevHash(line)
		if !ok {
			return count, Problem{l.N, "not a decision entry; the line was changed or cut short"}
		}
		if p != prev {
			return count, Problem{l.N, "its prev_hash does not match the line before it: a line before it was changed, inserted or removed"}
		}
		prev = hash(line)
		count++
	}
}

// verifyBytes is a line as Verify hashes it (bufio.ScanLines drops a final \r).
func verifyBytes(line []byte) []byte {
	return bytes.TrimSuffix(line, []byte{'\r'})
}

// prevHash is a line's custom.prev_hash, and whether the line is an entry as
// Verify reads it.
func prevHash(line []byte) (string, bool) {
	var e struct {
		Custom struct {
			Prev string `json:"prev_hash"`
		} `json:"custom"`
	}
	if err := json.Unmarshal(line, &e); err != nil {
		return "", false
	}
	return e.Custom.Prev, true
}

// plural is "1 entry", "2 entries".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
