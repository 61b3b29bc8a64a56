package e2e

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Version managers (pyenv, rbenv, nodenv, asdf) put #!/usr/bin/env bash shims on
// PATH; env finds the gatesh shim's bash, so each shim and libexec script they
// run comes back to the gate as a script of its own. These tests pin that such
// a script, run by a program of an allowed line from outside the workspace and
// the temporary directories, is not held for its opaque code; that what it
// spells out still holds, with the agent's line named first; and that a script
// the agent wrote in the workspace is judged as before.

// versionMgrFixture is testdata/versionmgr, used in place: the e2e worlds live
// under /tmp, and the fixture must be outside them (and outside /tmp) to count
// as the machine's.
func versionMgrFixture(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "versionmgr"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir + "/shims", dir + "/libexec", dir + "/bin", dir + "/shims/python3", dir + "/libexec/fakeenv", dir + "/bin/publish-tool"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o022 != 0 {
			t.Skipf("%s is writable by group or others (mode %v): the gate rightly does not count it as the machine's; check out with umask 022", p, fi.Mode().Perm())
		}
	}
	if strings.HasPrefix(dir, "/tmp/") || strings.HasPrefix(dir, "/var/tmp/") {
		t.Skipf("the fixture %s is in a temporary directory, where the gate rightly judges every script", dir)
	}
	return dir
}

func TestVersionManagerShim(t *testing.T) {
	if _, err := lookPath("python3", SystemPath); err != nil {
		t.Skip("no python3 on", SystemPath)
	}
	fix := versionMgrFixture(t)
	e := NewEnv(t)
	e.Fresh()
	path := "PATH=" + ShimDir + ":" + fix + "/shims:" + fix + "/bin:" + SystemPath

	t.Run("shim runs", func(t *testing.T) {
		e.TB = t
		r := e.Gatesh(Call{Args: []string{"-c", "python3 -c 'print(1)'"}, Env: []string{path}})
		if r.Status != 0 || r.Stdout != "1\n" {
			t.Fatalf("python3 through the fixture shim: want 1 and status 0\n%s", r)
		}
	})

	t.Run("a line that sets variables gets no trust", func(t *testing.T) {
		e.TB = t
		// The variables could point the tool at code the agent wrote (pyenv
		// sources $PYENV_HOOK_PATH/exec/*.bash): its scripts are judged whole.
		r := e.Gatesh(Call{Args: []string{"-c", "FAKEENV_HOOKS=./hooks python3 -c 'print(1)'"}, Env: []string{path}})
		if r.Status != 126 || !strings.Contains(r.Stderr, "[opaque.dynamic-command]") || !strings.Contains(r.Stderr, "your command `FAKEENV_HOOKS=./hooks python3") {
			t.Fatalf("want the shim held as opaque, naming the line\n%s", r)
		}
	})

	t.Run("held script names the line", func(t *testing.T) {
		e.TB = t
		e.Commit(e.Work, "f.txt", "new\n", "a commit to push")
		before := e.RemoteRef("refs/heads/main")
		r := e.Gatesh(Call{Args: []string{"-c", "publish-tool --now"}, Env: []string{path}})
		if r.Status != 126 {
			t.Fatalf("a machine tool's literal git push: want status 126 (held)\n%s", r)
		}
		line := strings.Index(r.Stderr, "your command `publish-tool --now` ran")
		rule := strings.Index(r.Stderr, "[git.push]")
		if line < 0 || rule < 0 || line > rule {
			t.Errorf("the held message should name the agent's line first, then the rule\n%s", r)
		}
		if after := e.RemoteRef("refs/heads/main"); after != before {
			t.Errorf("the remote moved from %s to %s", before, after)
		}
	})

	t.Run("agent's script is judged", func(t *testing.T) {
		e.TB = t
		script := filepath.Join(e.Work, "evil.sh")
		e.WriteFile(script, "#!/usr/bin/env bash\nprog=$(printf echo)\n\"$prog\" ran\n")
		if err := os.Chmod(script, 0o755); err != nil {
			t.Fatal(err)
		}
		// Old enough that only where it lies can tell it from a machine tool.
		old := time.Now().Add(-time.Hour)
		os.Chtimes(script, old, old)
		r := e.Gatesh(Call{Args: []string{"-c", "./evil.sh"}, Env: []string{path}})
		if r.Status != 126 || strings.Contains(r.Stdout, "ran") {
			t.Fatalf("a script in the workspace with a computed command word: want it held, not run\n%s", r)
		}
		if !strings.Contains(r.Stderr, "your command `./evil.sh` ran") || !strings.Contains(r.Stderr, "[opaque.dynamic-command]") {
			t.Errorf("want the agent's line named and opaque.dynamic-command\n%s", r)
		}
	})
}

// TestVersionManagerPyenv runs the machine's real pyenv, where it is installed.
func TestVersionManagerPyenv(t *testing.T) {
	// The machine's pyenv: PYENV_ROOT, else ~/.pyenv of the account (from
	// passwd, not HOME: CI runs the suite with HOME in a fresh directory).
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		u, err := user.Current()
		if err != nil {
			t.Skip(err)
		}
		root = filepath.Join(u.HomeDir, ".pyenv")
	}
	shim := filepath.Join(root, "shims", "python3")
	if _, err := os.Stat(shim); err != nil {
		t.Skipf("no pyenv shim %s", shim)
	}
	e := NewEnv(t)
	e.Fresh()
	path := "PATH=" + ShimDir + ":" + filepath.Join(root, "shims") + ":" + filepath.Join(root, "bin") + ":" + SystemPath
	r := e.Gatesh(Call{Args: []string{"-c", "python3 -c 'print(1)'"}, Env: []string{path, "PYENV_ROOT=" + root}})
	if r.Status != 0 || r.Stdout != "1\n" {
		t.Fatalf("python3 through pyenv's shim: want 1 and status 0\n%s", r)
	}
	// pyenv exec runs what it is given: the line judge sees it.
	r = e.Gatesh(Call{Args: []string{"-c", "pyenv exec git push origin HEAD:refs/heads/main"}, Env: []string{path, "PYENV_ROOT=" + root}})
	if r.Status != 126 || !strings.Contains(r.Stderr, "[git.push]") {
		t.Fatalf("pyenv exec git push: want it held as git.push\n%s", r)
	}
	// So does its libexec script run by path through bash: the line judge sees
	// only `bash FILE …`, and the daemon judges the words the trusted script
	// was given, as `pyenv exec git push`.
	cmd := "bash " + filepath.Join(root, "libexec", "pyenv") + " exec git push origin HEAD:refs/heads/main"
	r = e.Gatesh(Call{Args: []string{"-c", cmd}, Env: []string{path, "PYENV_ROOT=" + root}})
	if r.Status != 126 || !strings.Contains(r.Stderr, "[git.push]") || !strings.Contains(r.Stderr, "your command `"+cmd+"`") {
		t.Fatalf("%s: want it held as git.push, naming the line\n%s", cmd, r)
	}
}
