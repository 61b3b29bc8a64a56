package bashcli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// fallbackBashes are tried when PATH holds no bash other than gatesh.
var fallbackBashes = []string{"/bin/bash", "/usr/bin/bash"}

// FindReal finds the real bash that gatesh hands commands to: explicit (the value of
// GATESH_REAL_BASH) when non-empty (must be an executable file that is not self);
// else the first `bash` on pathEnv that is not the same file as self (os.SameFile after
// following symlinks; the shim directory's bash is a symlink to gatesh); else
// /bin/bash, /usr/bin/bash. self is the running executable's path. Returns a clear
// error when none is found or when explicit points back at gatesh.
//
// Handing a command to self would loop forever, so an unreadable self is an error
// rather than a reason to skip the comparison.
func FindReal(explicit, pathEnv, self string) (string, error) {
	selfInfo, err := os.Stat(self)
	if err != nil {
		return "", fmt.Errorf("cannot tell gatesh's own executable from bash: %w", err)
	}
	if explicit != "" {
		if err := checkBash(explicit, selfInfo); err != nil {
			return "", fmt.Errorf("GATESH_REAL_BASH=%s: %w", explicit, err)
		}
		return explicit, nil
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		// An empty or relative PATH entry names a directory relative to the
		// current one; following it would let whatever directory the agent works
		// in supply the shell that runs its commands.
		if !filepath.IsAbs(dir) {
			continue
		}
		candidate := filepath.Join(dir, "bash")
		if checkBash(candidate, selfInfo) == nil {
			return candidate, nil
		}
	}
	for _, candidate := range fallbackBashes {
		if checkBash(candidate, selfInfo) == nil {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("no real bash found: PATH has no bash other than gatesh (%s), and neither does %s or %s; set GATESH_REAL_BASH",
		self, fallbackBashes[0], fallbackBashes[1])
}

var errIsSelf = errors.New("is gatesh itself, not the real bash")

// checkBash tells whether path, symlinks followed, is an executable regular file
// other than self.
func checkBash(path string, self fs.FileInfo) error {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case !info.Mode().IsRegular():
		return errors.New("not a regular file")
	case info.Mode().Perm()&0o111 == 0:
		return errors.New("not executable")
	case os.SameFile(info, self):
		return errIsSelf
	}
	return nil
}

// rOK is access(2)'s R_OK: readable by the caller.
const rOK = 4

// ScriptOnPath is the file bash runs for `bash NAME` when NAME has no slash and
// is not in the current directory: the first readable regular file of that
// name in a PATH directory (bash's open_shell_script, on ENOENT), an empty or
// relative entry meaning a directory relative to the current one as bash
// takes it. It is "" when there is none, or when NAME has a slash.
func ScriptOnPath(name, pathEnv string) string {
	if name == "" || strings.Contains(name, "/") {
		return ""
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		candidate := filepath.Join(dir, name)
		if !strings.Contains(candidate, "/") {
			candidate = "./" + candidate
		}
		fi, err := os.Stat(candidate)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if syscall.Access(candidate, rOK) == nil {
			return candidate
		}
	}
	return ""
}

// ErrTooLarge is ReadScript's error for a script longer than its limit.
var ErrTooLarge = errors.New("script too large")

// ReadScript reads the script bash runs for `bash NAME`: the file NAME, or, when
// there is none and NAME has no slash, the file ScriptOnPath finds, as bash
// does. It returns the path read and the script's content, at most limit bytes:
// a longer script is ErrTooLarge (with its path). Any other error is one bash
// meets too when it opens the script.
func ReadScript(name, pathEnv string, limit int64) (string, []byte, error) {
	b, err := readAtMost(name, limit)
	if errors.Is(err, fs.ErrNotExist) {
		if p := ScriptOnPath(name, pathEnv); p != "" {
			b, err = readAtMost(p, limit)
			return p, b, err
		}
	}
	return name, b, err
}

func readAtMost(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, ErrTooLarge
	}
	return b, nil
}
