package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/wire"
)

// bins are real gatesh and gatectl binaries, built once per top-level test.
type bins struct {
	dir, gatesh, gatectl string
}

func buildBins(t *testing.T) bins {
	t.Helper()
	if testing.Short() {
		t.Skip("builds binaries")
	}
	dir := t.TempDir()
	b := bins{dir: dir, gatesh: filepath.Join(dir, "gatesh"), gatectl: filepath.Join(dir, "gatectl")}
	for _, name := range []string{"gatesh", "gatectl"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), "github.com/gatesh/gatesh/cmd/"+name).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
	// Beside reports the resolved path.
	if real, err := filepath.EvalSymlinks(b.gatesh); err == nil {
		b.gatesh = real
	}
	return b
}

// box is one user's world: its own GATESH_HOME (short, for the socket path) and
// HOME, and the daemon a run may start, stopped at the end.
type box struct {
	t    *testing.T
	b    bins
	home string // GATESH_HOME
	user string // HOME
	env  map[string]string
}

func newBox(t *testing.T, b bins) *box {
	t.Helper()
	home, err := os.MkdirTemp("/tmp", "gsi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	x := &box{t: t, b: b, home: home, user: t.TempDir()}
	x.env = map[string]string{
		"GATESH_HOME":        home,
		"HOME":               x.user,
		"PATH":               os.Getenv("PATH"),
		"GATESH_DAEMON_IDLE": "2m", // a daemon that outlives the test goes away on its own
	}
	t.Cleanup(x.stopDaemon) // runs before the removal above
	return x
}

func (x *box) shims() string { return filepath.Join(x.home, "config", "shims") }

type ran struct {
	code           int
	stdout, stderr string
}

// run runs the built gatectl with args in the box's environment.
func (x *box) run(args ...string) ran {
	x.t.Helper()
	cmd := exec.Command(x.b.gatectl, args...)
	for k, v := range x.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Dir = x.user
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		x.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		x.t.Fatalf("gatectl %v did not finish", args)
	}
	r := ran{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		x.t.Fatal(err)
	}
	return r
}

// stopDaemon stops the daemon of the box, if one runs: it asks its pid and
// ends that process.
func (x *box) stopDaemon() {
	sock := wire.Socket(filepath.Join(x.home, "run"))
	conn, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := wire.WriteLine(conn, wire.Request{V: wire.Version, Op: wire.OpPing}); err != nil {
		return
	}
	line, err := wire.ReadLine(bufio.NewReader(conn), wire.MaxResponse)
	if err != nil {
		return
	}
	var resp wire.Response
	if json.Unmarshal(line, &resp) != nil || resp.PID <= 0 {
		return
	}
	syscall.Kill(resp.PID, syscall.SIGTERM)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(resp.PID, 0) != nil {
			return
		}
	}
}

func readLink(t *testing.T, p string) string {
	t.Helper()
	got, err := os.Readlink(p)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestInstall(t *testing.T) {
	b := buildBins(t)

	t.Run("creates the shims, idempotently", func(t *testing.T) {
		x := newBox(t, b)
		r := x.run("install")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		for _, name := range []string{"bash", "sh"} {
			if got := readLink(t, filepath.Join(x.shims(), name)); got != b.gatesh {
				t.Errorf("%s -> %s, want %s", name, got, b.gatesh)
			}
		}
		if !strings.Contains(r.stdout, x.shims()) || strings.Count(r.stdout, "(created)") != 2 {
			t.Errorf("stdout:\n%s", r.stdout)
		}
		for _, want := range []string{"claude-code", "codex", "gemini", "aider", "generic", "Goose"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("the overview lacks %s:\n%s", want, r.stdout)
			}
		}
		r = x.run("install")
		if r.code != 0 || strings.Count(r.stdout, "(already there)") != 2 {
			t.Errorf("second run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if got := readLink(t, filepath.Join(x.shims(), "bash")); got != b.gatesh {
			t.Errorf("bash -> %s after the second run", got)
		}
	})

	t.Run("replaces a wrong symlink", func(t *testing.T) {
		x := newBox(t, b)
		dir := filepath.Join(x.user, "shims")
		os.MkdirAll(dir, 0o755)
		os.Symlink("/bin/sh", filepath.Join(dir, "sh"))
		r := x.run("install", "--dir", dir)
		if r.code != 0 || !strings.Contains(r.stdout, "replaced, was -> /bin/sh") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if got := readLink(t, filepath.Join(dir, "sh")); got != b.gatesh {
			t.Errorf("sh -> %s", got)
		}
	})

	t.Run("refuses to clobber a regular file", func(t *testing.T) {
		x := newBox(t, b)
		dir := filepath.Join(x.user, "shims")
		os.MkdirAll(dir, 0o755)
		mine := filepath.Join(dir, "bash")
		os.WriteFile(mine, []byte("#!/bin/sh\necho mine\n"), 0o755)
		r := x.run("install", "--dir", dir)
		if r.code == 0 || !strings.Contains(r.stderr, mine) || !strings.Contains(r.stderr, "not created by gatectl install") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
		if got, _ := os.ReadFile(mine); string(got) != "#!/bin/sh\necho mine\n" {
			t.Errorf("the file was changed: %q", got)
		}
		if _, err := os.Lstat(filepath.Join(dir, "sh")); err == nil {
			t.Error("sh was created although bash was refused")
		}
	})

	t.Run("needs gatesh beside gatectl", func(t *testing.T) {
		x := newBox(t, b)
		alone := filepath.Join(t.TempDir(), "gatectl")
		if err := os.Link(b.gatectl, alone); err != nil {
			t.Skipf("cannot link gatectl elsewhere: %v", err)
		}
		x.b.gatectl = alone
		r := x.run("install")
		if r.code == 0 || !strings.Contains(r.stderr, "not found next to") {
			t.Errorf("exit %d: %s", r.code, r.stderr)
		}
	})

	t.Run("prints each agent's lines", func(t *testing.T) {
		x := newBox(t, b)
		sb := filepath.Join(x.shims(), "bash")
		for agent, wants := range map[string][]string{
			"claude-code": {"export CLAUDE_CODE_SHELL=" + sb, "export SHELL=" + sb, "export PATH=" + x.shims() + `:"$PATH"`, "alias claude=", filepath.Join(x.user, ".claude", "settings.json")},
			"codex":       {"chsh -s " + sb, "/etc/shells", "alias codex='PATH=" + x.shims(), "/bin/bash by its full path"},
			"gemini":      {"alias gemini='PATH=" + x.shims() + `:"$PATH" gemini'`},
			"aider":       {"alias aider='SHELL=" + sb + " aider'", "-i -c"},
			"generic":     {"export PATH=" + x.shims(), "export SHELL=" + sb},
		} {
			r := x.run("install", "--agent", agent)
			if r.code != 0 {
				t.Fatalf("%s: exit %d: %s", agent, r.code, r.stderr)
			}
			for _, w := range append(wants, "Goose", "container or a mount namespace", "gatectl doctor --agent "+agent) {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("%s: the output lacks %q:\n%s", agent, w, r.stdout)
				}
			}
		}
		if r := x.run("install", "--agent", "nope"); r.code != 2 || !strings.Contains(r.stderr, "unknown agent") {
			t.Errorf("unknown agent: exit %d: %s", r.code, r.stderr)
		}
	})

	t.Run("--print is shell code only", func(t *testing.T) {
		x := newBox(t, b)
		r := x.run("install", "--agent", "codex", "--print")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "alias codex=") {
				t.Errorf("not a comment or the alias: %q", l)
			}
		}
		if !strings.Contains(r.stdout, "#   chsh -s ") || !strings.Contains(r.stderr, "gatesh shims in") {
			t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		}
		r = x.run("install", "--print")
		if r.code != 0 || strings.TrimSpace(r.stdout) != x.shims() {
			t.Errorf("install --print: exit %d, stdout %q", r.code, r.stdout)
		}
	})

	t.Run("--apply merges into Claude Code's settings", func(t *testing.T) {
		x := newBox(t, b)
		settings := filepath.Join(x.user, ".claude", "settings.json")
		os.MkdirAll(filepath.Dir(settings), 0o700)
		orig := `{"model": "opus", "permissions": {"allow": ["Bash(npm test:*)"]}, "env": {"FOO": "1", "SHELL": "/bin/zsh"}, "hooks": {}}`
		os.WriteFile(settings, []byte(orig), 0o644)
		r := x.run("install", "--agent", "claude-code", "--apply")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var got map[string]any
		raw, _ := os.ReadFile(settings)
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%v\n%s", err, raw)
		}
		env, _ := got["env"].(map[string]any)
		sb := filepath.Join(x.shims(), "bash")
		if env["CLAUDE_CODE_SHELL"] != sb || env["SHELL"] != sb || env["FOO"] != "1" {
			t.Errorf("env = %v", env)
		}
		if got["model"] != "opus" || got["permissions"] == nil || got["hooks"] == nil {
			t.Errorf("other keys lost:\n%s", raw)
		}
		backups, _ := filepath.Glob(settings + ".gatesh-backup-*")
		if len(backups) != 1 {
			t.Fatalf("backups: %v", backups)
		}
		if b, _ := os.ReadFile(backups[0]); string(b) != orig {
			t.Errorf("the backup holds %q", b)
		}
		if !strings.Contains(r.stdout, backups[0]) || !strings.Contains(r.stdout, "SHELL was /bin/zsh") {
			t.Errorf("stdout does not name the backup and the old value:\n%s", r.stdout)
		}
		// applying again changes nothing and makes no second backup
		r = x.run("install", "--agent", "claude-code", "--apply")
		if r.code != 0 || !strings.Contains(r.stdout, "nothing was written") {
			t.Errorf("second apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if backups, _ := filepath.Glob(settings + ".gatesh-backup-*"); len(backups) != 1 {
			t.Errorf("backups after the second apply: %v", backups)
		}
	})

	t.Run("--apply creates the settings, under CLAUDE_CONFIG_DIR", func(t *testing.T) {
		x := newBox(t, b)
		cfg := filepath.Join(x.user, "cc")
		x.env["CLAUDE_CONFIG_DIR"] = cfg
		r := x.run("install", "--agent", "claude-code", "--apply")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var got struct{ Env map[string]string }
		raw, err := os.ReadFile(filepath.Join(cfg, "settings.json"))
		if err != nil || json.Unmarshal(raw, &got) != nil || got.Env["CLAUDE_CODE_SHELL"] != filepath.Join(x.shims(), "bash") {
			t.Errorf("settings: %s (%v)", raw, err)
		}
		if _, err := os.Stat(filepath.Join(x.user, ".claude")); err == nil {
			t.Error("~/.claude was written although CLAUDE_CONFIG_DIR is set")
		}
	})

	t.Run("--apply refuses invalid JSON", func(t *testing.T) {
		x := newBox(t, b)
		settings := filepath.Join(x.user, ".claude", "settings.json")
		os.MkdirAll(filepath.Dir(settings), 0o700)
		bad := `{"model": "opus", // a comment
}`
		os.WriteFile(settings, []byte(bad), 0o644)
		r := x.run("install", "--agent", "claude-code", "--apply")
		if r.code == 0 || !strings.Contains(r.stderr, "not a valid settings file") || !strings.Contains(r.stderr, "left untouched") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
		if got, _ := os.ReadFile(settings); string(got) != bad {
			t.Errorf("the file was changed: %q", got)
		}
		if ents, _ := os.ReadDir(filepath.Dir(settings)); len(ents) != 1 {
			t.Errorf("%d files beside the settings (a backup of a refused file?)", len(ents))
		}
	})

	t.Run("--apply for other agents applies nothing", func(t *testing.T) {
		x := newBox(t, b)
		for _, agent := range []string{"codex", "gemini", "aider", "generic"} {
			r := x.run("install", "--agent", agent, "--apply")
			if r.code != 0 || !strings.Contains(r.stdout, "nothing was applied") {
				t.Errorf("%s: exit %d\n%s%s", agent, r.code, r.stdout, r.stderr)
			}
		}
		if r := x.run("install", "--apply"); r.code != 0 || !strings.Contains(r.stdout, "nothing was applied") {
			t.Errorf("no agent: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(x.user, ".claude")); err == nil {
			t.Error("~/.claude was written for another agent")
		}
	})
}

func TestDoctor(t *testing.T) {
	b := buildBins(t)

	t.Run("passes with the shim", func(t *testing.T) {
		x := newBox(t, b)
		if r := x.run("install"); r.code != 0 {
			t.Fatalf("install: %s", r.stderr)
		}
		r := x.run("doctor", "--shell", filepath.Join(x.shims(), "bash"))
		if r.code != 0 {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, "FAIL") {
			t.Errorf("a check failed:\n%s", r.stdout)
		}
		for _, w := range []string{"it is the gatesh shim", "the daemon answered", "reversible work runs", "the gate is in the path", "exit 126: gatesh:", "a terminal session is gated", "($? 126: gatesh:", "all 6 checks passed"} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("the output lacks %q:\n%s", w, r.stdout)
			}
		}
	})

	t.Run("fails with /bin/bash", func(t *testing.T) {
		if _, err := os.Stat("/bin/bash"); err != nil {
			t.Skip("no /bin/bash")
		}
		x := newBox(t, b)
		r := x.run("doctor", "--shell", "/bin/bash")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
		}
		for _, w := range []string{"FAIL  it is not gatesh", "FAIL  the gate is not in the path", "FAIL  a terminal session is not gated", "ok    reversible work runs", "To fix:", "gatectl install --agent"} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("the output lacks %q:\n%s", w, r.stdout)
			}
		}
	})

	t.Run("claude-code reads the applied settings", func(t *testing.T) {
		x := newBox(t, b)
		x.env["SHELL"] = "/bin/bash"
		if r := x.run("doctor", "--agent", "claude-code"); r.code != 1 {
			t.Errorf("before install: exit %d\n%s", r.code, r.stdout)
		}
		if r := x.run("install", "--agent", "claude-code", "--apply"); r.code != 0 {
			t.Fatalf("install: %s", r.stderr)
		}
		r := x.run("doctor", "--agent", "claude-code")
		if r.code != 0 || !strings.Contains(r.stdout, "CLAUDE_CODE_SHELL in ") || !strings.Contains(r.stdout, "Claude Code accepts it") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("gemini takes bash from PATH", func(t *testing.T) {
		x := newBox(t, b)
		if r := x.run("install"); r.code != 0 {
			t.Fatalf("install: %s", r.stderr)
		}
		x.env["PATH"] = x.shims() + ":" + os.Getenv("PATH")
		r := x.run("doctor", "--agent", "gemini")
		if r.code != 0 || !strings.Contains(r.stdout, "the first bash on PATH") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("usage", func(t *testing.T) {
		x := newBox(t, b)
		if r := x.run("doctor", "--agent", "nope"); r.code != 2 {
			t.Errorf("unknown agent: exit %d", r.code)
		}
		if r := x.run("doctor", "extra"); r.code != 2 {
			t.Errorf("extra argument: exit %d", r.code)
		}
	})
}
