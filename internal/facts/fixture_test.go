package facts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fixture is a real git repository laid out for the tests:
//
//	base/
//	  repo/      on feature/x, 3 commits; nested/deep/ holds a tracked file;
//	             branches main (packed), loose (loose); tags v1 (packed,
//	             lightweight), v2 (packed, annotated), loosetag (loose);
//	             refs/remotes/origin/main (packed); ignored.log is ignored
//	  wt/        linked worktree on branch wtbranch (.git is a file)
//	  det/       linked worktree with a detached HEAD
//	  plain/     no repository
type fixture struct {
	base, root, wt, det, plain string
	head                       string // full object id of HEAD in repo
}

func runT(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{
		base:  base,
		root:  filepath.Join(base, "repo"),
		wt:    filepath.Join(base, "wt"),
		det:   filepath.Join(base, "det"),
		plain: filepath.Join(base, "plain"),
	}
	if err := os.MkdirAll(f.plain, 0o755); err != nil {
		t.Fatal(err)
	}
	runT(t, base, "init", "-q", "-b", "feature/x", "repo")
	writeFile(t, filepath.Join(f.root, "a.txt"), "a\n")
	writeFile(t, filepath.Join(f.root, ".gitignore"), "*.log\n")
	writeFile(t, filepath.Join(f.root, "nested/deep/n.txt"), "n\n")
	runT(t, f.root, "add", ".")
	runT(t, f.root, "commit", "-q", "-m", "one")
	runT(t, f.root, "branch", "main")
	runT(t, f.root, "tag", "v1")
	runT(t, f.root, "tag", "-a", "-m", "annotated", "v2")
	writeFile(t, filepath.Join(f.root, "a.txt"), "a2\n")
	runT(t, f.root, "commit", "-q", "-am", "two")
	runT(t, f.root, "update-ref", "refs/remotes/origin/main", "HEAD")
	runT(t, f.root, "pack-refs", "--all")
	writeFile(t, filepath.Join(f.root, "a.txt"), "a3\n")
	runT(t, f.root, "commit", "-q", "-am", "three")
	runT(t, f.root, "branch", "loose")
	runT(t, f.root, "tag", "loosetag")
	writeFile(t, filepath.Join(f.root, "ignored.log"), "log\n")
	runT(t, f.root, "worktree", "add", "-q", "-b", "wtbranch", f.wt)
	runT(t, f.root, "worktree", "add", "-q", "--detach", f.det)
	f.head = runT(t, f.root, "rev-parse", "HEAD")
	return f
}

// opts returns DiscoverOptions that do not depend on the machine.
func (f fixture) opts() DiscoverOptions {
	return DiscoverOptions{Home: "/home/u", TmpDirs: []string{"/tmp", "/var/tmp"}}
}

func (f fixture) ws(t testing.TB, cwd string) Workspace {
	t.Helper()
	ws, err := Discover(cwd, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	return ws
}
