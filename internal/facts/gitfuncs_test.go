package facts

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGitRefExists(t *testing.T) {
	f := newFixture(t)
	nested := filepath.Join(f.root, "nested", "deep")
	tests := []struct {
		name string
		dir  string
		ref  string
		want bool
		fast bool // answered from the files, without git
	}{
		{"current branch (loose)", f.root, "feature/x", true, true},
		{"loose branch", f.root, "loose", true, true},
		{"packed branch", f.root, "main", true, true},
		{"full packed ref", f.root, "refs/heads/main", true, true},
		{"heads/ prefix", f.root, "heads/main", true, true},
		{"packed tag", f.root, "v1", true, true},
		{"packed annotated tag", f.root, "v2", true, true},
		{"loose tag", f.root, "loosetag", true, true},
		{"tags/ prefix", f.root, "tags/v1", true, true},
		{"packed remote branch", f.root, "origin/main", true, true},
		{"HEAD", f.root, "HEAD", true, true},
		{"from subdirectory", nested, "main", true, true},
		{"from worktree", f.wt, "main", true, true},
		{"worktree branch from main", f.root, "wtbranch", true, true},
		{"worktree HEAD", f.wt, "HEAD", true, true},
		{"detached HEAD", f.det, "HEAD", true, true},
		{"file name", f.root, "a.txt", false, true},
		{"missing branch", f.root, "nosuch", false, true},
		{"ref directory", f.root, "feature", false, true},
		{"remote without HEAD", f.root, "origin", false, true},
		{"lowercase head is not HEAD", f.root, "head", false, true},
		{"option", f.root, "-h", false, true},
		{"traversal", f.root, "../../../etc/passwd", false, false},
		{"empty", f.root, "", false, true},
		{"not a repo", f.plain, "main", false, true},
		{"short sha", f.root, f.head[:7], true, false},
		{"full sha", f.root, f.head, true, false},
		{"hex not an object", f.root, "deadbeef", false, false},
		{"revision syntax", f.root, "loose~2", true, false},
		{"revision past root", f.root, "main~5", false, false},
		{"annotated peel", f.root, "v2^{}", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := GitRefExists(tc.dir, tc.ref); got != tc.want {
				t.Errorf("GitRefExists(%q) = %v, want %v", tc.ref, got, tc.want)
			}
			if tc.fast {
				// Without a git program the answer must not change.
				old := gitBin
				gitBin = "/nonexistent/git"
				defer func() { gitBin = old }()
				if got := GitRefExists(tc.dir, tc.ref); got != tc.want {
					t.Errorf("without git: GitRefExists(%q) = %v, want %v", tc.ref, got, tc.want)
				}
			}
		})
	}
	if GitRefExists("relative", "main") {
		t.Error("relative dir")
	}
}

func TestGitTrackedIgnoredDirty(t *testing.T) {
	f := newFixture(t)
	// The caller's git environment must not leak into spawned git.
	t.Setenv("GIT_DIR", "/nonexistent")
	t.Setenv("GIT_WORK_TREE", "/nonexistent")
	t.Setenv("GIT_INDEX_FILE", "/nonexistent/index")
	writeFile(t, filepath.Join(f.root, "new.txt"), "untracked\n")
	writeFile(t, filepath.Join(f.root, "lit[a].txt"), "glob-like name\n")
	writeFile(t, filepath.Join(f.root, "lita.txt"), "matches the glob\n")
	runT(t, f.root, "add", "lita.txt") // staged counts as tracked

	p := func(rel string) string { return filepath.Join(f.root, rel) }
	tracked := []struct {
		path             string
		tracked, ignored bool
	}{
		{p("a.txt"), true, false},
		{p(".gitignore"), true, false},
		{p("nested/deep/n.txt"), true, false},
		{p("nested"), true, false},
		{p("new.txt"), false, false},
		{p("ignored.log"), false, true},
		{p("other.log"), false, true},   // ignored even though it does not exist
		{p("lit[a].txt"), false, false}, // not a pattern matching lita.txt
		{p("lita.txt"), true, false},
		{p("lit[a].log"), false, true},
		{p(":(top)x.log"), false, true},
		{p("nosuch/file"), false, false},
		{filepath.Join(f.wt, "a.txt"), true, false},
		{filepath.Join(f.plain, "x"), false, false},
		{p(".git/config"), false, false},
		{"relative", false, false},
	}
	for _, tc := range tracked {
		t.Run(tc.path, func(t *testing.T) {
			if got := GitTracked(tc.path); got != tc.tracked {
				t.Errorf("GitTracked = %v, want %v", got, tc.tracked)
			}
			if got := GitIgnored(tc.path); got != tc.ignored {
				t.Errorf("GitIgnored = %v, want %v", got, tc.ignored)
			}
		})
	}

	t.Run("dirty", func(t *testing.T) {
		if !GitDirty(f.root) {
			t.Error("staged file not reported dirty")
		}
		if GitDirty(f.wt) {
			t.Error("clean worktree reported dirty")
		}
		writeFile(t, filepath.Join(f.wt, "a.txt"), "changed\n")
		if !GitDirty(f.wt) || !GitDirty(filepath.Join(f.wt)) {
			t.Error("modified worktree reported clean")
		}
		if GitDirty(f.det) {
			t.Error("a change in one worktree made another dirty")
		}
		writeFile(t, filepath.Join(f.root, "nested/deep/n.txt"), "changed\n")
		if !GitDirty(filepath.Join(f.root, "nested")) {
			t.Error("modified repo reported clean")
		}
		if !GitDirty(f.plain) || !GitDirty("relative") {
			t.Error("no repository must fail closed (dirty)")
		}
		old := gitBin
		gitBin = "/nonexistent/git"
		defer func() { gitBin = old }()
		if !GitDirty(f.det) {
			t.Error("git failure must fail closed (dirty)")
		}
	})
	// No index.lock left behind, and the index was not rewritten by us.
	if _, err := os.Stat(filepath.Join(f.root, ".git", "index.lock")); err == nil {
		t.Error("index.lock left behind")
	}
}
