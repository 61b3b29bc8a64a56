//go:build linux

package execgate

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pages maps n fresh pages of this process and returns them with their address.
func pages(t *testing.T, n int) ([]byte, uint64) {
	t.Helper()
	b, err := unix.Mmap(-1, 0, n*4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(b) })
	return b, uint64(uintptr(unsafe.Pointer(&b[0])))
}

// TestMemReader reads strings of this very process: across a page boundary, up to the
// limit, and into an unmapped page.
func TestMemReader(t *testing.T) {
	if os.Getpagesize() != 4096 {
		t.Skip("page size is not 4096")
	}
	b, addr := pages(t, 3)
	// "hello" straddles the first and second pages.
	copy(b[4093:], "hello\x00")
	// The third page is unmapped, and the second ends without a NUL.
	if _, _, errno := unix.Syscall(unix.SYS_MUNMAP, uintptr(addr+8192), 4096, 0); errno != 0 {
		t.Fatal(errno)
	}
	for i := 4096 + 100; i < 8192; i++ {
		b[i] = 'x'
	}
	m := &memReader{pid: os.Getpid()}
	s, trunc, err := m.cstring(addr+4093, maxPath)
	if s != "hello" || trunc || err != nil {
		t.Errorf("across pages: %q %v %v", s, trunc, err)
	}
	s, trunc, err = m.cstring(addr+4093, 3)
	if s != "hel" || !trunc || err != nil {
		t.Errorf("cut at 3: %q %v %v", s, trunc, err)
	}
	if _, _, err := m.cstring(addr+4096+100, 1<<20); err == nil || !strings.Contains(err.Error(), "bad address") {
		t.Errorf("into an unmapped page: %v, want EFAULT", err)
	}
}

// TestReadArgvLimits: the argument count and the byte budget mark Truncated.
func TestReadArgvLimits(t *testing.T) {
	keep := func(ss []string) (uint64, func()) {
		ptrs := make([]*byte, len(ss)+1)
		for i, s := range ss {
			p, err := unix.BytePtrFromString(s)
			if err != nil {
				t.Fatal(err)
			}
			ptrs[i] = p
		}
		return uint64(uintptr(unsafe.Pointer(&ptrs[0]))), func() { runtime.KeepAlive(ptrs) }
	}
	many := make([]string, maxArgs+1)
	for i := range many {
		many[i] = "a"
	}
	big := []string{"x", strings.Repeat("y", maxArgvBytes), "z"}
	tests := []struct {
		name      string
		argv      []string
		wantLen   int
		wantTrunc bool
	}{
		{"plain", []string{"ls", "-l", ""}, 3, false},
		{"empty", []string{}, 0, false},
		{"too many", many, maxArgs, true},
		{"too long", big, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, alive := keep(tt.argv)
			argv, trunc, err := readArgv(&memReader{pid: os.Getpid()}, addr)
			alive()
			if err != nil || len(argv) != tt.wantLen || trunc != tt.wantTrunc {
				t.Errorf("got %d args, truncated %v, %v; want %d, %v", len(argv), trunc, err, tt.wantLen, tt.wantTrunc)
			}
			if !tt.wantTrunc && !equal(argv, tt.argv) {
				t.Errorf("argv %q, want %q", argv, tt.argv)
			}
		})
	}
	if argv, trunc, err := readArgv(&memReader{pid: os.Getpid()}, 0); argv != nil || trunc || err != nil {
		t.Errorf("NULL argv: %q %v %v", argv, trunc, err)
	}
}
