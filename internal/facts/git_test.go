package facts

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func rs(src, dst string, force, del bool) Refspec {
	return Refspec{Src: src, Dst: dst, Force: force, Delete: del}
}

func TestDecodeGit(t *testing.T) {
	f := newFixture(t)
	type check func(t *testing.T, g *Git)
	tests := []struct {
		name  string
		cwd   string // "" means f.root
		argv  []string
		env   map[string]string
		check check
	}{
		{name: "push force=true", argv: []string{"git", "push", "--force=true", "origin", "main"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Force: true,
					Refspecs: []Refspec{rs("main", "main", true, false)}, Branches: []string{"main"}})
				if !g.InWorkspace || g.Dir != f.root || g.Branch != "feature/x" {
					t.Errorf("dir=%q in_ws=%v branch=%q", g.Dir, g.InWorkspace, g.Branch)
				}
			}},
		{name: "push delete refspec", argv: []string{"git", "push", "origin", ":main"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Delete: true,
					Refspecs: []Refspec{rs("", "main", false, true)}, Branches: []string{"main"}})
			}},
		{name: "push mirror", argv: []string{"git", "push", "--mirror"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Mirror: true, Refspecs: []Refspec{}, Branches: []string{}})
			}},
		{name: "push -d", argv: []string{"git", "push", "-d", "origin", "feature"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Delete: true,
					Refspecs: []Refspec{rs("", "feature", false, true)}, Branches: []string{"feature"}})
			}},
		{name: "push --delete tag", argv: []string{"git", "push", "origin", "--delete", "tag", "v1", "refs/heads/old"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Delete: true,
					Refspecs: []Refspec{rs("", "refs/tags/v1", false, true), rs("", "old", false, true)},
					Branches: []string{"old"}})
			}},
		{name: "-C elsewhere push -f", argv: []string{"git", "-C", "/some/repo", "push", "-f"},
			check: func(t *testing.T, g *Git) {
				if g.Dir != "/some/repo" || g.InWorkspace || g.Branch != "" || g.Subcommand != "push" {
					t.Errorf("dir=%q in_ws=%v branch=%q sub=%q", g.Dir, g.InWorkspace, g.Branch, g.Subcommand)
				}
				wantPush(t, g, Push{Force: true, Refspecs: []Refspec{}, Branches: []string{}})
			}},
		{name: "push HEAD:refs/heads/main", argv: []string{"git", "push", "origin", "HEAD:refs/heads/main"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin",
					Refspecs: []Refspec{rs("HEAD", "main", false, false)}, Branches: []string{"main"}})
			}},
		{name: "push HEAD", argv: []string{"git", "push", "origin", "HEAD", "@", "refs/heads/a:b"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin",
					Refspecs: []Refspec{rs("HEAD", "feature/x", false, false), rs("@", "feature/x", false, false),
						rs("refs/heads/a", "b", false, false)},
					Branches: []string{"feature/x", "b"}})
			}},
		{name: "push force-with-lease", argv: []string{"git", "push", "--force-with-lease", "origin", "main"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", ForceWithLease: true,
					Refspecs: []Refspec{rs("main", "main", false, false)}, Branches: []string{"main"}})
			}},
		{name: "push force-with-lease=", argv: []string{"git", "push", "--force-with-lease=main:abc", "--force-if-includes"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{ForceWithLease: true,
					Refspecs: []Refspec{rs("feature/x", "feature/x", false, false)}, Branches: []string{"feature/x"}})
			}},
		{name: "push implicit", argv: []string{"git", "push"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Refspecs: []Refspec{rs("feature/x", "feature/x", false, false)},
					Branches: []string{"feature/x"}})
				if g.NoVerify || g.Alias != "" || len(g.Args) != 0 {
					t.Errorf("%+v", g)
				}
			}},
		{name: "push implicit remote", argv: []string{"git", "push", "-u", "origin"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Refspecs: []Refspec{rs("feature/x", "feature/x", false, false)},
					Branches: []string{"feature/x"}})
			}},
		{name: "push plus refspec", argv: []string{"git", "push", "origin", "+feature:main"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Force: true,
					Refspecs: []Refspec{rs("feature", "main", true, false)}, Branches: []string{"main"}})
			}},
		{name: "push tag", argv: []string{"git", "push", "origin", "tag", "v1"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin",
					Refspecs: []Refspec{rs("refs/tags/v1", "refs/tags/v1", false, false)}, Branches: []string{}})
			}},
		{name: "push tag by name", argv: []string{"git", "push", "origin", "v1", "loosetag", "main", "+v2"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Force: true,
					Refspecs: []Refspec{rs("refs/tags/v1", "refs/tags/v1", false, false),
						rs("refs/tags/loosetag", "refs/tags/loosetag", false, false),
						rs("main", "main", false, false), rs("refs/tags/v2", "refs/tags/v2", true, false)},
					Branches: []string{"main"}})
			}},
		{name: "push alias", argv: []string{"git", "-c", "alias.p=push --force", "p", "origin", "main"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "push" || g.Alias != "push --force" || !reflect.DeepEqual(g.Positionals, []string{"origin", "main"}) {
					t.Errorf("%+v", g)
				}
				wantPush(t, g, Push{Remote: "origin", Force: true,
					Refspecs: []Refspec{rs("main", "main", true, false)}, Branches: []string{"main"}})
			}},
		{name: "commit alias -n", argv: []string{"git", "-c", `alias.ci=commit "-n"`, "ci", "-m", "x"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, true) }},
		{name: "shell alias not decoded", argv: []string{"git", "-c", "alias.p=!git push -f", "p"},
			check: func(t *testing.T, g *Git) {
				if g.Push != nil || g.Alias != "!git push -f" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "push all", argv: []string{"git", "push", "--all"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{All: true, Refspecs: []Refspec{}, Branches: []string{}})
			}},
		{name: "push branches tags prune dry-run", argv: []string{"git", "push", "--branches", "--tags", "--prune", "-n", "origin"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", All: true, Tags: true, Prune: true, DryRun: true,
					Refspecs: []Refspec{}, Branches: []string{}})
			}},
		{name: "push cluster -fu", argv: []string{"git", "push", "-fu", "origin", "main", "main"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Force: true,
					Refspecs: []Refspec{rs("main", "main", true, false), rs("main", "main", true, false)},
					Branches: []string{"main"}})
			}},
		{name: "push option value", argv: []string{"git", "push", "-o", "ci.skip", "--push-option", "x", "--repo=up", "--receive-pack", "rp"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "up", Refspecs: []Refspec{rs("feature/x", "feature/x", false, false)},
					Branches: []string{"feature/x"}})
			}},
		{name: "push abbreviations", argv: []string{"git", "push", "--mir", "--dry", "--del", "origin", "x"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Mirror: true, DryRun: true, Delete: true,
					Refspecs: []Refspec{rs("", "x", false, true)}, Branches: []string{"x"}})
			}},
		{name: "push after double dash", argv: []string{"git", "push", "--", "origin", "main:prod"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin",
					Refspecs: []Refspec{rs("main", "prod", false, false)}, Branches: []string{"prod"}})
			}},
		{name: "push no-verify", argv: []string{"git", "push", "--no-verify", "origin", "main"},
			check: func(t *testing.T, g *Git) {
				if !g.NoVerify {
					t.Error("no_verify not set")
				}
			}},
		{name: "push from worktree", cwd: f.wt, argv: []string{"git", "push"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Refspecs: []Refspec{rs("wtbranch", "wtbranch", false, false)},
					Branches: []string{"wtbranch"}})
			}},
		{name: "push from detached", cwd: f.det, argv: []string{"git", "push", "origin", "HEAD"},
			check: func(t *testing.T, g *Git) {
				wantPush(t, g, Push{Remote: "origin", Refspecs: []Refspec{rs("HEAD", "HEAD", false, false)},
					Branches: []string{}})
			}},
		{name: "-C /tmp reset --hard", argv: []string{"git", "-C", "/tmp", "reset", "--hard"},
			check: func(t *testing.T, g *Git) {
				if g.Dir != "/tmp" || g.InWorkspace || g.Subcommand != "reset" || !reflect.DeepEqual(g.Flags, []string{"--hard"}) {
					t.Errorf("%+v", g)
				}
				if g.Push != nil {
					t.Error("push set for reset")
				}
			}},
		{name: "-C cumulative", argv: []string{"git", "-C", "nested", "-C", "deep", "-C", "", "status"},
			check: func(t *testing.T, g *Git) {
				if g.Dir != filepath.Join(f.root, "nested", "deep") || !g.InWorkspace || g.Branch != "feature/x" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "-C other repo", cwd: f.base, argv: []string{"git", "-C", "wt", "status"},
			check: func(t *testing.T, g *Git) {
				if g.Dir != f.wt || g.Branch != "wtbranch" || g.InWorkspace {
					t.Errorf("%+v", g)
				}
			}},
		{name: "work-tree /tmp clean", argv: []string{"git", "--work-tree=/tmp", "clean", "-fd"},
			check: func(t *testing.T, g *Git) {
				if g.Dir != "/tmp" || g.WorkTree != "/tmp" || g.InWorkspace || !reflect.DeepEqual(g.Flags, []string{"-fd"}) {
					t.Errorf("%+v", g)
				}
			}},
		{name: "git-dir relative", cwd: f.base, argv: []string{"git", "--git-dir=repo/.git", "reset", "--hard"},
			check: func(t *testing.T, g *Git) {
				if g.GitDir != filepath.Join(f.root, ".git") || g.Dir != f.base || g.Branch != "feature/x" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "git-dir outside workspace", argv: []string{"git", "--git-dir", "/elsewhere/.git", "--work-tree", ".", "reset", "--hard"},
			check: func(t *testing.T, g *Git) {
				if g.GitDir != "/elsewhere/.git" || g.WorkTree != f.root || g.Dir != f.root || g.InWorkspace {
					t.Errorf("%+v", g)
				}
			}},
		{name: "git-dir resolved after -C", cwd: f.base, argv: []string{"git", "--git-dir=.git", "-C", "repo", "log"},
			check: func(t *testing.T, g *Git) {
				if g.GitDir != filepath.Join(f.root, ".git") || g.Dir != f.root {
					t.Errorf("%+v", g)
				}
			}},
		{name: "GIT_DIR and GIT_WORK_TREE env", cwd: f.base,
			env:  map[string]string{"GIT_DIR": "repo/.git", "GIT_WORK_TREE": "/tmp/w"},
			argv: []string{"git", "status"},
			check: func(t *testing.T, g *Git) {
				if g.GitDir != filepath.Join(f.root, ".git") || g.WorkTree != "/tmp/w" || g.Dir != "/tmp/w" || g.Branch != "feature/x" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "--bare", cwd: f.base, argv: []string{"git", "-C", "/srv/x.git", "--bare", "log"},
			check: func(t *testing.T, g *Git) {
				if g.GitDir != "/srv/x.git" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "alias", argv: []string{"git", "-c", "alias.x=!rm -rf ~", "x"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "x" || g.Alias != "!rm -rf ~" || g.Config["alias.x"] != "!rm -rf ~" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "alias case", argv: []string{"git", "-c", "ALIAS.St=status -s", "St", "x"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "status" || g.Alias != "status -s" || !reflect.DeepEqual(g.Args, []string{"-s", "x"}) {
					t.Errorf("%+v", g)
				}
			}},
		{name: "-c foo=bar reset --hard", argv: []string{"git", "-c", "foo=bar", "reset", "--hard"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "reset" || g.Config["foo"] != "bar" || !reflect.DeepEqual(g.Args, []string{"--hard"}) {
					t.Errorf("%+v", g)
				}
			}},
		{name: "-c key case and bare key", argv: []string{"git", "-c", "Core.HooksPath=/dev/null", "-c", "remote.Origin.URL=u", "-c", "core.bare", "log"},
			check: func(t *testing.T, g *Git) {
				want := map[string]string{"core.hookspath": "/dev/null", "remote.Origin.url": "u", "core.bare": "true"}
				if !reflect.DeepEqual(g.Config, want) {
					t.Errorf("config=%v", g.Config)
				}
			}},
		{name: "--config-env", env: map[string]string{"P": "sh -c x"},
			argv: []string{"git", "--config-env=core.pager=P", "--config-env", "Core.Editor=P", "log"},
			check: func(t *testing.T, g *Git) {
				if g.Config["core.pager"] != "sh -c x" || g.Config["core.editor"] != "sh -c x" || g.Subcommand != "log" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "GIT_CONFIG_COUNT", env: map[string]string{"GIT_CONFIG_COUNT": "2",
			"GIT_CONFIG_KEY_0": "alias.st", "GIT_CONFIG_VALUE_0": "!sh",
			"GIT_CONFIG_KEY_1": "Core.Pager", "GIT_CONFIG_VALUE_1": "less",
			"GIT_CONFIG_KEY_2": "ignored.beyond", "GIT_CONFIG_VALUE_2": "count"},
			argv: []string{"git", "-c", "core.pager=more", "st"},
			check: func(t *testing.T, g *Git) {
				want := map[string]string{"alias.st": "!sh", "core.pager": "more"}
				if !reflect.DeepEqual(g.Config, want) || g.Alias != "!sh" {
					t.Errorf("config=%v alias=%q", g.Config, g.Alias)
				}
			}},
		{name: "GIT_CONFIG_PARAMETERS", env: map[string]string{
			"GIT_CONFIG_PARAMETERS": `'alias.y'='!echo it'\''s' 'core.editor=vim' 'Flag.On'`},
			argv: []string{"git", "y"},
			check: func(t *testing.T, g *Git) {
				want := map[string]string{"alias.y": "!echo it's", "core.editor": "vim", "flag.on": "true"}
				if !reflect.DeepEqual(g.Config, want) || g.Alias != "!echo it's" {
					t.Errorf("config=%v alias=%q", g.Config, g.Alias)
				}
			}},
		{name: "commit -n -m", argv: []string{"git", "commit", "-n", "-m", "x"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, true) }},
		{name: "commit -nm", argv: []string{"git", "commit", "-nm", "x"},
			check: func(t *testing.T, g *Git) {
				wantNoVerify(t, g, true)
				if !reflect.DeepEqual(g.Positionals, []string{}) || !reflect.DeepEqual(g.Flags, []string{"-nm"}) {
					t.Errorf("%+v", g)
				}
			}},
		{name: "commit -m -n", argv: []string{"git", "commit", "-m", "-n"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, false) }},
		{name: "commit -am -n", argv: []string{"git", "commit", "-am", "-n", "f.go"},
			check: func(t *testing.T, g *Git) {
				wantNoVerify(t, g, false)
				if !reflect.DeepEqual(g.Positionals, []string{"f.go"}) {
					t.Errorf("positionals=%v", g.Positionals)
				}
			}},
		{name: "commit -mn", argv: []string{"git", "commit", "-mn"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, false) }},
		{name: "commit -uno", argv: []string{"git", "commit", "-uno", "-m", "x"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, false) }},
		{name: "commit --message -n", argv: []string{"git", "commit", "--message", "-n", "--author", "-n"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, false) }},
		{name: "commit --no-verify", argv: []string{"git", "commit", "--no-verify", "-m", "test"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, true) }},
		{name: "commit --no-verif abbrev", argv: []string{"git", "commit", "--no-verif", "-m", "test"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, true) }},
		{name: "commit -- -n is a pathspec", argv: []string{"git", "commit", "-m", "x", "--", "-n", "--no-verify"},
			check: func(t *testing.T, g *Git) {
				wantNoVerify(t, g, false)
				if !reflect.DeepEqual(g.Pathspecs, []string{"-n", "--no-verify"}) {
					t.Errorf("pathspecs=%v", g.Pathspecs)
				}
			}},
		{name: "merge -n is not no-verify", argv: []string{"git", "merge", "-n", "main"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, false) }},
		{name: "merge --no-verify", argv: []string{"git", "merge", "--no-verify", "main"},
			check: func(t *testing.T, g *Git) { wantNoVerify(t, g, true) }},
		{name: "checkout pathspecs", argv: []string{"git", "checkout", "-b", "new", "main", "--", "a", "b"},
			check: func(t *testing.T, g *Git) {
				if !reflect.DeepEqual(g.Positionals, []string{"main"}) || !reflect.DeepEqual(g.Pathspecs, []string{"a", "b"}) ||
					!reflect.DeepEqual(g.Flags, []string{"-b"}) || len(g.Args) != 6 {
					t.Errorf("%+v", g)
				}
			}},
		{name: "checkout dash", argv: []string{"git", "checkout", "-"},
			check: func(t *testing.T, g *Git) {
				if !reflect.DeepEqual(g.Positionals, []string{"-"}) {
					t.Errorf("%+v", g)
				}
			}},
		{name: "version", argv: []string{"git", "--version"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "version" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "help", argv: []string{"git", "-p", "--help", "reset"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "help" || !reflect.DeepEqual(g.Args, []string{"reset"}) {
					t.Errorf("%+v", g)
				}
			}},
		{name: "exec-path prints", argv: []string{"git", "--exec-path", "push"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "" || g.Push != nil {
					t.Errorf("%+v", g)
				}
			}},
		{name: "boolean globals", argv: []string{"git", "--no-pager", "-P", "--literal-pathspecs", "--no-optional-locks", "--exec-path=/x", "--namespace", "ns", "push", "origin", "x"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "push" || g.Push == nil || g.Push.Remote != "origin" {
					t.Errorf("%+v", g)
				}
			}},
		{name: "unknown global", argv: []string{"git", "--bogus", "push"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "" || g.Push != nil {
					t.Errorf("%+v", g)
				}
			}},
		{name: "bare git", argv: []string{"git"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "" || g.Args == nil || g.Config == nil || g.Flags == nil {
					t.Errorf("%+v", g)
				}
			}},
		{name: "dangling -C", argv: []string{"git", "-C"},
			check: func(t *testing.T, g *Git) {
				if g.Subcommand != "" || g.Dir != f.root {
					t.Errorf("%+v", g)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cwd := tc.cwd
			if cwd == "" {
				cwd = f.root
			}
			ws := f.ws(t, cwd)
			g := DecodeGit(tc.argv, tc.env, cwd, ws)
			if g == nil {
				t.Fatal("nil")
			}
			tc.check(t, g)
			if _, err := json.Marshal(g); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func wantPush(t *testing.T, g *Git, want Push) {
	t.Helper()
	if g.Push == nil {
		t.Fatalf("no push: %+v", g)
	}
	if !reflect.DeepEqual(*g.Push, want) {
		t.Errorf("push:\n got %+v\nwant %+v", *g.Push, want)
	}
}

func wantNoVerify(t *testing.T, g *Git, want bool) {
	t.Helper()
	if g.NoVerify != want {
		t.Errorf("no_verify=%v want %v (flags %v)", g.NoVerify, want, g.Flags)
	}
}

func TestGitJSON(t *testing.T) {
	ws := Workspace{Root: "/w", Git: true, Branch: "b"}
	b, err := json.Marshal(DecodeGit([]string{"git", "status"}, nil, "/elsewhere", ws))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"subcommand":"status","alias":"","args":[],"flags":[],"positionals":[],"pathspecs":[],` +
		`"config":{},"dir":"/elsewhere","git_dir":"","work_tree":"","in_workspace":false,"branch":"","no_verify":false}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(DecodeGit([]string{"git", "push", "origin", "+a:b"}, nil, "/w", ws))
	for _, frag := range []string{`"push":{"remote":"origin","refspecs":[{"src":"a","dst":"b","force":true,"delete":false}],` +
		`"force":true,"force_with_lease":false,"delete":false,"mirror":false,"all":false,"tags":false,"prune":false,` +
		`"dry_run":false,"branches":["b"]}`, `"in_workspace":true`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("%s\nlacks %s", b, frag)
		}
	}
}

func TestSplitCmdline(t *testing.T) {
	for in, want := range map[string][]string{
		"push -f":                  {"push", "-f"},
		`commit -m "a b" 'c d'\ e`: {"commit", "-m", "a b", "c d e"},
		`  x  ""  `:                {"x", ""},
		"":                         nil,
	} {
		if got := splitCmdline(in); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
}
