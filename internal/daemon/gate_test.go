package daemon

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/input"
)

// A copy of a known program is known for what it is, wherever it lies and
// whatever it is called; the program itself and other files are not renamed.
func TestKnownAs(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git on PATH")
	}
	real, _ := filepath.EvalSymlinks(git)
	b, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copy := filepath.Join(dir, "g")
	if err := os.WriteFile(copy, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := knownAs(copy); got != "git" {
		t.Errorf("a copy of %s is known as %q, want git", real, got)
	}
	if got := knownAs(real); got != "" {
		t.Errorf("git itself is known as %q, want \"\" (its own name stands)", got)
	}
	// One changed byte is another program.
	b[len(b)-1] ^= 0xff
	other := filepath.Join(dir, "h")
	if err := os.WriteFile(other, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := knownAs(other); got != "" {
		t.Errorf("a changed copy is known as %q", got)
	}
	if got := knownAs(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("a missing file is known as %q", got)
	}
}

// A request line keeps the descriptor that came with it; one that came with
// none has none.
func TestReadRequestFD(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := os.CreateTemp(t.TempDir(), "fd")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, withFD := range []bool{true, false} {
		c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		var oob []byte
		if withFD {
			oob = unix.UnixRights(int(f.Fd()))
		}
		if _, _, err := c.WriteMsgUnix([]byte(`{"v":1,"op":"gate"}`+"\n"), oob, nil); err != nil {
			t.Fatal(err)
		}
		conn, err := ln.AcceptUnix()
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		line, fds, err := readRequest(conn)
		if err != nil || string(line) != `{"v":1,"op":"gate"}` {
			t.Fatalf("line %q, err %v", line, err)
		}
		if withFD != (len(fds) == 1) {
			t.Fatalf("with a descriptor %v: got %d", withFD, len(fds))
		}
		for _, fd := range fds {
			var a, b unix.Stat_t
			unix.Fstat(fd, &a)
			unix.Fstat(int(f.Fd()), &b)
			if a.Ino != b.Ino {
				t.Error("the descriptor received is not the one sent")
			}
			if flags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
				t.Error("a received descriptor is not close-on-exec: the daemon's git look-ups would inherit it")
			}
			unix.Close(fd)
		}
		conn.Close()
		c.Close()
	}
}

// An offer of the gate is taken once, by the process it was made to.
func TestGateOffers(t *testing.T) {
	var g gateOffers
	a, b := proc{pid: 10, start: 1}, proc{pid: 10, start: 2}
	g.put(a, &gateLine{line: "ls", offered: time.Now()})
	if g.take(b) != nil {
		t.Error("another process with the same pid took the offer")
	}
	if l := g.take(a); l == nil || l.line != "ls" {
		t.Errorf("the offer: %+v", l)
	}
	if g.take(a) != nil {
		t.Error("the offer was taken twice")
	}
	g.put(a, &gateLine{line: "old", offered: time.Now().Add(-gateOfferTTL - time.Second)})
	if g.take(a) != nil {
		t.Error("an expired offer was taken")
	}
}

// The commands of the line itself are keyed by name and arguments.
func TestExecKey(t *testing.T) {
	if execKey("git", []string{"push", "origin"}) == execKey("git", []string{"push origin"}) {
		t.Error("two arguments and one with a space share a key")
	}
	if execKey("git", nil) != execKey("git", []string{}) {
		t.Error("no arguments keyed two ways")
	}
}

// A tree may write in its workspace, the temp directories and the caches; in
// no workspace it may write in its directory, unless that is the home
// directory itself or the root.
func TestConfineFor(t *testing.T) {
	home := "/home/u"
	has := func(c []string, p string) bool {
		for _, x := range c {
			if x == p {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		root, cwd string
		want      string // a writable root, or "" for none beyond tmp and caches
	}{
		{"/home/u/src/app", "/home/u/src/app/lib", "/home/u/src/app"},
		{"", "/home/u/scratch", "/home/u/scratch"},
		{"", "/home/u", ""},
		{"", "/", ""},
	} {
		doc := &input.Document{Cwd: tc.cwd}
		doc.Workspace.Root, doc.Workspace.Home = tc.root, home
		c := confineFor(doc, nil)
		if tc.want != "" && !has(c.Writable, tc.want) {
			t.Errorf("cwd %s: %s is not writable: %v", tc.cwd, tc.want, c.Writable)
		}
		if has(c.Writable, home) || has(c.Writable, "/") {
			t.Errorf("cwd %s: the home directory or the root is writable: %v", tc.cwd, c.Writable)
		}
		if !has(c.Writable, "/tmp") || !has(c.Writable, "/home/u/.cache") {
			t.Errorf("cwd %s: /tmp or ~/.cache is not writable: %v", tc.cwd, c.Writable)
		}
		if !has(c.Secret, ".ssh") && !has(c.Secret, "/home/u/.ssh") {
			t.Errorf("~/.ssh is not secret: %v", c.Secret)
		}
		if c.Home != home || !c.ScopeSignals {
			t.Errorf("home %q, signals scoped %v", c.Home, c.ScopeSignals)
		}
	}
}

// Under Yama the daemon can read the programs a tree starts only with
// CAP_SYS_PTRACE (root here) from scope 1, and never from scope 3: the gate
// stays off rather than refuse every exec.
func TestYamaScope(t *testing.T) {
	for _, tc := range []struct {
		scope, euid int
		ok          bool
	}{{0, 1000, true}, {1, 1000, false}, {2, 1000, false}, {1, 0, true}, {2, 0, true}, {3, 0, false}} {
		if err := yamaScope(tc.scope, tc.euid); (err == nil) != tc.ok {
			t.Errorf("scope %d euid %d: %v", tc.scope, tc.euid, err)
		}
	}
}
