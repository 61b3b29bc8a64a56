package daemon

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A process started by a remembered one is found through its parents; a
// remembered pid whose process was replaced (another start time) is not; an
// entry older than the set's age limit no longer counts.
func TestProcSetAncestor(t *testing.T) {
	parent := exec.Command("bash", "-c", "sleep 30 & echo $!; wait")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { parent.Process.Kill(); parent.Wait() }()
	var line [32]byte
	n, _ := out.Read(line[:])
	child, err := strconv.Atoi(strings.TrimSpace(string(line[:n])))
	if err != nil {
		t.Fatalf("child pid %q: %v", line[:n], err)
	}
	defer func() {
		if p, err := os.FindProcess(child); err == nil {
			p.Kill()
		}
	}()
	me, ok := identify(parent.Process.Pid)
	if !ok {
		t.Fatal("cannot identify the parent")
	}

	s := newProcSet(0)
	if _, _, ok := s.ancestor(child); ok {
		t.Fatal("an empty set found an ancestor")
	}
	s.add(me, 7)
	if p, id, ok := s.ancestor(child); !ok || p != me || id != 7 {
		t.Fatalf("ancestor(child) = %v %d %v, want the parent with 7", p, id, ok)
	}
	if _, _, ok := s.ancestor(os.Getpid()); ok {
		t.Fatal("the test process was taken for a descendant of its own child")
	}

	reused := newProcSet(0)
	reused.add(proc{me.pid, me.start + 1}, 7) // same pid, another process
	if _, _, ok := reused.ancestor(child); ok {
		t.Fatal("a reused pid was taken for the remembered process")
	}

	old := newProcSet(10 * time.Millisecond)
	old.add(me, 7)
	time.Sleep(20 * time.Millisecond)
	if _, _, ok := old.ancestor(child); ok {
		t.Fatal("an expired entry still counts")
	}
}

func TestStdinTerminal(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	cmd.Stdin = nil // /dev/null
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if target, ok := stdinTerminal(cmd.Process.Pid); ok || target != "/dev/null" {
		t.Fatalf("stdinTerminal = %q, %v; want /dev/null, not a terminal", target, ok)
	}
}

// procStat reads the same parent and start time as splitting the whole file,
// for a process whose name holds parentheses and spaces too.
func TestProcStatFields(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	odd := filepath.Join(t.TempDir(), "a) b (c) d")
	if err := os.Symlink(sleep, odd); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(odd, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for _, pid := range []int{os.Getpid(), os.Getppid(), 1, cmd.Process.Pid} {
		f, err := statFields(pid)
		if err != nil {
			t.Fatalf("pid %d: %v", pid, err)
		}
		ppid, start, err := procStat(pid)
		if err != nil {
			t.Fatalf("pid %d: %v", pid, err)
		}
		if strconv.Itoa(ppid) != f[1] || strconv.FormatUint(start, 10) != f[19] {
			t.Errorf("pid %d: procStat says ppid %d start %d; the file's fields say %s and %s", pid, ppid, start, f[1], f[19])
		}
	}
	if _, _, err := procStat(1 << 30); err == nil {
		t.Error("no error for a pid that does not exist")
	}
}
