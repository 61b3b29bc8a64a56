// Package setup is gatectl install and gatectl doctor: it creates the shim
// directory whose bash and sh are gatesh, tells (and for Claude Code, when asked,
// writes) what each agent needs in order to run gatesh as its shell, and checks a
// live setup end to end.
//
// gatectl links it; gatesh does not.
package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gatesh/gatesh/internal/dirs"
)

// ShimNames are the entries of the shim directory: each is a symlink to gatesh.
var ShimNames = []string{"bash", "sh"}

// ShimDir is the default shim directory: Config/shims. It lies inside gatesh's
// own configuration, which the tamper rules keep the agent from changing.
func ShimDir(d dirs.Dirs) string { return filepath.Join(d.Config, "shims") }

// Beside returns the executable called name in the directory of exe, after
// following exe's symlinks: the gatesh that belongs to a running gatectl, or the
// gatectl that belongs to a gatesh.
func Beside(exe, name string) (string, error) {
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	exe, err := filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(exe), name)
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%s was not found next to %s; install gatesh and gatectl in the same directory", p, exe)
	case err != nil:
		return "", err
	case fi.IsDir() || fi.Mode()&0o111 == 0:
		return "", fmt.Errorf("%s is not an executable file", p)
	}
	return p, nil
}

// Shim actions.
const (
	ShimCreated   = "created"
	ShimUnchanged = "already there"
	ShimReplaced  = "replaced"
)

// Shim is what InstallShims did with one entry.
type Shim struct {
	Name   string // bash, sh
	Path   string // the symlink
	Target string // the gatesh binary it points at
	Action string // one of the Shim constants
	Was    string // the old target of a replaced symlink
}

// ErrNotOurs marks an entry that is not a symlink: gatectl install never creates
// anything else there, so it is the user's, and it is left alone.
var ErrNotOurs = errors.New("not created by gatectl install")

// InstallShims makes dir hold a symlink named after each of ShimNames pointing at
// target (an absolute path). It is idempotent, replaces a symlink that points
// elsewhere, and refuses, before changing anything, when an entry exists that is
// not a symlink.
func InstallShims(dir, target string) ([]Shim, error) {
	if !filepath.IsAbs(target) {
		return nil, fmt.Errorf("the shim target %q is not an absolute path", target)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	shims := make([]Shim, len(ShimNames))
	for i, name := range ShimNames {
		p := filepath.Join(dir, name)
		shims[i] = Shim{Name: name, Path: p, Target: target, Action: ShimCreated}
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, err
		case fi.Mode()&fs.ModeSymlink == 0:
			what := "a regular file"
			if fi.IsDir() {
				what = "a directory"
			} else if !fi.Mode().IsRegular() {
				what = "a special file"
			}
			return nil, fmt.Errorf("%s is %s %w; it was left as it is: move it away and run gatectl install again", p, what, ErrNotOurs)
		}
		old, err := os.Readlink(p)
		if err != nil {
			return nil, err
		}
		if old == target {
			shims[i].Action = ShimUnchanged
		} else {
			shims[i].Action, shims[i].Was = ShimReplaced, old
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the shim directory: %w", err)
	}
	for _, s := range shims {
		if s.Action == ShimUnchanged {
			continue
		}
		if err := symlinkOver(s.Target, s.Path); err != nil {
			return nil, err
		}
	}
	return shims, nil
}

// symlinkOver points path at target, replacing a symlink there in one rename, so
// that an agent starting its shell meanwhile finds the old one or the new one.
func symlinkOver(target, path string) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".gatesh-new-"+strconv.Itoa(os.Getpid()))
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("creating the shim: %w", err)
	}
	// Between the check and now, someone may have put a file there: refuse it
	// rather than replace it.
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink == 0 {
		os.Remove(tmp)
		return fmt.Errorf("%s appeared meanwhile as a file %w; it was left as it is: move it away and run gatectl install again", path, ErrNotOurs)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("creating the shim: %w", err)
	}
	return nil
}
