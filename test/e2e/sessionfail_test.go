package e2e

import (
	"path/filepath"
	"syscall"
	"testing"
)

// A session whose lines can get no decision (no daemon can be started and the
// one-shot gatectl decide is missing) runs none of them: each says so, and $?
// is 126. Not even exit is judged then: Ctrl-D (which is not a line) leaves.
func TestSessionNoDecisionFailsClosed(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	bash, path := gateshWithoutGatectl(t)
	file := filepath.Join(e.Root, "unjudged")
	s := startSess(t, e, sessConfig{Env: []string{"PATH=" + path}, Path: bash})
	s.line("touch " + file)
	s.expect("the gate could not decide, so it fails closed")
	s.line("echo st=$?")
	s.expect("the gate could not decide, so it fails closed")
	if Exists(file) {
		t.Fatal("a line ran without a judgment")
	}
	s.send("\x04")
	if st := s.wait(sessWait); st != 126 {
		t.Errorf("exit status %d, want 126 (bash's last status)", st)
	}
}

// The daemon killed between two lines: the next line starts another and is
// judged by it.
func TestSessionDaemonKilled(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	s := startSess(t, e, sessConfig{})
	s.sync()
	first := e.WaitDaemon()
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(e.Root, "after-kill")
	s.line("touch " + file)
	s.sync()
	if !Exists(file) {
		t.Fatal("the line after the daemon was killed did not run")
	}
	s.line(pushCmd)
	s.expect("gatesh: held as request")
	if pushed(e) {
		t.Fatal("the push ran")
	}
}
