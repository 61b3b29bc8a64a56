//go:build linux

package execgate

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Errors a supervisor branches on.
var (
	// ErrGone means the notification no longer stands: the process died, or a signal
	// interrupted its exec (it will notify again if it retries). There is nothing to
	// answer.
	ErrGone = errors.New("exec notification no longer valid")
	// ErrNoTasks means no process uses the filter any more: the gated tree has exited.
	ErrNoTasks = errors.New("no process left in the gated tree")
	// ErrClosed means the Listener was closed.
	ErrClosed = errors.New("exec listener closed")
)

// Limits on what Read copies out of a waiting process. Linux's own limit on argv and
// envp together is a quarter of the stack limit (often 2 MiB); a command line longer
// than these is marked Truncated rather than read in full.
const (
	maxArgs      = 4096
	maxArgvBytes = 256 << 10
	maxPath      = unix.PathMax
	maxLinks     = 40 // the kernel's own limit on symlinks in one lookup
)

// seccompData mirrors struct seccomp_data.
type seccompData struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

// seccompNotif mirrors struct seccomp_notif, which SECCOMP_IOCTL_NOTIF_RECV fills.
type seccompNotif struct {
	ID    uint64
	PID   uint32
	Flags uint32
	Data  seccompData
}

// seccompNotifResp mirrors struct seccomp_notif_resp, which SECCOMP_IOCTL_NOTIF_SEND
// reads.
type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// The ioctl numbers encode the sizes of these structs; a mismatch would not compile.
var (
	_ [0x50]byte = [unsafe.Sizeof(seccompNotif{})]byte{}
	_ [0x18]byte = [unsafe.Sizeof(seccompNotifResp{})]byte{}
)

// A Notif is one system call waiting for an answer.
type Notif struct {
	ID      uint64    // the kernel's cookie for this call; answers name it
	PID     int       // the calling thread, in the supervisor's pid namespace
	Syscall int       // SYS_EXECVE or SYS_EXECVEAT
	Arch    uint32    // always the native arch: the filter kills the others
	Args    [6]uint64 // the raw arguments; pointers into the caller's memory
}

// An Exec is what a waiting process asks to run, as Read found it.
type Exec struct {
	PID int
	// Path is the path as the process gave it.
	Path string
	// Resolved is the absolute path of the program with every symlink followed,
	// relative paths taken from the process's cwd or from execveat's directory fd, and
	// /proc/self read as the process's own. Empty when Truncated cut the path.
	Resolved string
	// Missing means a component of Resolved did not exist when Read looked: the exec
	// will most likely fail (execvp tries each $PATH entry this way), and Resolved is
	// the lexical path.
	Missing bool
	// Empty means the program is an open file rather than a name: execveat with
	// AT_EMPTY_PATH (fexecve), or a path through /proc/PID/fd to a memfd or a deleted
	// file. Resolved then says what the kernel calls the file ("/memfd:x (deleted)").
	// The caller judges it as opaque code.
	Empty bool
	// Argv is the argument vector, argv[0] included.
	Argv []string
	// Truncated means Read stopped at a limit (4096 arguments, 256 KiB of arguments,
	// PATH_MAX for the path): Argv or Path is not all the process passed.
	Truncated bool
	// Cwd is the process's working directory.
	Cwd string
}

// A Listener is the supervisor's side of the filter: it receives each exec of the
// gated tree and answers it. One goroutine calls Recv; Read, Continue, Refuse, Valid
// and Close may be called from any goroutine, including while Recv waits.
type Listener struct {
	f      *os.File
	rc     syscall.RawConn
	closed atomic.Bool
}

// NewListener takes ownership of a seccomp listener fd (from Install or RecvFD).
func NewListener(fd int) (*Listener, error) {
	if err := checkListener(fd); err != nil {
		return nil, err
	}
	// Non-blocking so the runtime's poller waits for notifications and Close can
	// wake a waiting Recv. SECCOMP_IOCTL_NOTIF_RECV itself ignores O_NONBLOCK, so Recv
	// polls before it asks.
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, fmt.Errorf("exec listener: %w", err)
	}
	f := os.NewFile(uintptr(fd), "seccomp-listener")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("exec listener: %w", err)
	}
	return &Listener{f: f, rc: rc}, nil
}

// checkListener makes sure fd is a seccomp notification fd: the kernel names its
// anonymous inode "seccomp notify".
func checkListener(fd int) error {
	link, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return fmt.Errorf("exec listener: %w", err)
	}
	if link != "anon_inode:seccomp notify" {
		return fmt.Errorf("exec listener: fd %d is %q, not a seccomp listener", fd, link)
	}
	return nil
}

// Close closes the listener. A Recv waiting in another goroutine returns ErrClosed.
// The kernel then fails every exec of the tree that waits or comes later with ENOSYS:
// closing is refusing everything.
func (l *Listener) Close() error {
	l.closed.Store(true)
	return l.f.Close()
}

// Recv waits for the next exec of the tree. It returns ErrNoTasks once every process
// of the tree has exited, and ErrClosed after Close. A notification withdrawn before
// it is received (its process died or took a signal) is skipped.
func (l *Listener) Recv() (Notif, error) {
	var (
		n     seccompNotif
		opErr error
	)
	err := l.rc.Read(func(fd uintptr) bool {
		for {
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(pfd, 0); err != nil {
				if err == unix.EINTR {
					continue
				}
				opErr = fmt.Errorf("exec listener: poll: %w", err)
				return true
			}
			if pfd[0].Revents&unix.POLLIN == 0 {
				if pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
					opErr = ErrNoTasks
					return true
				}
				return false // wait for the poller
			}
			n = seccompNotif{} // the kernel refuses a buffer that is not zeroed
			_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n)))
			switch errno {
			case 0:
				return true
			case unix.EINTR, unix.ENOENT:
				// ENOENT: the notification was withdrawn between the poll and
				// the receive. Look again rather than wait: the poller only
				// wakes for new events.
				continue
			}
			opErr = fmt.Errorf("exec listener: receive: %w", errno)
			return true
		}
	})
	if err != nil {
		if l.closed.Load() {
			return Notif{}, ErrClosed
		}
		return Notif{}, fmt.Errorf("exec listener: %w", err)
	}
	if opErr != nil {
		return Notif{}, opErr
	}
	return Notif{
		ID:      n.ID,
		PID:     int(n.PID),
		Syscall: int(n.Data.Nr),
		Arch:    n.Data.Arch,
		Args:    n.Data.Args,
	}, nil
}

// ioctl runs one ioctl on the listener, unless it is closed.
func (l *Listener) ioctl(req uint, arg unsafe.Pointer) error {
	var errno unix.Errno
	err := l.rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, uintptr(req), uintptr(arg))
	})
	if err != nil {
		return ErrClosed
	}
	if errno == unix.ENOENT {
		return ErrGone
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// Valid reports whether the notification still waits for an answer. Check it before
// answering late (after a person took minutes to decide): the process may have died,
// and its pid been reused.
func (l *Listener) Valid(id uint64) bool {
	return l.ioctl(unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(&id)) == nil
}

// Continue lets the exec proceed. It returns ErrGone when the notification no longer
// stands.
func (l *Listener) Continue(id uint64) error {
	resp := seccompNotifResp{ID: id, Flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE}
	if err := l.ioctl(unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp)); err != nil {
		return fmt.Errorf("continuing exec %d: %w", id, err)
	}
	return nil
}

// Refuse fails the exec with errno (EPERM for a refusal, EACCES, …). It returns
// ErrGone when the notification no longer stands.
func (l *Listener) Refuse(id uint64, errno unix.Errno) error {
	if errno <= 0 || errno > 4095 {
		return fmt.Errorf("refusing exec %d: errno %d out of range", id, int(errno))
	}
	resp := seccompNotifResp{ID: id, Error: -int32(errno)}
	if err := l.ioctl(unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp)); err != nil {
		return fmt.Errorf("refusing exec %d: %w", id, err)
	}
	return nil
}

// Read reads what the process of n asks to exec: the path, argv and cwd from its
// memory and /proc, and the program's resolved path.
//
// TOCTOU: the process, its other threads or a process allowed to write its memory can
// change all of this after Read and before the kernel acts on the answer (see the
// package comment). Read checks afterwards that the notification still stands, which
// proves only that the pid was not reused while it read: a process that died and a
// new one with its pid would give a mix of both. It returns ErrGone then.
func (l *Listener) Read(n Notif) (Exec, error) {
	var (
		dirfd            = int32(unix.AT_FDCWD)
		pathPtr, argvPtr uint64
		flags            uint64
	)
	switch n.Syscall {
	case unix.SYS_EXECVE:
		pathPtr, argvPtr = n.Args[0], n.Args[1]
	case unix.SYS_EXECVEAT:
		dirfd, pathPtr, argvPtr, flags = int32(n.Args[0]), n.Args[1], n.Args[2], n.Args[4]
	default:
		return Exec{}, fmt.Errorf("reading exec %d: system call %d is not an exec", n.ID, n.Syscall)
	}
	if n.PID <= 0 {
		return Exec{}, fmt.Errorf("reading exec %d: the process is not visible in the supervisor's pid namespace", n.ID)
	}
	e := Exec{PID: n.PID}
	mem := &memReader{pid: n.PID}
	var err error
	e.Path, e.Truncated, err = mem.cstring(pathPtr, maxPath)
	if err != nil {
		return Exec{}, l.gone(n.ID, fmt.Errorf("reading exec %d path: %w", n.ID, err))
	}
	argvTrunc := false
	e.Argv, argvTrunc, err = readArgv(mem, argvPtr)
	if err != nil {
		return Exec{}, l.gone(n.ID, fmt.Errorf("reading exec %d argv: %w", n.ID, err))
	}
	proc := "/proc/" + strconv.Itoa(n.PID)
	e.Cwd, err = os.Readlink(proc + "/cwd")
	if err != nil {
		return Exec{}, l.gone(n.ID, fmt.Errorf("reading exec %d cwd: %w", n.ID, err))
	}
	if !e.Truncated {
		// base is the directory a relative path starts from, as the process sees it.
		base := ""
		switch {
		case strings.HasPrefix(e.Path, "/"):
		case dirfd == unix.AT_FDCWD:
			base = proc + "/cwd"
		default:
			base = proc + "/fd/" + strconv.Itoa(int(dirfd))
		}
		follow := flags&unix.AT_SYMLINK_NOFOLLOW == 0
		empty := e.Path == "" && flags&unix.AT_EMPTY_PATH != 0
		var ok bool
		if follow && !empty {
			e.Resolved, ok = fastResolve(base, e.Path)
		}
		if !ok {
			start := e.Path
			switch {
			case empty:
				e.Empty = true
				start = base
			case base != "":
				start = base + "/" + e.Path
			}
			r, err := resolve(n.PID, start, follow)
			if err != nil {
				return Exec{}, l.gone(n.ID, fmt.Errorf("resolving exec %d path %q: %w", n.ID, e.Path, err))
			}
			e.Resolved, e.Missing = r.path, r.missing
			e.Empty = e.Empty || r.opaque
		}
	}
	e.Truncated = e.Truncated || argvTrunc
	if !l.Valid(n.ID) {
		return Exec{}, ErrGone
	}
	return e, nil
}

// Env reads the environment the process of n passes to the program, within the same
// limits as argv (truncated reports a cut). It is apart from Read because most
// decisions need no environment, and reading it costs a few system calls per exec.
func (l *Listener) Env(n Notif) (env []string, truncated bool, err error) {
	var envPtr uint64
	switch n.Syscall {
	case unix.SYS_EXECVE:
		envPtr = n.Args[2]
	case unix.SYS_EXECVEAT:
		envPtr = n.Args[3]
	default:
		return nil, false, fmt.Errorf("reading exec %d: system call %d is not an exec", n.ID, n.Syscall)
	}
	if n.PID <= 0 {
		return nil, false, fmt.Errorf("reading exec %d: the process is not visible in the supervisor's pid namespace", n.ID)
	}
	env, truncated, err = readArgv(&memReader{pid: n.PID}, envPtr)
	if err != nil {
		return nil, false, l.gone(n.ID, fmt.Errorf("reading exec %d environment: %w", n.ID, err))
	}
	if !l.Valid(n.ID) {
		return nil, false, ErrGone
	}
	return env, truncated, nil
}

// gone turns a failed read into ErrGone when the notification no longer stands (the
// process died while it was read), and keeps err otherwise.
func (l *Listener) gone(id uint64, err error) error {
	if !l.Valid(id) {
		return ErrGone
	}
	return err
}
