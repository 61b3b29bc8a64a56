package daemon

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc identifies a process across pid reuse: its pid and its start time (in
// clock ticks since boot, /proc/PID/stat field 22).
type proc struct {
	pid   int
	start uint64
}

// readStat reads /proc/PID/stat with one open and one read into buf (every
// request walks its caller's ancestors through it) and returns what follows
// the command name: field 2 is in parentheses and may hold anything, so the
// fields after it start after the last ')'.
func readStat(pid int, buf []byte) ([]byte, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	n, err := syscall.Read(fd, buf)
	syscall.Close(fd)
	if err != nil || n <= 0 || n == len(buf) {
		return nil, fmt.Errorf("reading %s: %v (%d bytes)", path, err, n)
	}
	b := buf[:n]
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("%s: unexpected format", path)
	}
	return b[i+1:], nil
}

// statFields reads /proc/PID/stat from field 3 (state) on: f[i] is field i+3.
func statFields(pid int) ([]string, error) {
	var buf [4096]byte
	b, err := readStat(pid, buf[:])
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(b))
	if len(f) < 20 {
		return nil, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	return f, nil
}

// procStat reads a process's parent and start time: ppid is field 4,
// starttime field 22, the 2nd and the 20th after the command name. It takes
// the two without splitting the rest of the line.
func procStat(pid int) (ppid int, start uint64, err error) {
	var buf [4096]byte
	rest, err := readStat(pid, buf[:])
	if err != nil {
		return 0, 0, err
	}
	var field [20][]byte
	for k := range field {
		rest = bytes.TrimLeft(rest, " \n")
		if len(rest) == 0 {
			return 0, 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
		}
		end := bytes.IndexAny(rest, " \n")
		if end < 0 {
			end = len(rest)
		}
		field[k], rest = rest[:end], rest[end:]
	}
	ppid, err = strconv.Atoi(string(field[1]))
	if err != nil {
		return 0, 0, err
	}
	start, err = strconv.ParseUint(string(field[19]), 10, 64)
	return ppid, start, err
}

// identify returns the proc of a live pid.
func identify(pid int) (proc, bool) {
	_, start, err := procStat(pid)
	if err != nil {
		return proc{}, false
	}
	return proc{pid, start}, true
}

// procSet remembers processes by identity, each with a value (a request id),
// and answers whether a process descends from one of them. With a maxAge,
// entries older than that no longer count.
type procSet struct {
	mu     sync.Mutex
	m      map[proc]procEntry
	maxAge time.Duration
}

type procEntry struct {
	id    int64
	added time.Time
}

func newProcSet(maxAge time.Duration) *procSet {
	return &procSet{m: map[proc]procEntry{}, maxAge: maxAge}
}

func (s *procSet) add(p proc, v int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) > 4096 {
		s.pruneLocked()
	}
	s.m[p] = procEntry{v, time.Now()}
}

func (s *procSet) remove(p proc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, p)
}

// pruneLocked forgets processes that have exited.
func (s *procSet) pruneLocked() {
	for p := range s.m {
		if q, ok := identify(p.pid); !ok || q != p {
			delete(s.m, p)
		}
	}
}

// ancestor returns the nearest process in the set that pid is or descends
// from, walking the parent chain in /proc.
func (s *procSet) ancestor(pid int) (proc, int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) == 0 {
		return proc{}, 0, false
	}
	for depth := 0; pid > 1 && depth < 256; depth++ {
		ppid, start, err := procStat(pid)
		if err != nil {
			return proc{}, 0, false
		}
		p := proc{pid, start}
		if e, ok := s.m[p]; ok && (s.maxAge == 0 || time.Since(e.added) < s.maxAge) {
			return p, e.id, true
		}
		pid = ppid
	}
	return proc{}, 0, false
}

// foreground reports whether a process is in the foreground process group of
// its controlling terminal (/proc/PID/stat fields 5 and 8): part of the job a
// shell is running on it, not a background job.
func foreground(pid int) bool {
	f, err := statFields(pid)
	return err == nil && f[2] == f[5] && f[5] != "0" && f[5] != "-1"
}

// stdinTerminal reports whether a process's standard input is a terminal.
func stdinTerminal(pid int) (string, bool) {
	target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/0")
	if err != nil {
		return "", false
	}
	return target, strings.HasPrefix(target, "/dev/pts/") || strings.HasPrefix(target, "/dev/tty")
}

// gated reports whether a process carries what every process in a gated tree
// carries for life: no_new_privs, or a seccomp filter (/proc/PID/status
// fields NoNewPrivs, Seccomp and Seccomp_filters). Neither can be dropped, by
// the process or by anything it starts, however it is detached (setsid, a
// double fork, script, reparenting to init), so this check does not depend on
// the daemon having seen the process's ancestors. It fails closed: a status
// that cannot be read or parsed counts as gated, with the error saying why.
func gated(pid int) (bool, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	b, err := os.ReadFile(path)
	if err != nil {
		return true, err
	}
	seen := false
	for _, name := range []string{"NoNewPrivs", "Seccomp", "Seccomp_filters"} {
		value, ok := statusField(b, name)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(value)
		if err != nil {
			return true, fmt.Errorf("%s: field %s: %v", path, name, err)
		}
		// NoNewPrivs is 1 when set; Seccomp is 1 (strict) or 2 (filter);
		// Seccomp_filters counts the filters (kernels since 5.9).
		if n != 0 {
			return true, nil
		}
		seen = true
	}
	if !seen {
		// Kernels older than 3.8 show neither field; an unreadable or
		// truncated file shows none either.
		return true, fmt.Errorf("%s: no NoNewPrivs or Seccomp field", path)
	}
	return false, nil
}

// tgid is the process (thread group) a thread belongs to; 0 when unknown.
func tgid(tid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return 0
	}
	v, _ := statusField(b, "Tgid")
	n, _ := strconv.Atoi(v)
	return n
}

// statusField returns the value of the field name in the text of a
// /proc/PID/status file, spaces trimmed.
func statusField(b []byte, name string) (string, bool) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if n, v, ok := bytes.Cut(line, []byte{':'}); ok && string(n) == name {
			return string(bytes.TrimSpace(v)), true
		}
	}
	return "", false
}
