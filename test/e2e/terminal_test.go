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

// Until the gated interactive session exists, a shell that would be
// interactive is refused rather than started ungated: gatesh on a terminal, and
// `-c /bin/bash` on a terminal (tmux runs `$SHELL -c /bin/bash`). A -c command on a
// terminal still runs.
func TestNoUngatedInteractiveShell(t *testing.T) {
	e := NewEnv(t)
	for _, tc := range []struct {
		name   string
		args   []string
		refuse bool
	}{
		{"no arguments", nil, true},
		{"-i", []string{"-i"}, true},
		{"-c /bin/bash", []string{"-c", "/bin/bash"}, true},
		{"-c exec bash -l", []string{"-c", "exec bash -l"}, true},
		{"-c command", []string{"-c", "echo on a terminal"}, false},
		{"-i -c command (Aider)", []string{"-i", "-c", "echo on a terminal"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tty := openPTY(t)
			r := e.Gatesh(Call{Args: tc.args, Stdin: tty, Dir: t.TempDir()})
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
