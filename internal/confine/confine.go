// Package confine is the kernel mechanism of confinement, the third layer in
// DESIGN.md ("Layers of enforcement"): a Landlock ruleset that gatesh applies to
// itself right before it execs bash, so that everything the agent's command starts
// can write only where work belongs, cannot read the home directory's secrets, and
// cannot signal processes outside its tree. It holds no policy and reads no
// settings: the caller says what to allow in a Rules value (DefaultCaches,
// DefaultSecrets, DefaultDevices and TempDirs give the defaults), and the Report
// says what was enforced and what the running kernel could not enforce.
//
// # Entry points
//
//   - ApplyThread confines the calling thread, for a caller that execs next:
//     gatesh, right before it execs bash.
//   - Apply confines every thread of the process, for a caller that goes on.
//   - Build builds a Ruleset without enforcing it; its descriptor can be passed
//     to another process, which enforces it with Enforce. Building is most of the
//     cost (about 0.3 to 0.6 ms for a real home on a 2-core VM, against 0.07 ms to
//     enforce a prebuilt one), so the daemon can build and gatesh only enforce.
//   - ABI says which Landlock the kernel has; Overlaps checks the rules without
//     the kernel, for `gatectl doctor`.
//
// # What the ruleset allows
//
// Landlock only allows: every access right the kernel knows is refused unless a rule
// grants it on the file's hierarchy. The ruleset grants:
//
//   - reading and executing everywhere, except the Secret paths (below);
//   - every file-system right (create, remove, rename and link across
//     directories, truncate) under each Writable root;
//   - reading, writing, truncating and device ioctls (terminal modes, window size)
//     on each of the Devices.
//
// Nothing else: the home directory, its startup files and the gate's own files are
// outside every writable root, so they cannot be removed, renamed, rewritten or
// truncated, whatever path a program takes to them (a symbolic link, "..",
// /proc/self/root, an archive member), since Landlock checks the file's real place
// in the tree.
//
// # Secrets: allowing every other entry, one by one
//
// Landlock cannot subtract a subtree from an allowed one, so reads of the secrets
// are refused by never allowing an ancestor of them as a whole. The ruleset allows
// the root directory's entries one by one, except the one on the way to a secret;
// that one it opens and treats the same way, down to the secret's parent, whose
// other entries it allows one by one. With the default secrets that splits /, the
// directories on the way to the home directory, the home directory and, where
// they hold a secret, ~/.config, ~/.docker, ~/.cargo, ~/.m2 and ~/.gradle. Each
// split directory costs a rule per entry. The trade-offs, chosen deliberately:
//
//   - An entry created in a split directory after the ruleset was built (a new
//     file in ~ made by the person) is not readable by the confined tree. The tree
//     cannot create one itself (a split directory is not writable), and gatesh
//     confines each command afresh, so the window is one command (or the life of a
//     prebuilt Ruleset).
//   - Listing a split directory must keep working (ls ~, a glob of ~/*), and the
//     right to list is inherited by the whole hierarchy under it: the names in a
//     secret directory (id_ed25519, credentials) can be listed; their contents
//     cannot be read.
//   - Symbolic links found while splitting get no rule of their own: the kernel
//     checks the target's place, so a link to a secret is as unreadable as the
//     secret, and a secret that is a link is hidden where it points.
//   - A secret made reachable under another name before the ruleset was built (a
//     hard link, a bind mount) is readable there. The tree cannot make a new hard
//     link to it (Landlock refuses with EXDEV).
//
// # What Landlock leaves open
//
// chmod, chown, utime, setxattr and stat are not restricted by Landlock (a confined
// program can chmod ~/.ssh, not delete or read it). Connecting to a named unix
// socket is not restricted below ABI 9, and this package does not restrict it at
// any ABI (the tree must reach the daemon's socket). Network traffic is not
// restricted. Everything under a Writable root is the tree's to change: a Protected
// path inside one is reported in Report.Overlaps, never silently allowed or dropped.
// That includes the workspace's .git: a hook or a config entry (core.hooksPath,
// an alias) written there runs when the person uses git outside the gate, and
// Landlock cannot keep .git read-only without making the workspace's top level
// read-only too. A workspace that is the home directory itself makes every secret
// readable and writable: Overlaps reports each one. Caches are trusted by the
// tools that read them later; confinement keeps the home's configuration, startup
// files and secrets, not the integrity of caches.
package confine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrAllThreads means Apply could not confine every thread of the process: the
// binary is linked with cgo, where the Go runtime cannot run a system call on
// every thread, and the kernel's Landlock is older than ABI 8, which does it
// itself. Nothing was enforced; ApplyThread followed by an exec still works.
var ErrAllThreads = errors.New("confine: cannot confine every thread: the binary is linked with cgo and the kernel's Landlock is below ABI 8")

// Rules say what the confined tree may do. Paths are absolute; a path that does
// not exist when Apply runs is left out and reported.
type Rules struct {
	// Writable are the roots under which files may be created, written, removed,
	// renamed (also across directories) and truncated: the workspace, the temp
	// directories (TempDirs) and the tool caches (DefaultCaches).
	Writable []string
	// Devices are the device files and device directories a shell needs
	// (DefaultDevices): read, write, truncate (the O_TRUNC of "> /dev/null") and
	// device ioctls (a terminal's modes and size).
	Devices []string
	// Home is the home directory. Relative Secret entries are read against it.
	Home string
	// Secret are the paths whose contents must not be read (DefaultSecrets):
	// absolute, or relative to Home.
	Secret []string
	// Protected are the gate's own configuration, policies, state and socket. They
	// get no right of their own; one inside a Writable root (or holding one) is
	// reported in Report.Overlaps, because Landlock cannot take it back out.
	Protected []string
	// ScopeSignals refuses signals to processes outside the confined tree (Landlock
	// ABI 6): killing the daemon or the person's shell fails with EPERM.
	ScopeSignals bool
	// ScopeAbstractUnix refuses connecting to abstract unix sockets created outside
	// the confined tree (Landlock ABI 6).
	ScopeAbstractUnix bool
}

// Report says what Apply enforced and what it left out.
type Report struct {
	// ABI is the Landlock ABI version the ruleset was built for; 0 when the kernel
	// has no Landlock and nothing was enforced.
	ABI int
	// Enforced is true once the ruleset is in force on the process.
	Enforced bool
	// AllThreads is true when every thread of the process is confined (Apply),
	// false when the calling thread alone is (ApplyThread): it stays locked to
	// the calling goroutine, which must exec next.
	AllThreads bool
	// Writable and Devices are the roots granted, as given.
	Writable []string
	Devices  []string
	// Split are the directories whose entries were allowed for reading one by one,
	// so that Hidden stays unreadable.
	Split []string
	// Hidden are the secrets left out of every read rule (their real paths).
	Hidden []string
	// Scoped names the scopes in force: "signal", "abstract-unix".
	Scoped []string
	// Rules is the number of rules in the ruleset.
	Rules int
	// Left lists what was asked for and not enforced, with the reason.
	Left []Omission
	// Overlaps lists protected and secret paths that a writable root reaches.
	Overlaps []Overlap
}

// Omission is something asked for that Apply did not enforce.
type Omission struct {
	// What was left out: a path, an access right or a scope.
	What string
	// Why, in a few words.
	Why string
}

func (o Omission) String() string { return o.What + ": " + o.Why }

// Overlap is a path that must not be writable (a protected path) or readable (a
// secret) but that a writable root reaches: it lies inside the root, or the root
// lies inside it.
type Overlap struct {
	// Path is the protected or secret path, as given.
	Path string
	// Kind is "protected" or "secret".
	Kind string
	// Root is the writable root, as given.
	Root string
}

func (o Overlap) String() string {
	return fmt.Sprintf("%s %s is reachable through the writable root %s: Landlock cannot take it back out of it", o.Kind, o.Path, o.Root)
}

// Overlaps lists the protected and secret paths of r that a writable root reaches,
// comparing real paths (symbolic links resolved, as far as the paths exist). It
// touches no kernel feature, for `gatectl doctor`; Apply reports the same list.
func Overlaps(r Rules) []Overlap {
	return overlaps(r, resolver{})
}

func overlaps(r Rules, rs resolver) []Overlap {
	if len(r.Writable) == 0 {
		return nil
	}
	roots := make([]string, len(r.Writable))
	for i, w := range r.Writable {
		roots[i] = rs.real(w).path
	}
	var out []Overlap
	check := func(p, kind string) {
		rp := rs.real(p).path
		for i, root := range roots {
			if within(rp, root) || within(root, rp) {
				out = append(out, Overlap{Path: p, Kind: kind, Root: r.Writable[i]})
			}
		}
	}
	for _, p := range r.Protected {
		check(p, "protected")
	}
	for _, s := range r.Secret {
		if p := secretPath(r.Home, s); p != "" {
			check(p, "secret")
		}
	}
	return out
}

// secretPath makes a Secret entry absolute, or returns "" for a relative entry
// without a home.
func secretPath(home, s string) string {
	if filepath.IsAbs(s) {
		return filepath.Clean(s)
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, s)
}

// resolver finds real paths, remembering each directory it has resolved, so that
// the secrets and caches under one home cost one lstat each.
type resolver map[string]resolved

// resolved is a path with its symbolic links resolved as far as it exists, the
// rest kept as written (a path not yet created compares with where it would be
// created), and the error of its lstat.
type resolved struct {
	path string
	err  error
}

func (rs resolver) real(p string) resolved {
	p = filepath.Clean(p)
	if v, ok := rs[p]; ok {
		return v
	}
	fi, err := os.Lstat(p)
	v := resolved{path: p, err: err}
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if t, err := filepath.EvalSymlinks(p); err == nil {
			v.path = t
			rs[p] = v
			return v
		}
		v.err = fs.ErrNotExist // a dangling link: nothing there now
	}
	if parent := filepath.Dir(p); parent != p {
		v.path = filepath.Join(rs.real(parent).path, filepath.Base(p))
	}
	rs[p] = v
	return v
}

// within reports whether p is root or lies under it.
func within(p, root string) bool {
	if root == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == root || strings.HasPrefix(p, root) && p[len(root)] == '/'
}
