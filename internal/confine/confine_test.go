//go:build linux

package confine

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The tests confine a child: the test binary runs itself with childMode set, the
// child applies the rules passed in childRules (Apply is one-way, so never in the
// test process), prints its Report, and then execs /bin/sh with childScript
// ("sh"), runs the Go operations named in childOps ("ops"), or times Apply
// ("bench").
const (
	childMode   = "GATESH_CONFINE_CHILD"
	childRules  = "GATESH_CONFINE_RULES"
	childScript = "GATESH_CONFINE_SCRIPT"
	childOps    = "GATESH_CONFINE_OPS"
	childThread = "GATESH_CONFINE_THREAD" // set: ApplyThread rather than Apply
	childFD     = "GATESH_CONFINE_FD"     // set: Enforce the ruleset passed as fd 3
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childMode); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

func child(mode string) int {
	var r Rules
	if err := json.Unmarshal([]byte(os.Getenv(childRules)), &r); err != nil {
		fmt.Fprintln(os.Stderr, "child: rules:", err)
		return 2
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	apply := Apply
	if os.Getenv(childThread) != "" {
		apply = ApplyThread
	}
	if os.Getenv(childFD) != "" {
		// The ruleset was built by the parent and passed as fd 3, as the daemon
		// would pass it to gatesh.
		apply = func(Rules) (Report, error) {
			all, err := Enforce(3, false)
			return Report{Enforced: err == nil, AllThreads: all}, err
		}
	}
	rep, err := apply(r)
	took := time.Since(start)
	runtime.ReadMemStats(&ms1)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: apply:", err)
		return 2
	}
	js, _ := json.Marshal(rep)
	fmt.Printf("report: %s\n", js)
	switch mode {
	case "sh":
		err := syscall.Exec("/bin/sh", []string{"sh", "-c", os.Getenv(childScript)}, os.Environ())
		fmt.Fprintln(os.Stderr, "child: exec:", err)
		return 2
	case "ops":
		for _, name := range strings.FieldsFunc(os.Getenv(childOps), func(r rune) bool { return r == ',' }) {
			op, ok := ops[name]
			if !ok {
				fmt.Fprintln(os.Stderr, "child: no op", name)
				return 2
			}
			fmt.Printf("op %s %s\n", name, errnoName(op()))
		}
		return 0
	case "bench":
		fmt.Printf("apply %d %d\n", took.Nanoseconds(), ms1.Mallocs-ms0.Mallocs)
		return 0
	case "bench-parts":
		// Apply again, in its parts, to see where the time goes (the second
		// domain stacks on the first).
		abi, errata := kernel()
		t0 := time.Now()
		rs := resolver{}
		var rep Report
		fd, err := build(&rep, newPlan(abi, errata, r), r, rs)
		if err != nil {
			return 2
		}
		t1 := time.Now()
		granted := r
		granted.Writable = rep.Writable
		overlaps(granted, rs)
		t2 := time.Now()
		_, err = enforce(fd, abi, os.Getenv(childThread) == "")
		t3 := time.Now()
		fmt.Printf("parts build %v overlaps %v enforce %v (%v) threads %d\n", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), err, runtime.NumGoroutine())
		return 0
	}
	return 2
}

func errnoName(err error) string {
	if err == nil {
		return "ok"
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return unix.ErrnoName(errno)
	}
	return strings.ReplaceAll(err.Error(), " ", "_")
}

// ops are the child's Go-level operations, on the paths the world puts in its
// environment.
var ops = map[string]func() error{
	"read-ws": func() error {
		_, err := os.ReadFile(filepath.Join(os.Getenv("WS"), "readme"))
		return err
	},
	"write-ws": func() error {
		p := filepath.Join(os.Getenv("WS"), "go-written")
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			return err
		}
		return os.Remove(p)
	},
	"rename-ws-tmp": func() error {
		p := filepath.Join(os.Getenv("WS"), "moved")
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			return err
		}
		q := filepath.Join(os.Getenv("TMPDIR"), "moved")
		if err := os.Rename(p, q); err != nil {
			return err
		}
		return os.Remove(q)
	},
	// read-key-threads reads the key from goroutines locked to threads of their
	// own: Apply confines every thread, not only the one that called it.
	"read-key-threads": func() error {
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				runtime.LockOSThread()
				_, err := os.ReadFile(filepath.Join(os.Getenv("HOME"), ".ssh", "id_rsa"))
				errs <- err
			}()
		}
		var refused error
		for range 8 {
			if refused = <-errs; refused == nil {
				return errors.New("read_from_another_thread")
			}
		}
		return refused
	},
	"removeall-ssh": func() error { return os.RemoveAll(filepath.Join(os.Getenv("HOME"), ".ssh")) },
	"read-key": func() error {
		_, err := os.ReadFile(filepath.Join(os.Getenv("HOME"), ".ssh", "id_rsa"))
		return err
	},
	"truncate-notes": func() error { return os.Truncate(filepath.Join(os.Getenv("HOME"), "notes.txt"), 0) },
	"write-gate": func() error {
		return os.WriteFile(filepath.Join(os.Getenv("GATE"), "policies", "allow.rego"), []byte("package x"), 0o644)
	},
	"rename-bashrc": func() error {
		return os.Rename(filepath.Join(os.Getenv("HOME"), ".bashrc"), filepath.Join(os.Getenv("WS"), "bashrc"))
	},
	// pty opens a new pseudo-terminal and uses a terminal's ioctls on it, as a
	// shell, script or python's pty do (ABI 5 refuses them without IoctlDev),
	// then through /dev/tty.
	"pty": func() error {
		m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(m)
		if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
			return err
		}
		n, err := unix.IoctlGetUint32(m, unix.TIOCGPTN)
		if err != nil {
			return err
		}
		s, err := unix.Open("/dev/pts/"+strconv.Itoa(int(n)), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(s)
		tio, err := unix.IoctlGetTermios(s, unix.TCGETS)
		if err != nil {
			return err
		}
		tio.Lflag &^= unix.ECHO
		if err := unix.IoctlSetTermios(s, unix.TCSETS, tio); err != nil {
			return err
		}
		if err := unix.IoctlSetWinsize(s, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
			return err
		}
		// Make it the controlling terminal and reach it as /dev/tty, as ssh,
		// less and read prompts do. Closing the master hangs it up: the child,
		// its session leader, ignores the SIGHUP to report.
		signal.Ignore(syscall.SIGHUP)
		if _, err := unix.Setsid(); err != nil {
			return err
		}
		if err := unix.IoctlSetInt(s, unix.TIOCSCTTY, 0); err != nil {
			return err
		}
		tty, err := unix.Open("/dev/tty", unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(tty)
		if _, err := unix.IoctlGetTermios(tty, unix.TCGETS); err != nil {
			return err
		}
		ws, err := unix.IoctlGetWinsize(tty, unix.TIOCGWINSZ)
		if err == nil && ws.Col != 80 {
			err = errors.New("wrong_window_size")
		}
		return err
	},
	// connect-abstract connects to the abstract unix socket the test listens on,
	// outside the tree.
	"connect-abstract": func() error {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.Connect(fd, &unix.SockaddrUnix{Name: os.Getenv("ABSTRACT")})
	},
}

// world is a fake home directory with a workspace, a temp directory, a cache, a
// key, startup files and the gate's own directory, and the rules that confine a
// tree to it.
type world struct {
	home, ws, tmp, cache, gate string
	key, bashrc, notes         string
	rules                      Rules
	env                        []string
}

const keyText = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n"

func newWorld(t testing.TB) *world {
	t.Helper()
	if ABI() == 0 {
		t.Skip("the kernel has no Landlock (ABI 0): confinement cannot be tried here")
	}
	home := filepath.Join(t.TempDir(), "home")
	w := &world{
		home:   home,
		ws:     filepath.Join(home, "src", "proj"),
		tmp:    filepath.Join(home, "tmp"),
		cache:  filepath.Join(home, ".cache"),
		gate:   filepath.Join(home, ".config", "gatesh"),
		key:    filepath.Join(home, ".ssh", "id_rsa"),
		bashrc: filepath.Join(home, ".bashrc"),
		notes:  filepath.Join(home, "notes.txt"),
	}
	for _, d := range []string{w.ws, w.tmp, w.cache, filepath.Join(w.gate, "policies"), filepath.Dir(w.key)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, s := range map[string]string{
		w.key: keyText, w.bashrc: "# rc\n", w.notes: "notes\n",
		filepath.Join(w.ws, "readme"): "hello\n",
	} {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w.rules = Rules{
		// The home is under /tmp here, so /tmp itself is not writable: the world's
		// temp directory stands for it.
		Writable:          []string{w.ws, w.tmp, w.cache},
		Devices:           DefaultDevices(),
		Home:              home,
		Secret:            DefaultSecrets(),
		Protected:         []string{w.gate},
		ScopeSignals:      true,
		ScopeAbstractUnix: true,
	}
	w.env = []string{
		"HOME=" + home, "TMPDIR=" + w.tmp, "PATH=" + os.Getenv("PATH"), "LC_ALL=C",
		"WS=" + w.ws, "CACHE=" + w.cache, "GATE=" + w.gate,
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CEILING_DIRECTORIES=" + home,
	}
	return w
}

// canAllThreads says whether Apply can confine every thread here: the kernel does
// it from ABI 8, the Go runtime when the binary is not linked with cgo (a -race
// test binary is).
func canAllThreads() bool {
	if ABI() >= 8 {
		return true
	}
	_, _, e := syscall.AllThreadsSyscall(syscall.SYS_GETPID, 0, 0, 0)
	return e != syscall.ENOTSUP
}

// result is what a confined child did.
type result struct {
	report Report
	out    string // everything after the report line, stdout and stderr
	err    error  // the child's exit
}

// run starts a confined child in mode with r, in the workspace.
func (w *world) run(t *testing.T, r Rules, mode string, env ...string) result {
	t.Helper()
	return w.runFiles(t, r, mode, nil, env...)
}

// runFiles is run with files passed to the child from fd 3 on.
func (w *world) runFiles(t *testing.T, r Rules, mode string, files []*os.File, env ...string) result {
	t.Helper()
	if !canAllThreads() && !slices.ContainsFunc(env, func(e string) bool {
		return strings.HasPrefix(e, childThread+"=") || strings.HasPrefix(e, childFD+"=")
	}) {
		env = append(env, childThread+"=1") // Apply would fail with ErrAllThreads
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Dir = w.ws
	cmd.Env = append(slices.Clone(w.env), childMode+"="+mode, childRules+"="+string(js))
	cmd.Env = append(cmd.Env, env...)
	cmd.ExtraFiles = files
	out, err := cmd.CombinedOutput()
	line, rest, _ := strings.Cut(string(out), "\n")
	js0, ok := strings.CutPrefix(line, "report: ")
	if !ok {
		t.Fatalf("child printed no report (%v):\n%s", err, out)
	}
	var res result
	if err := json.Unmarshal([]byte(js0), &res.report); err != nil {
		t.Fatalf("child's report: %v", err)
	}
	res.out, res.err = rest, err
	return res
}

// sh runs script in a child confined as gatesh confines bash: ApplyThread, then
// exec.
func (w *world) sh(t *testing.T, script string, env ...string) result {
	t.Helper()
	return w.run(t, w.rules, "sh", append(env, childScript+"="+script, childThread+"=1")...)
}

// intact fails the test unless the file at p still holds want.
func intact(t *testing.T, p, want string) {
	t.Helper()
	got, err := os.ReadFile(p)
	if err != nil {
		t.Errorf("%s: %v", p, err)
	} else if string(got) != want {
		t.Errorf("%s changed: %q", p, got)
	}
}

func absent(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); err == nil {
		t.Errorf("%s was created", p)
	}
}

func TestReport(t *testing.T) {
	w := newWorld(t)
	if !canAllThreads() {
		// Apply refuses rather than confine one thread of many.
		js, _ := json.Marshal(w.rules)
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(slices.Clone(w.env), childMode+"=ops", childRules+"="+string(js))
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), ErrAllThreads.Error()) {
			t.Errorf("Apply in a binary linked with cgo (%v):\n%s", err, out)
		}
	}
	res := w.run(t, w.rules, "ops")
	if res.err != nil {
		t.Fatalf("child: %v\n%s", res.err, res.out)
	}
	rep := res.report
	if rep.ABI != ABI() || !rep.Enforced {
		t.Errorf("ABI %d (kernel %d), enforced %v", rep.ABI, ABI(), rep.Enforced)
	}
	if rep.AllThreads != canAllThreads() {
		t.Errorf("AllThreads %v after Apply", rep.AllThreads)
	}
	if !slices.Equal(rep.Writable, w.rules.Writable) {
		t.Errorf("Writable %q, want %q", rep.Writable, w.rules.Writable)
	}
	realKey, _ := filepath.EvalSymlinks(filepath.Dir(w.key))
	if !slices.Contains(rep.Hidden, realKey) {
		t.Errorf("Hidden %q lacks %s", rep.Hidden, realKey)
	}
	realHome, _ := filepath.EvalSymlinks(w.home)
	if !slices.Contains(rep.Split, "/") || !slices.Contains(rep.Split, realHome) {
		t.Errorf("Split %q lacks / or the home", rep.Split)
	}
	if len(rep.Overlaps) != 0 {
		t.Errorf("Overlaps %v, want none", rep.Overlaps)
	}
	if rep.ABI >= 6 && !slices.Equal(rep.Scoped, []string{"signal", "abstract-unix"}) {
		t.Errorf("Scoped %q", rep.Scoped)
	}
	t.Logf("ABI %d, %d rules, split %q, left %v", rep.ABI, rep.Rules, rep.Split, rep.Left)
	if rep := w.sh(t, "true").report; rep.AllThreads || !rep.Enforced {
		t.Errorf("ApplyThread: AllThreads %v, Enforced %v", rep.AllThreads, rep.Enforced)
	}
}

// TestAllowed: work goes on inside the writable roots.
func TestAllowed(t *testing.T) {
	w := newWorld(t)
	script := `set -e
cd "$WS"
echo one > a; echo two >> a; mv a b; mkdir -p d/e; mv b d/e/c; cp d/e/c f; : > f; rm -r d f
echo t > "$TMPDIR/t"; mv "$TMPDIR/t" "$WS/t"; mv "$WS/t" "$CACHE/t"; rm "$CACHE/t"
mkdir -p "$CACHE/pip/x"; echo y > "$CACHE/pip/x/f"; rm -rf "$CACHE/pip"
ln -s readme link; cat link > /dev/null; rm link
echo z > /dev/null; : > /dev/null; head -c 4 /dev/zero > /dev/null; head -c 4 /dev/urandom > /dev/null
cat readme > /dev/null; ls ~ > /dev/null; ls / > /dev/null; cat ~/.bashrc > /dev/null
echo done
`
	res := w.sh(t, script)
	if res.err != nil || !strings.Contains(res.out, "done") {
		t.Fatalf("refused inside the writable roots (%v):\n%s", res.err, res.out)
	}
	if canAllThreads() {
		res = w.run(t, w.rules, "sh", childScript+"="+script) // Apply, all threads
		if res.err != nil || !strings.Contains(res.out, "done") {
			t.Fatalf("refused inside the writable roots after Apply (%v):\n%s", res.err, res.out)
		}
	}
	if _, err := exec.LookPath("git"); err == nil {
		res := w.sh(t, `cd "$WS" && git init -q && git status --short && echo x > new && git add new && git -c user.name=t -c user.email=t@t commit -qm x && git log --oneline | wc -l`)
		if res.err != nil {
			t.Errorf("git in the workspace (%v):\n%s", res.err, res.out)
		}
	}
	res = w.run(t, w.rules, "ops", childOps+"=read-ws,write-ws,rename-ws-tmp,pty")
	for _, op := range []string{"read-ws", "write-ws", "rename-ws-tmp", "pty"} {
		if !strings.Contains(res.out, "op "+op+" ok\n") {
			t.Errorf("%s refused:\n%s", op, res.out)
		}
	}
}

// TestRefused: what would harm the home or the gate fails, from sh and from Go,
// and the target is left as it was.
func TestRefused(t *testing.T) {
	w := newWorld(t)
	keyIntact := func(t *testing.T) { intact(t, w.key, keyText) }
	rcIntact := func(t *testing.T) { intact(t, w.bashrc, "# rc\n") }
	_, noPython := exec.LookPath("python3")
	_, noTar := exec.LookPath("tar")
	_, noTruncate := exec.LookPath("truncate")
	cases := []struct {
		name, script string
		skip         bool
		check        func(t *testing.T)
	}{
		{name: "rm -rf ~/.ssh", script: `rm -rf ~/.ssh`, check: keyIntact},
		{name: "rm by a glob", script: `/bin/r? -rf ~/.ssh`, check: keyIntact},
		{name: "read the key", script: `cat ~/.ssh/id_rsa`, check: keyIntact},
		{name: "copy the key out", script: `cp ~/.ssh/id_rsa "$WS/k"`, check: func(t *testing.T) { absent(t, filepath.Join(w.ws, "k")) }},
		{name: "read through /proc/self/root", script: `cat "/proc/self/root$HOME/.ssh/id_rsa"`, check: keyIntact},
		{name: "read through ..", script: `cat "$WS/../../.ssh/id_rsa"`, check: keyIntact},
		{name: "hard link the key", script: `ln ~/.ssh/id_rsa "$WS/k"`, check: func(t *testing.T) { absent(t, filepath.Join(w.ws, "k")) }},
		{name: "append to bashrc", script: `echo evil >> ~/.bashrc`, check: rcIntact},
		{name: "append through a symlink", script: `ln -s ~/.bashrc "$WS/x" && echo evil >> "$WS/x"`, check: rcIntact},
		{name: "remove through a link to home", script: `ln -s ~ "$WS/h" && rm -rf "$WS/h/.ssh"`, check: keyIntact},
		{name: "move bashrc away", script: `mv ~/.bashrc "$WS/"`, check: rcIntact},
		{name: "create in home", script: `echo x > ~/.profile`, check: func(t *testing.T) { absent(t, filepath.Join(w.home, ".profile")) }},
		{name: "tar into home", skip: noTar != nil, script: `cd "$WS" && echo evil > .bash_logout && tar -cf x.tar .bash_logout && tar -xf x.tar -C ~`,
			check: func(t *testing.T) { absent(t, filepath.Join(w.home, ".bash_logout")) }},
		{name: "write a gate policy", script: `echo 'package x' > "$GATE/policies/allow.rego"`,
			check: func(t *testing.T) { absent(t, filepath.Join(w.gate, "policies", "allow.rego")) }},
		{name: "truncate outside", skip: noTruncate != nil, script: `truncate -s 0 ~/notes.txt`, check: func(t *testing.T) { intact(t, w.notes, "notes\n") }},
		{name: "python rmtree", skip: noPython != nil, script: `python3 -c 'import os, shutil; shutil.rmtree(os.path.expanduser("~/.ssh"))'`, check: keyIntact},
		{name: "python write a gate policy", skip: noPython != nil,
			script: `python3 -c 'import os; open(os.environ["GATE"] + "/policies/p.rego", "w").write("package x")'`,
			check:  func(t *testing.T) { absent(t, filepath.Join(w.gate, "policies", "p.rego")) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip {
				t.Skip("tool not installed")
			}
			res := w.sh(t, c.script)
			if res.err == nil {
				t.Errorf("allowed:\n%s", res.out)
			}
			// Landlock answers EACCES, or EXDEV for a link or rename it refuses
			// to reparent (so that mv falls back to copying, which it refuses).
			if !strings.Contains(res.out, "denied") && !strings.Contains(res.out, "not permitted") &&
				!strings.Contains(res.out, "cross-device") {
				t.Errorf("failed for another reason than the confinement:\n%s", res.out)
			}
			if strings.Contains(res.out, "PRIVATE KEY") {
				t.Errorf("the key was read:\n%s", res.out)
			}
			c.check(t)
		})
	}

	t.Run("go", func(t *testing.T) {
		names := []string{"removeall-ssh", "read-key", "truncate-notes", "write-gate", "rename-bashrc"}
		if canAllThreads() {
			names = append(names, "read-key-threads")
		}
		res := w.run(t, w.rules, "ops", childOps+"="+strings.Join(names, ","))
		for _, op := range names {
			if !strings.Contains(res.out, "op "+op+" EACCES\n") && !strings.Contains(res.out, "op "+op+" EPERM\n") {
				t.Errorf("%s not refused:\n%s", op, res.out)
			}
		}
		keyIntact(t)
		rcIntact(t)
		intact(t, w.notes, "notes\n")
		absent(t, filepath.Join(w.gate, "policies", "allow.rego"))
	})
}

// TestTools: builds keep working under confinement, where the tools are
// installed: go build (with this user's build cache as the writable cache it
// would be), a Python venv in the workspace, an npm install with no registry.
func TestTools(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real toolchains")
	}
	w := newWorld(t)
	t.Run("go build", func(t *testing.T) {
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Skip("go not installed")
		}
		out, err := exec.Command(goBin, "env", "GOCACHE").Output()
		if err != nil {
			t.Skip("go env:", err)
		}
		gocache := strings.TrimSpace(string(out))
		r := w.rules
		r.Writable = append(slices.Clone(r.Writable), gocache)
		script := `cd "$WS" && printf 'module x\ngo 1.21\n' > go.mod && printf 'package main\nfunc main() { println("built") }\n' > main.go && GOCACHE="$GOC" GOTOOLCHAIN=local GOFLAGS= go build -o app . && ./app`
		res := w.run(t, r, "sh", childScript+"="+script, childThread+"=1", "GOC="+gocache)
		if res.err != nil || !strings.Contains(res.out, "built") {
			t.Errorf("go build (%v):\n%s", res.err, res.out)
		}
	})
	t.Run("python venv", func(t *testing.T) {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 not installed")
		}
		res := w.sh(t, `cd "$WS" && python3 -m venv --without-pip .venv && .venv/bin/python -c 'import sys; print(sys.prefix)'`)
		if res.err != nil || !strings.Contains(res.out, ".venv") {
			t.Errorf("python venv (%v):\n%s", res.err, res.out)
		}
	})
	t.Run("npm install", func(t *testing.T) {
		if _, err := exec.LookPath("npm"); err != nil {
			t.Skip("npm not installed")
		}
		res := w.sh(t, `mkdir "$WS/js" && cd "$WS/js" && echo '{"name":"x","version":"1.0.0"}' > package.json && npm install --offline --no-audit --no-fund --cache "$CACHE/npm" && test -f package-lock.json && echo installed`)
		if res.err != nil || !strings.Contains(res.out, "installed") {
			t.Errorf("npm install (%v):\n%s", res.err, res.out)
		}
	})
}

// TestListSecretNames pins the trade-off the package documents: a secret
// directory's names can be listed, its contents not read.
func TestListSecretNames(t *testing.T) {
	w := newWorld(t)
	res := w.sh(t, `ls ~/.ssh && cat ~/.ssh/id_rsa`)
	if !strings.HasPrefix(res.out, "id_rsa\n") || res.err == nil {
		t.Errorf("listing ~/.ssh (%v):\n%s", res.err, res.out)
	}
}

// TestPrebuilt: a ruleset built in one process and enforced in another (the
// daemon builds, gatesh enforces) confines as Apply does.
func TestPrebuilt(t *testing.T) {
	w := newWorld(t)
	rs, err := Build(w.rules)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if rep := rs.Report(); rep.Enforced || rep.Rules == 0 {
		t.Errorf("built: Enforced %v, %d rules", rep.Enforced, rep.Rules)
	}
	dup, err := unix.Dup(rs.FD())
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(dup), "ruleset")
	defer f.Close()
	res := w.runFiles(t, Rules{}, "sh", []*os.File{f}, childFD+"=1",
		childScript+`=echo ok > "$WS/new" && rm -rf ~/.ssh`)
	if !res.report.Enforced || !strings.Contains(res.out, "denied") {
		t.Errorf("enforced %v (%v):\n%s", res.report.Enforced, res.err, res.out)
	}
	intact(t, w.key, keyText)
	intact(t, filepath.Join(w.ws, "new"), "ok\n")
}

// TestNestedSecrets: a secret inside another does not open the outer one's
// other entries.
func TestNestedSecrets(t *testing.T) {
	w := newWorld(t)
	other := filepath.Join(w.home, ".config", "other")
	if err := os.WriteFile(other, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.rules
	r.Secret = []string{".config/gatesh", ".config", ".config"}
	res := w.run(t, r, "sh", childScript+"=cat ~/.config/other", childThread+"=1")
	if res.err == nil || !strings.Contains(res.out, "denied") {
		t.Errorf("~/.config/other read (%v):\n%s", res.err, res.out)
	}
	realConfig, _ := filepath.EvalSymlinks(filepath.Dir(other))
	if !slices.Equal(res.report.Hidden, []string{realConfig}) {
		t.Errorf("Hidden %q, want only %s", res.report.Hidden, realConfig)
	}
}

// TestSecretsThroughLinks: a home reached through a symbolic link, and a secret
// that is a link to a directory elsewhere, are hidden where they really are.
func TestSecretsThroughLinks(t *testing.T) {
	w := newWorld(t)
	base := filepath.Dir(w.home)
	link := filepath.Join(base, "home-link")
	elsewhere := filepath.Join(base, "vault", "aws")
	if err := os.Symlink(w.home, link); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(elsewhere, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(elsewhere, "credentials"), []byte("aws\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(w.home, ".aws")); err != nil {
		t.Fatal(err)
	}
	r := w.rules
	r.Home = link
	script := `cat "$L/.bashrc" && echo rc-read
cat "$L/.ssh/id_rsa" || echo key-refused
cat "$L/.aws/credentials" || echo aws-refused
cat "$V/credentials" || echo vault-refused`
	res := w.run(t, r, "sh", childScript+"="+script, childThread+"=1", "L="+link, "V="+elsewhere)
	for _, want := range []string{"rc-read", "key-refused", "aws-refused", "vault-refused"} {
		if !strings.Contains(res.out, want) {
			t.Errorf("no %s:\n%s", want, res.out)
		}
	}
	if strings.Contains(res.out, "PRIVATE KEY") || strings.Contains(res.out, "aws\n") {
		t.Errorf("a secret was read:\n%s", res.out)
	}
}

// TestSignals: with ScopeSignals a process outside the tree cannot be signalled
// (the daemon cannot be killed), a child inside can.
func TestSignals(t *testing.T) {
	w := newWorld(t)
	if ABI() < 6 {
		t.Skipf("Landlock ABI %d has no scoping (needs 6)", ABI())
	}
	outside := exec.Command("sleep", "60")
	if err := outside.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		outside.Process.Kill()
		outside.Wait()
	})
	script := `if kill -0 "$OUTSIDE"; then echo outside-signalled; else echo outside-refused; fi
sleep 30 & c=$!
if kill "$c"; then echo inside-killed; fi
wait "$c"
true`
	pid := "OUTSIDE=" + strconv.Itoa(outside.Process.Pid)
	res := w.sh(t, script, pid)
	if !strings.Contains(res.out, "outside-refused") || !strings.Contains(res.out, "inside-killed") {
		t.Errorf("with ScopeSignals:\n%s", res.out)
	}
	if outside.ProcessState != nil {
		t.Errorf("the outside process ended")
	}

	r := w.rules
	r.ScopeSignals = false
	res = w.run(t, r, "sh", childScript+"="+script, pid)
	if !strings.Contains(res.out, "outside-signalled") {
		t.Errorf("without ScopeSignals the outside process should be reachable:\n%s", res.out)
	}
}

// TestAbstractUnix: with ScopeAbstractUnix an abstract socket made outside the
// tree cannot be reached.
func TestAbstractUnix(t *testing.T) {
	w := newWorld(t)
	if ABI() < 6 {
		t.Skipf("Landlock ABI %d has no scoping (needs 6)", ABI())
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	name := fmt.Sprintf("@gatesh-confine-test-%d", os.Getpid())
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 4); err != nil {
		t.Fatal(err)
	}
	res := w.run(t, w.rules, "ops", childOps+"=connect-abstract", "ABSTRACT="+name)
	if !strings.Contains(res.out, "op connect-abstract EPERM\n") {
		t.Errorf("with ScopeAbstractUnix:\n%s", res.out)
	}
	r := w.rules
	r.ScopeAbstractUnix = false
	res = w.run(t, r, "ops", childOps+"=connect-abstract", "ABSTRACT="+name)
	if !strings.Contains(res.out, "op connect-abstract ok\n") {
		t.Errorf("without ScopeAbstractUnix:\n%s", res.out)
	}
}

// TestProtectedInsideWritable: a protected directory under a writable root is
// reported; Landlock cannot keep it read-only there.
func TestProtectedInsideWritable(t *testing.T) {
	w := newWorld(t)
	r := w.rules
	r.Protected = append(r.Protected, filepath.Join(w.ws, ".gatesh"))
	res := w.run(t, r, "sh", childScript+"=true")
	want := Overlap{Path: filepath.Join(w.ws, ".gatesh"), Kind: "protected", Root: w.ws}
	if !slices.Contains(res.report.Overlaps, want) {
		t.Errorf("Overlaps %v, want %v", res.report.Overlaps, want)
	}
}

// TestPlan: what each ABI enforces and what it leaves out, without the kernel.
func TestPlan(t *testing.T) {
	r := Rules{ScopeSignals: true, ScopeAbstractUnix: true}
	const all = erratumSignals
	cases := []struct {
		abi, errata int
		handled     uint64
		scopes      []string
		left        []string
	}{
		{0, 0, 0, nil, []string{"landlock"}},
		{1, 0, 1<<13 - 1, nil, []string{"refer", "truncate", "ioctl-dev", "signal scope", "abstract-unix scope"}},
		{2, 0, 1<<14 - 1, nil, []string{"truncate", "ioctl-dev", "signal scope", "abstract-unix scope"}},
		{3, 0, 1<<15 - 1, nil, []string{"ioctl-dev", "signal scope", "abstract-unix scope"}},
		{4, 0, 1<<15 - 1, nil, []string{"ioctl-dev", "signal scope", "abstract-unix scope"}},
		{5, 0, 1<<16 - 1, nil, []string{"signal scope", "abstract-unix scope"}},
		{6, 0, 1<<16 - 1, []string{"abstract-unix"}, []string{"signal scope"}},
		{6, all, 1<<16 - 1, []string{"signal", "abstract-unix"}, nil},
		{7, all, 1<<16 - 1, []string{"signal", "abstract-unix"}, nil},
		{9, all, 1<<16 - 1, []string{"signal", "abstract-unix"}, nil},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("abi%d-errata%d", c.abi, c.errata), func(t *testing.T) {
			p := newPlan(c.abi, c.errata, r)
			var left []string
			for _, o := range p.left {
				left = append(left, o.What)
			}
			if p.handled != c.handled || !slices.Equal(p.scopes, c.scopes) || !slices.Equal(left, c.left) {
				t.Errorf("handled %#x scopes %q left %q\nwant %#x %q %q", p.handled, p.scopes, left, c.handled, c.scopes, c.left)
			}
		})
	}
}

func TestEntryKind(t *testing.T) {
	hidden := []string{"/home/u/.ssh", "/home/u/.config/gh"}
	cases := []struct {
		dir, name string
		want      int
	}{
		{"/", "home", entryOnTheWay},
		{"/", "usr", entryOther},
		{"/", "hom", entryOther},
		{"/home", "u", entryOnTheWay},
		{"/home", "u2", entryOther},
		{"/home/u", ".ssh", entryHidden},
		{"/home/u", ".ssh2", entryOther},
		{"/home/u", ".config", entryOnTheWay},
		{"/home/u/.config", "gh", entryHidden},
		{"/home/u/.config", "git", entryOther},
	}
	for _, c := range cases {
		if got := entryKind(c.dir, []byte(c.name), hidden); got != c.want {
			t.Errorf("entryKind(%q, %q) = %d, want %d", c.dir, c.name, got, c.want)
		}
	}
}

// benchRules are the rules to time: "world" is the test's home under /tmp (every
// entry of /tmp, of the temp directories on the way and of the home gets a rule
// of its own: a worst case), "home" is what gatesh would apply for this user:
// the real home, its default caches and secrets, the temp directories.
func benchRules(b *testing.B) map[string]Rules {
	w := newWorld(b)
	home, err := os.UserHomeDir()
	if err != nil {
		b.Fatal(err)
	}
	real := Rules{
		Writable:          append(append([]string{b.TempDir()}, TempDirs(os.Getenv("TMPDIR"))...), DefaultCaches(home)...),
		Devices:           DefaultDevices(),
		Home:              home,
		Secret:            DefaultSecrets(),
		Protected:         []string{filepath.Join(home, ".config", "gatesh"), filepath.Join(home, ".local", "state", "gatesh")},
		ScopeSignals:      true,
		ScopeAbstractUnix: true,
	}
	return map[string]Rules{"world": w.rules, "home": real}
}

// BenchmarkBuild builds the ruleset without enforcing it: the part of Apply that
// can be repeated in one process.
func BenchmarkBuild(b *testing.B) {
	abi, errata := kernel()
	for _, name := range []string{"home", "world"} {
		r := benchRules(b)[name]
		b.Run(name, func(b *testing.B) {
			p := newPlan(abi, errata, r)
			b.ReportAllocs()
			var rules int
			for b.Loop() {
				rep := Report{}
				rs := resolver{}
				fd, err := build(&rep, p, r, rs)
				if err != nil {
					b.Fatal(err)
				}
				granted := r
				granted.Writable = rep.Writable
				rep.Overlaps = overlaps(granted, rs)
				unix.Close(fd)
				rules = rep.Rules
			}
			b.ReportMetric(float64(rules), "rules")
		})
	}
}

// BenchmarkApply times one Apply or ApplyThread in each of b.N children (both are
// one-way) and reports the mean time and allocations they took there.
func BenchmarkApply(b *testing.B) {
	for _, name := range []string{"home", "world"} {
		js, _ := json.Marshal(benchRules(b)[name])
		for _, fn := range []string{"Apply", "ApplyThread", "Enforce"} {
			b.Run(name+"/"+fn, func(b *testing.B) {
				env := []string{"PATH=" + os.Getenv("PATH"), childMode + "=bench", childRules + "=" + string(js)}
				var files []*os.File
				switch fn {
				case "ApplyThread":
					env = append(env, childThread+"=1")
				case "Enforce":
					// Built once here, enforced in each child: the daemon's way.
					rs, err := Build(benchRules(b)[name])
					if err != nil {
						b.Fatal(err)
					}
					defer rs.Close()
					fd, err := unix.Dup(rs.FD())
					if err != nil {
						b.Fatal(err)
					}
					f := os.NewFile(uintptr(fd), "ruleset")
					defer f.Close()
					files = []*os.File{f}
					env = append(env, childFD+"=1")
				}
				var total time.Duration
				var allocs uint64
				for b.Loop() {
					cmd := exec.Command(os.Args[0])
					cmd.Env = env
					cmd.ExtraFiles = files
					out, err := cmd.Output()
					if err != nil {
						b.Fatalf("%v\n%s", err, out)
					}
					sc := bufio.NewScanner(strings.NewReader(string(out)))
					for sc.Scan() {
						var ns, n uint64
						if _, err := fmt.Sscanf(sc.Text(), "apply %d %d", &ns, &n); err == nil {
							total += time.Duration(ns)
							allocs += n
						}
					}
				}
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/apply")
				b.ReportMetric(float64(allocs)/float64(b.N), "allocs/apply")
			})
		}
	}
}
