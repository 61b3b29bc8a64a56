//go:build linux

package confine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Access rights, in Landlock's bits (include/uapi/linux/landlock.h).
const (
	// accRead is reading files, listing directories and executing.
	accRead = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	// accFile are the rights that apply to a file that is not a directory; a rule
	// on such a file may hold no other.
	accFile = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	// accDevice is what a device needs: read, write, the O_TRUNC of a
	// redirection, ioctls (a terminal's modes and size), and listing /dev/pts.
	accDevice = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE |
		unix.LANDLOCK_ACCESS_FS_IOCTL_DEV | unix.LANDLOCK_ACCESS_FS_READ_DIR
	// accAll are the rights of ABI 1 to 8, all of which this package handles.
	// ABI 9's right to connect to named unix sockets is deliberately not handled:
	// the tree must reach the daemon's socket.
	accAll = unix.LANDLOCK_ACCESS_FS_IOCTL_DEV<<1 - 1
)

// erratumSignals is the bit of Landlock erratum 2 (signals between threads of one
// process with different domains were refused), fixed in the running kernel when
// set in the errata mask.
const erratumSignals = 1 << 1

// kernel returns the Landlock ABI version and errata mask of the running kernel,
// asked once.
var kernel = sync.OnceValues(func() (abi, errata int) {
	v, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 || int(v) < 1 {
		return 0, 0
	}
	m, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_ERRATA)
	if e != 0 {
		m = 0
	}
	return int(v), int(m)
})

// ABI returns the running kernel's Landlock ABI version, 0 when it has none (too
// old, or Landlock not among the enabled security modules).
func ABI() int {
	v, _ := kernel()
	return v
}

// Apply builds the ruleset r describes and enforces it on every thread of the
// calling process, with no_new_privs set (which Landlock needs without
// CAP_SYS_ADMIN; setuid programs then gain nothing, so sudo cannot work inside).
// There is no way back: the process and everything it starts stay confined, and a
// later Apply can only narrow further.
//
// With ABI 8 and later the kernel confines all threads at once
// (LANDLOCK_RESTRICT_SELF_TSYNC, one domain for all). Below it Apply runs the two
// system calls on every thread of the Go runtime (syscall.AllThreadsSyscall, as
// go-landlock does through libpsx), which stops the world twice and gives each
// thread a domain of its own with the same rules: a child started from one thread
// then cannot signal a child started from another under ScopeSignals. In a binary
// linked with cgo (gatesh is not; a -race test binary is), below ABI 8, that is
// unavailable: Apply enforces nothing and returns ErrAllThreads, rather than
// leave threads unconfined behind the caller's back.
//
// Apply degrades to what the kernel offers (best effort): each access right or
// scope the kernel's ABI lacks is listed in Report.Left with its consequence, and
// with no Landlock at all it enforces nothing, returns a Report with ABI 0, and no
// error: whether running unconfined is acceptable is the caller's decision. A path
// that cannot be opened gets no rule (its access is refused, not granted) and is
// listed too. An error means the ruleset could not be built or enforced; nothing
// is enforced then.
func Apply(r Rules) (Report, error) { return apply(r, true) }

// ApplyThread is Apply for a caller that execs next: it confines only the calling
// OS thread, and locks the calling goroutine to it for good, so the thread ends
// with the goroutine instead of serving others unconfined. execve keeps the
// calling thread's domain and ends the other threads, so the program it starts is
// confined as fully as with Apply, without stopping the world (gatesh's case:
// ApplyThread, then exec bash from the same goroutine). Until that exec the other
// threads of the process are not confined: a caller that does not exec must use
// Apply.
func ApplyThread(r Rules) (Report, error) { return apply(r, false) }

func apply(r Rules, allThreads bool) (Report, error) {
	s, err := Build(r)
	if err != nil {
		return s.rep, err
	}
	defer s.Close()
	return s.apply(allThreads)
}

// Ruleset is a ruleset built and not yet enforced. Building is most of Apply's
// cost (a rule for each entry of each split directory, three system calls each),
// so a process that confines command after command with the same rules (the
// daemon, for one workspace) can build once and pass FD to each gatesh over its
// socket (SCM_RIGHTS), which then only enforces it with Enforce. The rules hold
// the files they name, not their paths: an entry created in a split directory
// after Build is not readable under the ruleset, so a long-lived ruleset is
// rebuilt when that matters (every few seconds, or on a change of the home).
type Ruleset struct {
	fd  int
	abi int
	rep Report
}

// Build builds the ruleset r describes without enforcing it. With no Landlock in
// the kernel it returns a Ruleset that enforces nothing (FD -1) and a Report
// that says so.
func Build(r Rules) (*Ruleset, error) {
	abi, errata := kernel()
	p := newPlan(abi, errata, r)
	s := &Ruleset{fd: -1, abi: abi, rep: Report{ABI: abi, Left: p.left}}
	rs := resolver{}
	if abi == 0 {
		s.rep.Overlaps = overlaps(r, rs)
		return s, nil
	}
	fd, err := build(&s.rep, p, r, rs)
	if err != nil {
		return s, err
	}
	s.fd = fd
	// Only the roots granted can reach a protected path or a secret; the secrets'
	// real paths are known from building.
	granted := r
	granted.Writable = s.rep.Writable
	s.rep.Overlaps = overlaps(granted, rs)
	s.rep.Scoped = p.scopes
	return s, nil
}

// FD is the ruleset's file descriptor (close-on-exec), -1 when there is nothing
// to enforce.
func (s *Ruleset) FD() int { return s.fd }

// Report says what the ruleset holds and leaves out; Enforced is false.
func (s *Ruleset) Report() Report { return s.rep }

// Close releases the ruleset. A process it was enforced on stays confined.
func (s *Ruleset) Close() error {
	if s.fd < 0 {
		return nil
	}
	fd := s.fd
	s.fd = -1
	return unix.Close(fd)
}

// Apply enforces the ruleset as the package's Apply does.
func (s *Ruleset) Apply() (Report, error) { return s.apply(true) }

// ApplyThread enforces the ruleset as the package's ApplyThread does.
func (s *Ruleset) ApplyThread() (Report, error) { return s.apply(false) }

func (s *Ruleset) apply(allThreads bool) (Report, error) {
	rep := s.rep
	if s.fd < 0 {
		return rep, nil
	}
	all, err := enforce(s.fd, s.abi, allThreads)
	if err != nil {
		return rep, err
	}
	rep.Enforced, rep.AllThreads = true, all
	return rep, nil
}

// Enforce enforces a ruleset received as a file descriptor (see Ruleset) on
// every thread, or on the calling thread only (see ApplyThread), and reports
// whether it was every thread. It does not close fd.
func Enforce(fd int, allThreads bool) (bool, error) {
	abi := ABI()
	if abi == 0 {
		return false, errors.New("landlock: the kernel has none")
	}
	return enforce(fd, abi, allThreads)
}

// plan is what a kernel with a given ABI can enforce of some Rules.
type plan struct {
	handled uint64 // file-system rights refused unless granted
	scoped  uint64 // Landlock scopes
	scopes  []string
	left    []Omission
}

// newPlan computes, without touching the kernel, what Apply enforces on a kernel
// with this Landlock ABI version and errata mask, and what it must leave out.
func newPlan(abi, errata int, r Rules) plan {
	var p plan
	if abi < 1 {
		p.left = append(p.left, Omission{"landlock", "the kernel has no Landlock: nothing is confined"})
		return p
	}
	switch {
	case abi >= 5:
		p.handled = accAll
	case abi >= 3:
		p.handled = unix.LANDLOCK_ACCESS_FS_TRUNCATE<<1 - 1
	case abi == 2:
		p.handled = unix.LANDLOCK_ACCESS_FS_REFER<<1 - 1
	default:
		p.handled = unix.LANDLOCK_ACCESS_FS_MAKE_SYM<<1 - 1
	}
	if abi < 2 {
		p.left = append(p.left, Omission{"refer", "ABI 1 refuses every rename and link across directories, inside writable roots too"})
	}
	if abi < 3 {
		p.left = append(p.left, Omission{"truncate", "needs ABI 3: truncate(2) of any file is not restricted (opening for writing is)"})
	}
	if abi < 5 {
		p.left = append(p.left, Omission{"ioctl-dev", "needs ABI 5: ioctls on devices are not restricted"})
	}
	if r.ScopeSignals {
		switch {
		case abi < 6:
			p.left = append(p.left, Omission{"signal scope", "needs ABI 6: signals to processes outside the tree are not refused"})
		case errata&erratumSignals == 0:
			p.left = append(p.left, Omission{"signal scope", "the kernel lacks the fix of Landlock erratum 2 (it would refuse signals between the process's own threads): signals are not refused"})
		default:
			p.scoped |= unix.LANDLOCK_SCOPE_SIGNAL
			p.scopes = append(p.scopes, "signal")
		}
	}
	if r.ScopeAbstractUnix {
		if abi < 6 {
			p.left = append(p.left, Omission{"abstract-unix scope", "needs ABI 6: abstract unix sockets outside the tree can be reached"})
		} else {
			p.scoped |= unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
			p.scopes = append(p.scopes, "abstract-unix")
		}
	}
	return p
}

// build creates the ruleset and adds r's rules to it.
func build(rep *Report, p plan, r Rules, rs resolver) (int, error) {
	attr := unix.LandlockRulesetAttr{Handled_access_fs: p.handled, Scoped: p.scoped}
	// Three fields (fs, net, scoped): a kernel older than the scoped field accepts
	// the larger size because the fields it does not know are zero.
	const size = 3 * 8
	fd, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if e != 0 {
		return -1, fmt.Errorf("landlock_create_ruleset: %w", e)
	}
	b := builder{ruleset: int(fd), handled: p.handled, rep: rep}
	if err := b.all(r, rs); err != nil {
		unix.Close(int(fd))
		return -1, err
	}
	return int(fd), nil
}

// builder adds rules to a ruleset and notes them in a Report.
type builder struct {
	ruleset int
	handled uint64
	rep     *Report
	buf     []byte // directory entries
}

func (b *builder) all(r Rules, rs resolver) error {
	hidden := b.hidden(r, rs)
	if len(hidden) == 0 {
		b.addPath("/", accRead)
	} else {
		root, err := openDir(unix.AT_FDCWD, "/")
		if err != nil {
			return fmt.Errorf("open /: %w", err)
		}
		b.buf = make([]byte, 8<<10)
		err = b.split("/", root, hidden)
		unix.Close(root)
		if err != nil {
			return err
		}
	}
	for _, w := range r.Writable {
		if b.addPath(w, accAll) {
			b.rep.Writable = append(b.rep.Writable, w)
		}
	}
	for _, d := range r.Devices {
		if b.addPath(d, accDevice) {
			b.rep.Devices = append(b.rep.Devices, d)
		}
	}
	return nil
}

// hidden returns the real paths of the secrets that exist; an absent secret has
// nothing to hide. A secret that cannot be checked is hidden as written.
func (b *builder) hidden(r Rules, rs resolver) []string {
	var out []string
	for _, s := range r.Secret {
		p := secretPath(r.Home, s)
		if p == "" {
			b.left(s, "a relative secret and no home")
			continue
		}
		v := rs.real(p)
		switch {
		case errors.Is(v.err, fs.ErrNotExist):
			continue
		case v.err != nil:
			b.left(p, "secret not checked ("+v.err.Error()+"): hidden as written")
			out = append(out, p)
		case v.path == "/":
			b.left(p, "the root directory cannot be hidden")
		default:
			out = append(out, v.path)
		}
	}
	// A secret inside another is hidden with it; splitting its way would open
	// the outer one's other entries.
	all := slices.Clone(out)
	out = slices.DeleteFunc(out, func(p string) bool {
		for _, q := range all {
			if q != p && within(p, q) {
				return true
			}
		}
		return false
	})
	slices.Sort(out)
	out = slices.Compact(out)
	b.rep.Hidden = out
	return out
}

// addPath grants access beneath path and reports whether it could. A path that
// cannot be opened gets no rule and is listed in Report.Left.
func (b *builder) addPath(path string, access uint64) bool {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || err == unix.ENOTDIR {
			b.left(path, "absent")
		} else {
			b.left(path, err.Error())
		}
		return false
	}
	defer unix.Close(fd)
	// Try it as a directory first (most roots are) and save an fstat: the kernel
	// refuses directory rights on a file with EINVAL.
	err = b.add(fd, access, true)
	if errors.Is(err, unix.EINVAL) && access&^accFile&b.handled != 0 {
		err = b.add(fd, access, false)
	}
	if err != nil {
		b.left(path, "no rule (landlock_add_rule: "+err.Error()+")")
		return false
	}
	return true
}

// add grants access beneath the file open as fd, keeping the rights that apply to
// it (a file takes only file rights) and that the ruleset handles.
func (b *builder) add(fd int, access uint64, dir bool) error {
	if !dir {
		access &= accFile
	}
	access &= b.handled
	if access == 0 {
		return nil
	}
	attr := unix.LandlockPathBeneathAttr{Allowed_access: access, Parent_fd: int32(fd)}
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(b.ruleset), unix.LANDLOCK_RULE_PATH_BENEATH,
		uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
	if e != 0 {
		return e // a bare errno: the device roots' EINVAL is retried, not reported
	}
	b.rep.Rules++
	return nil
}

// split grants reading of every entry of dir (open as dirfd) but the hidden ones,
// splitting in turn the entries on the way to a hidden path, and listing of dir
// itself. An entry that cannot be opened gets no rule (it stays unreadable) and is
// reported. A directory that cannot be listed (/home at 0711) is still descended
// by the names on the way to the hidden paths, so the home's other entries stay
// readable; only its unknown siblings (other users' homes) do not.
func (b *builder) split(dir string, dirfd int, hidden []string) error {
	b.rep.Split = append(b.rep.Split, dir)
	if err := b.add(dirfd, unix.LANDLOCK_ACCESS_FS_READ_DIR, true); err != nil {
		return fmt.Errorf("landlock_add_rule %s: %w", dir, err)
	}
	b.grantEntries(dir, dirfd, hidden)
	for _, h := range hidden {
		rest, ok := cutDir(h, dir)
		name, _, deeper := strings.Cut(rest, "/")
		if !ok || !deeper || b.seen(dir, name, hidden, h) {
			continue
		}
		sub := filepath.Join(dir, name)
		fd, err := openDir(dirfd, name)
		if err != nil {
			b.left(sub, "not opened ("+err.Error()+"): not readable")
			continue
		}
		err = b.split(sub, fd, hidden)
		unix.Close(fd)
		if err != nil {
			return err
		}
	}
	return nil
}

// seen reports whether a hidden path before h in hidden goes through dir/name
// too, so that dir/name is split once.
func (b *builder) seen(dir, name string, hidden []string, h string) bool {
	for _, o := range hidden {
		if o == h {
			return false
		}
		if rest, ok := cutDir(o, dir); ok {
			if n, _, deeper := strings.Cut(rest, "/"); deeper && n == name {
				return true
			}
		}
	}
	return false
}

// openDir opens dir/name to be listed, or, when it cannot be read but can be
// searched, to be descended only.
func openDir(dirfd int, name string) (int, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == unix.EACCES {
		fd, err = unix.Openat(dirfd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	return fd, err
}

// grantEntries grants reading of each entry of dir that is neither hidden nor on
// the way to a hidden path.
func (b *builder) grantEntries(dir string, dirfd int, hidden []string) {
	for {
		n, err := unix.Getdents(dirfd, b.buf)
		if err != nil {
			b.left(dir, "not listed ("+err.Error()+"): its other entries are not readable")
			return
		}
		if n <= 0 {
			return
		}
		for off := 0; off < n; {
			rec := b.buf[off:]
			reclen := int(binary.NativeEndian.Uint16(rec[16:]))
			typ := rec[18]
			name := rec[19:reclen]
			name = name[:bytes.IndexByte(name, 0)]
			off += reclen
			if string(name) == "." || string(name) == ".." || entryKind(dir, name, hidden) != entryOther {
				continue
			}
			if typ == unix.DT_LNK {
				continue // the target is checked where it is
			}
			// The name is NUL-terminated in the buffer: open it without a copy.
			fd, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(&rec[19])),
				unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0, 0, 0)
			if e != 0 {
				b.left(filepath.Join(dir, string(name)), "not opened ("+e.Error()+"): not readable")
				continue
			}
			isDir := typ == unix.DT_DIR
			if typ == unix.DT_UNKNOWN {
				var st unix.Stat_t
				if unix.Fstat(int(fd), &st) == nil {
					isDir = st.Mode&unix.S_IFMT == unix.S_IFDIR
					if st.Mode&unix.S_IFMT == unix.S_IFLNK {
						unix.Close(int(fd))
						continue
					}
				}
			}
			if err := b.add(int(fd), accRead, isDir); err != nil {
				b.left(filepath.Join(dir, string(name)), "not readable (landlock_add_rule: "+err.Error()+")")
			}
			unix.Close(int(fd))
		}
	}
}

const (
	entryOther = iota
	entryHidden
	entryOnTheWay
)

// entryKind says whether dir/name is a hidden path, on the way to one, or
// neither, without building the path.
func entryKind(dir string, name []byte, hidden []string) int {
	kind := entryOther
	for _, h := range hidden {
		rest, ok := cutDir(h, dir)
		if !ok || len(rest) < len(name) || rest[:len(name)] != string(name) {
			continue
		}
		switch {
		case len(rest) == len(name):
			return entryHidden
		case rest[len(name)] == '/':
			kind = entryOnTheWay
		}
	}
	return kind
}

// cutDir returns what follows dir and a slash in p, if p lies under dir.
func cutDir(p, dir string) (string, bool) {
	if dir == "/" {
		return p[1:], len(p) > 1 && p[0] == '/'
	}
	if len(p) <= len(dir)+1 || p[:len(dir)] != dir || p[len(dir)] != '/' {
		return "", false
	}
	return p[len(dir)+1:], true
}

func (b *builder) left(what, why string) {
	b.rep.Left = append(b.rep.Left, Omission{What: what, Why: why})
}

// enforce sets no_new_privs and enforces the ruleset on every thread, when
// allThreads asks, or else on the calling thread, and reports whether it was every
// thread (see Apply and ApplyThread).
func enforce(ruleset, abi int, allThreads bool) (bool, error) {
	if allThreads && abi >= 8 {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return false, fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		}
		// TSYNC gives every thread this thread's domain and no_new_privs.
		if _, _, e := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), unix.LANDLOCK_RESTRICT_SELF_TSYNC, 0); e != 0 {
			return false, fmt.Errorf("landlock_restrict_self: %w", e)
		}
		return true, nil
	}
	if allThreads {
		_, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0)
		switch e {
		case 0:
			if _, _, e := syscall.AllThreadsSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), 0, 0); e != 0 {
				return false, fmt.Errorf("landlock_restrict_self on all threads: %w", e)
			}
			return true, nil
		case syscall.ENOTSUP:
			// Linked with cgo: the runtime cannot run a system call on every
			// thread. Nothing is enforced yet.
			return false, ErrAllThreads
		default:
			return false, fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS) on all threads: %w", e)
		}
	}
	runtime.LockOSThread() // never unlocked: see ApplyThread
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return false, fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	if _, _, e := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), 0, 0); e != 0 {
		return false, fmt.Errorf("landlock_restrict_self: %w", e)
	}
	return false, nil
}
