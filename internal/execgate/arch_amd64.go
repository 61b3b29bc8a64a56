//go:build linux

package execgate

import "golang.org/x/sys/unix"

// nativeArch is the seccomp_data.arch of a system call made through the native ABI.
const nativeArch = unix.AUDIT_ARCH_X86_64

// x32Bit is set in the number of a system call made through the x32 ABI, which
// shares the native arch value (__X32_SYSCALL_BIT).
const x32Bit = 0x40000000
