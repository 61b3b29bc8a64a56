package e2e

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The gate fails closed: whatever goes wrong between gatesh and its daemon, a
// held command does not run, and gatesh ends with 126 and one clear gatesh: line
// instead of hanging.

// pushCmd is the held command of these tests; withLocalCommit makes it matter.
const pushCmd = "git push origin HEAD:main"

// freshWithLocalCommit builds the world and commits on main, so that pushCmd
// would move origin's main.
func freshWithLocalCommit(e *Env) {
	e.TB.Helper()
	e.Fresh()
	e.Commit(e.Work, "local.txt", "not pushed yet\n", "local commit")
}

// pushed reports whether origin's main is the local HEAD.
func pushed(e *Env) bool { return e.RemoteRef("main") == e.Git(e.Work, "rev-parse", "HEAD") }

// assertHeldPush runs pushCmd through gatesh and checks that it is refused and
// did not reach origin. The message must be one gatesh: line holding each of
// want.
func assertHeldPush(t *testing.T, e *Env, want ...string) Result {
	t.Helper()
	before := e.RemoteRef("main")
	r := e.Gatesh(Call{Args: []string{"-c", pushCmd}})
	assertFailClosed(t, r, want...)
	if after := e.RemoteRef("main"); after != before || pushed(e) {
		t.Errorf("the held push reached origin (main %s -> %s)", before, after)
	}
	return r
}

// assertFailClosed checks exit 126, nothing on stdout, and exactly one gatesh:
// line on stderr that holds each of want.
func assertFailClosed(t *testing.T, r Result, want ...string) {
	t.Helper()
	if r.Status != 126 {
		t.Errorf("exit status %d, want 126\n%s", r.Status, r)
	}
	if r.Stdout != "" {
		t.Errorf("stdout %q, want nothing", r.Stdout)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "gatesh: ") || !strings.HasSuffix(r.Stderr, "\n") {
		t.Errorf("stderr is not one gatesh: line: %q", r.Stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("the message does not say %q: %q", w, r.Stderr)
		}
	}
}

// assertRanOrRefused runs an allowed command that creates a file: it either ran
// (exit 0, the file exists) or was refused cleanly (exit 126, one gatesh: line,
// no file). Both are acceptable where the daemon cannot be used; running part
// of it, or hanging, is not.
func assertRanOrRefused(t *testing.T, e *Env) Result {
	t.Helper()
	file := filepath.Join(e.Work, "allowed.txt")
	os.Remove(file)
	r := e.Gatesh(Call{Args: []string{"-c", "echo allowed > allowed.txt && echo done"}})
	switch r.Status {
	case 0:
		if r.Stdout != "done\n" || e.ReadFile(file) != "allowed\n" {
			t.Errorf("the allowed command ran wrongly: %s", r)
		}
	case 126:
		assertFailClosed(t, r)
		if Exists(file) {
			t.Errorf("refused, yet the command ran")
		}
	default:
		t.Errorf("the allowed command neither ran nor was refused: %s", r)
	}
	return r
}

// assertRuns runs an allowed command and checks that it ran.
func assertRuns(t *testing.T, e *Env, name string) {
	t.Helper()
	r := e.Gatesh(Call{Args: []string{"-c", "echo " + name + " > " + name + ".txt && cat " + name + ".txt"}})
	if r.Status != 0 || r.Stdout != name+"\n" || r.Stderr != "" {
		t.Errorf("the allowed command %s did not run as bash would: %s", name, r)
	}
}

// TestDaemonKilledBetweenCalls SIGKILLs the daemon between calls: the next call
// decides as before (a new daemon, or the one-shot fallback), allowed commands
// run and held ones stay held.
func TestDaemonKilledBetweenCalls(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	assertRuns(t, e, "first")
	first := e.WaitDaemon()

	e.KillDaemons(syscall.SIGKILL)
	assertHeldPush(t, e, pushCmd, "held")
	second := e.WaitDaemon()
	if second == first {
		t.Errorf("the killed daemon %d still serves", first)
	}

	e.KillDaemons(syscall.SIGKILL)
	assertRuns(t, e, "second")

	e.KillDaemons(syscall.SIGKILL)
	assertHeldPush(t, e, pushCmd, "held")
	assertRuns(t, e, "third")
}

// TestDaemonKilledDuringRequest kills the daemon while gatesh waits for its
// answer (the daemon is stopped, gatesh has sent its question, then the daemon
// is killed): gatesh must not take the broken connection for an allow.
func TestDaemonKilledDuringRequest(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	assertRuns(t, e, "warmup")
	pid := e.WaitDaemon()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	done := make(chan Result, 1)
	go func() {
		done <- e.Gatesh(Call{Args: []string{"-c", pushCmd}})
	}()
	time.Sleep(700 * time.Millisecond) // gatesh connects and sends; the stopped daemon does not answer
	syscall.Kill(pid, syscall.SIGKILL)
	var r Result
	select {
	case r = <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("gatesh did not end after its daemon was killed")
	}
	t.Logf("push while the daemon died: %s", r)
	assertFailClosed(t, r)
	if pushed(e) {
		t.Errorf("the push ran although the daemon died before answering")
	}
	if r.Elapsed > 9*time.Second {
		t.Errorf("gatesh took %v to notice that its daemon died", r.Elapsed)
	}
}

// TestDaemonHung stops the daemon (SIGSTOP): gatesh gives up after its timeout
// with 126 and a message, instead of hanging or running the command.
func TestDaemonHung(t *testing.T) {
	t.Parallel() // it mostly waits for gatesh's timeout
	e := NewEnv(t)
	freshWithLocalCommit(e)
	assertRuns(t, e, "warmup")
	pid := e.WaitDaemon()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	r := assertHeldPush(t, e, "daemon")
	t.Logf("push with a hung daemon: %s", r)
	if r.Elapsed > 25*time.Second {
		t.Errorf("gatesh waited %v for a hung daemon", r.Elapsed)
	}
}

// TestSocketPathTakenByFile puts a stranger's regular file where the socket
// belongs: the daemon must not remove it, and gatesh must not run a held
// command (an allowed one may run through the one-shot fallback).
func TestSocketPathTakenByFile(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	if err := os.MkdirAll(e.RunDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	const content = "a stranger's file, not a socket\n"
	e.WriteFile(e.Socket(), content)
	if os.Getuid() == 0 {
		if err := os.Chown(e.Socket(), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	r := assertHeldPush(t, e)
	t.Logf("held push: %s", r.Stderr)
	r = assertRanOrRefused(t, e)
	t.Logf("allowed command: %s", r)
	fi, err := os.Lstat(e.Socket())
	if err != nil || !fi.Mode().IsRegular() || e.ReadFile(e.Socket()) != content {
		t.Errorf("the stranger's file at the socket path was replaced or changed (%v, %v)", fi, err)
	}
}

// TestRunDirOwnedByOther gives the socket directory to another uid (root only):
// gatesh refuses to use a daemon someone else controls, or uses the fallback;
// either way a held command does not run.
func TestRunDirOwnedByOther(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown the socket directory to another uid")
	}
	e := NewEnv(t)
	freshWithLocalCommit(e)
	if err := os.MkdirAll(e.RunDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(e.RunDir(), 65534, 65534); err != nil {
		t.Fatal(err)
	}
	r := assertHeldPush(t, e)
	t.Logf("held push: %s", r.Stderr)
	if !strings.Contains(r.Stderr, pushCmd) && !strings.Contains(r.Stderr, "65534") {
		t.Errorf("the message neither judges the command nor names the foreign owner: %q", r.Stderr)
	}
	r = assertRanOrRefused(t, e)
	t.Logf("allowed command: %s", r)
	if r.Status == 126 && !strings.Contains(r.Stderr, e.RunDir()) {
		t.Errorf("the refusal does not name the directory at fault: %q", r.Stderr)
	}
	if pids := e.DaemonPIDs(); len(pids) != 0 {
		t.Errorf("a daemon runs on a socket directory that belongs to someone else: %v", pids)
	}
}

// TestPolicySyntaxError starts the daemon with a user policy file that does not
// parse: every command, even `true`, is refused with a message naming the file.
func TestPolicySyntaxError(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	bad := filepath.Join(e.PolicyDir(), "broken.rego")
	e.WriteFile(bad, "package gatesh.rules.mine\n\nhold contains r if {\n\tr := {\"id\": \"mine\"\n}\n")
	r := e.Gatesh(Call{Args: []string{"-c", "true"}})
	assertFailClosed(t, r, "broken.rego")
	r = e.Gatesh(Call{Args: []string{"-c", "touch made.txt"}})
	assertFailClosed(t, r, "broken.rego")
	if Exists(filepath.Join(e.Work, "made.txt")) {
		t.Errorf("a command ran under a policy that does not compile")
	}
	assertHeldPush(t, e, "broken.rego")
}

// TestRequestTooLarge sends a request over the protocol limit (an environment of
// about 1.5 MiB): 126 and a message that says so, promptly, and nothing runs.
func TestRequestTooLarge(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	// One environment string may not exceed 128 KiB (MAX_ARG_STRLEN), so the
	// 1.5 MiB is spread over fifteen variables.
	chunk := strings.Repeat("x", 100<<10)
	var big []string
	for i := range 15 {
		big = append(big, fmt.Sprintf("E2E_BIG_%02d=%s", i, chunk))
	}
	for _, round := range []string{"first call (starts the daemon)", "daemon running"} {
		r := e.Gatesh(Call{Args: []string{"-c", "touch big.txt"}, Env: big})
		assertFailClosed(t, r, "limit")
		if Exists(filepath.Join(e.Work, "big.txt")) {
			t.Errorf("%s: the command ran although its request was not judged", round)
		}
		if r.Elapsed > 15*time.Second {
			t.Errorf("%s: took %v", round, r.Elapsed)
		}
	}
}

// TestScriptTooLarge runs a script file larger than gatesh judges whole: it is
// refused, not run unjudged.
func TestScriptTooLarge(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	script := strings.Repeat(": padding line of a large generated script\n", 7000) + "touch script-ran.txt\n"
	e.WriteFile(filepath.Join(e.Work, "big.sh"), script)
	r := e.Gatesh(Call{Args: []string{"big.sh"}})
	assertFailClosed(t, r, "big.sh")
	if Exists(filepath.Join(e.Work, "script-ran.txt")) {
		t.Errorf("the script ran unjudged")
	}
}

// TestGatectlMissing runs a gatesh that has no gatectl beside it or on PATH, and
// no daemon: nothing can judge, so nothing runs.
func TestGatectlMissing(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	bash, path := gateshWithoutGatectl(t)
	e.SetVar("PATH=" + path)
	r := e.Gatesh(Call{Path: bash, Args: []string{"-c", pushCmd}})
	assertFailClosed(t, r, "gatectl")
	if pushed(e) {
		t.Errorf("the push ran without a judgment")
	}
	r = e.Gatesh(Call{Path: bash, Args: []string{"-c", "touch unjudged.txt"}})
	assertFailClosed(t, r, "gatectl")
	if Exists(filepath.Join(e.Work, "unjudged.txt")) {
		t.Errorf("a command ran without a judgment")
	}
	if pids := e.DaemonPIDs(); len(pids) != 0 {
		t.Errorf("a daemon runs: %v", pids)
	}
}

// gateshWithoutGatectl copies gatesh, with a bash link to it, to a directory of
// its own, and returns the link and a PATH on which no gatectl is found (the
// test is skipped where one is installed system-wide).
func gateshWithoutGatectl(t *testing.T) (bash, path string) {
	t.Helper()
	iso, err := os.MkdirTemp("/tmp", "gsi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(iso) })
	copyFile(t, GateshBin, filepath.Join(iso, "gatesh"))
	if err := os.Symlink("gatesh", filepath.Join(iso, "bash")); err != nil {
		t.Fatal(err)
	}
	path = iso + ":/usr/bin:/bin"
	if p, err := lookPath("gatectl", path); err == nil {
		t.Skipf("a gatectl is installed at %s", p)
	}
	return filepath.Join(iso, "bash"), path
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// takeSocketPath puts a regular file where the daemon's socket belongs, so that
// no daemon can serve and gatesh must use the one-shot fallback.
func takeSocketPath(t *testing.T, e *Env) {
	t.Helper()
	if err := os.MkdirAll(e.RunDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	e.WriteFile(e.Socket(), "not a socket\n")
}

// TestFallbackSeesWrappers makes the daemon unusable, so that every decision is
// the one-shot gatectl decide: it must see through harness wrappers as the
// daemon does (allowed wrapped commands run as in bash, held ones are refused
// naming the agent's command).
func TestFallbackSeesWrappers(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	takeSocketPath(t, e)
	snap := e.WriteClaudeSnapshot()
	call := func(cmd string) Call {
		return Call{Args: ClaudeArgs(ClaudeWrapper(snap, e.ClaudeCwdFile, cmd)), Env: ClaudeEnv(), Stdin: openStdin(e)}
	}
	r := e.Gatesh(call("greet fallback && git log --oneline -1"))
	if r.Status != 0 || r.Stdout != "hello, fallback\n"+e.Git(e.Work, "log", "--oneline", "-1")+"\n" || r.Stderr != "" {
		t.Errorf("the allowed wrapped command did not run as in bash: %s", r)
	}
	if got := e.ReadFile(e.ClaudeCwdFile); got != e.Work+"\n" {
		t.Errorf("the wrapper's cwd file holds %q", got)
	}
	os.Remove(e.ClaudeCwdFile)
	r = e.Gatesh(call(pushCmd))
	assertRefused(t, r, pushCmd, wrapperForms()[0].marks)
	if pushed(e) || Exists(e.ClaudeCwdFile) {
		t.Errorf("the held wrapped push ran (pushed %v)", pushed(e))
	}
	if pids := e.DaemonPIDs(); len(pids) != 0 {
		t.Errorf("a daemon runs although its socket path is taken: %v", pids)
	}
}

// TestRequestTooLargeFallback sends an oversized request when only the one-shot
// fallback can judge.
func TestRequestTooLargeFallback(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	takeSocketPath(t, e)
	chunk := strings.Repeat("y", 100<<10)
	var big []string
	for i := range 15 {
		big = append(big, fmt.Sprintf("E2E_BIG_%02d=%s", i, chunk))
	}
	r := e.Gatesh(Call{Args: []string{"-c", "touch big.txt"}, Env: big})
	t.Logf("%s", r)
	assertFailClosed(t, r, "limit")
	if Exists(filepath.Join(e.Work, "big.txt")) {
		t.Errorf("the command ran although its request was not judged")
	}
}

// TestConcurrentStart starts many gatesh at once with no daemon running: they
// race to start it, one wins, and every call gets its own right decision.
func TestConcurrentStart(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	const n = 8
	results := make([]Result, n)
	done := make(chan int)
	for i := range n {
		go func() {
			cmd := fmt.Sprintf("echo %d > c%d.txt && cat c%d.txt", i, i, i)
			if i%4 == 3 {
				cmd = pushCmd
			}
			results[i] = e.Gatesh(Call{Args: []string{"-c", cmd}})
			done <- i
		}()
	}
	for range n {
		<-done
	}
	for i, r := range results {
		if i%4 == 3 {
			assertRefused(t, r, pushCmd, nil)
			continue
		}
		if want := fmt.Sprintf("%d\n", i); r.Status != 0 || r.Stdout != want || r.Stderr != "" {
			t.Errorf("call %d: %s", i, r)
		}
	}
	if pushed(e) {
		t.Errorf("a held push ran")
	}
	e.WaitDaemon()
	if pids := e.DaemonPIDs(); len(pids) != 1 {
		t.Errorf("%d gatectl processes run, want one daemon: %v", len(pids), pids)
	}
}
