//go:build linux

package execgate

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// readArgv reads a NULL-terminated argument vector within the limits, its strings
// through strs (which may hold the page of the path already).
func readArgv(strs *memReader, addr uint64) (argv []string, truncated bool, err error) {
	if addr == 0 {
		return nil, false, nil // Linux runs a NULL argv as an empty one
	}
	ptrs := &memReader{pid: strs.pid}
	budget := maxArgvBytes
	for i := 0; ; i++ {
		if i == maxArgs {
			return argv, true, nil
		}
		p, err := ptrs.word(addr + uint64(i)*8)
		if err != nil {
			return nil, false, err
		}
		if p == 0 {
			return argv, false, nil
		}
		s, trunc, err := strs.cstring(p, budget)
		if err != nil {
			return nil, false, err
		}
		if trunc {
			return append(argv, s), true, nil
		}
		argv = append(argv, s)
		budget -= len(s) + 1
	}
}

// A memReader reads another process's memory 4 KiB at a time through
// process_vm_readv, keeping the last block: 4 KiB-aligned reads never straddle a page,
// so never a mapping boundary (pages are 4 KiB or a multiple), and the strings of one
// argv usually share a block.
type memReader struct {
	pid  int
	page uint64 // address of buf, valid when n > 0
	n    int
	buf  [4096]byte
}

// at returns the bytes from addr to the end of its page.
func (m *memReader) at(addr uint64) ([]byte, error) {
	page := addr &^ uint64(len(m.buf)-1)
	if m.n == 0 || m.page != page {
		m.n = 0
		local := []unix.Iovec{{Base: &m.buf[0]}}
		local[0].SetLen(len(m.buf))
		remote := []unix.RemoteIovec{{Base: uintptr(page), Len: len(m.buf)}}
		n, err := unix.ProcessVMReadv(m.pid, local, remote, 0)
		if err != nil {
			if err == unix.ESRCH {
				return nil, ErrGone
			}
			return nil, fmt.Errorf("process_vm_readv at %#x: %w", addr, err)
		}
		if n != len(m.buf) {
			return nil, fmt.Errorf("process_vm_readv at %#x: short read %d", addr, n)
		}
		m.page, m.n = page, n
	}
	return m.buf[addr-m.page : m.n], nil
}

// word reads a pointer (8 bytes, native order, aligned as the ABI requires).
func (m *memReader) word(addr uint64) (uint64, error) {
	if addr%8 != 0 {
		// The kernel reads a misaligned argv too; take it byte-wise.
		var b [8]byte
		for i := range b {
			p, err := m.at(addr + uint64(i))
			if err != nil {
				return 0, err
			}
			b[i] = p[0]
		}
		return binary.NativeEndian.Uint64(b[:]), nil
	}
	p, err := m.at(addr)
	if err != nil {
		return 0, err
	}
	return binary.NativeEndian.Uint64(p), nil
}

// cstring reads a NUL-terminated string of at most max bytes with its NUL; truncated
// reports that no NUL came within max.
func (m *memReader) cstring(addr uint64, max int) (s string, truncated bool, err error) {
	var b []byte
	for {
		p, err := m.at(addr)
		if err != nil {
			return "", false, err
		}
		if i := bytes.IndexByte(p, 0); i >= 0 {
			if len(b)+i >= max {
				return string(append(b, p[:max-len(b)]...)), true, nil
			}
			return string(append(b, p[:i]...)), false, nil
		}
		if len(b)+len(p) >= max {
			return string(append(b, p[:max-len(b)]...)), true, nil
		}
		b = append(b, p...)
		addr += uint64(len(p))
	}
}
