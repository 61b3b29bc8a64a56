// Package e2e runs the real gatesh and gatectl binaries end to end: the shell as
// the agent harnesses start it, against real bash, real git repositories and a
// real daemon.
//
// TestMain builds cmd/gatesh and cmd/gatectl once per test run into a temporary
// directory, next to a shim directory whose bash and sh are symlinks to gatesh (as
// `gatectl install` makes it). Every test then works in an Env: its own short
// GATESH_HOME (so its own daemon), its own HOME, and a world of files (a git
// working tree with a bare origin) that a command can change and that can be reset
// and compared.
//
// The helpers here are meant for every test and benchmark of the package:
//
//	e := NewEnv(t)                      // or b: NewEnv takes a testing.TB
//	e.Fresh()                           // (re)build the world: HOME, work tree, origin
//	r := e.Run(Gatesh, Call{Args: []string{"-c", "git status"}})
//	w := e.Run(RealBash, Call{Args: []string{"-c", "git status"}})
//	e.KillDaemons(syscall.SIGKILL)      // the daemon is otherwise stopped in Cleanup
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Paths set up by TestMain.
var (
	// BinDir holds the freshly built gatesh and gatectl.
	BinDir string
	// GateshBin and GatectlBin are the built binaries.
	GateshBin, GatectlBin string
	// ShimDir holds bash and sh, symlinks to GateshBin: the directory a user puts
	// first on PATH.
	ShimDir string
	// ShimBash is ShimDir/bash, the path a harness is given as its shell.
	ShimBash string
	// RealBashPath is the bash gatesh hands allowed commands to (the first bash
	// on SystemPath), and the one RealBash runs.
	RealBashPath string
)

// SystemPath is the PATH after the shim directory.
const SystemPath = "/usr/local/bin:/usr/bin:/bin"

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("/tmp", "gse-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the binaries:", err)
		return 1
	}
	return m.Run()
}

// build builds gatesh and gatectl into dir and makes the shim directory.
func build(dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	root, err := moduleRoot(goBin)
	if err != nil {
		return err
	}
	BinDir = dir
	GateshBin = filepath.Join(dir, "gatesh")
	GatectlBin = filepath.Join(dir, "gatectl")
	for _, b := range []struct{ out, pkg string }{{GateshBin, "./cmd/gatesh"}, {GatectlBin, "./cmd/gatectl"}} {
		cmd := exec.Command(goBin, "build", "-o", b.out, b.pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as make build links them
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	ShimDir = filepath.Join(dir, "shim")
	ShimBash = filepath.Join(ShimDir, "bash")
	if err := os.Mkdir(ShimDir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"bash", "sh"} {
		if err := os.Symlink(GateshBin, filepath.Join(ShimDir, name)); err != nil {
			return err
		}
	}
	if RealBashPath, err = lookPath("bash", SystemPath); err != nil {
		return err
	}
	return nil
}

func moduleRoot(goBin string) (string, error) {
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the gatesh module")
	}
	return filepath.Dir(mod), nil
}

// lookPath finds an executable named name in the directories of path.
func lookPath(name, path string) (string, error) {
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %s on %s", name, path)
}

// Shell selects the program a Call runs.
type Shell int

const (
	// Gatesh is the shim's bash: gatesh, as a harness finds it.
	Gatesh Shell = iota
	// RealBash is the real bash, for comparison.
	RealBash
)

// Path is the shell's executable.
func (s Shell) Path() string {
	if s == Gatesh {
		return ShimBash
	}
	return RealBashPath
}

func (s Shell) String() string {
	if s == Gatesh {
		return "gatesh"
	}
	return "bash"
}

// ShellToken, anywhere in a Call's Args, Argv0 or Env values, stands for the path
// of the shell the call runs (the shim for Gatesh, the real bash for RealBash), so
// that one Call describes both runs: a Codex outer call that execs "its" shell, or
// SHELL=<the harness's shell>.
const ShellToken = "@SHELL@"

// Call is one start of a shell.
type Call struct {
	// Args follow argv[0].
	Args []string
	// Argv0 is argv[0]; empty means the shell's path, which is what harnesses
	// that spawn a shell by path give.
	Argv0 string
	// Dir is the working directory; empty means the Env's work tree.
	Dir string
	// Env holds NAME=VALUE entries added to (or replacing) the Env's base
	// environment; a bare NAME removes it.
	Env []string
	// Stdin is the standard input; nil means /dev/null. An *os.File (such as the
	// read end of a pipe kept open) is passed as it is.
	Stdin io.Reader
	// ExtraFiles become descriptors 3, 4, … of the shell.
	ExtraFiles []*os.File
	// Merged sends stdout and stderr to one pipe (as Claude Code does); the
	// Result's Stdout then holds both.
	Merged bool
	// Timeout bounds the call (DefaultCallTimeout when zero). A call that runs
	// out of time is killed with its process group and fails the test.
	Timeout time.Duration
	// Path, when set, is run instead of the shell's executable.
	Path string
}

// DefaultCallTimeout bounds a Call.
const DefaultCallTimeout = 30 * time.Second

// Result is what a call did.
type Result struct {
	Stdout, Stderr string
	// Status is the exit status, 128+N for a shell killed by signal N, -1 when
	// the call could not be run or timed out.
	Status int
	// Elapsed is the wall time of the call.
	Elapsed time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("status %d\nstdout: %q\nstderr: %q", r.Status, r.Stdout, r.Stderr)
}

// Normalized returns r with the shim's path written as the real bash's, so that a
// gatesh run compares equal to a real bash run where bash prints its own name
// ($0, $BASH, SHELL=…). Normalize both sides: a bash started as "bash" finds
// the shim first on PATH and names it.
func (r Result) Normalized() Result {
	r.Stdout, r.Stderr = NormalizeText(r.Stdout), NormalizeText(r.Stderr)
	return r
}

// NormalizeText writes the shim's path as the real bash's.
func NormalizeText(s string) string {
	return strings.ReplaceAll(s, ShimBash, RealBashPath)
}

// Env is one isolated gatesh installation and the user around it.
type Env struct {
	// TB receives the helpers' failures and cleanups. One Env may serve several
	// subtests in turn: set TB to the subtest's t while it uses the Env, and
	// put the previous one back afterwards.
	TB testing.TB
	// GateshHome is GATESH_HOME: config/, state/ and run/ (the socket) under a
	// short directory in /tmp (unix socket paths are limited to 108 bytes).
	GateshHome string
	// Root holds the world: Home, Work, Remote.
	Root string
	// Home is $HOME.
	Home string
	// Work is the git working tree commands run in by default (branch main, one
	// commit, origin = Remote, main pushed).
	Work string
	// Remote is the bare repository that is Work's origin.
	Remote string
	// ClaudeCwdFile is /tmp/claude-<hex>-cwd, where Claude Code's wrapper writes
	// the final directory; GeminiTmp is a /tmp directory for Gemini CLI's files.
	// Both belong to the world (Fresh removes them, Snapshot reads them).
	ClaudeCwdFile, GeminiTmp string

	base    []string
	tracked []string // paths outside Root that belong to the world
}

// NewEnv makes an Env with its directories, and stops its daemons (and removes
// everything) when the test ends. Call Fresh to build the world.
func NewEnv(tb testing.TB) *Env {
	tb.Helper()
	if GateshBin == "" {
		tb.Fatal("the binaries were not built (TestMain did not run)")
	}
	e := &Env{TB: tb}
	var err error
	if e.GateshHome, err = os.MkdirTemp("/tmp", "gse"); err != nil {
		tb.Fatal(err)
	}
	if e.Root, err = os.MkdirTemp("/tmp", "gsw"); err != nil {
		tb.Fatal(err)
	}
	e.Home = filepath.Join(e.Root, "home")
	e.Work = filepath.Join(e.Root, "work")
	e.Remote = filepath.Join(e.Root, "remote.git")
	e.ClaudeCwdFile = e.unusedTmp("claude-%s-cwd", 2)
	e.GeminiTmp = e.unusedTmp("gemini-shell-%s", 3)
	e.tracked = []string{e.ClaudeCwdFile, e.GeminiTmp}
	tb.Cleanup(func() {
		for _, p := range append([]string{e.GateshHome, e.Root}, e.tracked...) {
			os.RemoveAll(p)
		}
	})
	// Registered after the removal, so it runs before it.
	tb.Cleanup(e.stopDaemons)
	e.base = []string{
		"PATH=" + ShimDir + ":" + SystemPath,
		"HOME=" + e.Home,
		"GATESH_HOME=" + e.GateshHome,
		// A daemon left behind by a crashed test run goes away on its own.
		"GATESH_DAEMON_IDLE=3m",
		// Held commands are refused at once; the tests of the wait for a
		// person's answer set their own.
		"GATESH_HOLD_WAIT=0",
		"LC_ALL=C",
		"TERM=dumb",
		"USER=" + userName(),
		"LOGNAME=" + userName(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=E2E Author",
		"GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_AUTHOR_DATE=2025-01-02T03:04:05Z",
		"GIT_COMMITTER_NAME=E2E Committer",
		"GIT_COMMITTER_EMAIL=committer@example.com",
		"GIT_COMMITTER_DATE=2025-01-02T03:04:05Z",
	}
	return e
}

// unusedTmp returns a /tmp path named by format with n random bytes in hex that
// does not exist yet.
func (e *Env) unusedTmp(format string, n int) string {
	for {
		b := make([]byte, n)
		rand.Read(b)
		p := filepath.Join("/tmp", fmt.Sprintf(format, hex.EncodeToString(b)))
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p
		}
	}
}

func userName() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if os.Getuid() == 0 {
		return "root"
	}
	return "user" + strconv.Itoa(os.Getuid())
}

// Vars returns the base environment of every call: PATH (shim first), HOME,
// GATESH_HOME, LC_ALL=C, TERM=dumb, fixed git identities and dates (so that two
// worlds built alike have the same commit ids). Nothing of the test process's own
// environment leaks in.
func (e *Env) Vars() []string { return append([]string(nil), e.base...) }

// SetVar changes the base environment of later calls (NAME=VALUE, or NAME to
// remove it).
func (e *Env) SetVar(kv string) { e.base = mergeEnv(e.base, []string{kv}) }

// mergeEnv applies NAME=VALUE and bare NAME (removal) entries to base.
func mergeEnv(base, extra []string) []string {
	out := append([]string(nil), base...)
	for _, kv := range extra {
		name, _, _ := strings.Cut(kv, "=")
		keep := out[:0]
		for _, b := range out {
			if n, _, _ := strings.Cut(b, "="); n != name {
				keep = append(keep, b)
			}
		}
		out = keep
		if strings.Contains(kv, "=") {
			out = append(out, kv)
		}
	}
	return out
}

// Track adds a path outside Root to the world: Fresh removes it and Snapshot
// reads it.
func (e *Env) Track(path string) { e.tracked = append(e.tracked, path) }

// Fresh removes the world and builds it again, identical every time: HOME with a
// .bashrc (a function, an alias, an export) and a .gitconfig; Work, a git
// repository on main with README.md committed; Remote, a bare repository that is
// Work's origin with main pushed. The daemon, if running, keeps running.
func (e *Env) Fresh() {
	e.TB.Helper()
	ents, err := os.ReadDir(e.Root)
	if err != nil {
		e.TB.Fatal(err)
	}
	for _, ent := range ents {
		if err := os.RemoveAll(filepath.Join(e.Root, ent.Name())); err != nil {
			e.TB.Fatal(err)
		}
	}
	for _, p := range e.tracked {
		os.RemoveAll(p)
	}
	e.WriteFile(filepath.Join(e.Home, ".bashrc"), bashrc)
	e.WriteFile(filepath.Join(e.Home, ".gitconfig"), gitconfig)
	e.NewRepo(e.Work, e.Remote)
}

// bashrc is the user's rc file: what a snapshot capture finds.
const bashrc = `# ~/.bashrc of the e2e user
export FROM_BASHRC=1
greet() { echo "hello, ${1:-you}"; }
alias ll='ls -l'
`

const gitconfig = `[init]
	defaultBranch = main
[advice]
	detachedHead = false
[core]
	pager = cat
`

// NewRepo makes dir a git repository on branch main with README.md committed, and
// remote a bare repository that is its origin, with main pushed and tracked.
func (e *Env) NewRepo(dir, remote string) {
	e.TB.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.TB.Fatal(err)
	}
	e.Git(filepath.Dir(remote), "init", "-q", "--bare", "-b", "main", remote)
	e.Git(dir, "init", "-q", "-b", "main")
	e.WriteFile(filepath.Join(dir, "README.md"), "# e2e\n")
	e.Git(dir, "add", "README.md")
	e.Git(dir, "commit", "-q", "-m", "initial commit")
	e.Git(dir, "remote", "add", "origin", remote)
	e.Git(dir, "push", "-q", "-u", "origin", "main")
}

// Git runs git directly (not through gatesh) in dir with the base environment,
// fails the test on an error, and returns its stdout without the final newline.
func (e *Env) Git(dir string, args ...string) string {
	e.TB.Helper()
	out, err := e.git(dir, args...)
	if err != nil {
		e.TB.Fatalf("git %s (in %s): %v", strings.Join(args, " "), dir, err)
	}
	return out
}

func (e *Env) git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(e.Vars(), "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSuffix(stdout.String(), "\n"), nil
}

// Commit commits a file with the given content on the current branch of dir,
// directly with git, and returns the new commit id.
func (e *Env) Commit(dir, file, content, msg string) string {
	e.TB.Helper()
	e.WriteFile(filepath.Join(dir, file), content)
	e.Git(dir, "add", file)
	e.Git(dir, "commit", "-q", "-m", msg)
	return e.Git(dir, "rev-parse", "HEAD")
}

// RemoteRef returns the commit a ref of the bare origin points at, or "" when it
// does not exist.
func (e *Env) RemoteRef(ref string) string {
	out, err := e.git(e.Remote, "rev-parse", "--verify", "-q", ref)
	if err != nil {
		return ""
	}
	return out
}

// WriteFile writes content to path, creating its directories.
func (e *Env) WriteFile(path, content string) {
	e.TB.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		e.TB.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		e.TB.Fatal(err)
	}
}

// ReadFile returns path's content, or "<missing>" when it does not exist.
func (e *Env) ReadFile(path string) string {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "<missing>"
	}
	if err != nil {
		e.TB.Fatal(err)
	}
	return string(b)
}

// Exists reports whether path exists (without following a final symlink).
func Exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// Run starts sh as c describes, waits for it, and returns what it did. A call
// that cannot start, runs out of time, or leaves its output pipes open after it
// exits (a descendant, such as a daemon started without closing them, holds them)
// fails the test.
func (e *Env) Run(sh Shell, c Call) Result {
	e.TB.Helper()
	path := c.Path
	if path == "" {
		path = sh.Path()
	}
	subst := func(s string) string { return strings.ReplaceAll(s, ShellToken, sh.Path()) }
	argv0 := c.Argv0
	if argv0 == "" {
		argv0 = path
	}
	args := []string{subst(argv0)}
	for _, a := range c.Args {
		args = append(args, subst(a))
	}
	env := mergeEnv(e.base, c.Env)
	for i := range env {
		env[i] = subst(env[i])
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultCallTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.Args = args
	cmd.Env = env
	cmd.Dir = c.Dir
	if cmd.Dir == "" {
		cmd.Dir = e.Work
	}
	cmd.Stdin = c.Stdin
	cmd.ExtraFiles = c.ExtraFiles
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if c.Merged {
		cmd.Stderr = &stdout
	}
	// Its own session: no controlling terminal (an interactive bash would take
	// the test's), and a process group to kill on timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start), Status: -1}
	if cmd.ProcessState != nil {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Exited():
				r.Status = ws.ExitStatus()
			case ws.Signaled():
				r.Status = 128 + int(ws.Signal())
			}
		}
	}
	desc := fmt.Sprintf("%s %q", sh, args)
	switch {
	case ctx.Err() != nil:
		e.TB.Errorf("%s did not finish within %v (killed)\n%s", desc, timeout, r)
		r.Status = -1
	case errors.Is(err, exec.ErrWaitDelay):
		e.TB.Errorf("%s exited, but its stdout or stderr stayed open for 5s afterwards: a process it started holds them\n%s", desc, r)
	case err != nil && cmd.ProcessState == nil:
		e.TB.Errorf("%s: %v", desc, err)
	}
	return r
}

// Gatesh runs c through the shim's bash.
func (e *Env) Gatesh(c Call) Result { e.TB.Helper(); return e.Run(Gatesh, c) }

// Bash runs c through the real bash.
func (e *Env) Bash(c Call) Result { e.TB.Helper(); return e.Run(RealBash, c) }

// Pipe returns a pipe whose ends are closed when the test ends, not before: its
// read end as a Call's Stdin is a standard input that is never closed.
func (e *Env) Pipe() (r, w *os.File) {
	e.TB.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		e.TB.Fatal(err)
	}
	e.TB.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// DaemonPIDs lists the live gatectl processes (serve, or a one-shot decide)
// whose environment holds this Env's GATESH_HOME.
func (e *Env) DaemonPIDs() []int {
	want := []byte("GATESH_HOME=" + e.GateshHome)
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || !alive(pid) {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		argv := bytes.Split(cmdline, []byte{0})
		if len(argv) < 2 || filepath.Base(string(argv[0])) != "gatectl" {
			continue
		}
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(environ, []byte{0}) {
			if bytes.Equal(kv, want) {
				pids = append(pids, pid)
				break
			}
		}
	}
	sort.Ints(pids)
	return pids
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state …: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

// KillDaemons sends sig to every process DaemonPIDs lists and, unless sig is
// SIGSTOP or SIGCONT, waits up to 5s for them to be gone. It returns the pids.
func (e *Env) KillDaemons(sig syscall.Signal) []int {
	e.TB.Helper()
	pids := e.DaemonPIDs()
	for _, pid := range pids {
		syscall.Kill(pid, sig)
	}
	if sig == syscall.SIGSTOP || sig == syscall.SIGCONT {
		return pids
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				e.TB.Errorf("daemon pid %d still alive 5s after signal %v", pid, sig)
				return pids
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return pids
}

// stopDaemons ends this Env's daemons: SIGTERM (after SIGCONT, for a stopped
// one), then SIGKILL for any left after 3s.
func (e *Env) stopDaemons() {
	pids := e.DaemonPIDs()
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGCONT)
		syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range pids {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// WaitDaemon waits up to 10s until a daemon of this Env runs, and returns its
// pid.
func (e *Env) WaitDaemon() int {
	e.TB.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, pid := range e.DaemonPIDs() {
			if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); bytes.Contains(cmdline, []byte("\x00serve\x00")) {
				return pid
			}
		}
		if time.Now().After(deadline) {
			e.TB.Fatalf("no gatectl serve with GATESH_HOME=%s is running", e.GateshHome)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// DaemonLog returns the daemon's log file.
func (e *Env) DaemonLog() string {
	b, _ := os.ReadFile(filepath.Join(e.GateshHome, "state", "daemon.log"))
	return string(b)
}

// PolicyDir is the user policy directory.
func (e *Env) PolicyDir() string { return filepath.Join(e.GateshHome, "config", "policies") }

// RunDir is the daemon's socket directory; Socket is its socket.
func (e *Env) RunDir() string { return filepath.Join(e.GateshHome, "run") }
func (e *Env) Socket() string { return filepath.Join(e.RunDir(), "gatesh.sock") }

// Snapshot describes the world as text, path by path: every file under Root (and
// the tracked paths) with its type, mode and content, except the git
// repositories' internals, which are described by their state instead (GitState).
// Two worlds that a command changed alike have equal snapshots; the gatesh side
// is normalized (NormalizeText).
func (e *Env) Snapshot() map[string]string {
	e.TB.Helper()
	out := map[string]string{}
	add := func(root, name string) {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					out[p] = "error: " + err.Error()
				}
				return nil
			}
			rel := name
			if p != root {
				rel = filepath.Join(name, strings.TrimPrefix(p, root+"/"))
			}
			if p == e.Remote || (d.IsDir() && d.Name() == ".git") {
				return filepath.SkipDir
			}
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			switch {
			case d.IsDir():
				out[rel] = fmt.Sprintf("dir %v", fi.Mode().Perm())
			case fi.Mode()&fs.ModeSymlink != 0:
				t, _ := os.Readlink(p)
				out[rel] = "symlink " + NormalizeText(t)
			case fi.Mode().IsRegular():
				b, _ := os.ReadFile(p)
				out[rel] = fmt.Sprintf("file %v %s", fi.Mode().Perm(), NormalizeText(string(b)))
			default:
				out[rel] = fmt.Sprintf("other %v", fi.Mode())
			}
			return nil
		})
	}
	add(e.Root, "<root>")
	for _, p := range e.tracked {
		add(p, p)
	}
	if Exists(filepath.Join(e.Work, ".git")) {
		out["<git work>"] = e.GitState(e.Work)
	}
	if Exists(e.Remote) {
		out["<git remote>"] = e.GitState(e.Remote)
	}
	return out
}

// GitState describes a repository: HEAD, refs, stashes, and for a working tree its
// status (tracked changes and untracked files).
func (e *Env) GitState(dir string) string {
	e.TB.Helper()
	var b strings.Builder
	for _, args := range [][]string{
		{"symbolic-ref", "-q", "HEAD"},
		{"rev-parse", "-q", "--verify", "HEAD"},
		{"for-each-ref", "--format=%(refname) %(objectname)"},
		{"stash", "list"},
		{"status", "--porcelain=v1", "--untracked-files=all"},
	} {
		if args[0] == "status" || args[0] == "stash" {
			if bare, _ := e.git(dir, "rev-parse", "--is-bare-repository"); bare == "true" {
				continue
			}
		}
		out, err := e.git(dir, args...)
		if err != nil {
			out = "<none>"
		}
		fmt.Fprintf(&b, "$ git %s\n%s\n", strings.Join(args, " "), out)
	}
	return b.String()
}
