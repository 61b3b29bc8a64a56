package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/vtscreen"
)

// The gated interactive session end to end: gatesh on a terminal (the test
// drives a real PTY) runs one bash whose every line is judged by a real daemon
// before it runs. Side effects are checked on files, processes and the bare
// origin, not only on what the terminal shows.

// 1. State persists across lines: the working directory, variables, functions.
func TestSessionStatePersists(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	sub := filepath.Join(e.Work, "sub dir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	s := startSess(t, e, sessConfig{})
	s.line(`cd "sub dir"`)
	s.line(`MYVAR=persisted$((40+2))`)
	s.line(`mkfile() { echo "$MYVAR" > "$1"; }`)
	s.line(`mkfile made.txt`)
	s.line(`echo "pwd=$(pwd)="`)
	s.expect("pwd=" + sub + "=")
	s.sync()
	if got := e.ReadFile(filepath.Join(sub, "made.txt")); got != "persisted42\n" {
		t.Errorf("the function defined on an earlier line, run in the directory cd'd to, wrote %q to sub dir/made.txt, want %q", got, "persisted42\n")
	}
	if Exists(filepath.Join(e.Work, "made.txt")) {
		t.Error("made.txt was written in the first directory: cd did not persist")
	}
	s.wantStatus(0, "after the lines")
}

// 2. A for loop typed over three lines runs once it is complete, not before.
func TestSessionMultiLineFor(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	log := filepath.Join(e.Root, "loop.log")
	s := startSess(t, e, sessConfig{})
	s.line("for i in 1 2 3; do")
	s.contPrompt()
	s.line(`echo "it$((i*10))"; echo $i >> ` + log)
	s.contPrompt()
	if Exists(log) {
		t.Fatal("the loop body ran before the loop was complete")
	}
	if strings.Contains(s.Since(0), "it10") {
		t.Fatal("the loop printed before it was complete")
	}
	doneAt := len(s.Output())
	s.line("done")
	s.expect("it10")
	s.expect("it20")
	s.expect("it30")
	if i := strings.Index(s.Since(0), "it10"); i < doneAt {
		t.Errorf("the loop's output came before `done` was typed")
	}
	s.sync()
	if got := e.ReadFile(log); got != "1\n2\n3\n" {
		t.Errorf("the loop wrote %q, want 1 2 3", got)
	}
}

// 3. A program reading the terminal gets the typed input.
func TestSessionCatGetsInput(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	s := startSess(t, e, sessConfig{})
	s.line("cat")
	s.waitProc("cat")
	s.send("hello\r")
	// The terminal echoes the line, then cat writes it back.
	s.expect("hello\r\nhello\r\n")
	s.send("\x04")
	s.wantStatus(0, "cat ended by Ctrl-D")

	file := filepath.Join(e.Root, "typed.txt")
	s.line("cat > " + file)
	s.waitProc("cat")
	s.send("first typed line\rsecond\r\x04")
	s.wantStatus(0, "cat > file ended by Ctrl-D")
	if got := e.ReadFile(file); got != "first typed line\nsecond\n" {
		t.Errorf("cat wrote %q from the typed input", got)
	}
}

// 4. Ctrl-C stops the running command: $? is 130 and the process is gone.
func TestSessionCtrlCStopsCommand(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	s := startSess(t, e, sessConfig{})
	start := time.Now()
	s.line("sleep 30")
	pid := s.waitProc("sleep 30")
	s.send("\x03")
	s.wantStatus(130, "sleep 30 stopped by Ctrl-C")
	if time.Since(start) > 20*time.Second {
		t.Errorf("sleep 30 ran for %v after Ctrl-C", time.Since(start))
	}
	if alive(pid) {
		t.Errorf("the sleep (pid %d) still runs after Ctrl-C", pid)
	}
}

// 5. A resize of the terminal reaches bash's own terminal.
func TestSessionResize(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	s := startSess(t, e, sessConfig{Cols: 80, Rows: 24})
	s.line("tput cols; tput lines; echo EN$((1+1))D")
	m := s.expectRe(`(\d+)\r\n(\d+)\r\nEN2D`)
	if m[1] != "80" || m[2] != "24" {
		t.Fatalf("at the start tput says %sx%s, want 80x24", m[1], m[2])
	}
	s.resize(123, 37)
	s.cmd.Process.Signal(syscall.SIGWINCH)
	// gatesh passes the size on when it handles the signal: ask until it
	// has (or the time is up).
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		s.line(fmt.Sprintf("tput cols; tput lines; echo EN$((%d+1))Z", 100+i))
		m := s.expectRe(fmt.Sprintf(`(\d+)\r\n(\d+)\r\nEN%dZ`, 101+i))
		if m[1] == "123" && m[2] == "37" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the resize to 123x37 tput says %sx%s", m[1], m[2])
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.line(`echo "cols=$COLUMNS="`)
	s.expect("cols=123=")
}

// 6. exit N ends the session with status N and the terminal's mode restored.
func TestSessionExitStatusAndTerminalMode(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	// The mode of gatesh's terminal just before gatesh starts.
	var before unix.Termios
	s := startSess(t, e, sessConfig{Termios: func(tio *unix.Termios) { before = *tio }})
	if before.Lflag&(unix.ECHO|unix.ICANON) != unix.ECHO|unix.ICANON {
		t.Fatalf("a fresh PTY is not in cooked mode: lflag %#x", before.Lflag)
	}
	s.sync()
	during := s.termios()
	if during.Lflag&(unix.ECHO|unix.ICANON) != 0 {
		t.Errorf("during the session the outer terminal is not raw: lflag %#x", during.Lflag)
	}
	s.line("exit 3")
	if st := s.wait(10 * time.Second); st != 3 {
		t.Errorf("exit 3 ended the session with status %d", st)
	}
	after := s.termios()
	if after.Lflag&(unix.ECHO|unix.ICANON|unix.ISIG) != unix.ECHO|unix.ICANON|unix.ISIG || after.Oflag&unix.OPOST == 0 || after.Iflag&unix.ICRNL == 0 {
		t.Errorf("the terminal's mode was not restored: lflag %#x oflag %#x iflag %#x", after.Lflag, after.Oflag, after.Iflag)
	}
	if after != before {
		t.Errorf("the terminal's mode after the session differs from before:\nbefore %+v\nafter  %+v", before, after)
	}
}

// 7. A held push is not run; the session goes on after it.
func TestSessionHeldPushNotRun(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	s := startSess(t, e, sessConfig{Env: []string{"GATESH_HOLD_WAIT=1"}})
	s.line(pushCmd)
	id := s.expectRe(`gatesh: held as request (\d+): ` + "`" + regexp.QuoteMeta(pushCmd) + "`")[1]
	s.expect("gatesh: request " + id + " was not approved in time, so it was not run")
	s.line("echo ok $?")
	s.expect("ok 126")
	if e.RemoteRef("main") != before || pushed(e) {
		t.Fatal("the held push reached origin")
	}
	if r, ok := findRequest(t, e, mustAtoi(t, id)); !ok || r.Command != pushCmd || r.Status != "pending" {
		t.Errorf("request %s is %+v, want the push, pending", id, r)
	}
	// The session is usable: a later line runs.
	file := filepath.Join(e.Root, "after-hold")
	s.line("touch " + file)
	s.sync()
	if !Exists(file) {
		t.Error("a line after the held one did not run")
	}
}

// 8. A push typed ahead while a command runs is still judged (held), not run,
// and what was typed after it runs in order.
func TestSessionTypeAheadHeld(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	s := startSess(t, e, sessConfig{Env: []string{"GATESH_HOLD_WAIT=1"}})
	s.sync()
	s.send("sleep 2\r" + pushCmd + "\recho after $?\r")
	s.expectRe(`gatesh: held as request (\d+): ` + "`" + regexp.QuoteMeta(pushCmd) + "`")
	s.expect("was not approved in time, so it was not run")
	s.expect("after 126")
	if e.RemoteRef("main") != before || pushed(e) {
		t.Fatal("the push typed ahead reached origin")
	}
}

// 9. History: Up recalls the last line, a refused line too.
func TestSessionHistoryRecall(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	log := filepath.Join(e.Root, "one.log")
	s := startSess(t, e, sessConfig{})
	s.line("echo one >> " + log)
	s.ready()
	s.send("\x1b[A") // Up: the sync line
	s.send("\x1b[A") // Up: the echo
	s.send("\r")
	s.sync()
	if got := e.ReadFile(log); got != "one\none\n" {
		t.Fatalf("Up, Up, Enter did not run `echo one` again: the log holds %q", got)
	}

	// A refused line: the person approves it, Up recalls it, and it runs.
	s.line(pushCmd)
	id := s.expectRe(`gatesh: held as request (\d+), not run`)[1]
	s.wantStatus(126, "the held push")
	if pushed(e) {
		t.Fatal("the held push reached origin")
	}
	ctlOK(t, e, ttyFor(t), "approve", id)
	s.expect("$ ")
	s.send("\x1b[A\x1b[A\r") // Up: the status line, Up: the push
	s.sync()
	if !pushed(e) {
		t.Fatalf("after the approval, Up, Up, Enter did not run the refused push again")
	}
}

// 10. A held line approved from another terminal runs, and the session shows
// its output.
func TestSessionApprovedRuns(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	s := startSess(t, e, sessConfig{Env: []string{"GATESH_HOLD_WAIT=30"}})
	s.line(pushCmd)
	id := s.expectRe(`gatesh: held as request (\d+): `)[1]
	req := waitRequest(t, e, pushCmd, true)
	if strconv.FormatInt(req.ID, 10) != id {
		t.Errorf("the session says request %s, gatectl list shows %d", id, req.ID)
	}
	if pushed(e) {
		t.Fatal("the push reached origin before the approval")
	}
	ctlOK(t, e, ttyFor(t), "approve", id)
	s.expect("request " + id + " approved; running it")
	s.expect("HEAD -> main")
	s.wantStatus(0, "the approved push")
	if !pushed(e) {
		t.Fatal("the approved push did not reach origin")
	}
	if r, _ := findRequest(t, e, req.ID); r.Status != "used" {
		t.Errorf("after the approved run the request is %+v, want used", r)
	}
}

// 11. Ctrl-C while a line is held withdraws the request.
func TestSessionCtrlCWithdraws(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	s := startSess(t, e, sessConfig{Env: []string{"GATESH_HOLD_WAIT=30"}})
	s.line(pushCmd)
	id := s.expectRe(`gatesh: held as request (\d+): `)[1]
	waitRequest(t, e, pushCmd, true)
	start := time.Now()
	s.send("\x03")
	s.expect("request " + id + " withdrawn; not run")
	if time.Since(start) > 10*time.Second {
		t.Errorf("the withdrawal took %v", time.Since(start))
	}
	s.wantStatus(126, "the withdrawn line")
	if r, ok := findRequest(t, e, mustAtoi(t, id)); !ok || r.Status != "withdrawn" {
		t.Errorf("request %s is %+v, want withdrawn", id, r)
	}
	if e.RemoteRef("main") != before || pushed(e) {
		t.Fatal("the withdrawn push reached origin")
	}
	// Approving it now runs nothing.
	if r := e.Ctl(ttyFor(t), "approve", id); r.Status == 0 {
		t.Errorf("a withdrawn request could be approved: %s", r)
	}
	s.sync()
	if pushed(e) {
		t.Fatal("the withdrawn push ran after all")
	}
}

// rex emulates SWE-ReX's BashSession (swerex/runtime/local.py) on the
// session's terminal: PS1 SHELLPS1PREFIX, each command sent with a newline,
// then "\necho EXITCODESTART$?EXITCODEEND", parsed as it parses it.
type rex struct{ s *sessTerm }

const rexPS1 = "SHELLPS1PREFIX"

var rexANSI = regexp.MustCompile(`\x1B[@-_][0-?]*[ -/]*[@-~]`)

func rexStrip(s string) string {
	return strings.ReplaceAll(rexANSI.ReplaceAllString(s, ""), "\r\n", "\n")
}

// start is BashSession._start after the spawn.
func (r rex) start() error {
	r.s.send("export PS1='" + rexPS1 + "' ; export PS2='' ; export PS0=''\n")
	_, _, err := r.s.await(regexp.QuoteMeta(rexPS1), 20*time.Second)
	return err
}

// run is BashSession._run_normal: the command's output and exit code.
func (r rex) run(command string, timeout time.Duration) (string, int, error) {
	r.s.send(command + "\n")
	before, _, err := r.s.await(regexp.QuoteMeta(rexPS1), timeout)
	if err != nil {
		return "", -1, fmt.Errorf("waiting for the prompt: %v", err)
	}
	output := rexStrip(before)
	r.s.send("\necho EXITCODESTART$?EXITCODEEND\n")
	raw, _, err := r.s.await("EXITCODEEND", 5*time.Second)
	if err != nil {
		return output, -1, fmt.Errorf("timeout while getting exit code: %v", err)
	}
	raw = rexStrip(raw)
	codes := regexp.MustCompile(`EXITCODESTART([0-9]+)`).FindAllStringSubmatch(raw, -1)
	if len(codes) != 1 {
		return output, -1, fmt.Errorf("failed to parse exit code from output %q (command %q)", raw, command)
	}
	output += strings.Split(raw, "EXITCODESTART")[0]
	if _, _, err := r.s.await(regexp.QuoteMeta(rexPS1), 5*time.Second); err != nil {
		return output, -1, fmt.Errorf("no prompt after the exit code: %v", err)
	}
	code, _ := strconv.Atoi(codes[0][1])
	return strings.ReplaceAll(output, rexPS1, ""), code, nil
}

// 12. SWE-agent (SWE-ReX) drives the session and reads each command's exit
// code from its marker line: 1 after false, 126 after a held line. The same
// driver runs against the real bash first, to show that the emulation itself
// works.
func TestSessionSWEAgent(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	type step struct {
		cmd  string
		code int
		out  string // a regexp the output must match
	}
	steps := []step{
		{"set +H", 0, `^\s*$`},
		{"echo hi$((40+2))", 0, `^\s*hi42\s*$`},
		{"false", 1, `^\s*$`},
		{"cd sub && touch made-by-swe", 0, `^\s*$`},
		{"cd ..; ls sub", 0, `^\s*made-by-swe\s*$`},
		{pushCmd, 126, `gatesh: .*request \d+`},
		{"true", 0, `^\s*$`},
	}
	parent := t
	for _, variant := range []struct {
		name string
		// echoOff: pexpect.spawn(echo=False), as SWE-ReX spawns its bash.
		echoOff bool
		// sttyFirst: the driver sends stty -echo before anything else.
		sttyFirst bool
	}{
		{"SWE-ReX spawn (terminal echo off)", true, false},
		{"stty -echo first", false, true},
	} {
		t.Run(variant.name, func(t *testing.T) {
			e.TB = t
			defer func() { e.TB = parent }()
			for _, sh := range []string{"real bash", "gatesh"} {
				e.Fresh()
				e.Commit(e.Work, "local.txt", "not pushed yet\n", "local commit")
				before = e.RemoteRef("main")
				if err := os.Mkdir(filepath.Join(e.Work, "sub"), 0o755); err != nil {
					t.Fatal(err)
				}
				c := sessConfig{Env: []string{"PS1=" + rexPS1, "PS2=", "PS0=", "GATESH_HOLD_WAIT=1"}}
				if variant.echoOff {
					c.Termios = func(tio *unix.Termios) { tio.Lflag &^= unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHONL }
				}
				if sh == "real bash" {
					c.Path, c.Args = RealBashPath, []string{"-i"}
				}
				s := startSess(t, e, c)
				r := rex{s}
				if variant.sttyFirst {
					// A driver waits for the prompt after stty: keys typed
					// while stty still runs are echoed by the terminal
					// itself, in bash as in gatesh (where the line's round
					// trip to the gate makes that window wider).
					s.send("stty -echo\n")
					s.expectRe(`stty -echo\r\n\x1b\[\?2004l\r\x1b\[\?2004h\$ `)
				}
				if err := r.start(); err != nil {
					t.Fatalf("%s: the start: %v", sh, err)
				}
				for _, st := range steps {
					if sh == "real bash" && st.cmd == pushCmd {
						continue // it would push
					}
					out, code, err := r.run(st.cmd, 20*time.Second)
					switch {
					case err != nil:
						t.Errorf("%s: %q: %v", sh, st.cmd, err)
					case code != st.code:
						t.Errorf("%s: %q: exit code %d, want %d (output %q)", sh, st.cmd, code, st.code, out)
					case !regexp.MustCompile(st.out).MatchString(strings.ReplaceAll(out, "\r", "")):
						t.Errorf("%s: %q: output %q, want %s", sh, st.cmd, out, st.out)
					}
					if t.Failed() {
						if sh == "real bash" {
							t.Fatal("the SWE-ReX emulation does not work with the real bash: the test is wrong")
						}
						break
					}
				}
				if !Exists(filepath.Join(e.Work, "sub", "made-by-swe")) {
					t.Errorf("%s: the command run through SWE-ReX's driver did not create its file", sh)
				}
				if e.RemoteRef("main") != before {
					t.Errorf("%s: the held push reached origin", sh)
				}
				s.master.Close()
				s.wait(10 * time.Second)
				if t.Failed() {
					return
				}
			}
		})
	}
}

// 13. OpenHands' PROMPT_COMMAND marker: each prompt carries the JSON block with
// the exit code of the line before it.
func TestSessionOpenHandsMarker(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	s := startSess(t, e, sessConfig{Env: []string{"GATESH_RECORD=1"}})
	s.line(`PROMPT_COMMAND='export PS1="\n###PS1JSON###\n{\"exit_code\": \"$?\"}\n###PS1END###\n"'; export PS2=""`)
	// PS1's newlines reach the terminal as \r\r\n (readline's CR, the
	// terminal's ONLCR).
	block := `###PS1JSON###[\r\n]+(\{.*?\})[\r\n]+###PS1END###`
	code := func(what string) string {
		t.Helper()
		m := s.expectRe(block)
		var md struct {
			ExitCode string `json:"exit_code"`
		}
		if err := json.Unmarshal([]byte(m[1]), &md); err != nil {
			t.Fatalf("%s: the PS1 block %q is not JSON: %v", what, m[1], err)
		}
		return md.ExitCode
	}
	if got := code("after PROMPT_COMMAND"); got != "0" {
		t.Errorf("after setting PROMPT_COMMAND the block says exit_code %q", got)
	}
	for _, c := range []struct{ line, want string }{
		{"false", "1"},
		{"true", "0"},
		{"(exit 7)", "7"},
		{pushCmd, "126"},
		{"echo done$((1+1))", "0"},
	} {
		s.line(c.line)
		if got := code(c.line); got != c.want {
			t.Errorf("after %q the PS1 block says exit_code %q, want %q", c.line, got, c.want)
		}
	}
	if e.RemoteRef("main") != before {
		t.Error("the held push reached origin")
	}
	// The session's own end markers still come (in the recording), with the
	// line's status, although element 0 of PROMPT_COMMAND ran before them.
	s.line("exit")
	s.wait(10 * time.Second)
	var statuses []string
	for _, ev := range castEvents(t, e) {
		if ev.code == "m" && strings.HasPrefix(ev.data, "end status=") {
			statuses = append(statuses, strings.Fields(strings.TrimPrefix(ev.data, "end status="))[0])
		}
	}
	if want := []string{"0", "1", "0", "7", "126", "0"}; !containsRun(statuses, want) {
		t.Errorf("the recording's end markers have statuses %v, want them to include %v in order", statuses, want)
	}
}

// containsRun reports whether want occurs in got as consecutive elements.
func containsRun(got, want []string) bool {
	for i := 0; i+len(want) <= len(got); i++ {
		ok := true
		for j := range want {
			if got[i+j] != want[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// 14. 100 000 lines of output arrive intact, and no end marker of gatesh's
// with them.
func TestSessionLargeOutput(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	s := startSess(t, e, sessConfig{})
	s.sync()
	start := s.Pos()
	s.line("seq 1 100000; echo EN$((2+3))D")
	s.expectReWithin(`EN5D`, 60*time.Second)
	out := s.Since(start)
	end := strings.Index(out, "EN5D")
	// The numbers follow the command line's last echo.
	body := out[strings.LastIndex(out[:end], "EN$((2+3))D")+len("EN$((2+3))D") : end]
	lines := strings.Split(body, "\n")
	lines = lines[1 : len(lines)-1] // the end of the command line; the start of EN5D's
	if len(lines) != 100000 {
		t.Errorf("%d lines of output between the command and its end, want 100000", len(lines))
	}
	if len(lines) > 0 {
		// readline leaves bracketed paste mode before the command runs.
		lines[0] = strings.TrimPrefix(lines[0], "\x1b[?2004l\r")
	}
	for i, l := range lines {
		if l != strconv.Itoa(i+1)+"\r" {
			t.Fatalf("line %d of the output is %q, want %d", i+1, l, i+1)
		}
	}
	all := string(s.Output())
	if strings.Contains(all, "\x1b]6973") || strings.Contains(all, "6973;") {
		i := strings.Index(all, "6973")
		t.Errorf("gatesh's end marker reached the terminal: %q", all[max(i-20, 0):min(i+80, len(all))])
	}
}

// 15. A multi-line command is judged as a whole: a for loop whose body pushes
// runs nothing; a heredoc typed over lines works.
func TestSessionMultiLineDenied(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	ran := filepath.Join(e.Root, "loop-ran")
	s := startSess(t, e, sessConfig{})
	s.line("for i in 1; do")
	s.line("touch " + ran)
	s.line(pushCmd)
	s.line("done")
	s.expectRe(heldRE)
	s.wantStatus(126, "the refused loop")
	if Exists(ran) {
		t.Error("the first line of the refused loop's body ran")
	}
	if e.RemoteRef("main") != before || pushed(e) {
		t.Error("the refused loop's push reached origin")
	}
	// The request is for the whole loop.
	found := false
	for _, r := range listRequests(t, e, true) {
		if strings.Contains(r.Command, "for i in 1") && strings.Contains(r.Command, pushCmd) && strings.Contains(r.Command, "touch") {
			found = true
		}
	}
	if !found {
		t.Errorf("no request holds the whole loop: %+v", listRequests(t, e, true))
	}

	// A heredoc over several lines.
	file := filepath.Join(e.Root, "heredoc.txt")
	s.line("cat <<EOF > " + file)
	s.line("first line")
	s.line("second $((6*7))")
	s.line("EOF")
	s.wantStatus(0, "the heredoc")
	if got := e.ReadFile(file); got != "first line\nsecond 42\n" {
		t.Errorf("the heredoc wrote %q", got)
	}
	// A heredoc feeding a shell that pushes is refused as a whole.
	s.line("bash <<EOF")
	s.line("touch " + ran)
	s.line(pushCmd)
	s.line("EOF")
	s.expectRe(heldRE)
	s.wantStatus(126, "the refused heredoc")
	if Exists(ran) || e.RemoteRef("main") != before {
		t.Error("the refused heredoc ran")
	}
}

// 16. Ways to run a line without Enter's judgment run nothing unjudged.
func TestSessionBypasses(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	before := e.RemoteRef("main")
	notPushed := func(t *testing.T) {
		t.Helper()
		if e.RemoteRef("main") != before || pushed(e) {
			t.Fatal("the push reached origin")
		}
	}
	parent := t
	start := func(t *testing.T) *sessTerm {
		e.TB = t
		t.Cleanup(func() { e.TB = parent })
		return startSess(t, e, sessConfig{})
	}

	t.Run("Ctrl-O is Enter", func(t *testing.T) {
		s := start(t)
		file := filepath.Join(e.Root, "ctrl-o")
		s.send("touch " + file + "\x0f")
		s.ready()
		if !Exists(file) {
			t.Error("Ctrl-O did not run an allowed line")
		}
		s.send(pushCmd + "\x0f")
		s.expectRe(heldRE)
		s.wantStatus(126, "a push with Ctrl-O")
		notPushed(t)
	})

	t.Run("Ctrl-X Ctrl-E", func(t *testing.T) {
		s := start(t)
		file := filepath.Join(e.Root, "ctrl-x-ctrl-e")
		s.send("touch " + file + "\x18\x05")
		s.send("\x15") // Ctrl-U: whatever is left of the line goes
		s.ready()
		if Exists(file) {
			t.Error("Ctrl-X Ctrl-E ran the line")
		}
		s.send(pushCmd + "\x18\x05\x15")
		s.ready()
		notPushed(t)
	})

	t.Run("vi mode", func(t *testing.T) {
		s := start(t)
		s.line("set -o vi")
		s.ready()
		s.line(pushCmd)
		s.expectRe(heldRE)
		s.wantStatus(126, "a push in vi insert mode")
		notPushed(t)
		// Enter in vi command mode.
		s.expect("$ ")
		s.send(pushCmd + "\x1b\r")
		s.expectRe(heldRE)
		s.wantStatus(126, "a push in vi command mode")
		notPushed(t)
		s.expect("$ ")
		// v (edit-and-execute) in command mode.
		file := filepath.Join(e.Root, "vi-v")
		s.send("touch " + file + "\x1bv")
		s.send("S\x15") // substitute the line, then clear it
		s.sync()
		if Exists(file) {
			t.Error("v in vi command mode ran the line")
		}
	})

	t.Run("bind -x on Enter", func(t *testing.T) {
		s := start(t)
		s.line(`bind -x '"\C-m": true'`)
		s.wantStatus(126, "bind -x on Enter")
		s.line(pushCmd)
		s.expectRe(heldRE)
		s.wantStatus(126, "a push after the bind attempt")
		notPushed(t)
	})

	t.Run("trap - DEBUG", func(t *testing.T) {
		s := start(t)
		s.line("trap - DEBUG")
		s.wantStatus(126, "trap - DEBUG")
		s.line("trap -p DEBUG | tr a-z A-Z")
		s.expect("__GATESH_DEBUG")
	})

	t.Run("exec 63>&-", func(t *testing.T) {
		s := start(t)
		s.line("exec 63>&-")
		s.wantStatus(126, "exec 63>&-")
		s.line("test -e /proc/$$/fd/63 && echo fd$((60+3))open")
		s.expect("fd63open")
		s.line(pushCmd)
		s.expectRe(heldRE)
		notPushed(t)
	})

	t.Run("history expansion", func(t *testing.T) {
		s := start(t)
		s.line(pushCmd)
		s.expectRe(heldRE)
		s.wantStatus(126, "the push")
		s.line(pushCmd)
		s.expectRe(heldRE)
		n := strings.Count(s.Since(0), "run the same line again")
		// !! recalls the push; with histverify it comes back to the line
		// instead of running.
		s.expect("$ ")
		s.line("!!")
		s.expect(pushCmd)
		notPushed(t)
		// A second Enter judges it.
		s.send("\r")
		s.expectRe(heldRE)
		s.wantStatus(126, "the expanded push")
		notPushed(t)
		if got := strings.Count(s.Since(0), "run the same line again"); got != n+1 {
			t.Errorf("the expanded push was judged %d times, want once", got-n)
		}
		// What the person is asked about is the line that would run.
		for _, r := range listRequests(t, e, true) {
			if r.Command != pushCmd {
				t.Errorf("request %d is for %q, want %q (the line bash would run)", r.ID, r.Command, pushCmd)
			}
		}
	})
}

// castEvent is one event of a recording.
type castEvent struct {
	time float64
	code string
	data string
}

// castEvents reads the Env's one recording.
func castEvents(t *testing.T, e *Env) []castEvent {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(e.GateshHome, "state", "sessions", "*.cast"))
	if len(paths) != 1 {
		t.Fatalf("recordings: %v, want one", paths)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	var evs []castEvent
	for n := 0; sc.Scan(); n++ {
		if n == 0 {
			continue // the header
		}
		var raw []any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil || len(raw) != 3 {
			t.Fatalf("line %d of the recording is not an event: %q", n+1, sc.Text())
		}
		tm, _ := raw[0].(float64)
		code, _ := raw[1].(string)
		data, _ := raw[2].(string)
		evs = append(evs, castEvent{tm, code, data})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return evs
}

// 17. The recording: listed after the session, replayed to the same screen
// the terminal showed, without markers in its output; a damaged one is an
// error.
func TestSessionRecording(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	s := startSess(t, e, sessConfig{Env: []string{"GATESH_RECORD=1", "AI_AGENT=e2e-agent"}})
	s.line("echo rec$((1+2))")
	s.expect("rec3")
	s.line(pushCmd)
	s.expectRe(heldRE)
	s.line("false")
	s.line("printf 'last %s\\n' line")
	s.expect("last line")
	s.line("exit")
	if st := s.wait(10 * time.Second); st != 0 {
		t.Errorf("exit: status %d", st)
	}
	<-s.readDone

	r := ctlOK(t, e, nil, "sessions", "--json")
	var list []struct {
		ID      string `json:"id"`
		Path    string `json:"path"`
		Markers int    `json:"markers"`
		Damaged string `json:"damaged"`
		Width   int    `json:"width"`
		Height  int    `json:"height"`
		Agent   string `json:"agent"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("gatectl sessions --json: %v\n%s", err, r)
	}
	if len(list) != 1 {
		t.Fatalf("gatectl sessions lists %d sessions, want 1: %s", len(list), r.Stdout)
	}
	rec := list[0]
	if rec.Markers < 4 || rec.Damaged != "" || rec.Width != 80 || rec.Height != 24 || rec.Agent != "e2e-agent" {
		t.Errorf("the listed recording: %+v", rec)
	}
	if r := ctlOK(t, e, nil, "sessions"); !strings.Contains(r.Stdout, rec.ID) {
		t.Errorf("gatectl sessions does not list %s: %q", rec.ID, r.Stdout)
	}

	// The screen the terminal showed, and the one replayed.
	scr := vtscreen.New(80, 24)
	scr.Write(s.Output())
	want := scr.Text()
	r = ctlOK(t, e, nil, "replay", rec.ID, "--screen")
	if lastLines(r.Stdout, 8) != lastLines(want, 8) {
		t.Errorf("gatectl replay --screen ends\n%s\nthe terminal's screen ends\n%s", lastLines(r.Stdout, 8), lastLines(want, 8))
	}
	if r.Stdout != want {
		t.Logf("(the whole screens differ:\nreplayed %q\nterminal %q)", r.Stdout, want)
	}
	if !strings.Contains(want, "last line") {
		t.Errorf("the terminal's screen lacks the last output: %q", want)
	}
	r = ctlOK(t, e, nil, "replay", rec.ID, "--speed", "0")
	if !strings.Contains(r.Stdout, "rec3") || !strings.Contains(r.Stdout, "last line") || strings.Contains(r.Stdout, "6973;") {
		t.Errorf("gatectl replay --speed 0 printed %q", r.Stdout)
	}

	// Markers are events of their own, never output.
	var labels []string
	for _, ev := range castEvents(t, e) {
		switch ev.code {
		case "o":
			if strings.Contains(ev.data, "\x1b]6973") || strings.Contains(ev.data, "6973;") {
				t.Errorf("an output event holds gatesh's marker: %q", ev.data)
			}
		case "m":
			labels = append(labels, ev.data)
		}
	}
	joined := strings.Join(labels, "\n")
	for _, want := range []string{"allow: echo rec$((1+2))", "end status=0", "end status=126", "end status=1"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the recording's markers lack %q: %q", want, labels)
		}
	}

	// Damage: the last line cut in the middle.
	b, err := os.ReadFile(rec.Path)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimSuffix(string(b), "\n")
	lastStart := strings.LastIndexByte(body, '\n') + 1
	nLines := strings.Count(body, "\n") + 1
	cut := lastStart + (len(body)-lastStart)/2
	if err := os.Truncate(rec.Path, int64(cut)); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"replay", rec.ID, "--screen"}, {"replay", rec.ID, "--speed", "0"}} {
		r := e.Ctl(nil, args...)
		if r.Status != 1 || !strings.Contains(r.Stderr, "gatectl replay: ") || !strings.Contains(r.Stderr, fmt.Sprintf("line %d", nLines)) {
			t.Errorf("gatectl %s on a recording cut in its line %d: %s", strings.Join(args, " "), nLines, r)
		}
	}
	if r := ctlOK(t, e, nil, "sessions"); !strings.Contains(r.Stdout, "damaged") {
		t.Errorf("gatectl sessions does not say the recording is damaged: %q", r.Stdout)
	}
}

// lastLines is the last n lines of text.
func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// 18. The terminal hangs up: gatesh ends, and so do its bash and what bash
// runs (a foreground command, a background job).
func TestSessionHangup(t *testing.T) {
	if signal.Ignored(syscall.SIGHUP) {
		// Under nohup every process of the test inherits the ignored
		// SIGHUP, and bash's jobs survive a hang-up, as they would in bash.
		t.Skip("SIGHUP is ignored (the suite runs under nohup): a hang-up kills no job")
	}
	e := NewEnv(t)
	e.Fresh()
	parent := t
	for _, fg := range []bool{false, true} {
		name := "at the prompt"
		if fg {
			name = "while a command runs"
		}
		t.Run(name, func(t *testing.T) {
			e.TB = t
			defer func() { e.TB = parent }()
			s := startSess(t, e, sessConfig{})
			s.line("sleep 300 & echo bg=$!=")
			bg := int(mustAtoi(t, s.expectRe(`bg=(\d+)=`)[1]))
			t.Cleanup(func() {
				if alive(bg) {
					syscall.Kill(bg, syscall.SIGKILL)
				}
			})
			s.sync()
			// At the prompt: bash is in readline, not in the prompt hook.
			// (A hang-up that comes while PROMPT_COMMAND runs makes bash
			// exit without hanging up its jobs: bash's own behaviour, which
			// the session's prompt hook gives a window at every prompt.)
			s.expect("$ ")
			bash := s.bashPID()
			fgPID := 0
			if fg {
				s.line("sleep 301")
				fgPID = s.waitProc("sleep 301")
				t.Cleanup(func() {
					if alive(fgPID) {
						syscall.Kill(fgPID, syscall.SIGKILL)
					}
				})
			}
			if !alive(bg) || !alive(bash) {
				t.Fatalf("bash %d or its job %d is not running", bash, bg)
			}
			s.master.Close()
			st := s.wait(10 * time.Second)
			t.Logf("gatesh's status after the hang-up: %d", st)
			deadline := time.Now().Add(5 * time.Second)
			for (alive(bash) || alive(bg) || (fgPID != 0 && alive(fgPID))) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if alive(bash) {
				t.Errorf("bash (pid %d) still runs after the hang-up", bash)
			}
			if alive(bg) {
				t.Errorf("bash's background job (pid %d) still runs after the hang-up", bg)
			}
			if fgPID != 0 && alive(fgPID) {
				t.Errorf("the foreground command (pid %d) still runs after the hang-up", fgPID)
			}
		})
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}
