package facts

import (
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Script is what is known of a script file bash was asked to run (`bash FILE`,
// or a `#!/usr/bin/env bash` program started through the gatesh shim): the
// "script" object of the policy input. Policy reads it to tell the machine's
// own tools (a version manager's shims and libexec scripts) from a file the
// agent may have written: only a file that is found, lies outside the
// workspace and the temporary directories, is not writable by other users, and
// did not change while the agent's line ran counts as the machine's.
type Script struct {
	// Path is the script as bash was given it, made absolute against the cwd.
	Path string `json:"path"`
	// Real is Path with every symlink resolved; "" when it cannot be.
	Real string `json:"real"`
	// Found: the file exists and is a regular file the daemon could stat.
	Found bool `json:"found"`
	// InWorkspace: Path or Real is in the workspace (of the call's cwd or of the
	// agent's line it runs under).
	InWorkspace bool `json:"in_workspace"`
	// Scratch: Path or Real is in a temporary directory.
	Scratch bool `json:"scratch"`
	// WritableByOthers: the file or its directory is writable by its group or
	// by anyone, or is owned by another user than the daemon's and root.
	WritableByOthers bool `json:"writable_by_others"`
	// ChangedDuringLine: the file's content or status changed (mtime or ctime)
	// after the agent's line it runs under started; null when the call runs
	// under no line the gate allowed.
	ChangedDuringLine *bool `json:"changed_during_line"`
	// Args are the words bash was given after the script (its $1…), read
	// from the process by the daemon; null when they are not known. The
	// daemon also judges them as a command line named after the script
	// (`pyenv exec git push`), so a trusted tool does not pass on unjudged
	// what the agent told it to run.
	Args []string `json:"args"`
}

// changeSlack widens "after the line started": file times come from the
// kernel's coarse clock, which may lag the daemon's by a tick.
const changeSlack = time.Second

// ScriptFile computes the script fact of path (as bash was given it) for a call
// in cwd. roots are the workspace roots to test against ("" entries are
// ignored), tmp the temporary directories. since is when the agent's line
// started; zero when the call runs under no allowed line.
func ScriptFile(path, cwd string, roots, tmp []string, since time.Time) Script {
	if !filepath.IsAbs(path) {
		path = filepath.Join(cwd, path)
	}
	s := Script{Path: filepath.Clean(path)}
	if !since.IsZero() {
		changed := true // fail closed until the file says otherwise
		s.ChangedDuringLine = &changed
	}
	if real, err := filepath.EvalSymlinks(s.Path); err == nil {
		s.Real = real
	}
	for _, p := range []string{s.Path, s.Real} {
		if p == "" {
			continue
		}
		for _, r := range roots {
			if r != "" && within(p, filepath.Clean(r)) {
				s.InWorkspace = true
			}
		}
		for _, t := range tmp {
			if t != "" && within(p, filepath.Clean(t)) {
				s.Scratch = true
			}
		}
	}
	if s.Real == "" {
		return s
	}
	fi, err := os.Stat(s.Real)
	if err != nil || !fi.Mode().IsRegular() {
		return s
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return s
	}
	s.Found = true
	s.WritableByOthers = sharedWrite(fi.Mode(), st.Uid)
	if di, err := os.Stat(filepath.Dir(s.Real)); err != nil {
		s.WritableByOthers = true
	} else if dst, ok := di.Sys().(*syscall.Stat_t); !ok || sharedWrite(di.Mode(), dst.Uid) {
		s.WritableByOthers = true
	}
	if s.ChangedDuringLine != nil {
		ctime := time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
		newest := fi.ModTime()
		if ctime.After(newest) {
			newest = ctime
		}
		*s.ChangedDuringLine = !newest.Before(since.Add(-changeSlack))
	}
	return s
}

// sharedWrite reports whether a file with mode m owned by uid can be changed
// by someone other than this user and root.
func sharedWrite(m os.FileMode, uid uint32) bool {
	if m.Perm()&0o022 != 0 {
		return true
	}
	return uid != 0 && int(uid) != os.Getuid()
}
