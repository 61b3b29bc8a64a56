package daemon

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/wire"
)

// lineSet remembers, for each gatesh process that asked, the agent's line it
// stands for: its own command for a call from the harness or a session line,
// or the line it runs under for a nested call (a shell started by something
// that line started), so that a chain of nested calls all name the agent's
// line.
type lineSet struct {
	mu sync.Mutex
	m  map[proc]*input.Nested
}

func newLineSet() *lineSet { return &lineSet{m: map[proc]*input.Nested{}} }

func (s *lineSet) set(p proc, l *input.Nested) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) > 4096 {
		for q := range s.m {
			if r, ok := identify(q.pid); !ok || r != q {
				delete(s.m, q)
			}
		}
	}
	s.m[p] = l
}

func (s *lineSet) get(p proc) *input.Nested {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[p]
}

// under returns the agent's line a call from me runs under: the line of the
// nearest gatesh among me and its ancestors that the gate let run (allowed,
// or approved by a person). It is nil for a call that runs under none (the
// harness's own call) and for a gated session's line, which is the agent's
// own line whatever started the session.
func (h *holds) under(me proc, mode string) *input.Nested {
	if mode == wire.ModeSession {
		return nil
	}
	p, id, ok := h.ran.ancestor(me.pid)
	if !ok {
		return nil
	}
	l := h.lines.get(p)
	if l == nil {
		return nil
	}
	out := *l
	if out.RequestID == 0 {
		out.RequestID = id
	}
	return &out
}

// remember records the line that me, which just asked, stands for: the line
// it runs under when it is nested, else its own judged command, started at
// since.
func (h *holds) remember(me proc, under *input.Nested, command, cwd string, doc *input.Document, since time.Time) {
	if me.pid == 0 {
		return
	}
	if under != nil {
		h.lines.set(me, under)
		return
	}
	l := &input.Nested{Line: command, Cwd: cwd, Since: since, SetsEnv: true}
	if doc != nil {
		l.Root, l.Tmp = doc.Workspace.Root, doc.Workspace.Tmp
		l.SetsEnv = doc.ParseError != nil
		for _, c := range doc.Commands {
			if len(c.Env) > 0 || len(c.EnvDynamic) > 0 {
				l.SetsEnv = true
			}
		}
	}
	h.lines.set(me, l)
}

// scriptArgs reads the words after script in the argv of process pid (a
// gatesh asked to run it: bash [options] SCRIPT ARGS…); nil when they cannot
// be read. The kernel's record, not the request's.
func scriptArgs(pid int, script string) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return nil
	}
	argv := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	for i := 1; i < len(argv); i++ {
		if argv[i] == script {
			return append([]string{}, argv[i+1:]...)
		}
	}
	return nil
}
