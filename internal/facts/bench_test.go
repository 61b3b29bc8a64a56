package facts

import (
	"path/filepath"
	"testing"
)

// BenchmarkFacts is the per-request cost: discover the workspace of a nested cwd,
// decode a git push and resolve three path arguments.
func BenchmarkFacts(b *testing.B) {
	f := newFixture(b)
	cwd := filepath.Join(f.root, "nested", "deep")
	opts := f.opts()
	argv := []string{"git", "-C", "..", "push", "--force-with-lease", "origin", "HEAD:refs/heads/main"}
	b.ReportAllocs()
	for b.Loop() {
		ws, err := Discover(cwd, opts)
		if err != nil {
			b.Fatal(err)
		}
		if g := DecodeGit(argv, nil, cwd, ws); g.Push == nil {
			b.Fatal("no push")
		}
		ResolvePath(ws, cwd, "../../a.txt", false, false)
		ResolvePath(ws, cwd, "~/x", false, false)
		ResolvePath(ws, cwd, "/tmp/out", false, false)
	}
}

func BenchmarkDiscover(b *testing.B) {
	f := newFixture(b)
	cwd := filepath.Join(f.root, "nested", "deep")
	opts := f.opts()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Discover(cwd, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGit(b *testing.B) {
	ws := Workspace{Root: "/w", Git: true, Branch: "feature/x", GitDir: "/w/.git"}
	argv := []string{"git", "-c", "core.pager=less", "push", "-fu", "origin", "+feature:main", "tag", "v1"}
	b.ReportAllocs()
	for b.Loop() {
		DecodeGit(argv, nil, "/w", ws)
	}
}

func BenchmarkResolvePath(b *testing.B) {
	ws := Workspace{Root: "/w", Git: true, Home: "/home/u", Tmp: []string{"/tmp", "/var/tmp"}}
	b.ReportAllocs()
	for b.Loop() {
		ResolvePath(ws, "/w/sub", "../x/../y.go", false, false)
	}
}

func BenchmarkGitRefExistsPacked(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if !GitRefExists(f.root, "main") {
			b.Fatal("main")
		}
	}
}
