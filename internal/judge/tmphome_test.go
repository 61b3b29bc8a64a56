package judge

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/policy"
)

// TestHomeUnderTmp: CI runners, containers and agent sandboxes put HOME, and
// make run puts GATESH_HOME, under /tmp. Those stay the home and the gate's own
// files, not scratch space; the rest of /tmp stays scratch (docs/policy-input.md,
// "Zones").
func TestHomeUnderTmp(t *testing.T) {
	base := tmpDir(t, "gatesh-home-test-")
	gh := tmpDir(t, "gatesh-run.")
	home := filepath.Join(base, "h")
	ws := filepath.Join(home, "ws")
	gitInit(t, ws, home)
	gitInit(t, home+"-dots", home) // unused sibling: a repository outside the home
	dec := tmpHomeDecider(t, home, gh)
	env := map[string]string{"HOME": home, "GATESH_HOME": gh, "TMPDIR": "/tmp", "PATH": "/usr/bin:/bin"}
	tests := []struct {
		cmd, cwd string
		want     string // Allow, or Hold meaning "held or denied"
		class    string // when not "", the class wanted
	}{
		{"rm ~/.ssh/id_rsa", ws, policy.Hold, ""},
		{"chown -R nobody ~", ws, policy.Hold, ""},
		{"rm -rf ~/project", ws, policy.Hold, ""},
		{"mv src ~/backup", ws, policy.Hold, ""},
		{"shred -u ~/.bash_history", ws, policy.Hold, ""},
		{"rm -rf ~/.config/gatesh", ws, policy.Deny, "tamper"},
		{"echo 'package x' > ~/.config/gatesh/policies/x.rego", ws, policy.Deny, "tamper"},
		{"rm -rf " + gh + "/state", ws, policy.Deny, "tamper"},
		{"rm -rf /tmp/gatesh-run.*/state", ws, policy.Deny, "tamper"},
		{"rm -rf /tmp/gatesh-run.*", ws, policy.Deny, "tamper"},
		{"rm -rf " + base + "/*", ws, policy.Deny, ""},
		{"rm ~/.bashrc", ws, policy.Hold, ""},
		{"rm -rf ~", ws, policy.Deny, ""},
		{"cd .. && rm -rf *", ws, policy.Deny, ""},
		// the reverse: scratch and the workspace stay as they were
		{"rm -rf /tmp/build-xyz", ws, policy.Allow, ""},
		{"rm -rf ./build", ws, policy.Allow, ""},
		{"echo hi > /tmp/out.txt && cat /tmp/out.txt", ws, policy.Allow, ""},
		{"mkdir -p /tmp/cache-x && cp go.mod /tmp/cache-x/", ws, policy.Allow, ""},
		{"ls -la ~", ws, policy.Allow, ""},
		{"rm -rf ./build", home + "-dots", policy.Allow, ""},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			_, got, err := checkLine(ctx, dec, tc.cmd, tc.cwd, env)
			if err != nil {
				t.Fatal(err)
			}
			ok := got.Action == tc.want || (tc.want == policy.Hold && got.Action == policy.Deny)
			if tc.class != "" && got.Class != tc.class {
				ok = false
			}
			if !ok {
				t.Errorf("%q in %s: got %s %s, want %s %s\n%s", tc.cmd, tc.cwd, got.Action, got.Class, tc.want, tc.class, reasons(got))
			}
		})
	}
}

// TestWorkspaceIsTmpHome: the workspace is the home under /tmp. Files in it are
// the workspace's; the home itself and its startup files stay protected.
func TestWorkspaceIsTmpHome(t *testing.T) {
	base := tmpDir(t, "gatesh-home-test-")
	home := filepath.Join(base, "h")
	gitInit(t, home, home)
	dec := tmpHomeDecider(t, home, filepath.Join(base, "gatesh"))
	env := map[string]string{"HOME": home, "TMPDIR": "/tmp", "PATH": "/usr/bin:/bin"}
	for _, tc := range []struct {
		cmd  string
		want string
	}{
		{"rm -rf ./build", policy.Allow},
		{"rm -rf ~/build", policy.Allow},
		{"rm ~/.bashrc", policy.Hold},
		{"echo 'alias ls=rm' >> ~/.bashrc", policy.Hold},
		{"rm -rf ~", policy.Deny},
		{"rm ~/.ssh/id_rsa", policy.Hold},
	} {
		_, got, err := checkLine(context.Background(), dec, tc.cmd, home, env)
		if err != nil {
			t.Fatal(err)
		}
		if got.Action != tc.want {
			t.Errorf("%q: got %s %s, want %s\n%s", tc.cmd, got.Action, got.Class, tc.want, reasons(got))
		}
	}
}

// tmpDir is a new directory under /tmp itself (not TMPDIR: the tests are
// about /tmp), its symlinks resolved, removed when the test ends.
func tmpDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	dir, _ = filepath.EvalSymlinks(dir)
	return dir
}

// tmpHomeDecider is a decider for a user whose HOME is home and whose
// GATESH_HOME is gh, with TMPDIR /tmp and no XDG directories set.
func tmpHomeDecider(t *testing.T, home, gh string) *Judge {
	t.Helper()
	t.Setenv("HOME", home)
	t.Setenv("GATESH_HOME", gh)
	t.Setenv("TMPDIR", "/tmp")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	d, err := dirs.From(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := New(context.Background(), Config{Dirs: d, Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

// gitInit makes dir a git repository on feature/x with one commit.
func gitInit(t *testing.T, dir, home string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"commit", "-q", "--allow-empty", "-m", "init"}, {"checkout", "-q", "-b", "feature/x"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}
