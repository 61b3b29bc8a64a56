//go:build linux

package execgate

import "golang.org/x/sys/unix"

// nativeArch is the seccomp_data.arch of a system call made through the native ABI.
// A 32-bit arm process (AUDIT_ARCH_ARM) is foreign and killed.
const nativeArch = unix.AUDIT_ARCH_AARCH64

// x32Bit is zero: arm64 has no ABI that shares the native arch value.
const x32Bit = 0
