//go:build linux

package execgate

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startWithStderr starts a process that waits on its stdin, with stderr, and returns
// it with the end of its stdin that lets it go.
func startWithStderr(t *testing.T, stderr *os.File) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", "read x")
	cmd.Stderr = stderr
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); cmd.Wait() })
	return cmd
}

// TestTell: the line reaches a writable stderr; a stderr open read-only gets nothing
// written (the daemon must not write with its own rights where the process could
// not), and a full pipe costs a bounded wait.
func TestTell(t *testing.T) {
	t.Run("pipe", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		cmd := startWithStderr(t, w)
		w.Close()
		if err := Tell(cmd.Process.Pid, strings.Repeat("x", 5000)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2048)
		n, _ := r.Read(buf)
		if n != 1024 || buf[n-1] != '\n' {
			t.Errorf("read %d bytes ending %q, want the line cut at 1 KiB with its newline", n, buf[n-1])
		}
	})
	t.Run("read-only file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "rc")
		if err := os.WriteFile(path, []byte("safe\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd := startWithStderr(t, f)
		if err := Tell(cmd.Process.Pid, "gatesh: x"); err == nil {
			t.Error("Tell wrote to a stderr open read-only")
		}
		if b, _ := os.ReadFile(path); string(b) != "safe\n" {
			t.Errorf("file now %q", b)
		}
	})
	t.Run("full pipe", func(t *testing.T) {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
			t.Fatal(err)
		}
		defer unix.Close(p[0])
		for {
			if _, err := unix.Write(p[1], make([]byte, 4096)); err != nil {
				break
			}
		}
		w := os.NewFile(uintptr(p[1]), "w")
		cmd := startWithStderr(t, w)
		w.Close()
		start := time.Now()
		if err := Tell(cmd.Process.Pid, "gatesh: x"); err == nil {
			t.Error("Tell wrote into a full pipe")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Tell took %v on a full pipe", d)
		}
	})
}

func TestSupported(t *testing.T) {
	avail, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail")
	if err != nil {
		t.Skip(err)
	}
	fields := strings.Fields(string(avail))
	want := slices.Contains(fields, "user_notif") && slices.Contains(fields, "kill_process") && nativeArch != 0
	if err := Supported(); (err == nil) != want {
		t.Errorf("Supported() = %v; actions_avail %q", err, avail)
	}
}
