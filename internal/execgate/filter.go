//go:build linux

package execgate

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrUnsupported is returned by Supported and Install when the kernel or the
// architecture lacks what the exec gate needs.
var ErrUnsupported = errors.New("exec gate unsupported")

// Offsets of the fields of struct seccomp_data that the filter loads.
const (
	offNr   = 0 // int nr
	offArch = 4 // __u32 arch
)

// Results of the filter.
const (
	retAllow = unix.SECCOMP_RET_ALLOW
	retNotif = unix.SECCOMP_RET_USER_NOTIF
	retKill  = unix.SECCOMP_RET_KILL_PROCESS
)

// A label names an instruction of the program for the jumps that target it.
type label int

const (
	next label = iota // the instruction after the jump
	allow
	notify
	kill
)

// asm builds a classic BPF program from named instructions, resolving jumps to
// labels once the program is complete.
type asm struct {
	prog   []unix.SockFilter
	jumps  map[int][2]label // index of a conditional jump → its true and false targets
	labels map[label]int
}

// load loads the 32-bit word of seccomp_data at off into the accumulator.
func (a *asm) load(off uint32) {
	a.prog = append(a.prog, unix.SockFilter{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: off})
}

// jump compares the accumulator with k (op is BPF_JEQ, BPF_JGE or BPF_JSET) and goes
// to t when the comparison holds, else to f.
func (a *asm) jump(op uint16, k uint32, t, f label) {
	a.jumps[len(a.prog)] = [2]label{t, f}
	a.prog = append(a.prog, unix.SockFilter{Code: unix.BPF_JMP | op | unix.BPF_K, K: k})
}

// ret ends the program with the result k, and marks it as the target l.
func (a *asm) ret(l label, k uint32) {
	a.labels[l] = len(a.prog)
	a.prog = append(a.prog, unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: k})
}

// link fills in the jump offsets: classic BPF jumps only forward, by an 8-bit count
// of instructions after the jump.
func (a *asm) link() []unix.SockFilter {
	for i, t := range a.jumps {
		for j, l := range t {
			off := 0
			if l != next {
				target, ok := a.labels[l]
				if !ok || target <= i || target-i-1 > 255 {
					panic(fmt.Sprintf("execgate: bad jump at %d to label %d", i, l))
				}
				off = target - i - 1
			}
			if j == 0 {
				a.prog[i].Jt = uint8(off)
			} else {
				a.prog[i].Jf = uint8(off)
			}
		}
	}
	return a.prog
}

// Program returns the seccomp filter for the native architecture:
//
//	load arch; if it is not the native one: kill the process
//	load nr
//	if nr is execve or execveat: notify the listener
//	(amd64) if nr has the x32 bit: kill the process, unless nr is -1
//	allow
//
// nr == -1 is how a ptracer skips a system call; the kernel runs nothing for it, so it
// is not an x32 call to refuse.
func Program() []unix.SockFilter {
	a := &asm{jumps: map[int][2]label{}, labels: map[label]int{}}
	a.load(offArch)
	a.jump(unix.BPF_JEQ, nativeArch, next, kill)
	a.load(offNr)
	a.jump(unix.BPF_JEQ, unix.SYS_EXECVE, notify, next)
	a.jump(unix.BPF_JEQ, unix.SYS_EXECVEAT, notify, next)
	if x32Bit != 0 {
		a.jump(unix.BPF_JSET, x32Bit, next, allow)
		a.jump(unix.BPF_JEQ, 0xffffffff, allow, kill)
	}
	a.ret(allow, retAllow)
	a.ret(notify, retNotif)
	a.ret(kill, retKill)
	return a.link()
}

// Supported reports whether the kernel offers what Install needs: seccomp filters
// with user notification and the kill-process action, on an architecture the filter
// is written for. It asks the kernel (seccomp SECCOMP_GET_ACTION_AVAIL) and falls back
// to /proc/sys/kernel/seccomp/actions_avail. Install may still fail where an outer
// sandbox forbids seccomp(2) or a listener is already installed (a nested gate); the
// caller treats that error as the layer being off.
func Supported() error {
	if nativeArch == 0 {
		return fmt.Errorf("%w: no filter for %s", ErrUnsupported, runtime.GOARCH)
	}
	for _, act := range []struct {
		name string
		ret  uint32
	}{{"user_notif", retNotif}, {"kill_process", retKill}} {
		ret := act.ret
		_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&ret)))
		switch errno {
		case 0:
			continue
		case unix.EOPNOTSUPP:
			return fmt.Errorf("%w: seccomp action %s not available", ErrUnsupported, act.name)
		}
		// Old kernels lack the operation (EINVAL) or seccomp(2) itself (ENOSYS); the
		// file says what they offer.
		avail, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail")
		if err != nil {
			return fmt.Errorf("%w: seccomp: %v", ErrUnsupported, errno)
		}
		if !slices.Contains(strings.Fields(string(avail)), act.name) {
			return fmt.Errorf("%w: seccomp action %s not available", ErrUnsupported, act.name)
		}
	}
	return nil
}

// waitKillable records whether the last Install got
// SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, for the tests.
var waitKillable bool

// Install sets no_new_privs on the calling thread and installs the filter of Program
// on it with a new user-notification listener, whose fd it returns (close-on-exec).
//
// The caller must hold runtime.LockOSThread and keep it until it execs or exits: the
// filter is on this thread only, and the thread must not go back to run other
// goroutines. After handing the listener to the supervisor the caller must close its
// copy before it execs (see the package comment).
//
// Install asks the kernel to keep a waiting process deaf to non-fatal signals once the
// supervisor has received its notification (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
// Linux 5.19), so an exec held for minutes is not withdrawn and sent again by every
// SIGCHLD or SIGWINCH; on older kernels it installs the filter without it.
func Install() (listenerFD int, err error) {
	if nativeArch == 0 {
		return -1, fmt.Errorf("%w: no filter for %s", ErrUnsupported, runtime.GOARCH)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("setting no_new_privs: %w", err)
	}
	prog := Program()
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	flags := uintptr(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
	for {
		fd, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
		runtime.KeepAlive(prog)
		if errno == unix.EINVAL && flags&unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0 {
			flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
			continue
		}
		switch errno {
		case 0:
			waitKillable = flags&unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0
			return int(fd), nil
		case unix.EBUSY:
			return -1, fmt.Errorf("installing the exec filter: a listener is already installed (a gated tree): %w", errno)
		case unix.EINVAL, unix.ENOSYS:
			return -1, fmt.Errorf("%w: installing the exec filter: %v", ErrUnsupported, errno)
		}
		return -1, fmt.Errorf("installing the exec filter: %w", errno)
	}
}
