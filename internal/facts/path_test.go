package facts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolvePath(t *testing.T) {
	ws := Workspace{Root: "/home/u/ws", Git: true, Branch: "feature/x", Home: "/home/u",
		Tmp: []string{"/tmp", "/var/tmp", "/private/tmp"}}
	const root, sub = "/home/u/ws", "/home/u/ws/sub"
	// flags spells the expected true facts: W in_workspace, R is_workspace_root,
	// T in_tmp, t is_tmp_root, H in_home, h is_home, / is_root, G in_git_dir,
	// D dynamic, * glob.
	tests := []struct {
		name, cwd, word string
		dyn, glob       bool
		abs, flags      string
	}{
		{"tilde", sub, "~", false, false, "/home/u", "Hh"},
		{"tilde slash", sub, "~/", false, false, "/home/u", "Hh"},
		{"tilde file", sub, "~/x/../.ssh", false, false, "/home/u/.ssh", "H"},
		{"tilde unknown user", root, "~nosuchuser_gatesh/x", false, false, "/home/u/ws/~nosuchuser_gatesh/x", "WH"},
		{"tilde plus", sub, "~+/f", false, false, "/home/u/ws/sub/f", "WH"},
		{"tilde minus", sub, "~-", false, false, "", "D"},
		{"dotdot to root", sub, "..", false, false, root, "WRH"},
		{"dotdot to home", sub, "../..", false, false, "/home/u", "Hh"},
		{"dotdot past slash", sub, "../../../../../..", false, false, "/", "/"},
		{"dot in root", root, ".", false, false, root, "WRH"},
		{"trailing slash", root, "./sub/", false, false, sub, "WH"},
		{"relative file", sub, "f.go", false, false, "/home/u/ws/sub/f.go", "WH"},
		{"sibling prefix", root, "../ws2/x", false, false, "/home/u/ws2/x", "H"},
		{"star in root", root, "*", false, true, "/home/u/ws/*", "WRH*"},
		{"dot star in root", root, "./*", false, true, "/home/u/ws/*", "WRH*"},
		{"hidden star in root", root, ".*", false, true, "/home/u/ws/.*", "WRH*"},
		{"ext glob in root", root, "*.go", false, true, "/home/u/ws/*.go", "WH*"},
		{"star in sub", sub, "*", false, true, "/home/u/ws/sub/*", "WH*"},
		{"star quoted", root, "*", false, false, "/home/u/ws/*", "WH"},
		{"slash star", sub, "/*", false, true, "/*", "/*"},
		{"home star", sub, "~/*", false, true, "/home/u/*", "Hh*"},
		{"home star star", sub, "~/*/.*", false, true, "/home/u/*/.*", "Hh*"},
		{"slash star star", sub, "/*/*", false, true, "/*/*", "/*Hh"}, // it could match /home/u
		{"home dir star", sub, "~/src/*", false, true, "/home/u/src/*", "H*"},
		{"star dir", root, "*/x", false, true, "/home/u/ws/*/x", "WH*"},
		{"root", sub, "/", false, false, "/", "/"},
		{"tmp root", sub, "/tmp", false, false, "/tmp", "t"},
		{"tmp root slash", sub, "/tmp/", false, false, "/tmp", "t"},
		{"in tmp", sub, "/tmp/x", false, false, "/tmp/x", "T"},
		{"tmp star", sub, "/tmp/*", false, true, "/tmp/*", "T*"},
		{"private tmp", sub, "/private/tmp/x", false, false, "/private/tmp/x", "T"},
		{"tmpfoo not tmp", sub, "/tmpfoo", false, false, "/tmpfoo", ""},
		{"var tmp root", sub, "/var/tmp/../tmp", false, false, "/var/tmp", "t"},
		{"git dir", root, ".git", false, false, "/home/u/ws/.git", "WHG"},
		{"git config", sub, "../.git/config", false, false, "/home/u/ws/.git/config", "WHG"},
		{"gitignore not git dir", root, ".gitignore", false, false, "/home/u/ws/.gitignore", "WH"},
		{"dynamic", root, "$X", true, false, "", "D"},
		{"dynamic glob", root, "$X/*", true, true, "", "D"},
		{"empty", root, "", false, false, "", ""},
		{"etc", root, "/etc/passwd", false, false, "/etc/passwd", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ResolvePath(ws, tc.cwd, tc.word, tc.dyn, tc.glob)
			if p.Abs != tc.abs {
				t.Errorf("abs=%q want %q", p.Abs, tc.abs)
			}
			if got := pathFlags(p); got != sortFlags(tc.flags) {
				t.Errorf("flags=%q want %q (%+v)", got, sortFlags(tc.flags), p)
			}
			if p.Value != tc.word {
				t.Errorf("value=%q", p.Value)
			}
		})
	}
}

func pathFlags(p Path) string {
	var b strings.Builder
	for _, f := range []struct {
		on bool
		c  byte
	}{{p.InWorkspace, 'W'}, {p.IsWorkspaceRoot, 'R'}, {p.InTmp, 'T'}, {p.IsTmpRoot, 't'},
		{p.InHome, 'H'}, {p.IsHome, 'h'}, {p.IsRoot, '/'}, {p.InGitDir, 'G'},
		{p.Dynamic, 'D'}, {p.Glob, '*'}} {
		if f.on {
			b.WriteByte(f.c)
		}
	}
	return b.String()
}

func sortFlags(s string) string {
	return pathFlags(Path{
		InWorkspace: strings.Contains(s, "W"), IsWorkspaceRoot: strings.Contains(s, "R"),
		InTmp: strings.Contains(s, "T"), IsTmpRoot: strings.Contains(s, "t"),
		InHome: strings.Contains(s, "H"), IsHome: strings.Contains(s, "h"),
		IsRoot: strings.Contains(s, "/"), InGitDir: strings.Contains(s, "G"),
		Dynamic: strings.Contains(s, "D"), Glob: strings.Contains(s, "*"),
	})
}

func TestResolvePathUnknowable(t *testing.T) {
	ws := Workspace{Root: "/w"}
	for _, tc := range []struct{ cwd, word string }{
		{"/w", "~"},      // no home
		{"/w", "~/x"},    // no home
		{"", "rel"},      // no cwd
		{"rel", "other"}, // relative cwd
	} {
		if p := ResolvePath(ws, tc.cwd, tc.word, false, false); !p.Dynamic || p.Abs != "" || p.InWorkspace {
			t.Errorf("cwd=%q word=%q: %+v", tc.cwd, tc.word, p)
		}
	}
	if p := ResolvePath(ws, "", "/abs", false, false); p.Dynamic || p.Abs != "/abs" {
		t.Errorf("absolute word without cwd: %+v", p)
	}
}

func TestResolvePathExistsAndGitDir(t *testing.T) {
	f := newFixture(t)
	ws := f.ws(t, f.root)
	wsWT := f.ws(t, f.wt)
	tests := []struct {
		name      string
		ws        Workspace
		cwd, word string
		glob      bool
		exists    bool
		gitDir    bool
	}{
		{"file", ws, f.root, "a.txt", false, true, false},
		{"missing", ws, f.root, "nope.txt", false, false, false},
		{"dir", ws, f.root, "nested/deep", false, true, false},
		{"glob match", ws, f.root, "*.txt", true, true, false},
		{"glob no match", ws, f.root, "*.rs", true, false, false},
		{"glob in dir part", ws, f.root, "nest*/deep", true, true, false},
		{"glob in missing dir", ws, f.root, "nope/*/x", true, false, false},
		{"git dir", ws, f.root, ".git/HEAD", false, true, true},
		{"worktree .git file", wsWT, f.wt, ".git", false, true, true},
		{"worktree real git dir", wsWT, f.wt, filepath.Join(f.root, ".git", "worktrees", "wt", "HEAD"), false, true, true},
		{"worktree common dir", wsWT, f.wt, filepath.Join(f.root, ".git", "config"), false, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ResolvePath(tc.ws, tc.cwd, tc.word, false, tc.glob)
			if p.Exists != tc.exists || p.InGitDir != tc.gitDir {
				t.Errorf("exists=%v in_git_dir=%v; want %v %v (%+v)", p.Exists, p.InGitDir, tc.exists, tc.gitDir, p)
			}
		})
	}
	// A dangling symlink exists (Lstat).
	if err := os.Symlink("/nonexistent/target", filepath.Join(f.plain, "dangling")); err != nil {
		t.Fatal(err)
	}
	if p := ResolvePath(ws, f.plain, "dangling", false, false); !p.Exists {
		t.Errorf("dangling symlink: %+v", p)
	}
}

func TestPathJSON(t *testing.T) {
	ws := Workspace{Root: "/w", Home: "/h"}
	p := ResolvePath(ws, "/w", "x", false, false)
	b, _ := json.Marshal(p)
	if strings.Contains(string(b), `"arg"`) {
		t.Errorf("redirect path has arg: %s", b)
	}
	b, _ = json.Marshal(p.AtArg(0))
	want := `{"arg":0,"value":"x","abs":"/w/x","dynamic":false,"glob":false,"in_workspace":true,` +
		`"is_workspace_root":false,"in_tmp":false,"is_tmp_root":false,"in_home":false,"is_home":false,` +
		`"is_root":false,"in_git_dir":false,"exists":false,"secret":false,"secret_dir":false,` +
		`"zone":"workspace","holds":[]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
