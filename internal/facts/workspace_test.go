package facts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestDiscover(t *testing.T) {
	f := newFixture(t)
	gitDir := filepath.Join(f.root, ".git")
	tests := []struct {
		name       string
		cwd        string
		extra      []string
		root       string
		git        bool
		branch     string
		detached   bool
		wantGitDir string
		wantCommon string
	}{
		{name: "toplevel", cwd: f.root, root: f.root, git: true, branch: "feature/x",
			wantGitDir: gitDir, wantCommon: gitDir},
		{name: "nested", cwd: filepath.Join(f.root, "nested", "deep"), root: f.root, git: true,
			branch: "feature/x", wantGitDir: gitDir, wantCommon: gitDir},
		{name: "nested missing dir", cwd: filepath.Join(f.root, "no", "such"), root: f.root,
			git: true, branch: "feature/x", wantGitDir: gitDir, wantCommon: gitDir},
		{name: "inside .git", cwd: filepath.Join(f.root, ".git", "refs"), root: f.root, git: true,
			branch: "feature/x", wantGitDir: gitDir, wantCommon: gitDir},
		{name: "worktree", cwd: f.wt, root: f.wt, git: true, branch: "wtbranch",
			wantGitDir: filepath.Join(gitDir, "worktrees", "wt"), wantCommon: gitDir},
		{name: "detached worktree", cwd: f.det, root: f.det, git: true, detached: true,
			wantGitDir: filepath.Join(gitDir, "worktrees", "det"), wantCommon: gitDir},
		{name: "no repo", cwd: f.plain, root: ""},
		{name: "extra root", cwd: filepath.Join(f.plain, "x"), extra: []string{f.base, f.plain, "relative", ""},
			root: f.plain},
		{name: "extra root not holding cwd", cwd: f.plain, extra: []string{filepath.Join(f.base, "pla")},
			root: ""},
		{name: "git wins over extra root", cwd: filepath.Join(f.root, "nested"),
			extra: []string{filepath.Join(f.root, "nested")}, root: f.root, git: true,
			branch: "feature/x", wantGitDir: gitDir, wantCommon: gitDir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := f.opts()
			o.ExtraRoots = tc.extra
			ws, err := Discover(tc.cwd, o)
			if err != nil {
				t.Fatal(err)
			}
			if ws.Root != tc.root || ws.Git != tc.git || ws.Branch != tc.branch || ws.Detached != tc.detached {
				t.Errorf("got root=%q git=%v branch=%q detached=%v; want %q %v %q %v",
					ws.Root, ws.Git, ws.Branch, ws.Detached, tc.root, tc.git, tc.branch, tc.detached)
			}
			if ws.GitDir != tc.wantGitDir || ws.CommonDir != tc.wantCommon {
				t.Errorf("gitdir=%q common=%q; want %q %q", ws.GitDir, ws.CommonDir, tc.wantGitDir, tc.wantCommon)
			}
			if ws.Home != "/home/u" {
				t.Errorf("home=%q", ws.Home)
			}
		})
	}
}

func TestDiscoverErrorsAndDefaults(t *testing.T) {
	if _, err := Discover("rel/dir", DiscoverOptions{Home: "/h"}); err != ErrRelativeCwd {
		t.Errorf("relative cwd: err=%v", err)
	}
	ws, err := Discover("/", DiscoverOptions{Home: "/h/"})
	if err != nil {
		t.Fatal(err)
	}
	if ws.Home != "/h" {
		t.Errorf("home not cleaned: %q", ws.Home)
	}
	t.Setenv("TMPDIR", "/var/tmp/")
	ws, _ = Discover("/", DiscoverOptions{Home: "/h"})
	for _, want := range []string{"/tmp", "/var/tmp"} {
		found := false
		for _, d := range ws.Tmp {
			found = found || d == want
		}
		if !found {
			t.Errorf("default tmp %v lacks %s", ws.Tmp, want)
		}
	}
	for i, d := range ws.Tmp {
		for _, e := range ws.Tmp[:i] {
			if d == e {
				t.Errorf("duplicate tmp dir %s in %v", d, ws.Tmp)
			}
		}
	}
}

func TestDiscoverTmpSymlink(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(base, "private", "tmp")
	if err := os.MkdirAll(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "tmp")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	ws, err := Discover(base, DiscoverOptions{Home: "/h", TmpDirs: []string{link + "/", "", "rel"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{link, real}; !reflect.DeepEqual(ws.Tmp, want) {
		t.Errorf("tmp=%v want %v", ws.Tmp, want)
	}
	// Both spellings are tmp roots; below either is in tmp.
	for _, w := range []string{link, real} {
		if p := ResolvePath(ws, "/", w, false, false); !p.IsTmpRoot || p.InTmp {
			t.Errorf("%s: %+v", w, p)
		}
		if p := ResolvePath(ws, "/", w+"/x", false, false); p.IsTmpRoot || !p.InTmp {
			t.Errorf("%s/x: %+v", w, p)
		}
	}
}

func TestWorkspaceJSON(t *testing.T) {
	ws := Workspace{Root: "/r", Git: true, Branch: "b", Home: "/h", Tmp: []string{"/tmp"}, GitDir: "/r/.git", CommonDir: "/r/.git"}
	b, err := json.Marshal(ws)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"root":"/r","git":true,"branch":"b","detached":false,"home":"/h","tmp":["/tmp"]}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}
