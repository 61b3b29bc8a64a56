// Package session is gatesh on a terminal: one real bash in a PTY, with gatesh
// between it and the terminal. Bash keeps its own line editing, history and
// completion; its readline hands every line to gatesh before running any of it
// (a bind -x hook on Enter, installed by the rc file gatesh gives it), gatesh
// asks the daemon, and bash runs only what was allowed. See docs/session.md.
package session

import (
	"context"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/bashcli"
	"github.com/gatesh/gatesh/internal/record"
	"github.com/gatesh/gatesh/internal/wire"
)

//go:embed hook.bash
var hook string

// Slot is the PROMPT_COMMAND element that holds the session's prompt hook. A
// harness that assigns PROMPT_COMMAND as a string sets element 0 only.
const Slot = 6973

// The descriptors bash gets: the rc file and the judge socket.
const (
	fdRC    = 62
	fdJudge = 63
)

// Options say how to start the session.
type Options struct {
	// Bash is the real bash; Argv0 the name it is started under.
	Bash, Argv0 string
	// The caller's startup choices, which the session's rc file follows.
	Login, NoRC, NoProfile bool
	RCFile                 string
	Env                    []string
	// Ask asks the daemon (client.Client.Ask, with onHeld as its OnHeld).
	Ask func(ctx context.Context, req wire.Request, onHeld func(wire.Response)) (wire.Response, error)
	// Record, when set, is the asciicast file to record the session to.
	Record string
	// ID names the session in the decision log and the recording.
	ID    string
	Agent string
	// In and Out are the terminal.
	In, Out *os.File
}

// NewID returns a fresh session id: the time and a random suffix.
func NewID() string {
	var b [4]byte
	unix.Getrandom(b[:], 0)
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// Run runs the session and returns bash's exit status. The terminal's mode is
// restored on every way out.
func Run(o Options) (int, error) {
	var tok [12]byte
	if _, err := unix.Getrandom(tok[:], 0); err != nil {
		return 0, fmt.Errorf("getrandom: %w", err)
	}
	s := &sess{o: o, token: hex.EncodeToString(tok[:])}
	return s.run()
}

type sess struct {
	o     Options
	token string

	outMu sync.Mutex // the terminal and the recording
	rec   *record.Writer

	// While a line is judged, the person's keys wait (type-ahead keeps its
	// order) and Ctrl-C withdraws the request instead of reaching bash.
	inMu    sync.Mutex
	judging context.CancelFunc
	queued  []byte
	ptmx    *os.File
}

func (s *sess) run() (int, error) {
	saved, err := unix.IoctlGetTermios(int(s.o.In.Fd()), unix.TCGETS)
	if err != nil {
		return 0, fmt.Errorf("the terminal: %w", err)
	}
	restore := func() { unix.IoctlSetTermios(int(s.o.In.Fd()), unix.TCSETSW, saved) }
	defer restore()

	size, err := pty.GetsizeFull(s.o.In)
	if err != nil || size.Cols == 0 {
		size = &pty.Winsize{Cols: 80, Rows: 24}
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("the judge socket: %w", err)
	}
	judge := os.NewFile(uintptr(pair[0]), "judge")
	bashEnd := os.NewFile(uintptr(pair[1]), "judge-bash")
	defer judge.Close()
	rc, err := s.rcFile()
	if err != nil {
		bashEnd.Close()
		return 0, err
	}

	// bash names itself by argv0 in its messages: the caller's name for it
	// (bash, sh) but not gatesh's own.
	argv0 := strings.TrimPrefix(filepath.Base(bashcli.ShellArgv0(s.o.Argv0)), "-")
	cmd := exec.Command(s.o.Bash, "--rcfile", "/dev/fd/"+strconv.Itoa(fdRC), "-i")
	cmd.Args[0] = argv0
	cmd.Env = s.o.Env
	cmd.ExtraFiles = make([]*os.File, fdJudge-2)
	cmd.ExtraFiles[fdRC-3] = rc
	cmd.ExtraFiles[fdJudge-3] = bashEnd
	ptmx, err := s.start(cmd, saved, size)
	rc.Close()
	bashEnd.Close()
	if err != nil {
		return 0, fmt.Errorf("starting %s: %w", s.o.Bash, err)
	}
	s.ptmx = ptmx
	defer ptmx.Close()

	if s.o.Record != "" {
		env := map[string]string{"SHELL": "gatesh", "TERM": getenv(s.o.Env, "TERM")}
		if w, err := record.Create(s.o.Record, record.Header{Width: int(size.Cols), Height: int(size.Rows), Title: "gatesh session " + s.o.ID, Env: env, Session: s.o.ID, Agent: s.o.Agent}); err == nil {
			s.rec = w
			defer w.Close()
		} else {
			s.say("gatesh: the session is not recorded: %v", err)
		}
	}

	if err := makeRaw(int(s.o.In.Fd()), saved); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return 0, fmt.Errorf("the terminal: %w", err)
	}

	var hungUp atomic.Bool
	exited := make(chan struct{})
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGWINCH, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			switch sig {
			case syscall.SIGWINCH:
				if ws, err := pty.GetsizeFull(s.o.In); err == nil {
					pty.Setsize(ptmx, ws)
					s.outMu.Lock()
					if s.rec != nil {
						s.rec.Resize(int(ws.Cols), int(ws.Rows))
					}
					s.outMu.Unlock()
				}
			default:
				// The terminal went away or gatesh was asked to stop:
				// bash hangs up its jobs and exits, and so does the
				// session, with bash's status.
				if !hungUp.Swap(true) {
					go hangUp(cmd.Process, exited)
				}
			}
		}
	}()

	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		s.relayOut(ptmx)
	}()
	go s.relayIn()
	go s.judgeLoop(judge)

	werr := cmd.Wait()
	close(exited)
	var ee *exec.ExitError
	if hungUp.Load() || errors.As(werr, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGHUP {
		// Bash hung up mid-prompt leaves its jobs running; a terminal
		// that went away takes them with it. (Bash dead of a hang-up is
		// one too, whichever signal reached gatesh first.)
		hangUpSession(cmd.Process.Pid)
	}
	select {
	case <-outDone:
	case <-time.After(500 * time.Millisecond):
		// A background job keeps the terminal open: what bash printed is
		// out by now.
	}
	restore()
	status := 0
	switch {
	case werr == nil:
	case errors.As(werr, &ee):
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			status = 128 + int(ws.Signal())
		} else {
			status = ws.ExitStatus()
		}
	default:
		return 1, werr
	}
	return status, nil
}

// start starts bash on a new PTY whose line settings are the terminal's own (a
// harness that turned echo off gets no echo from bash either) at its size.
func (s *sess) start(cmd *exec.Cmd, saved *unix.Termios, size *pty.Winsize) (*os.File, error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return nil, err
	}
	defer tty.Close()
	if err := unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, saved); err != nil {
		ptmx.Close()
		return nil, err
	}
	if err := pty.Setsize(ptmx, size); err != nil {
		ptmx.Close()
		return nil, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		ptmx.Close()
		return nil, err
	}
	return ptmx, nil
}

// hangUp ends bash when the terminal went away: SIGHUP (bash hangs up its jobs
// and exits), again if it has not exited within a second (a hang-up that comes
// at the wrong moment of readline's is sometimes lost), and SIGKILL after
// three: a session whose terminal is gone must end.
func hangUp(p *os.Process, exited <-chan struct{}) {
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGHUP, time.Second}, {syscall.SIGHUP, 2 * time.Second}, {syscall.SIGKILL, 0}} {
		p.Signal(step.sig)
		select {
		case <-exited:
			return
		case <-time.After(step.wait):
		}
	}
}

// hangUpSession sends SIGHUP (and SIGCONT, for stopped jobs) to every process
// left in the session sid.
func hangUpSession(sid int) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := unix.Getsid(pid); err == nil && s == sid {
			unix.Kill(pid, unix.SIGHUP)
			unix.Kill(pid, unix.SIGCONT)
		}
	}
}

// rcFile is the rc file bash reads first: the caller's startup choices, then
// the hook. It is an anonymous in-memory file, read once.
func (s *sess) rcFile() (*os.File, error) {
	fd, err := unix.MemfdCreate("gatesh-rc", 0)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "gatesh-rc")
	var b strings.Builder
	flag := func(name string, on bool) {
		v := "0"
		if on {
			v = "1"
		}
		fmt.Fprintf(&b, "__gatesh_%s=%s\n", name, v)
	}
	flag("login", s.o.Login)
	flag("norc", s.o.NoRC)
	flag("noprofile", s.o.NoProfile)
	fmt.Fprintf(&b, "__gatesh_rcfile=%s\n", shellQuote(s.o.RCFile))
	fmt.Fprintf(&b, "__gatesh_token=%s\n", s.token)
	b.WriteString(strings.ReplaceAll(hook, "__GATESH_SLOT__", strconv.Itoa(Slot)))
	if _, err := io.WriteString(f, b.String()); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// relayOut copies bash's output to the terminal, without the markers.
func (s *sess) relayOut(ptmx *os.File) {
	strip := newStripper(s.token, s.commandEnded)
	buf := make([]byte, 32<<10)
	for {
		n, err := ptmx.Read(buf)
		if n > 0 {
			s.write(strip.feed(buf[:n]))
		}
		if err != nil {
			s.write(strip.flush())
			return
		}
	}
}

// relayIn copies the person's keys to bash, except while a line is judged.
func (s *sess) relayIn() {
	buf := make([]byte, 4096)
	for {
		n, err := s.o.In.Read(buf)
		if n > 0 {
			s.inMu.Lock()
			if s.judging != nil {
				for _, c := range buf[:n] {
					if c == 0x03 {
						s.judging()
						continue
					}
					s.queued = append(s.queued, c)
				}
			} else {
				s.ptmx.Write(buf[:n])
			}
			s.inMu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// write sends output to the terminal and the recording.
func (s *sess) write(p []byte) {
	if len(p) == 0 {
		return
	}
	s.outMu.Lock()
	defer s.outMu.Unlock()
	s.o.Out.Write(p)
	if s.rec != nil {
		s.rec.Output(p)
	}
}

// say prints one gatesh line on the terminal, on a line of its own.
func (s *sess) say(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.write([]byte("\r\n" + strings.ReplaceAll(msg, "\n", "\r\n") + "\r\n"))
}

func (s *sess) marker(label string) {
	if label == "" {
		return
	}
	s.outMu.Lock()
	defer s.outMu.Unlock()
	if s.rec != nil {
		s.rec.Marker(label)
	}
}

// commandEnded is called for each end-of-command marker.
func (s *sess) commandEnded(status int, cwd string) {
	s.marker(fmt.Sprintf("end status=%d cwd=%s", status, cwd))
}

func getenv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// shellQuote quotes s for bash.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// makeRaw puts the terminal in raw mode, as a terminal program does: keys go
// to bash's own terminal (the PTY), which does the line discipline.
func makeRaw(fd int, t *unix.Termios) error {
	raw := *t
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, &raw)
}
