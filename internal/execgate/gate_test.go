//go:build linux

package execgate

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/execgate/internal/int80"
)

// childEnv selects a child mode: the test binary re-executes itself as a process that
// installs the gate, sends the listener over fd 3 and then does what its mode says.
const childEnv = "GATESH_EXECGATE_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// child runs in the re-executed test binary; its exit code and stderr tell the
// parent what happened.
func child(mode string, args []string) int {
	switch mode {
	case "x32-bare":
		return x32Getpid()
	case "int80-bare":
		return int80Getpid()
	}
	runtime.LockOSThread()
	fd, err := Install()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: install:", err)
		return 100
	}
	msg := "listener"
	if waitKillable {
		msg += " killable"
	}
	if err := SendFD(3, fd, []byte(msg)); err != nil {
		fmt.Fprintln(os.Stderr, "child: send:", err)
		return 101
	}
	// Close every copy of the listener before the first exec, which waits on it.
	unix.Close(fd)
	unix.Close(3)
	env := slicesWithout(os.Environ(), childEnv+"=")
	switch mode {
	case "exec":
		err = unix.Exec(args[0], args, env)
	case "memfd-at", "memfd-proc":
		err = execMemfd(mode, env)
	case "x32":
		return x32Getpid()
	case "int80":
		return int80Getpid()
	case "twice":
		_, err = Install()
		fmt.Fprintln(os.Stderr, "child: second install:", err)
		return 0
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	fmt.Fprintln(os.Stderr, "child: exec:", err)
	return 102
}

func slicesWithout(env []string, prefix string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

// execMemfd writes a script into a memfd and runs it without a name: through
// execveat(fd, "", AT_EMPTY_PATH) as fexecve does, or through /proc/self/fd/N as
// fexecve's fallback does.
func execMemfd(mode string, env []string) error {
	fd, err := unix.MemfdCreate("gated-script", 0) // not close-on-exec: sh reads the script through /dev/fd/N
	if err != nil {
		return err
	}
	if _, err := unix.Write(fd, []byte("#!/bin/sh\necho memfd-ran\n")); err != nil {
		return err
	}
	argv := []string{"memfd-script"}
	if mode == "memfd-proc" {
		return unix.Exec(fmt.Sprintf("/proc/self/fd/%d", fd), argv, env)
	}
	path, _ := unix.BytePtrFromString("")
	argvp, _ := syscall.SlicePtrFromStrings(argv)
	envp, _ := syscall.SlicePtrFromStrings(env)
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(path)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	return errno
}

// x32Getpid makes getpid through the x32 ABI (the x32 bit in the number) and reports
// what the kernel said; under the filter the process dies of SIGSYS before that.
func x32Getpid() int {
	if x32Bit == 0 {
		return 103
	}
	_, _, errno := unix.RawSyscall(unix.SYS_GETPID|x32Bit, 0, 0, 0)
	fmt.Fprintln(os.Stderr, "child: x32 getpid:", errno)
	return 0
}

// int80Getpid makes getpid through the i386 ABI (int $0x80, number 20) and reports
// what the kernel returned.
func int80Getpid() int {
	if !int80.Available {
		return 103
	}
	r := int80.Syscall(20, 0, 0, 0)
	fmt.Fprintf(os.Stderr, "child: i386 getpid: %d (pid %d)\n", int32(r), os.Getpid())
	return 0
}

// gated is a child process under the exec gate, supervised by the test.
type gated struct {
	t      testing.TB
	cmd    *exec.Cmd
	l      *Listener
	dir    string
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan error // the child's Wait
	waited error
	once   sync.Once
	// killable: the kernel took SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19).
	killable bool
}

func requireGate(t testing.TB) {
	t.Helper()
	if err := Supported(); err != nil {
		t.Skipf("seccomp user notification not available: %v", err)
	}
}

// startGated starts the test binary in child mode with args, in a temporary
// directory, and takes the listener it sends.
func startGated(t testing.TB, mode string, args ...string) *gated {
	t.Helper()
	requireGate(t)
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	parentEnd := os.NewFile(uintptr(sp[0]), "parent")
	childEnd := os.NewFile(uintptr(sp[1]), "child")
	defer parentEnd.Close()
	g := &gated{t: t, dir: t.TempDir(), done: make(chan error, 1)}
	g.cmd = exec.Command(os.Args[0], args...)
	g.cmd.Dir = g.dir
	g.cmd.Env = append(os.Environ(), childEnv+"="+mode, "MARK="+filepath.Join(g.dir, "mark"))
	g.cmd.ExtraFiles = []*os.File{childEnd}
	g.cmd.Stdout = &g.stdout
	g.cmd.Stderr = &g.stderr
	// Its own process group, so cleanup can end every descendant it started.
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	childEnd.Close()
	go func() { g.done <- g.cmd.Wait() }()
	t.Cleanup(g.cleanup)
	c, err := net.FileConn(parentEnd)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fd, msg, err := RecvFD(c.(*net.UnixConn))
	if err != nil {
		t.Fatalf("receiving the listener: %v (child stderr: %s)", err, g.stderr.String())
	}
	if !strings.HasPrefix(string(msg), "listener") {
		t.Errorf("message %q, want %q", msg, "listener")
	}
	g.killable = strings.HasSuffix(string(msg), " killable")
	if g.l, err = NewListener(fd); err != nil {
		t.Fatal(err)
	}
	return g
}

// cleanup closes the listener (every waiting exec fails), then ends the child's
// process group and reaps the child.
func (g *gated) cleanup() {
	g.l.Close()
	syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
	g.wait()
}

// wait reaps the child once and returns its exit error.
func (g *gated) wait() error {
	g.once.Do(func() {
		select {
		case g.waited = <-g.done:
		case <-time.After(20 * time.Second):
			g.t.Errorf("child still running after 20s")
			syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
			g.waited = <-g.done
		}
	})
	return g.waited
}

// recv waits for the next notification, failing the test after 10s.
func (g *gated) recv() (Notif, error) {
	g.t.Helper()
	type result struct {
		n   Notif
		err error
	}
	ch := make(chan result, 1)
	go func() {
		n, err := g.l.Recv()
		ch <- result{n, err}
	}()
	select {
	case r := <-ch:
		return r.n, r.err
	case <-time.After(10 * time.Second):
		g.l.Close()
		g.t.Fatalf("no exec notification within 10s (stderr: %s)", g.stderr.String())
		return Notif{}, nil
	}
}

// next receives and reads the next exec.
func (g *gated) next() (Notif, Exec) {
	g.t.Helper()
	n, err := g.recv()
	if err != nil {
		g.t.Fatalf("recv: %v (stderr: %s)", err, g.stderr.String())
	}
	e, err := g.l.Read(n)
	if err != nil {
		g.t.Fatalf("read: %v", err)
	}
	return n, e
}

// expect receives the next exec, checks its path and argv, and continues it.
func (g *gated) expect(path string, argv ...string) Exec {
	g.t.Helper()
	n, e := g.next()
	if e.Path != path || !equal(e.Argv, argv) {
		g.t.Fatalf("exec %q %q, want %q %q", e.Path, e.Argv, path, argv)
	}
	if err := g.l.Continue(n.ID); err != nil {
		g.t.Fatal(err)
	}
	return e
}

// drain continues every remaining exec until the tree has exited, and returns the
// paths it saw.
func (g *gated) drain() []string {
	g.t.Helper()
	var paths []string
	for {
		n, err := g.recv()
		if errors.Is(err, ErrNoTasks) {
			return paths
		}
		if err != nil {
			g.t.Fatalf("recv: %v", err)
		}
		e, err := g.l.Read(n)
		if err != nil {
			g.t.Fatalf("read: %v", err)
		}
		paths = append(paths, e.Path)
		if err := g.l.Continue(n.ID); err != nil {
			g.t.Fatal(err)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func evalSymlinks(t *testing.T, path string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// lookPath finds a program as sh will, from $PATH.
func lookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not found: %v", name, err)
	}
	return p
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestContinueAndRefuse: the child's own exec of sh, then each program sh starts, is
// seen with its argv and cwd; continued, it runs; refused with EPERM, the shell
// reports EPERM, the program never ran, and Tell's line is on stderr.
func TestContinueAndRefuse(t *testing.T) {
	g := startGated(t, "exec", "/bin/sh", "-c", `/bin/echo hi; /usr/bin/touch "$MARK" || echo touch-failed; echo done`)
	sh := g.expect("/bin/sh", "/bin/sh", "-c", `/bin/echo hi; /usr/bin/touch "$MARK" || echo touch-failed; echo done`)
	if want := evalSymlinks(t, "/bin/sh"); sh.Resolved != want {
		t.Errorf("resolved %q, want %q", sh.Resolved, want)
	}
	if want := evalSymlinks(t, g.dir); sh.Cwd != want {
		t.Errorf("cwd %q, want %q", sh.Cwd, want)
	}
	if sh.Empty || sh.Missing || sh.Truncated {
		t.Errorf("flags on a plain exec: %+v", sh)
	}
	n, echo := g.next()
	if echo.Path != "/bin/echo" || !equal(echo.Argv, []string{"/bin/echo", "hi"}) {
		t.Fatalf("exec %q %q, want /bin/echo hi", echo.Path, echo.Argv)
	}
	env, trunc, err := g.l.Env(n)
	if err != nil || trunc || !slices.Contains(env, "MARK="+filepath.Join(g.dir, "mark")) {
		t.Errorf("environment of echo: %v %v %q", err, trunc, env)
	}
	if err := g.l.Continue(n.ID); err != nil {
		t.Fatal(err)
	}
	if echo.PID == sh.PID {
		t.Errorf("echo ran in sh's own process %d; want a forked child", sh.PID)
	}
	n, e := g.next()
	mark := filepath.Join(g.dir, "mark")
	if e.Path != "/usr/bin/touch" || !equal(e.Argv, []string{"/usr/bin/touch", mark}) {
		t.Fatalf("exec %q %q, want touch of the marker", e.Path, e.Argv)
	}
	if err := Tell(e.PID, "gatesh: touch refused by the test"); err != nil {
		t.Errorf("tell: %v", err)
	}
	if err := g.l.Refuse(n.ID, unix.EPERM); err != nil {
		t.Fatal(err)
	}
	if paths := g.drain(); len(paths) != 0 {
		t.Errorf("unexpected execs after the refusal: %q", paths)
	}
	if err := g.wait(); err != nil {
		t.Errorf("child: %v (stderr: %s)", err, g.stderr.String())
	}
	if got, want := g.stdout.String(), "hi\ntouch-failed\ndone\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if !strings.Contains(g.stderr.String(), "/usr/bin/touch: Operation not permitted") {
		t.Errorf("stderr %q does not report EPERM", g.stderr.String())
	}
	if !strings.Contains(g.stderr.String(), "gatesh: touch refused by the test\n") {
		t.Errorf("stderr %q lacks Tell's line", g.stderr.String())
	}
	if exists(mark) {
		t.Error("the refused program ran: the marker exists")
	}
}

// TestResolve: relative paths through a symlink, a chain of symlinks and a link to
// /proc/self/exe are resolved against the process's cwd and as the process sees them;
// a missing program is named lexically.
func TestResolve(t *testing.T) {
	requireGate(t)
	trueBin := evalSymlinks(t, "/bin/true")
	script := `mkdir sub && ln -s /bin/true sub/t && ln -s sub/t chain && ln -s /proc/self/exe sub/me && cd sub && ./t && ../chain && ./me -c : && ./missing; exit 0`
	g := startGated(t, "exec", "/bin/sh", "-c", script)
	g.expect("/bin/sh", "/bin/sh", "-c", script)
	for _, argv := range [][]string{{"mkdir", "sub"}, {"ln", "-s", "/bin/true", "sub/t"}, {"ln", "-s", "sub/t", "chain"}, {"ln", "-s", "/proc/self/exe", "sub/me"}} {
		g.expect(lookPath(t, argv[0]), argv...)
	}
	dir := evalSymlinks(t, g.dir)
	for _, c := range []struct{ path, resolved string }{
		{"./t", trueBin},
		{"../chain", trueBin},
	} {
		e := g.expect(c.path, c.path)
		if e.Resolved != c.resolved || e.Cwd != filepath.Join(dir, "sub") || e.Missing {
			t.Errorf("%s: resolved %q missing %v cwd %q, want %q in %s/sub", c.path, e.Resolved, e.Missing, e.Cwd, c.resolved, dir)
		}
	}
	// /proc/self is the process's own (its exe is sh), not the supervisor's.
	if e := g.expect("./me", "./me", "-c", ":"); e.Resolved != evalSymlinks(t, "/bin/sh") {
		t.Errorf("./me: resolved %q, want the process's own exe %q", e.Resolved, evalSymlinks(t, "/bin/sh"))
	}
	e := g.expect("./missing", "./missing")
	if !e.Missing || e.Resolved != filepath.Join(dir, "sub", "missing") {
		t.Errorf("missing program: resolved %q missing %v", e.Resolved, e.Missing)
	}
	g.drain()
	if err := g.wait(); err != nil {
		t.Errorf("child: %v (stderr: %s)", err, g.stderr.String())
	}
}

// TestMemfd: a script in a memfd run through execveat AT_EMPTY_PATH (fexecve) or
// through /proc/self/fd/N is Empty: opaque code with no name to judge.
func TestMemfd(t *testing.T) {
	for _, mode := range []string{"memfd-at", "memfd-proc"} {
		t.Run(mode, func(t *testing.T) {
			g := startGated(t, mode)
			n, e := g.next()
			wantNr := unix.SYS_EXECVEAT
			if mode == "memfd-proc" {
				wantNr = unix.SYS_EXECVE
			}
			if n.Syscall != wantNr || !e.Empty || !strings.HasPrefix(e.Resolved, "/memfd:gated-script") {
				t.Errorf("syscall %d exec %+v, want %d, Empty and a memfd", n.Syscall, e, wantNr)
			}
			if !equal(e.Argv, []string{"memfd-script"}) {
				t.Errorf("argv %q", e.Argv)
			}
			if err := g.l.Continue(n.ID); err != nil {
				t.Fatal(err)
			}
			// The kernel starts the script's interpreter within the same execve.
			if paths := g.drain(); len(paths) != 0 {
				t.Errorf("execs after the script's: %q", paths)
			}
			if err := g.wait(); err != nil {
				t.Errorf("child: %v (stderr: %s)", err, g.stderr.String())
			}
			if g.stdout.String() != "memfd-ran\n" {
				t.Errorf("stdout %q, stderr %q", g.stdout.String(), g.stderr.String())
			}
		})
	}
}

// TestListenerClosed: the supervisor dies while a process waits at its exec. The
// waiting exec fails with ENOSYS, so do later ones, and none of the programs ran.
func TestListenerClosed(t *testing.T) {
	script := `/usr/bin/touch "$MARK"; echo "first $?"; /usr/bin/touch "$MARK.2"; echo "second $?"`
	g := startGated(t, "exec", "/bin/sh", "-c", script)
	g.expect("/bin/sh", "/bin/sh", "-c", script)
	_, e := g.next()
	if e.Path != "/usr/bin/touch" {
		t.Fatalf("exec %q, want touch", e.Path)
	}
	g.l.Close() // without answering
	if err := g.wait(); err != nil {
		t.Errorf("child: %v (stderr: %s)", err, g.stderr.String())
	}
	if got, want := g.stdout.String(), "first 126\nsecond 126\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if n := strings.Count(g.stderr.String(), "Function not implemented"); n != 2 {
		t.Errorf("stderr %q: want two ENOSYS failures", g.stderr.String())
	}
	mark := filepath.Join(g.dir, "mark")
	if exists(mark) || exists(mark+".2") {
		t.Error("a program ran without an answer")
	}
}

// TestDescendants: forks, nested shells, a background job and a setsid'd process are
// all in the gated tree.
func TestDescendants(t *testing.T) {
	script := `/bin/sh -c '/bin/echo nested'; (/bin/echo subshell); /usr/bin/setsid /bin/sh -c '/bin/echo detached' & wait`
	g := startGated(t, "exec", "/bin/sh", "-c", script)
	g.expect("/bin/sh", "/bin/sh", "-c", script)
	paths := g.drain()
	if err := g.wait(); err != nil {
		t.Errorf("child: %v (stderr: %s)", err, g.stderr.String())
	}
	want := map[string]int{"/bin/sh": 2, "/bin/echo": 3, "/usr/bin/setsid": 1}
	got := map[string]int{}
	for _, p := range paths {
		got[p]++
	}
	for p, n := range want {
		if got[p] != n {
			t.Errorf("%s executed %d times under the gate, want %d (all: %q)", p, got[p], n, paths)
		}
	}
	for _, line := range []string{"nested", "subshell", "detached"} {
		if !strings.Contains(g.stdout.String(), line+"\n") {
			t.Errorf("stdout %q lacks %q", g.stdout.String(), line)
		}
	}
}

// TestAnswerLate: a process killed while it waits leaves a notification that is no
// longer valid, and answering it says so.
func TestAnswerLate(t *testing.T) {
	g := startGated(t, "exec", "/bin/sh", "-c", "/bin/true")
	n, _ := g.next()
	if !g.l.Valid(n.ID) {
		t.Fatal("a waiting exec is not valid")
	}
	syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
	g.wait()
	if g.l.Valid(n.ID) {
		t.Error("the exec of a killed process is still valid")
	}
	if err := g.l.Continue(n.ID); !errors.Is(err, ErrGone) {
		t.Errorf("continue after death: %v, want ErrGone", err)
	}
	if _, err := g.l.Recv(); !errors.Is(err, ErrNoTasks) {
		t.Errorf("recv after the tree exited: %v, want ErrNoTasks", err)
	}
}

// TestRecvClose: Close from another goroutine ends a waiting Recv.
func TestRecvClose(t *testing.T) {
	g := startGated(t, "exec", "/bin/sh", "-c", "/bin/true")
	g.expect("/bin/sh", "/bin/sh", "-c", "/bin/true")
	// dash execs the last command in place; hold it unanswered and wait for another.
	g.next()
	errc := make(chan error, 1)
	go func() {
		_, err := g.l.Recv()
		errc <- err
	}()
	g.l.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("recv after close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Recv still waiting after Close")
	}
}

// TestForeignABI: a system call through the x32 ABI (the x32 bit in the number) or
// the i386 ABI (int $0x80) kills the process with SIGSYS under the filter; without it
// the same call returns.
func TestForeignABI(t *testing.T) {
	if x32Bit == 0 || !int80.Available {
		t.Skip("no x32 or i386 ABI on " + runtime.GOARCH)
	}
	requireGate(t)
	for _, abi := range []string{"x32", "int80"} {
		t.Run(abi, func(t *testing.T) {
			bare := exec.Command(os.Args[0])
			bare.Env = append(os.Environ(), childEnv+"="+abi+"-bare")
			out, err := bare.CombinedOutput()
			if err != nil {
				// Without IA32 emulation int $0x80 faults before seccomp sees it.
				t.Skipf("the %s call fails without the filter too: %v: %s", abi, err, out)
			}
			t.Logf("without the filter: %s", bytes.TrimSpace(out))
			g := startGated(t, abi)
			err = g.wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("%s call under the filter: %v (stderr: %s), want death by SIGSYS", abi, err, g.stderr.String())
			}
			if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGSYS {
				t.Errorf("%s call under the filter: %v, want death by SIGSYS", abi, ws)
			}
		})
	}
}

// TestNestedInstall: a process in a gated tree cannot install a second listener
// (EBUSY), so it cannot answer its own execs.
func TestNestedInstall(t *testing.T) {
	g := startGated(t, "twice")
	if err := g.wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	if !strings.Contains(g.stderr.String(), "second install: installing the exec filter: a listener is already installed") {
		t.Errorf("second Install: %q, want EBUSY", g.stderr.String())
	}
}

// TestTruncated: an argv over the limits is read up to them and marked, and the exec
// still waits for its answer.
func TestTruncated(t *testing.T) {
	script := `/bin/true $(seq 5000)`
	g := startGated(t, "exec", "/bin/sh", "-c", script)
	g.expect("/bin/sh", "/bin/sh", "-c", script)
	seq := lookPath(t, "seq")
	g.expect(seq, "seq", "5000")
	n, e := g.next()
	if e.Path != "/bin/true" || !e.Truncated || len(e.Argv) != maxArgs || e.Argv[maxArgs-1] != "4095" {
		t.Errorf("exec %q with %d args, truncated %v; want /bin/true cut at %d", e.Path, len(e.Argv), e.Truncated, maxArgs)
	}
	if err := g.l.Refuse(n.ID, unix.E2BIG); err != nil {
		t.Fatal(err)
	}
	g.drain()
	g.wait()
}

// TestHoldSurvivesSignals: once received, a held exec is not withdrawn by a signal
// its process handles (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV): the Go child has a
// handler for SIGURG, takes one while it waits, and the same notification is answered.
func TestHoldSurvivesSignals(t *testing.T) {
	g := startGated(t, "exec", "/bin/sh", "-c", "/bin/echo held")
	if !g.killable {
		t.Skip("the kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19): a signal withdraws a held exec")
	}
	n, e := g.next()
	if e.Path != "/bin/sh" {
		t.Fatalf("exec %q, want /bin/sh", e.Path)
	}
	if err := unix.Tgkill(g.cmd.Process.Pid, n.PID, unix.SIGURG); err != nil {
		t.Fatal(err)
	}
	if !g.l.Valid(n.ID) {
		t.Fatal("a signal withdrew the held exec")
	}
	if err := g.l.Continue(n.ID); err != nil {
		t.Fatal(err)
	}
	if paths := g.drain(); !equal(paths, []string{"/bin/echo"}) {
		t.Errorf("execs after the hold: %q, want only /bin/echo", paths)
	}
	if err := g.wait(); err != nil || g.stdout.String() != "held\n" {
		t.Errorf("child: %v, stdout %q, stderr %q", err, g.stdout.String(), g.stderr.String())
	}
}
