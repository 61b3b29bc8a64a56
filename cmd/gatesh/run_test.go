package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/daemon"
	"github.com/gatesh/gatesh/internal/dirs"
)

// world is a private setting for gatesh run in process: HOME, TMPDIR and a
// fresh GATESH_HOME in a new directory under /tmp (the daemon's socket path
// must stay short), a working directory, and a PATH whose first bash is the
// gatesh shim (a link to this test binary) and whose second is a real bash.
type world struct {
	work     string
	shim     string // the shim directory: bash -> this test binary, as gatectl install makes it
	realBash string // the first bash on PATH that is not gatesh: what gatesh must exec
	env      []string
	getwd    func() (string, error)
}

func newWorld(t *testing.T) *world {
	t.Helper()
	root, err := os.MkdirTemp("/tmp", "gsh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	w := &world{work: filepath.Join(root, "work"), shim: filepath.Join(root, "shim")}
	home, tmp, realDir := filepath.Join(root, "home"), filepath.Join(root, "tmp"), filepath.Join(root, "real")
	for _, d := range []string{home, tmp, w.work, w.shim, realDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	w.realBash = filepath.Join(realDir, "bash")
	if err := os.Symlink(self, filepath.Join(w.shim, "bash")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/bin/bash", w.realBash); err != nil {
		t.Fatal(err)
	}
	gateshHome := filepath.Join(root, "gatesh") // not created: gatesh has never run here
	t.Setenv("HOME", home)
	t.Setenv("TMPDIR", tmp)
	t.Setenv("GATESH_HOME", gateshHome)
	// The client looks for gatectl (to start a daemon, or to decide once)
	// next to the executable and on the process's own PATH.
	t.Setenv("PATH", "/usr/bin:/bin")
	w.env = []string{
		"HOME=" + home, "TMPDIR=" + tmp, "GATESH_HOME=" + gateshHome,
		"PATH=" + w.shim + ":" + realDir + ":/usr/bin:/bin",
		"GATESH_HOLD_WAIT=0", "LC_ALL=C",
	}
	w.getwd = func() (string, error) { return w.work, nil }
	return w
}

// getenv reads the world's environment.
func (w *world) getenv(name string) string {
	s := shell{environ: w.env}
	return s.getenv(name)
}

// execCall is what gatesh would have become.
type execCall struct {
	bash   string
	argv   []string
	env    []string
	script []byte
}

// outcome is how an in-process gatesh ended: it returned status, or it
// exec'd (exec is then set and status means nothing).
type outcome struct {
	status int
	stderr string
	exec   *execCall
}

// gatesh runs gatesh in process with argv, the world's environment and stdin,
// no terminal on any descriptor. Its exec is a stand-in that records the call
// and unwinds run, as the real one never returns. Every run also checks that
// gatesh wrote nothing on stdout, which belongs to bash and the harness.
func (w *world) gatesh(t *testing.T, stdin string, argv ...string) outcome {
	t.Helper()
	var errb bytes.Buffer
	s := shell{
		args:       argv,
		environ:    w.env,
		getwd:      w.getwd,
		stdin:      strings.NewReader(stdin),
		stderr:     &errb,
		isTerminal: func(int) bool { return false },
		exec: func(bash string, argv, env []string, script []byte) error {
			panic(execCall{bash: bash, argv: argv, env: env, script: script})
		},
	}
	var o outcome
	stdout := captureStdout(t)
	func() {
		defer func() {
			if r := recover(); r != nil {
				c, ok := r.(execCall)
				if !ok {
					stdout()
					panic(r)
				}
				o.exec = &c
			}
		}()
		o.status = run(s)
	}()
	if out := stdout(); out != "" {
		t.Errorf("gatesh %q wrote on stdout: %q", argv, out)
	}
	o.stderr = errb.String()
	return o
}

// captureStdout points os.Stdout at a file until the returned function is
// called, which restores it and returns what was written.
func captureStdout(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = f
	return func() string {
		os.Stdout = saved
		defer f.Close()
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

// wantExec checks that gatesh became the world's real bash with argv and the
// caller's environment, and said nothing.
func (w *world) wantExec(t *testing.T, o outcome, argv []string) {
	t.Helper()
	if o.exec == nil {
		t.Fatalf("gatesh did not exec bash: status %d, stderr %q", o.status, o.stderr)
	}
	if o.exec.bash != w.realBash {
		t.Errorf("exec'd %s, want the first real bash on PATH, %s (the shim's bash is gatesh)", o.exec.bash, w.realBash)
	}
	if !slices.Equal(o.exec.argv, argv) {
		t.Errorf("bash's argv is %q, want %q", o.exec.argv, argv)
	}
	if !slices.Equal(o.exec.env, w.env) {
		t.Errorf("bash's environment is %q, want the caller's unchanged: %q", o.exec.env, w.env)
	}
	if o.stderr != "" {
		t.Errorf("gatesh said %q before an exec; it must say nothing", o.stderr)
	}
}

// wantRefused checks exit 126, no exec, and one gatesh: line holding each of
// want.
func wantRefused(t *testing.T, o outcome, want ...string) {
	t.Helper()
	if o.exec != nil {
		t.Fatalf("gatesh exec'd %s %q; it must not run anything", o.exec.bash, o.exec.argv)
	}
	if o.status != 126 {
		t.Errorf("exit status %d, want 126", o.status)
	}
	if !strings.HasPrefix(o.stderr, "gatesh: ") || !strings.HasSuffix(o.stderr, "\n") || strings.Count(o.stderr, "\n") != 1 {
		t.Errorf("stderr is not one gatesh: line: %q", o.stderr)
	}
	for _, s := range want {
		if !strings.Contains(o.stderr, s) {
			t.Errorf("stderr %q does not say %q", o.stderr, s)
		}
	}
}

// runBash runs the real bash as argv (argv[0] included) in the world, with
// stdin empty.
func (w *world) runBash(t *testing.T, path string, argv []string) (status int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(path)
	cmd.Args, cmd.Env, cmd.Dir = argv, w.env, w.work
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running %s %q: %v", path, argv, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// TestVersion: --version runs nothing, so gatesh judges nothing (no daemon
// runs in this world) and becomes bash, which prints its version on stdout and
// exits 0.
func TestVersion(t *testing.T) {
	w := newWorld(t)
	argv := []string{"bash", "--version"}
	o := w.gatesh(t, "", argv...)
	w.wantExec(t, o, argv)
	status, stdout, stderr := w.runBash(t, o.exec.bash, o.exec.argv)
	if status != 0 || !strings.HasPrefix(stdout, "GNU bash, version ") || stderr != "" {
		t.Errorf("the exec'd bash --version: status %d, stdout %q, stderr %q; want 0 and its version on stdout", status, stdout, stderr)
	}
}

// TestUsageError: an argv bash rejects gets bash's own status and line, from
// gatesh itself (nothing is exec'd). bash follows an invalid option with its
// usage summary, which gatesh leaves out: only the first line is compared then.
func TestUsageError(t *testing.T) {
	w := newWorld(t)
	for _, tt := range []struct {
		argv      []string
		firstLine bool
	}{
		{[]string{"bash", "-c"}, false},
		{[]string{"bash", "-lc"}, false},
		{[]string{"bash", "--rcfile"}, false},
		{[]string{"bash", "-O", "no-such-shopt", "-c", "true"}, false},
		{[]string{"bash", "-Z", "-c", "true"}, true},
	} {
		t.Run(strings.Join(tt.argv[1:], " "), func(t *testing.T) {
			o := w.gatesh(t, "", tt.argv...)
			if o.exec != nil {
				t.Fatalf("gatesh exec'd %q for an argv bash rejects", o.exec.argv)
			}
			status, _, stderr := w.runBash(t, "/bin/bash", tt.argv)
			if tt.firstLine {
				stderr = stderr[:strings.IndexByte(stderr, '\n')+1]
			}
			if o.status != status || o.stderr != stderr {
				t.Errorf("gatesh: status %d, stderr %q\nbash:   status %d, stderr %q", o.status, o.stderr, status, stderr)
			}
			if status != 2 {
				t.Errorf("bash exits %d for %q; the case means a usage error (2)", status, tt.argv)
			}
		})
	}
}

// TestFailClosed: whatever keeps gatesh from a decision, it runs nothing and
// exits 126 with one gatesh: line saying what happened and what to do.
func TestFailClosed(t *testing.T) {
	for _, tt := range []struct {
		name  string
		env   []string // added to the world's
		stdin string
		setup func(w *world)
		argv  []string
		want  []string
		// noGatectl: the case needs the daemon unstartable and no
		// one-shot fallback, so no gatectl where the client looks.
		noGatectl bool
	}{
		{name: "no daemon and no gatectl", noGatectl: true, argv: []string{"bash", "-c", "echo harmless"},
			want: []string{"no gatesh daemon could answer", "gatectl was not found", "nothing was run", "Tell the user"}},
		{name: "no daemon, script on stdin", noGatectl: true, stdin: "echo harmless\n", argv: []string{"bash", "-s"},
			want: []string{"gatectl was not found", "nothing was run"}},
		{name: "no real bash", env: []string{"GATESH_REAL_BASH=/nonexistent/bash"}, argv: []string{"bash", "-c", "true"},
			want: []string{"cannot find the real bash", "nothing was run", "set GATESH_REAL_BASH"}},
		{name: "bad GATESH_DAEMON_UID", env: []string{"GATESH_DAEMON_UID=me"}, argv: []string{"bash", "-c", "true"},
			want: []string{"GATESH_DAEMON_UID", "not a uid", "nothing was run"}},
		{name: "working directory unknown", env: []string{"PWD=relative"}, argv: []string{"bash", "-c", "true"},
			setup: func(w *world) { w.getwd = func() (string, error) { return "", syscall.ENOENT } },
			want:  []string{"cannot tell the working directory", "nothing was run"}},
		{name: "interactive on a pipe", argv: []string{"bash", "-i"},
			want: []string{"cannot be gated line by line", "run the commands with -c"}},
		{name: "script on stdin too large", stdin: strings.Repeat("#\n", maxScript/2+1), argv: []string{"bash"},
			want: []string{"script on stdin is larger than 256 KiB", "did not run it"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if p := client.FindGatectl(); tt.noGatectl && p != "" {
				t.Skipf("a gatectl is installed at %s", p)
			}
			w.env = append(w.env, tt.env...)
			if tt.setup != nil {
				tt.setup(w)
			}
			wantRefused(t, w.gatesh(t, tt.stdin, tt.argv...), tt.want...)
		})
	}
}

// syncBuffer is a daemon log that its goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDaemon serves the world's GATESH_HOME from this process until the test
// ends.
func (w *world) startDaemon(t *testing.T) {
	t.Helper()
	d, err := dirs.From(w.getenv)
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := daemon.Listen(ctx, daemon.Config{Dirs: d, Log: log, Idle: -1, AgentUID: -1})
	if err != nil {
		cancel()
		t.Fatalf("daemon.Listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
		srv.Close()
		if t.Failed() {
			t.Logf("daemon log:\n%s", log.String())
		}
	})
}

// TestAllowedThroughDaemon: with a real daemon, an allowed line makes gatesh
// become the real bash with the caller's argv (argv[0] a bash name) and
// environment unchanged, and a script on stdin handed over exactly as judged.
func TestAllowedThroughDaemon(t *testing.T) {
	w := newWorld(t)
	w.startDaemon(t)
	script := filepath.Join(w.work, "list.sh")
	if err := os.WriteFile(script, []byte("ls -la \"$1\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name     string
		argv     []string
		stdin    string
		wantArgv []string // the argv bash gets: argv when nil
		script   bool     // stdin is the script, handed to bash
	}{
		{name: "-c", argv: []string{"bash", "-c", "ls -la"}},
		{name: "-c with $0 and $1", argv: []string{"bash", "-c", `echo "$0 $1"`, "name", "one arg"}},
		{name: "clustered -lc", argv: []string{"bash", "-lc", "pwd"}},
		{name: "login argv0", argv: []string{"-bash", "-c", "ls"}},
		{name: "argv0 a path to bash", argv: []string{"/usr/local/bin/bash", "-c", "ls"}},
		{name: "gatesh by its own name", argv: []string{"/opt/gatesh/bin/gatesh", "-c", "ls"}, wantArgv: []string{"bash", "-c", "ls"}},
		{name: "script file with an argument", argv: []string{"bash", script, "."}},
		{name: "script on stdin", argv: []string{"bash"}, stdin: "ls -la\necho done\n", script: true},
		{name: "-s with arguments", argv: []string{"bash", "-s", "a", "b"}, stdin: "echo \"$1-$2\"\n", script: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := w.gatesh(t, tt.stdin, tt.argv...)
			want := tt.wantArgv
			if want == nil {
				want = tt.argv
			}
			w.wantExec(t, o, want)
			if o.exec == nil {
				return
			}
			switch {
			case tt.script && string(o.exec.script) != tt.stdin:
				t.Errorf("bash gets %q on stdin, want the script judged, %q", o.exec.script, tt.stdin)
			case !tt.script && o.exec.script != nil:
				t.Errorf("bash gets %q on stdin, want the caller's own stdin", o.exec.script)
			}
		})
	}
}

// TestRefusedByDaemon: a line the real daemon denies or holds exits 126 with
// one gatesh: line naming it, without exec. Each case has a daemon of its own:
// the daemon ties a call to the line of an earlier allowed call from the same
// process, and in process every call comes from this one.
func TestRefusedByDaemon(t *testing.T) {
	for _, tt := range []struct {
		name  string
		argv  []string
		stdin string
		file  string // a script of that text, publish.sh, in a PATH directory
		want  []string
	}{
		{name: "deny", argv: []string{"bash", "-c", "rm -rf /"},
			want: []string{"denied, not run: `rm -rf /` ["}},
		{name: "deny in a script on stdin", argv: []string{"bash", "-s"}, stdin: "echo start\nrm -rf /\n",
			want: []string{"denied, not run: `echo start rm -rf /` ["}},
		{name: "hold", argv: []string{"bash", "-c", "git push origin main"},
			want: []string{"held as request 1, not run: `git push origin main` [", "Ask the user to approve request 1"}},
		// bash runs NAME from PATH when there is no NAME here: so must the
		// judgment.
		{name: "hold in a script found on PATH", argv: []string{"bash", "publish.sh"}, file: "git push origin main\n",
			want: []string{"held as request 1, not run:", "git push origin main", "Ask the user to approve request 1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(filepath.Dir(w.realBash), "publish.sh"), []byte(tt.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w.startDaemon(t)
			wantRefused(t, w.gatesh(t, tt.stdin, tt.argv...), tt.want...)
		})
	}
}
