package daemon

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/wire"
)

// TestGatedHelper is not a test: the test binary runs it in a child with
// GATESH_TEST_PERSON set. With GATESH_TEST_NNP=1 it first sets no_new_privs as
// gatesh does, on a locked thread followed by an exec (which keeps the calling
// thread's attributes for the whole new process). Then it becomes what
// GATESH_TEST_PERSON names: "sleep" sleeps; anything else is a console request
// line, sent to the console socket GATESH_TEST_CONSOLE, whose answer it prints.
func TestGatedHelper(t *testing.T) {
	what := os.Getenv("GATESH_TEST_PERSON")
	if what == "" {
		return
	}
	fail := func(what string, err error) {
		os.Stdout.WriteString(what + ": " + err.Error())
		os.Exit(2)
	}
	if os.Getenv("GATESH_TEST_NNP") == "1" {
		runtime.LockOSThread()
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			fail("prctl", err)
		}
		// The test binary again, from this thread, without setting it twice.
		self, err := os.Executable()
		if err == nil {
			env := []string{"GATESH_TEST_NNP=done"}
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "GATESH_TEST_NNP=") {
					env = append(env, kv)
				}
			}
			err = syscall.Exec(self, []string{self, "-test.run=^TestGatedHelper$"}, env)
		}
		fail("exec", err)
	}
	if what == "sleep" {
		sleep, err := exec.LookPath("sleep")
		if err == nil {
			err = syscall.Exec(sleep, []string{"sleep", "30"}, os.Environ())
		}
		fail("exec sleep", err)
	}
	conn, err := net.Dial("unix", os.Getenv("GATESH_TEST_CONSOLE"))
	if err != nil {
		fail("dial", err)
	}
	conn.Write([]byte(what + "\n"))
	line, err := wire.ReadLine(bufio.NewReader(conn), console.MaxMessage)
	if err != nil {
		fail("read", err)
	}
	os.Stdout.Write(line)
	os.Exit(0)
}

// helper runs the test binary as TestGatedHelper with GATESH_TEST_PERSON=what,
// with no_new_privs when nnp, and the given stdin and extra environment.
func helper(t *testing.T, what string, nnp bool, stdin *os.File, env ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^TestGatedHelper$")
	cmd.Env = append(os.Environ(), "GATESH_TEST_PERSON="+what, "GATESH_TEST_NNP=")
	if nnp {
		cmd.Env = append(cmd.Env, "GATESH_TEST_NNP=1")
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = stdin
	return cmd
}

// execed waits until pid runs a program called name.
func execed(t *testing.T, pid int, name string) {
	t.Helper()
	waitFor(t, func() bool {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		return strings.TrimSpace(string(b)) == name
	}, "pid "+strconv.Itoa(pid)+" to run "+name)
}

// A process that set no_new_privs is gated, and so is what it execs; the test
// process and a plain child are not; a pid with no status counts as gated.
func TestGated(t *testing.T) {
	if g, err := gated(os.Getpid()); err != nil || g {
		t.Skipf("the test process itself carries no_new_privs or a seccomp filter (gated %v, %v): nothing to compare with", g, err)
	}
	plain := exec.Command("sleep", "30")
	if err := plain.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { plain.Process.Kill(); plain.Wait() }()
	if g, err := gated(plain.Process.Pid); err != nil || g {
		t.Errorf("a plain child: gated %v, %v; want false", g, err)
	}

	nnp := helper(t, "sleep", true, nil)
	if err := nnp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { nnp.Process.Kill(); nnp.Wait() }()
	execed(t, nnp.Process.Pid, "sleep")
	if g, err := gated(nnp.Process.Pid); err != nil || !g {
		t.Errorf("a child that set no_new_privs: gated %v, %v; want true", g, err)
	}

	if setpriv, err := exec.LookPath("setpriv"); err == nil {
		sp := exec.Command(setpriv, "--no-new-privs", "sleep", "30")
		if err := sp.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { sp.Process.Kill(); sp.Wait() }()
		execed(t, sp.Process.Pid, "sleep")
		if g, err := gated(sp.Process.Pid); err != nil || !g {
			t.Errorf("setpriv --no-new-privs sleep: gated %v, %v; want true", g, err)
		}
	}

	// Fail closed: a process that is gone has no status to read.
	if g, err := gated(1 << 30); !g || err == nil {
		t.Errorf("a pid with no status: gated %v, %v; want true with an error", g, err)
	}
}

// The console refuses an approval, a denial and a revocation from a process
// that carries no_new_privs, though it has a terminal on its stdin and does
// not descend from anything the daemon let run (as a command detached with
// setsid or script from a gated tree, reparented to init); the same request
// from a plain process at the same terminal decides.
func TestPersonNotGated(t *testing.T) {
	if g, err := gated(os.Getpid()); err != nil || g {
		t.Skipf("the test process itself carries no_new_privs or a seccomp filter (gated %v, %v)", g, err)
	}
	tty := openTTY(t)
	d := testDirs(t)
	start(t, d, nil)
	held := ask(t, d, decideReq("git push origin main", t.TempDir()))
	if held.Action != wire.ActionHold || held.RequestID == 0 {
		t.Fatalf("the push was not held as a request: %+v", held)
	}
	id := itoa(held.RequestID)
	sock := "GATESH_TEST_CONSOLE=" + console.Socket(d.Runtime)
	for _, line := range []string{
		`{"v":1,"op":"approve","id":` + id + `}`,
		`{"v":1,"op":"approve","id":` + id + `,"grant":"1h"}`,
		`{"v":1,"op":"deny","id":` + id + `}`,
		`{"v":1,"op":"revoke","id":1}`,
	} {
		out, err := helper(t, line, true, tty, sock).Output()
		if err != nil {
			t.Fatalf("%s: %v: %s", line, err, out)
		}
		if !strings.Contains(string(out), "runs inside a gated command") || !strings.Contains(string(out), "outside the agent's shell") {
			t.Errorf("%s from a process with no_new_privs: %s", line, out)
		}
	}
	var list console.Response
	if err := json.Unmarshal([]byte(rawLine(t, console.Socket(d.Runtime), `{"v":1,"op":"list"}`)), &list); err != nil || len(list.Requests) != 1 || list.Requests[0].Status != "pending" {
		t.Fatalf("after the gated tries the request is %+v (%v), want it pending", list.Requests, err)
	}

	// The control: the test binary without no_new_privs, same terminal.
	out, err := helper(t, `{"v":1,"op":"deny","id":`+id+`}`, false, tty, sock).Output()
	if err != nil || strings.Contains(string(out), "error") || !strings.Contains(string(out), `"denied"`) {
		t.Fatalf("a deny from a plain process at a terminal: %v %s", err, out)
	}
}

// openTTY opens a new pseudo-terminal and returns its other end, a stdin at
// which the daemon sees a person.
func openTTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	return slave
}
