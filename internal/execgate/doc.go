// Package execgate is the kernel mechanism of the exec gate (the second layer in
// DESIGN.md, "Layers of enforcement"): a seccomp filter that sends every execve and
// execveat of a process tree to a user-notification listener, the supervisor side that
// reads what each waiting process asks to run and answers it, and the passing of the
// listener from the gated process to the daemon over a unix socket. It holds no policy
// and starts nothing: gatesh calls Install and SendFD right before it execs bash, the
// daemon calls RecvFD and runs a Listener.
//
// # Why the gate cannot be removed from inside the tree
//
//   - Install sets no_new_privs first. The kernel requires it (or CAP_SYS_ADMIN) for an
//     unprivileged filter, and it is what keeps the filter honest across execve: a
//     setuid or file-capability binary cannot gain privilege, so nothing in the tree can
//     become root and escape. no_new_privs can never be cleared.
//   - A seccomp filter can never be removed or loosened. It is inherited by every
//     fork, vfork and clone child and kept across execve, so every descendant carries
//     it for life, however it detaches (setsid, double fork, reparenting to init).
//   - A process in the tree may stack filters of its own, but the kernel runs every
//     filter and takes the most severe action: its ALLOW cannot beat our USER_NOTIF,
//     and the only actions that do (KILL, TRAP, ERRNO) stop the exec. It cannot install
//     a second listener either: the kernel refuses a new listener (EBUSY) when a filter
//     already on the task has one, so the tree cannot answer its own execs.
//   - The filter is installed on the calling thread only (no TSYNC): that thread is the
//     one that calls execve, and execve ends every other thread of the process, so the
//     new program starts with the filter on its only thread. Other threads of the Go
//     process never needed it.
//   - The listener fd is close-on-exec, and the caller must close its copy before it
//     execs: the exec of bash itself is the first notification, and a process holding
//     its own listener would otherwise keep a waiting exec alive with no one to answer.
//   - If the listener is closed while processes wait (the daemon died), the kernel
//     fails each waiting execve with ENOSYS and every later one too: nothing runs
//     unjudged. TestListenerClosed checks this against the real kernel.
//
// # The non-native system call ABIs
//
// The filter matches system call numbers, and those are only meaningful for one ABI.
// On amd64 a process can also enter the kernel through int 0x80 (the i386 ABI, where
// execve is 11) or with the x32 bit set in the number (execve is 520|0x40000000); a
// filter that only compared numbers would let either exec past it. The filter checks
// seccomp_data.arch first and kills the process (SECCOMP_RET_KILL_PROCESS) on any
// other architecture, and on amd64 kills it on any number with the x32 bit set.
//
// Kill, not ERRNO(EPERM): a program that uses a foreign ABI uses it for every system
// call, including exit. Refusing each one with EPERM leaves it running in a state no
// one designed for (libc loops on a failing exit_group), while SIGSYS ends it at once
// and says why ("Bad system call"). A native program never makes such a call by
// accident, so the only programs this stops are 32-bit and x32 binaries, which cannot
// run inside a gated tree, and code trying to slip past the filter.
//
// # What the supervisor sees, and what it cannot hold still
//
// The supervisor reads the path and argv from the waiting process's memory, and
// resolves the path through /proc/PID/cwd or /proc/PID/fd/N. The kernel rereads them
// when the supervisor answers continue, so what was read is a description, not a
// capture: another thread of the process, or any process allowed to write its memory
// (a ptracer, process_vm_writev from the same user), can change argv or the path
// between the read and the exec, and a symlink or directory on the path can be
// swapped in the same window. The kernel documents SECCOMP_USER_NOTIF_FLAG_CONTINUE
// with this warning. The ID_VALID check after reading only proves the process is still
// waiting on the same call; the confinement layer (Landlock) is what bounds a program
// that wins this race.
//
// Reading another process's memory needs ptrace access to it (PTRACE_MODE_ATTACH), as
// /proc/PID/mem does. The daemon runs as the tree's user, which suffices on this
// kernel; where Yama's ptrace_scope is 1 or more (Ubuntu's default is 1) only an
// ancestor may read, and the daemon is not one: Read then fails, and the caller must
// refuse the exec rather than let it run unread.
//
// The kernel runs a script's interpreter (#!) and an ELF's dynamic loader inside the
// one execve it was asked for, without a second notification: the caller that wants to
// judge the interpreter reads the script's first line itself.
package execgate
