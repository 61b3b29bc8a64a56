//go:build linux

package execgate

import (
	"net"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// socketpair returns a raw sending end and a *net.UnixConn receiving end.
func socketpair(t *testing.T) (int, *net.UnixConn) {
	t.Helper()
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(sp[1]), "recv")
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(sp[0]); c.Close() })
	return sp[0], c.(*net.UnixConn)
}

// openFDs counts this process's open fds.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestRecvFDRefuses: RecvFD takes exactly one seccomp listener, and closes whatever
// else arrives. (The listener itself is received in every gate test.)
func TestRecvFDRefuses(t *testing.T) {
	pipe := func(t *testing.T) [2]int {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
		return p
	}
	tests := []struct {
		name string
		send func(t *testing.T, sock int) error
		want string
	}{
		{"not a listener", func(t *testing.T, sock int) error {
			return SendFD(sock, pipe(t)[0], []byte("x"))
		}, "not a seccomp listener"},
		{"two fds", func(t *testing.T, sock int) error {
			p := pipe(t)
			return unix.Sendmsg(sock, []byte("x"), unix.UnixRights(p[0], p[1]), nil, 0)
		}, "2 fds"},
		{"no fd", func(t *testing.T, sock int) error {
			_, err := unix.Write(sock, []byte("x"))
			return err
		}, "no fd"},
		{"closed", func(t *testing.T, sock int) error {
			return unix.Shutdown(sock, unix.SHUT_WR)
		}, "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock, conn := socketpair(t)
			if err := tt.send(t, sock); err != nil {
				t.Fatal(err)
			}
			before := openFDs(t)
			fd, _, err := RecvFD(conn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("RecvFD = %d, %v; want an error with %q", fd, err, tt.want)
			}
			if after := openFDs(t); after != before {
				t.Errorf("%d fds open after a refused RecvFD, %d before", after, before)
			}
		})
	}
}

func TestSendFDMessage(t *testing.T) {
	sock, _ := socketpair(t)
	for _, msg := range [][]byte{nil, make([]byte, maxMsg+1)} {
		if err := SendFD(sock, 0, msg); err == nil {
			t.Errorf("SendFD with a %d-byte message: no error", len(msg))
		}
	}
}
