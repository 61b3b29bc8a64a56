//go:build linux

package execgate

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestResolveSelf runs both resolvers over paths of this process: they agree with
// filepath.EvalSymlinks where it applies, and read /proc/self as the process's own.
func TestResolveSelf(t *testing.T) {
	dir := evalSymlinks(t, t.TempDir())
	for _, l := range [][2]string{
		{"/bin/true", "abs"},
		{"abs", "rel"},
		{"sub/../rel", "dotdot"},
		{"loop2", "loop1"},
		{"loop1", "loop2"},
	} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	memfd, err := unix.MemfdCreate("resolve-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(memfd)
	self := os.Getpid()
	trueBin := evalSymlinks(t, "/bin/true")
	exe, _ := os.Executable()
	tests := []struct {
		path    string
		want    string
		missing bool
		opaque  bool
		err     bool
	}{
		{path: "/bin/true", want: trueBin},
		{path: dir + "/abs", want: trueBin},
		{path: dir + "/rel", want: trueBin},
		{path: dir + "/dotdot", want: trueBin},
		{path: dir + "/sub/../abs", want: trueBin},
		{path: dir + "/nope/x", want: dir + "/nope/x", missing: true},
		{path: dir + "/abs/x", want: trueBin + "/x", missing: true},
		{path: dir + "/loop1", err: true},
		{path: "/proc/self/exe", want: evalSymlinks(t, exe)},
		{path: "/proc/" + strconv.Itoa(self) + "/cwd/" + "abs", want: trueBin},
		{path: "/proc/self/fd/" + strconv.Itoa(memfd), want: "/memfd:resolve-test (deleted)", opaque: true},
	}
	t.Chdir(dir)
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.path, "/", "_"), func(t *testing.T) {
			r, err := resolve(self, tt.path, true)
			if tt.err {
				if err == nil {
					t.Errorf("resolve = %+v, want an error", r)
				}
				return
			}
			if err != nil || r.path != tt.want || r.missing != tt.missing || r.opaque != tt.opaque {
				t.Errorf("resolve = %+v, %v; want %q missing %v opaque %v", r, err, tt.want, tt.missing, tt.opaque)
			}
			if f, ok := fastResolve("", tt.path); ok && (tt.missing || tt.opaque || f != tt.want) {
				t.Errorf("fastResolve = %q; want %q or a fallback", f, tt.want)
			}
		})
	}
	if r, err := resolve(self, dir+"/abs", false); err != nil || r.path != dir+"/abs" {
		t.Errorf("resolve without following the last link = %+v, %v", r, err)
	}
}
