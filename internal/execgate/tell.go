//go:build linux

package execgate

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Tell writes one line to the process's stderr, best effort: the refusal's "gatesh:"
// line. It duplicates the process's own fd 2 (pidfd_getfd), so the line goes where the
// process's own writes go, with its access mode: a process whose fd 2 is a file opened
// read-only gets nothing written into that file. The line is cut at 1 KiB, and Tell
// waits at most 100ms for a full pipe or terminal.
func Tell(pid int, line string) error {
	if len(line) > 1023 {
		line = line[:1023]
	}
	line = strings.TrimRight(line, "\n") + "\n"
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err == unix.EINVAL {
		// pid is a thread other than the leader (a Notif's PID is the calling
		// thread); the fd table is the whole process's.
		if tgid, ok := threadGroup(pid); ok {
			pidfd, err = unix.PidfdOpen(tgid, 0)
		}
	}
	if err != nil {
		return fmt.Errorf("telling %d: %w", pid, err)
	}
	defer unix.Close(pidfd)
	fd, err := unix.PidfdGetfd(pidfd, 2, 0)
	if err != nil {
		return fmt.Errorf("telling %d: stderr: %w", pid, err)
	}
	defer unix.Close(fd)
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return fmt.Errorf("telling %d: %w", pid, err)
	}
	if fl&unix.O_ACCMODE == unix.O_RDONLY {
		return fmt.Errorf("telling %d: stderr is not open for writing", pid)
	}
	// The fd shares the process's open file, O_NONBLOCK included, so wait for room
	// rather than change its flags.
	deadline := time.Now().Add(100 * time.Millisecond)
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms <= 0 {
			return fmt.Errorf("telling %d: stderr not writable", pid)
		}
		_, err := unix.Poll(pfd, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("telling %d: %w", pid, err)
		}
		if pfd[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			return fmt.Errorf("telling %d: stderr closed", pid)
		}
		if pfd[0].Revents&unix.POLLOUT != 0 {
			break
		}
	}
	if _, err := unix.Write(fd, []byte(line)); err != nil {
		return fmt.Errorf("telling %d: %w", pid, err)
	}
	return nil
}

// threadGroup reads the process (thread group) id of thread tid.
func threadGroup(tid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			tgid, err := strconv.Atoi(strings.TrimSpace(v))
			return tgid, err == nil
		}
	}
	return 0, false
}
