package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A gated interactive session driven through a real pseudo-terminal: the test
// is the terminal (it types on the master and reads everything from it), gatesh
// is the shell started on the slave as its controlling terminal.

// sessBashrc is the rc file of the session tests' user: the e2e .bashrc and
// plain prompts.
const sessBashrc = bashrc + `PS1='$ '
PS2='cont> '
`

// sessWait bounds each wait for the session's output.
const sessWait = 20 * time.Second

// sessTerm is one gatesh session on a PTY.
type sessTerm struct {
	t      *testing.T
	e      *Env
	master *os.File
	cmd    *exec.Cmd

	ptyLog               // everything read from the master
	pos    int           // where the next expect starts looking
	exited chan struct{} // gatesh ended; status holds its exit status
	status int
	syncs  int
}

// sessConfig says how to start a session.
type sessConfig struct {
	// Env entries added to the Env's base environment (after TERM=xterm).
	Env []string
	// Cols and Rows are the terminal's size (80x24 when zero).
	Cols, Rows uint16
	// Termios, when set, changes the terminal's mode before gatesh starts.
	Termios func(*unix.Termios)
	// Dir is the working directory (the Env's work tree when empty).
	Dir string
	// Path and Args start another program instead of gatesh (the real bash,
	// for comparison); Args follow argv[0].
	Path string
	Args []string
}

// startSess starts gatesh (as the shim's bash) on a fresh PTY. The Env must
// have been built (Fresh); its ~/.bashrc is replaced by sessBashrc. The session
// is ended (and any bash it left killed) when the test ends, before the Env's
// daemons are stopped.
func startSess(t *testing.T, e *Env, c sessConfig) *sessTerm {
	t.Helper()
	e.WriteFile(filepath.Join(e.Home, ".bashrc"), sessBashrc)
	m0, sl := openPTY(t)
	// openPTY's master is in blocking mode (File.Fd sets it): a Close
	// would wait for the reader's Read to return, and so never hang up.
	// The session's master is a non-blocking copy, served by the poller.
	fd, err := unix.Dup(int(m0.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	m0.Close()
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	m := os.NewFile(uintptr(fd), "/dev/ptmx")
	t.Cleanup(func() { m.Close() })
	if c.Cols == 0 {
		c.Cols, c.Rows = 80, 24
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Col: c.Cols, Row: c.Rows}); err != nil {
		t.Fatal(err)
	}
	if c.Termios != nil {
		tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		c.Termios(tio)
		if err := unix.IoctlSetTermios(fd, unix.TCSETS, tio); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(ShimBash)
	cmd.Args = []string{"bash"}
	if c.Path != "" {
		cmd = exec.Command(c.Path, c.Args...)
	}
	cmd.Env = mergeEnv(e.Vars(), append([]string{"TERM=xterm", "EDITOR=true", "VISUAL=true"}, c.Env...))
	cmd.Dir = c.Dir
	if cmd.Dir == "" {
		cmd.Dir = e.Work
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = sl, sl, sl
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting gatesh on a terminal: %v", err)
	}
	// The slave is gatesh's now: with the test's copy closed, the master
	// reads EIO once gatesh and everything it started have let go of it.
	sl.Close()
	s := &sessTerm{t: t, e: e, master: m, cmd: cmd, ptyLog: newPTYLog(), exited: make(chan struct{}), status: -1}
	go s.collect(m, nil)
	go func() {
		defer close(s.exited)
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Exited():
				s.status = ws.ExitStatus()
			case ws.Signaled():
				s.status = 128 + int(ws.Signal())
			}
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the session's terminal output ends:\n%s", s.tail(3000))
		}
		kids := descendants(cmd.Process.Pid)
		m.Close() // a hang-up: gatesh and its bash end
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-s.exited
		}
		for _, pid := range kids {
			if alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	// Ready: bash printed its first prompt.
	s.expect("$ ")
	return s
}

// control runs f on the master's descriptor (without File.Fd, which would
// put it in blocking mode).
func (s *sessTerm) control(f func(fd int) error) error {
	rc, err := s.master.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// termios is the terminal's mode.
func (s *sessTerm) termios() unix.Termios {
	s.t.Helper()
	var tio unix.Termios
	if err := s.control(func(fd int) error {
		t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err == nil {
			tio = *t
		}
		return err
	}); err != nil {
		s.t.Fatalf("TCGETS: %v", err)
	}
	return tio
}

// resize sets the terminal's size, as a terminal window does.
func (s *sessTerm) resize(cols, rows uint16) {
	s.t.Helper()
	if err := s.control(func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows})
	}); err != nil {
		s.t.Fatalf("TIOCSWINSZ: %v", err)
	}
}

// tail is the last n bytes of the output, quoted.
func (s *sessTerm) tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.out
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strconv.Quote(string(b))
}

// Output is everything read so far.
func (s *sessTerm) Output() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.out)
}

// Pos is the expect cursor: where the next expect starts looking.
func (s *sessTerm) Pos() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos
}

// Since is the output from offset off on.
func (s *sessTerm) Since(off int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.out[off:])
}

// send writes keys to the terminal.
func (s *sessTerm) send(keys string) {
	s.t.Helper()
	if _, err := s.master.Write([]byte(keys)); err != nil {
		s.t.Fatalf("typing %q: %v", keys, err)
	}
}

// line types a line and Enter (CR, as a terminal sends it).
func (s *sessTerm) line(text string) { s.t.Helper(); s.send(text + "\r") }

// expectRe waits until re matches the output after the cursor, moves the
// cursor past the match and returns the submatches.
func (s *sessTerm) expectRe(pattern string) []string {
	s.t.Helper()
	return s.expectReWithin(pattern, sessWait)
}

func (s *sessTerm) expectReWithin(pattern string, within time.Duration) []string {
	s.t.Helper()
	_, subs := s.expectBefore(pattern, within)
	return subs
}

// expectBefore is expectRe as pexpect does it: it also returns the output
// between the cursor and the match.
func (s *sessTerm) expectBefore(pattern string, within time.Duration) (before string, subs []string) {
	s.t.Helper()
	before, subs, err := s.await(pattern, within)
	if err != nil {
		s.t.Fatal(err)
	}
	return before, subs
}

// await is expectBefore that returns an error instead of failing the test.
func (s *sessTerm) await(pattern string, within time.Duration) (before string, subs []string, err error) {
	re := regexp.MustCompile(pattern)
	deadline := time.After(within)
	closed := false
	for {
		s.mu.Lock()
		if loc := re.FindSubmatchIndex(s.out[s.pos:]); loc != nil {
			for i := 0; i < len(loc); i += 2 {
				if loc[i] < 0 {
					subs = append(subs, "")
					continue
				}
				subs = append(subs, string(s.out[s.pos+loc[i]:s.pos+loc[i+1]]))
			}
			before = string(s.out[s.pos : s.pos+loc[0]])
			s.pos += loc[1]
			s.mu.Unlock()
			return before, subs, nil
		}
		rest := s.out[s.pos:]
		if len(rest) > 3000 {
			rest = rest[len(rest)-3000:]
		}
		s.mu.Unlock()
		if closed {
			return "", nil, fmt.Errorf("the terminal closed before %q appeared; output after the cursor ends:\n%q", pattern, rest)
		}
		select {
		case <-s.grew:
		case <-s.readDone:
			closed = true // look once more at what is in
		case <-deadline:
			return "", nil, fmt.Errorf("%q did not appear within %v; output after the cursor ends:\n%q", pattern, within, rest)
		}
	}
}

// expect waits for text.
func (s *sessTerm) expect(text string) { s.t.Helper(); s.expectRe(regexp.QuoteMeta(text)) }

// sync runs an echo whose output differs from its typed text and waits for
// it: the shell has finished everything typed before.
func (s *sessTerm) sync() {
	s.t.Helper()
	s.syncs++
	n := 1000 + s.syncs
	s.line(fmt.Sprintf("echo SY$((%d+1))NC", n))
	s.expect(fmt.Sprintf("SY%dNC", n+1))
}

// ready is sync, then the next prompt: readline is reading the terminal (in
// its own mode), so editing keys reach readline rather than the terminal's
// line discipline.
func (s *sessTerm) ready() {
	s.t.Helper()
	s.sync()
	s.expect("$ ")
}

// contPrompt waits for a new continuation prompt (not a redraw of the line
// being judged, which starts with CR).
func (s *sessTerm) contPrompt() {
	s.t.Helper()
	s.expectRe(`\r\n(?:\x1b\[\?2004[hl]\r?)*cont> `)
}

// lastStatus prints $? and returns it.
func (s *sessTerm) lastStatus() int {
	s.t.Helper()
	s.line("echo st=$?=ts")
	m := s.expectRe(`st=(\d+)=ts`)
	n, _ := strconv.Atoi(m[1])
	return n
}

// wantStatus checks $? (which it resets to 0).
func (s *sessTerm) wantStatus(want int, what string) {
	s.t.Helper()
	if got := s.lastStatus(); got != want {
		s.t.Errorf("%s: $? is %d, want %d", what, got, want)
	}
}

// wait waits for gatesh to end and returns its exit status.
func (s *sessTerm) wait(within time.Duration) int {
	s.t.Helper()
	select {
	case <-s.exited:
		return s.status
	case <-time.After(within):
		s.t.Fatalf("gatesh did not end within %v", within)
		return -1
	}
}

// heldRE matches gatesh's account of a held line and its end with HOLD_WAIT 0
// or a short wait: the request number.
const heldRE = `gatesh: (?:held as request|request) (\d+)`

// bashPID is the pid of the session's bash: gatesh's child.
func (s *sessTerm) bashPID() int {
	s.t.Helper()
	for _, pid := range children(s.cmd.Process.Pid) {
		if procComm(pid) == "bash" {
			return pid
		}
	}
	s.t.Fatalf("gatesh (pid %d) has no bash child", s.cmd.Process.Pid)
	return 0
}

// waitProc waits until a process runs under the session (a command bash
// started) whose command name is comm, or whose argv joined by spaces is comm,
// and returns its pid.
func (s *sessTerm) waitProc(comm string) int {
	s.t.Helper()
	deadline := time.Now().Add(sessWait)
	for {
		for _, pid := range descendants(s.cmd.Process.Pid) {
			if (procComm(pid) == comm || procArgs(pid) == comm) && alive(pid) {
				return pid
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %s process under the session after %v; output ends:\n%s", comm, sessWait, s.tail(1000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// procArgs is a process's argv joined by spaces ("" when it is gone).
func procArgs(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.Join(strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"), " ")
}

// procComm is a process's command name ("" when it is gone).
func procComm(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// procParents maps each live process to its parent.
func procParents() map[int]int {
	ents, _ := os.ReadDir("/proc")
	parents := map[int]int{}
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			parents[pid] = ppid
		}
	}
	return parents
}

// children lists pid's child processes.
func children(pid int) []int {
	var out []int
	for p, pp := range procParents() {
		if pp == pid {
			out = append(out, p)
		}
	}
	return out
}

// descendants lists pid's descendants.
func descendants(pid int) []int {
	parents := procParents()
	var out []int
	for p := range parents {
		for q := parents[p]; q > 1; q = parents[q] {
			if q == pid {
				out = append(out, p)
				break
			}
			if _, ok := parents[q]; !ok {
				break
			}
		}
	}
	return out
}
