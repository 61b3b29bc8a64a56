package bashcli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findRealWorld is a temporary layout: a shim directory whose bash is a symlink to
// the running test binary (standing in for gatesh), and a directory holding a real
// bash (a symlink to /bin/bash).
type findRealWorld struct {
	self, shim, real string
}

func newFindRealWorld(t *testing.T) findRealWorld {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(realBash); err != nil {
		t.Skipf("no %s: %v", realBash, err)
	}
	dir := t.TempDir()
	w := findRealWorld{self: self, shim: filepath.Join(dir, "shim"), real: filepath.Join(dir, "real")}
	for _, d := range []string{w.shim, w.real} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	symlink(t, self, filepath.Join(w.shim, "bash"))
	symlink(t, realBash, filepath.Join(w.real, "bash"))
	return w
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestFindRealSkipsSelfOnPath(t *testing.T) {
	w := newFindRealWorld(t)
	path := strings.Join([]string{w.shim, "/nonexistent", w.real, "/bin"}, string(os.PathListSeparator))
	got, err := FindReal("", path, w.self)
	if err != nil || got != filepath.Join(w.real, "bash") {
		t.Errorf("FindReal = %q, %v; want %q", got, err, filepath.Join(w.real, "bash"))
	}
}

func TestFindRealSkipsUnfitCandidates(t *testing.T) {
	w := newFindRealWorld(t)
	base := filepath.Dir(w.shim)
	hardlink := filepath.Join(base, "hardlink")
	noexec := filepath.Join(base, "noexec")
	isdir := filepath.Join(base, "isdir")
	for _, d := range []string{hardlink, noexec, isdir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A copy of self that is the same file under another name (a hard link) is
	// still self; the test binary and the temp dir may sit on different file
	// systems, so the hard link is made to a copy that then stands in for self.
	self := filepath.Join(base, "gatesh")
	data, err := os.ReadFile(w.self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(self, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(self, filepath.Join(hardlink, "bash")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noexec, "bash"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(isdir, "bash"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A relative entry (here "." and the empty one) must not be followed even when
	// the current directory has a bash in it.
	t.Chdir(w.real)
	path := strings.Join([]string{"", ".", hardlink, noexec, isdir, w.real}, string(os.PathListSeparator))
	got, err := FindReal("", path, self)
	if err != nil || got != filepath.Join(w.real, "bash") {
		t.Errorf("FindReal = %q, %v; want %q", got, err, filepath.Join(w.real, "bash"))
	}
}

func TestFindRealFallsBack(t *testing.T) {
	w := newFindRealWorld(t)
	got, err := FindReal("", w.shim, w.self)
	if err != nil || got != fallbackBashes[0] {
		t.Errorf("FindReal with only the shim on PATH = %q, %v; want %q", got, err, fallbackBashes[0])
	}
}

func TestFindRealNoneFound(t *testing.T) {
	w := newFindRealWorld(t)
	saved := fallbackBashes
	t.Cleanup(func() { fallbackBashes = saved })
	fallbackBashes = []string{filepath.Join(w.shim, "bash"), "/nonexistent/bash"}
	got, err := FindReal("", w.shim, w.self)
	if err == nil || !strings.Contains(err.Error(), "no real bash found") {
		t.Errorf("FindReal = %q, %v; want a 'no real bash found' error", got, err)
	}
}

func TestFindRealExplicit(t *testing.T) {
	w := newFindRealWorld(t)
	notExec := filepath.Join(w.real, "notexec")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	realPath := filepath.Join(w.real, "bash")
	for _, tc := range []struct {
		explicit string
		want     string // the path found, or a piece of the error
		ok       bool
	}{
		// The explicit bash wins over PATH, even when PATH has a fit one first.
		{realBash, realBash, true},
		{realPath, realPath, true},
		{filepath.Join(w.shim, "bash"), "gatesh itself", false},
		{w.self, "gatesh itself", false},
		{notExec, "not executable", false},
		{w.real, "not a regular file", false},
		{"/nonexistent/bash", "no such file", false},
	} {
		got, err := FindReal(tc.explicit, w.real+string(os.PathListSeparator)+"/bin", w.self)
		switch {
		case tc.ok && (err != nil || got != tc.want):
			t.Errorf("FindReal(%q) = %q, %v; want %q", tc.explicit, got, err, tc.want)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "GATESH_REAL_BASH")):
			t.Errorf("FindReal(%q) = %q, %v; want an error about GATESH_REAL_BASH saying %q", tc.explicit, got, err, tc.want)
		}
	}
}

func TestFindRealUnreadableSelf(t *testing.T) {
	if got, err := FindReal("", "/bin", "/nonexistent/gatesh"); err == nil {
		t.Errorf("FindReal with a missing self = %q, nil; want an error", got)
	}
}

func TestReadScript(t *testing.T) {
	cwd, onPath := t.TempDir(), t.TempDir()
	for name, content := range map[string]string{
		filepath.Join(cwd, "here.sh"):      "echo here\n",
		filepath.Join(cwd, "both.sh"):      "echo cwd\n",
		filepath.Join(onPath, "both.sh"):   "echo path\n",
		filepath.Join(onPath, "onpath.sh"): "echo path\n",
		filepath.Join(onPath, "slash.sh"):  "echo path\n",
		filepath.Join(cwd, "big.sh"):       "echo 1234567\n",
		filepath.Join(onPath, "bigp.sh"):   "echo 1234567\n",
	} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(cwd)
	pathEnv := "/nonexistent:" + onPath
	for _, tt := range []struct {
		name, wantPath, want string
		wantErr              error
	}{
		{name: "here.sh", wantPath: "here.sh", want: "echo here\n"},
		{name: "both.sh", wantPath: "both.sh", want: "echo cwd\n"}, // the current directory first
		{name: "onpath.sh", wantPath: filepath.Join(onPath, "onpath.sh"), want: "echo path\n"},
		{name: "./slash.sh", wantPath: "./slash.sh", wantErr: fs.ErrNotExist}, // a name with a slash is not looked up
		{name: "big.sh", wantPath: "big.sh", wantErr: ErrTooLarge},
		{name: "bigp.sh", wantPath: filepath.Join(onPath, "bigp.sh"), wantErr: ErrTooLarge},
		{name: "nowhere.sh", wantPath: "nowhere.sh", wantErr: fs.ErrNotExist},
	} {
		path, b, err := ReadScript(tt.name, pathEnv, 12)
		if path != tt.wantPath || string(b) != tt.want || !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
			t.Errorf("ReadScript(%q) = %q, %q, %v; want %q, %q, %v", tt.name, path, b, err, tt.wantPath, tt.want, tt.wantErr)
		}
	}
}
