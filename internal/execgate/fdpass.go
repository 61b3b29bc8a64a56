//go:build linux

package execgate

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// maxMsg bounds the message that travels with the listener fd.
const maxMsg = 4096

// SendFD sends fd over the unix socket sock (SCM_RIGHTS) with msg, which must hold
// 1 to 4096 bytes: a stream socket carries no ancillary data without data to attach it
// to. The caller keeps its own fd and closes it.
func SendFD(sock int, fd int, msg []byte) error {
	if len(msg) == 0 || len(msg) > maxMsg {
		return fmt.Errorf("sending fd: message of %d bytes, want 1 to %d", len(msg), maxMsg)
	}
	for {
		n, err := unix.SendmsgN(sock, msg, unix.UnixRights(fd), nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("sending fd: %w", err)
		}
		if n != len(msg) {
			return fmt.Errorf("sending fd: sent %d of %d bytes", n, len(msg))
		}
		return nil
	}
}

// RecvFD receives one seccomp listener fd and the message sent with it by SendFD. It
// fails, closing whatever arrived, unless exactly one fd came and it is a seccomp
// listener: a peer that sends more, or something else, is not a gatesh handing over
// its gate. The message is what one read returned (at most 4096 bytes); a peer that
// writes more splits it.
func RecvFD(conn *net.UnixConn) (fd int, msg []byte, err error) {
	buf := make([]byte, maxMsg)
	// Room for several fds, so that extra ones arrive and are closed rather than
	// truncated away by the kernel (which would close them, but hide the fact).
	oob := make([]byte, unix.CmsgSpace(8*4))
	n, oobn, flags, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return -1, nil, fmt.Errorf("receiving fd: %w", err)
	}
	var fds []int
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return -1, nil, fmt.Errorf("receiving fd: %w", err)
	}
	for i := range msgs {
		if msgs[i].Header.Level != unix.SOL_SOCKET || msgs[i].Header.Type != unix.SCM_RIGHTS {
			continue
		}
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			closeAll(fds)
			return -1, nil, fmt.Errorf("receiving fd: %w", err)
		}
		fds = append(fds, got...)
	}
	switch {
	case flags&unix.MSG_CTRUNC != 0:
		err = errors.New("control message truncated")
	case len(fds) == 0 && n == 0:
		err = errors.New("connection closed")
	case len(fds) == 0:
		err = errors.New("no fd in the message")
	case len(fds) > 1:
		err = fmt.Errorf("%d fds in the message, want 1", len(fds))
	default:
		err = checkListener(fds[0])
	}
	if err != nil {
		closeAll(fds)
		return -1, nil, fmt.Errorf("receiving fd: %w", err)
	}
	return fds[0], buf[:n], nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
