//go:build linux

package execgate

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// run interprets a classic BPF program over a seccomp_data, with only the
// instructions Program emits: anything else fails the test, so the interpreter cannot
// silently disagree with the kernel about an instruction it does not know.
func run(t *testing.T, prog []unix.SockFilter, data []byte) uint32 {
	t.Helper()
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		switch ins.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if ins.K%4 != 0 || int(ins.K)+4 > len(data) {
				t.Fatalf("pc %d: load out of seccomp_data: %d", pc, ins.K)
			}
			acc = binary.NativeEndian.Uint32(data[ins.K:])
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K:
			cond := acc == ins.K
			if ins.Code&unix.BPF_JSET == unix.BPF_JSET {
				cond = acc&ins.K != 0
			}
			if cond {
				pc += int(ins.Jt)
			} else {
				pc += int(ins.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return ins.K
		default:
			t.Fatalf("pc %d: instruction %#x not interpreted", pc, ins.Code)
		}
	}
	t.Fatal("program ran off its end")
	return 0
}

// dataFor lays out a struct seccomp_data.
func dataFor(nr int32, arch uint32) []byte {
	b := make([]byte, 64)
	binary.NativeEndian.PutUint32(b[offNr:], uint32(nr))
	binary.NativeEndian.PutUint32(b[offArch:], arch)
	return b
}

func TestProgram(t *testing.T) {
	if nativeArch == 0 {
		t.Skip("no filter for this architecture")
	}
	prog := Program()
	if len(prog) > 16 {
		t.Errorf("program has %d instructions; it should stay a handful", len(prog))
	}
	type tc struct {
		name string
		nr   int32
		arch uint32
		want uint32
	}
	tests := []tc{
		{"native execve", unix.SYS_EXECVE, nativeArch, retNotif},
		{"native execveat", unix.SYS_EXECVEAT, nativeArch, retNotif},
		{"native write", unix.SYS_WRITE, nativeArch, retAllow},
		{"native openat", unix.SYS_OPENAT, nativeArch, retAllow},
		{"native clone", unix.SYS_CLONE, nativeArch, retAllow},
		{"nr 0", 0, nativeArch, retAllow},
		{"ptrace skip nr -1", -1, nativeArch, retAllow},
		{"i386 execve (int 0x80)", 11, unix.AUDIT_ARCH_I386, retKill},
		{"i386 write (int 0x80)", 4, unix.AUDIT_ARCH_I386, retKill},
		{"arm execve", 11, unix.AUDIT_ARCH_ARM, retKill},
		{"foreign arch with the native execve number", unix.SYS_EXECVE, unix.AUDIT_ARCH_PPC64LE, retKill},
		{"arch 0", unix.SYS_EXECVE, 0, retKill},
	}
	if x32Bit != 0 {
		tests = append(tests,
			tc{"x32 execve", 520 | x32Bit, nativeArch, retKill},
			tc{"x32 execveat", 545 | x32Bit, nativeArch, retKill},
			tc{"x32 write", 1 | x32Bit, nativeArch, retKill},
			tc{"x32 bit with the native execve number", unix.SYS_EXECVE | x32Bit, nativeArch, retKill},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, prog, dataFor(tt.nr, tt.arch)); got != tt.want {
				t.Errorf("nr %#x arch %#x: got %#x, want %#x", uint32(tt.nr), tt.arch, got, tt.want)
			}
		})
	}
}
