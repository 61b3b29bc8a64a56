package e2e

// Session tests beyond the list: failing closed, approvals of a line,
// completion, and the ways a session starts.

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gatesh/gatesh/internal/vtscreen"
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
	// Ctrl-D at the prompt: typed while bash still runs the refusal, the
	// terminal (in its cooked mode then) would take it, as with bash.
	s.expectRe("\x1b\\[K\r(?:\x1b\\[\\?2004l\r)?\x1b\\[\\?2004h\\$ ")
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

// An approved session line covers what it runs in the foreground: its nested
// bash -c (through the shim) does not hold again. The next line is judged on
// its own, and so is the same nested command then.
func TestSessionApprovedLineCoversItsShells(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	s := startSess(t, e, sessConfig{Env: []string{"GATESH_HOLD_WAIT=30"}})
	line := "bash -c " + "'" + pushCmd + "'"
	s.line(line)
	id := s.expectRe(`gatesh: held as request (\d+): `)[1]
	waitRequest(t, e, line, true)
	ctlOK(t, e, ttyFor(t), "approve", id)
	s.expect("request " + id + " approved; running it")
	s.sync()
	if !pushed(e) {
		t.Fatalf("the approved line's nested push did not reach origin:\n%s", s.tail(1500))
	}
	if n := len(listRequests(t, e, true)); n != 1 {
		t.Errorf("%d requests, want the one the person approved", n)
	}
	// The approval ended with its line: a script the next line runs (the line
	// is allowed: the session does not read the script) holds its push again.
	script := filepath.Join(e.Root, "push-other.sh")
	e.WriteFile(script, "git push origin HEAD:other\n")
	s.line("bash " + script)
	// The nested call's message names the agent's line first, then what it ran.
	s.expect("gatesh: held as request 2: your command `bash " + script + "` ran `git push origin HEAD:other`")
	s.send("\x03") // the nested gatesh waits in the foreground: stop it
	s.sync()
	if n := len(listRequests(t, e, true)); n != 2 {
		t.Errorf("%d requests after the next line, want 2", n)
	}
	if e.RemoteRef("other") != "" {
		t.Error("the next line's push ran under the earlier approval")
	}
}

// Readline's own calls into the person's code between lines are not lines:
// a completion function from the startup files completes on Tab (the
// backstop lets it run), and a line with spaces around it runs as typed. A
// completion a line registers is judged for the code it would run.
func TestSessionCompletion(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	rc := filepath.Join(e.Home, "completion.rc")
	e.WriteFile(rc, sessBashrc+`_pick() { local w; w=$(echo alpha beta); COMPREPLY=($(compgen -W "$w" -- "${COMP_WORDS[COMP_CWORD]}")); }
complete -F _pick pick
pick() { echo "picked $*"; }
`)
	s := startSess(t, e, sessConfig{Path: ShimBash, Args: []string{"--init-file", rc}})
	s.sync()
	s.send("pick al\t")
	s.expect("pick alpha ")
	s.send("\r")
	s.expect("picked alpha")
	s.wantStatus(0, "the completed line")
	s.line("  echo '  spaced  '  ")
	s.expect("  spaced  \r\n")
	s.wantStatus(0, "a line with spaces around it")
	s.line("complete -C " + "'" + pushCmd + "'" + " pushy")
	s.expectRe(heldRE)
	s.wantStatus(126, "registering a completion that pushes")
	if pushed(e) {
		t.Fatal("the push ran")
	}
}

// The ways a session starts: tmux's `$SHELL -c /bin/bash` is a gated session
// (not an ungated bash), and a login session (-l) reads the login files.
func TestSessionStartForms(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	t.Run("-c /bin/bash", func(t *testing.T) {
		parent := e.TB
		e.TB = t
		defer func() { e.TB = parent }()
		s := startSess(t, e, sessConfig{Path: ShimBash, Args: []string{"-c", "/bin/bash"}})
		s.line(pushCmd)
		s.expectRe(heldRE)
		s.wantStatus(126, "a push in tmux's shell")
		if pushed(e) {
			t.Fatal("the push ran")
		}
	})
	t.Run("-l", func(t *testing.T) {
		parent := e.TB
		e.TB = t
		defer func() { e.TB = parent }()
		e.WriteFile(filepath.Join(e.Home, ".bash_profile"), "PS1='$ '\nPROFILE_READ=yes\n")
		s := startSess(t, e, sessConfig{Path: ShimBash, Args: []string{"-l"}})
		s.line("echo profile=$PROFILE_READ")
		s.expect("profile=yes")
		s.line(pushCmd)
		s.expectRe(heldRE)
		if pushed(e) {
			t.Fatal("the push ran")
		}
	})
}

// A refused line, denied or withdrawn, shows nothing but gatesh's message: the
// stand-in that sets $? to 126 is never drawn, the next prompt follows the
// message, and history keeps the line as typed.
func TestSessionRefusedLineShowsOnlyTheMessage(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	s := startSess(t, e, sessConfig{Env: []string{"GATESH_HOLD_WAIT=30"}})
	// After the message (its lines may wrap), the next line on the screen is
	// the prompt with the status check typed at it.
	nextIsPrompt := func(message string) {
		t.Helper()
		scr := vtscreen.New(80, 24)
		scr.Write(s.Output())
		lines := strings.Split(scr.Text(), "\n")
		at := -1
		for i, l := range lines {
			if strings.Contains(l, message) {
				at = i
			}
		}
		if at < 0 {
			t.Fatalf("the screen does not show %q:\n%s", message, scr.Text())
		}
		j := at + 1
		for j < len(lines) && !strings.HasPrefix(lines[j], "$") && strings.TrimSpace(lines[j]) != "" {
			j++ // the message's wrapped lines
		}
		if j >= len(lines) || !strings.HasPrefix(lines[j], "$ echo st=") {
			t.Errorf("after %q the screen does not go on with the next prompt:\n%s", message, scr.Text())
		}
	}
	s.ready()
	s.line("rm -rf ~")
	s.expect("gatesh: denied, not run")
	s.wantStatus(126, "the denied line")
	nextIsPrompt("gatesh: denied, not run")
	s.line(pushCmd)
	id := s.expectRe(`gatesh: held as request (\d+): `)[1]
	s.send("\x03")
	s.expect("request " + id + " withdrawn; not run")
	s.wantStatus(126, "the withdrawn line")
	nextIsPrompt("withdrawn; not run")
	s.send("\x1b[A\x1b[A\x1b[A\x1b[A") // Up four times: the denied line
	s.expect("rm -rf ~")
	s.send("\x15") // Ctrl-U: not run again
	s.sync()
	if strings.Contains(string(s.Output()), "__gatesh_") {
		t.Errorf("the terminal was sent the session's own names:\n%q", s.tail(3000))
	}
}
