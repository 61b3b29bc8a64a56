//go:build linux

package execgate

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// fastResolve resolves path from the directory base ("" for an absolute path) in
// three or four system calls: one openat2 that follows symlinks but refuses to cross a
// magic link, and a readlink of the opened file. A path that needs a magic link
// (/proc/self/fd/N, /proc/self/cwd…, which would be the supervisor's own), names no
// file, or leads into /proc or to a deleted file is left to resolve: ok is false.
func fastResolve(base, path string) (resolved string, ok bool) {
	dirfd := unix.AT_FDCWD
	if base != "" {
		fd, err := unix.Open(base, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", false
		}
		defer unix.Close(fd)
		dirfd = fd
	}
	fd, err := unix.Openat2(dirfd, path, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return "", false
	}
	defer unix.Close(fd)
	var buf [maxPath]byte
	n, err := unix.Readlink("/proc/self/fd/"+strconv.Itoa(fd), buf[:])
	if err != nil || n == len(buf) {
		return "", false
	}
	r := string(buf[:n])
	if !strings.HasPrefix(r, "/") || strings.HasPrefix(r, "/proc/") || strings.HasSuffix(r, " (deleted)") {
		return "", false
	}
	return r, true
}

// resolution is where a path leads.
type resolution struct {
	path    string
	missing bool // a component did not exist: path is lexical from there on
	opaque  bool // the path leads to an open file with no name: a memfd, a deleted file
}

// resolve follows path as the process pid would, symlink by symlink: /proc/self and
// /proc/thread-self are the process's, and a magic link under /proc (fd/N, cwd, exe)
// is read for the path it names. A magic link that names no path ("/memfd:x
// (deleted)", "anon_inode:…", a deleted file) makes the program opaque. follow false
// leaves a final symlink as it is (execveat's AT_SYMLINK_NOFOLLOW).
//
// It assumes the process shares the supervisor's root and mount namespace, as a
// gated tree does.
func resolve(pid int, path string, follow bool) (resolution, error) {
	self := "/proc/" + strconv.Itoa(pid)
	resolved := "/"
	rest := path
	links := 0
	for rest != "" {
		var comp string
		comp, rest, _ = strings.Cut(rest, "/")
		switch comp {
		case "", ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, comp)
		switch next {
		case "/proc/self":
			next = self
		case "/proc/thread-self":
			next = self + "/task/" + strconv.Itoa(pid)
		}
		if rest == "" && !follow {
			return resolution{path: next}, nil
		}
		fi, err := os.Lstat(next)
		if err != nil {
			if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
				return resolution{path: filepath.Join(next, rest), missing: true}, nil
			}
			return resolution{}, err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			resolved = next
			continue
		}
		if links++; links > maxLinks {
			return resolution{}, unix.ELOOP
		}
		target, err := os.Readlink(next)
		if err != nil {
			return resolution{}, err
		}
		if strings.HasPrefix(next, "/proc/") {
			if strings.HasPrefix(target, "/memfd:") || strings.HasSuffix(target, " (deleted)") ||
				(!strings.HasPrefix(target, "/") && strings.Contains(target, ":")) {
				return resolution{path: target, opaque: true}, nil
			}
		}
		if strings.HasPrefix(target, "/") {
			resolved = "/"
		}
		if rest != "" {
			target += "/" + rest
		}
		rest = target
	}
	return resolution{path: resolved}, nil
}
