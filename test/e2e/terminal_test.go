package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the slave end is a terminal a command
// can be given as its stdin.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// A -c command on a terminal runs as -c (no session), and an interactive shell
// that would read its commands from a pipe, where there is no readline to hook,
// is refused rather than started ungated. (On a terminal, gatesh starts a gated
// session: session_test.go.)
func TestNoUngatedInteractiveShell(t *testing.T) {
	e := NewEnv(t)
	for _, tc := range []struct {
		name   string
		args   []string
		pipe   bool
		refuse bool
	}{
		{"-i from a pipe", []string{"-i"}, true, true},
		{"-i -s from a pipe", []string{"-i", "-s"}, true, true},
		{"-c command", []string{"-c", "echo on a terminal"}, false, false},
		{"-i -c command (Aider)", []string{"-i", "-c", "echo on a terminal"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Call{Args: tc.args, Dir: t.TempDir()}
			if tc.pipe {
				c.Stdin = strings.NewReader("echo ungated\n")
			} else {
				_, c.Stdin = openPTY(t)
			}
			r := e.Gatesh(c)
			if tc.refuse {
				if r.Status != 126 || !strings.HasPrefix(r.Stderr, "gatesh: ") || !strings.Contains(r.Stderr, "interactive") || r.Stdout != "" {
					t.Fatalf("an interactive shell was not refused: %s", r)
				}
				return
			}
			if r.Status != 0 || r.Stdout != "on a terminal\n" {
				t.Fatalf("a -c command on a terminal did not run: %s", r)
			}
		})
	}
}
