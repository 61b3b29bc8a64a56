package policy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"

	"github.com/open-policy-agent/opa/v1/ast"

	gatesh "github.com/gatesh/gatesh"
)

// A warm start lets a daemon answer before its policy has compiled (compiling
// the defaults takes about 100 ms, most of a cold first command). The decision
// cache is a pure function of the compiled policy and the input document (a
// decision that called a gatesh.* built-in, which looks at the repository, is
// never cached), so it stays true for as long as the policy's sources do. The
// daemon writes it to a file in its state directory, under a fingerprint of
// those sources: the embedded bundle, every file of the user's policy
// directory, the options that change the compiled policy, and the identity of
// the running executable. A daemon whose sources have the same fingerprint
// loads the file, starts compiling in the background, and answers an input it
// finds there at once; any other input waits for the compiled policy. A file
// that is missing, unreadable, damaged or of other sources is ignored (the
// policy is compiled before the first answer, as without it), and rewritten.

// warmVersion changes when the file's format or meaning does.
const warmVersion = 1

// maxWarmFile bounds the file read at start.
const maxWarmFile = 64 << 20

// warmHeader is the file's first line.
type warmHeader struct {
	V           int            `json:"v"`
	Fingerprint string         `json:"fingerprint"`
	Settings    map[string]any `json:"settings"`
	Files       []string       `json:"files"`
}

// warmEntry is one remembered decision: K is the SHA-256 of the input
// document's canonical text.
type warmEntry struct {
	K string   `json:"k"`
	D Decision `json:"d"`
}

// warmFile is the decisions known from the file and the file appended to.
type warmFile struct {
	path string
	mu   sync.Mutex
	seen map[string]Decision
	f    *os.File // nil once writing failed: the cache then lives in memory only
	n    int      // entries in the file
	max  int
	shut bool // closed: not opened again

	// Decisions are written by a goroutine of the file's own, off the
	// decision's path: the key (the SHA-256 of the input's text) costs about
	// a tenth of a fresh decision. A decision that finds the queue full is
	// not written (the file is a cache).
	queue   chan warmItem
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

type warmItem struct {
	input ast.Value
	d     Decision
}

// newWarmFile starts the writer of the file at path, which holds seen.
func newWarmFile(path string, seen map[string]Decision, max int) *warmFile {
	w := &warmFile{path: path, seen: seen, n: len(seen), max: max,
		queue: make(chan warmItem, 256), stop: make(chan struct{}), stopped: make(chan struct{})}
	go w.writer()
	return w
}

// writer writes queued decisions until the file is closed, then what is
// left in the queue.
func (w *warmFile) writer() {
	defer close(w.stopped)
	for {
		select {
		case it := <-w.queue:
			w.write(it)
		case <-w.stop:
			for {
				select {
				case it := <-w.queue:
					w.write(it)
				default:
					return
				}
			}
		}
	}
}

// close writes what is queued and closes the file.
func (w *warmFile) close() {
	w.once.Do(func() {
		close(w.stop)
		<-w.stopped
		w.mu.Lock()
		defer w.mu.Unlock()
		w.shut = true
		if w.f != nil {
			w.f.Close()
			w.f = nil
		}
	})
}

// compileGate, when a test sets it, holds a warm start's background compile
// until it is closed.
var compileGate chan struct{}

// pending is a policy still compiling.
type pending struct {
	done chan struct{}
	eng  *Engine
	err  error
}

// fingerprint identifies the policy's sources.
func fingerprint(opts Options) string {
	h := sha256.New()
	fmt.Fprintf(h, "gatesh warm %d\nno-defaults %v\nno-guards %v\n", warmVersion, opts.NoDefaults, opts.NoGuards)
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			ino := uint64(0)
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				ino = st.Ino
			}
			fmt.Fprintf(h, "exe %s %d %d %d\n", exe, ino, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	fs.WalkDir(gatesh.Bundle, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(gatesh.Bundle, path)
		fmt.Fprintf(h, "embedded %s %d %v\n", path, len(b), err)
		h.Write(b)
		return nil
	})
	if opts.UserDir != "" {
		var paths []string
		filepath.WalkDir(opts.UserDir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "walk %s %v\n", path, err)
				return nil
			}
			if !d.IsDir() {
				paths = append(paths, path)
			}
			return nil
		})
		sort.Strings(paths)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			fmt.Fprintf(h, "user %s %d %v\n", p, len(b), err)
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// inputKey is the warm file's key for an input document.
func inputKey(input ast.Value) string {
	sum := sha256.Sum256([]byte(input.String()))
	return hex.EncodeToString(sum[:])
}

// readWarm reads the file at path if it holds decisions for fp.
func readWarm(path, fp string) (warmHeader, map[string]Decision, error) {
	var hdr warmHeader
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return hdr, nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxWarmFile {
		return hdr, nil, errors.New("not a regular file of a sensible size")
	}
	r := bufio.NewReaderSize(f, 64<<10)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return hdr, nil, fmt.Errorf("no header: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber() // as the compiled policy gives settings
	if err := dec.Decode(&hdr); err != nil || hdr.V != warmVersion || hdr.Fingerprint != fp || hdr.Settings == nil {
		return hdr, nil, errors.New("written for other policy sources")
	}
	seen := map[string]Decision{}
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			break // a last line without its newline was cut short: it is skipped
		}
		if err != nil {
			return hdr, nil, err
		}
		var e warmEntry
		if json.Unmarshal(line, &e) != nil || len(e.K) != 64 || !validDecision(e.D) {
			continue // a damaged line is skipped, not trusted
		}
		seen[e.K] = e.D
	}
	return hdr, seen, nil
}

// validDecision is what parseDecision accepts from the policy.
func validDecision(d Decision) bool {
	switch d.Action {
	case Allow:
		return true
	case Hold, Deny:
		return len(d.Reasons) > 0
	}
	return false
}

// startWarm returns an engine that answers from the warm file while the policy
// compiles, or nil when the file does not fit the policy's sources.
func startWarm(ctx context.Context, opts Options, fp string) *Engine {
	hdr, seen, err := readWarm(opts.Warm, fp)
	if err != nil {
		return nil
	}
	w := newWarmFile(opts.Warm, seen, warmMax(opts))
	p := &pending{done: make(chan struct{})}
	e := &Engine{opts: opts, settings: hdr.Settings, files: hdr.Files, pending: p, warm: w}
	gate := compileGate
	go func() {
		defer close(p.done)
		if gate != nil {
			<-gate
		}
		p.eng, p.err = loadNow(ctx, opts)
		if p.err != nil {
			return
		}
		// Compact a file that grew past twice the cache's size; else append.
		if w.n > 2*w.max {
			w.rewrite(fp, p.eng.settings, p.eng.files)
		} else {
			w.open()
		}
		p.eng.warm = w
	}()
	return e
}

func warmMax(opts Options) int {
	if opts.CacheSize > 0 {
		return opts.CacheSize
	}
	return DefaultCacheSize
}

// newWarm starts a file for a policy just compiled.
func newWarm(opts Options, fp string, e *Engine) *warmFile {
	w := newWarmFile(opts.Warm, map[string]Decision{}, warmMax(opts))
	w.rewrite(fp, e.settings, e.files)
	return w
}

// rewrite writes the header and the decisions kept, through a temporary file
// renamed into place.
func (w *warmFile) rewrite(fp string, settings map[string]any, files []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.shut {
		return
	}
	hdr, err := json.Marshal(warmHeader{V: warmVersion, Fingerprint: fp, Settings: settings, Files: files})
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(w.path), ".warm-*")
	if err != nil {
		return
	}
	bw := bufio.NewWriter(tmp)
	bw.Write(append(hdr, '\n'))
	n := 0
	for k, d := range w.seen {
		if n == w.max {
			delete(w.seen, k)
			continue
		}
		b, _ := json.Marshal(warmEntry{K: k, D: d})
		bw.Write(append(b, '\n'))
		n++
	}
	if bw.Flush() != nil || tmp.Close() != nil || os.Rename(tmp.Name(), w.path) != nil {
		os.Remove(tmp.Name())
		return
	}
	w.n = n
	w.f, _ = os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW, 0)
}

func (w *warmFile) open() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.shut {
		return
	}
	w.f, _ = os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW, 0)
}

func (w *warmFile) get(input ast.Value) (Decision, bool) {
	if w == nil {
		return Decision{}, false
	}
	k := inputKey(input)
	w.mu.Lock()
	defer w.mu.Unlock()
	d, ok := w.seen[k]
	if ok {
		d.Reasons = append([]Reason(nil), d.Reasons...)
	}
	return d, ok
}

// add queues a decision the compiled policy made for the file.
func (w *warmFile) add(input ast.Value, d Decision) {
	if w == nil {
		return
	}
	select {
	case w.queue <- warmItem{input, d}:
	default:
	}
}

// write appends a queued decision (one write of one line).
func (w *warmFile) write(it warmItem) {
	input, d := it.input, it.d
	k := inputKey(input)
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.seen[k]; ok || w.f == nil || w.n >= 2*w.max {
		return
	}
	b, err := json.Marshal(warmEntry{K: k, D: d})
	if err != nil {
		return
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		w.f.Close()
		w.f = nil
		return
	}
	w.seen[k] = d
	w.n++
}

// Close closes the warm file.
func (e *Engine) Close() {
	if p := e.pending; p != nil {
		// A compile still running is not waited for (a daemon that is
		// stopping holds its lock meanwhile): its engine shares the warm
		// file closed below, and what it would queue is not written.
		select {
		case <-p.done:
			if p.eng != nil {
				p.eng.Close()
			}
		default:
		}
	}
	if w := e.warm; w != nil {
		w.close()
	}
}

// compiled waits for a pending policy: the engine to ask, or the error that
// failed it.
func (e *Engine) compiled(ctx context.Context) (*Engine, error) {
	p := e.pending
	if p == nil {
		return e, nil
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.err != nil {
		return nil, p.err
	}
	return p.eng, nil
}
