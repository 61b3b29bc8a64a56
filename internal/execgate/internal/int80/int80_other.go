//go:build !amd64

package int80

const available = false

// Syscall is not implemented here: it panics.
func Syscall(nr, a1, a2, a3 uintptr) uintptr { panic("int80: no i386 ABI on this architecture") }
