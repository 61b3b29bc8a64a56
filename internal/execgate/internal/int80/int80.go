// Package int80 makes a system call through the i386 ABI (int $0x80) from a 64-bit
// process, so the exec gate's tests can check that its filter refuses that way in. It
// exists for tests only; nothing else should import it.
package int80

// Available reports whether Syscall is implemented on this architecture.
const Available = available
