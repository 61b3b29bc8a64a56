// Package facts computes the facts about the world that the policy input document
// carries (docs/policy-input.md): the workspace (git toplevel or a configured root,
// branch, home, temporary directories), path facts for command arguments, the
// decoding of git command lines (global options, config, push refspecs), the
// agent detected from the environment, and the git queries the policy engine
// exposes as custom built-in functions.
//
// Everything here that runs per request (Discover, ResolvePath, DecodeGit,
// DetectAgent) works from the file system alone and never spawns a process. Only
// the built-ins (GitRefExists in its fallback, GitTracked, GitIgnored, GitDirty)
// run git, with a short timeout and a clean environment.
//
// The package depends on no other internal package.
package facts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Workspace is the "workspace" object of the policy input.
type Workspace struct {
	// Root is the absolute path of the workspace: the git toplevel of the cwd, or
	// else the longest configured root holding the cwd; "" when there is none.
	Root string `json:"root"`
	// Git is true when the workspace is a git repository.
	Git bool `json:"git"`
	// Branch is the current branch ("" when detached or not a repository).
	Branch string `json:"branch"`
	// Detached is true when HEAD is detached.
	Detached bool `json:"detached"`
	// Home is the user's home directory.
	Home string `json:"home"`
	// Tmp lists the temporary directories, cleaned, each followed by its
	// symlink-resolved form when that differs (/tmp and /private/tmp on macOS).
	Tmp []string `json:"tmp"`

	// GitDir is the repository's git directory (Root/.git, or the directory a
	// .git file points to for worktrees and submodules). Not part of the input.
	GitDir string `json:"-"`
	// CommonDir is the directory holding refs and objects (differs from GitDir in
	// a linked worktree). Not part of the input.
	CommonDir string `json:"-"`
}

// DiscoverOptions says what Discover may assume about the world.
type DiscoverOptions struct {
	// Home is the user's home directory; "" means os.UserHomeDir().
	Home string
	// TmpDirs lists the temporary directories; nil means DefaultTmpDirs of the
	// process's $TMPDIR. Each is cleaned and its symlink-resolved form added.
	TmpDirs []string
	// ExtraRoots lists configured workspace roots (settings.workspace_roots),
	// used when the cwd is not inside a git repository: the longest one holding
	// the cwd becomes the workspace.
	ExtraRoots []string
}

// DefaultTmpDirs returns /tmp, /var/tmp and tmpdir (when not empty): the default
// temporary directories for a process whose $TMPDIR is tmpdir.
func DefaultTmpDirs(tmpdir string) []string {
	d := []string{"/tmp", "/var/tmp"}
	if tmpdir != "" {
		d = append(d, tmpdir)
	}
	return d
}

// ErrRelativeCwd is returned by Discover for a cwd that is not absolute.
var ErrRelativeCwd = errors.New("facts: cwd is not absolute")

// Discover finds the workspace of cwd without spawning any process: it walks up
// from cwd looking for ".git" (a directory, or a file "gitdir: …" as in worktrees
// and submodules) and reads HEAD for the branch. When cwd is in no repository, the
// longest of opts.ExtraRoots holding cwd is the workspace. Root is "" when there is
// none. Paths are kept as given (cleaned, not symlink-resolved) so that they
// compare with paths resolved lexically against the same cwd.
func Discover(cwd string, opts DiscoverOptions) (Workspace, error) {
	ws := Workspace{Home: opts.Home}
	if ws.Home == "" {
		ws.Home, _ = os.UserHomeDir()
	}
	if ws.Home != "" {
		ws.Home = filepath.Clean(ws.Home)
	}
	tmp := opts.TmpDirs
	if tmp == nil {
		tmp = DefaultTmpDirs(os.Getenv("TMPDIR"))
	}
	ws.Tmp = normTmpDirs(tmp)

	if !filepath.IsAbs(cwd) {
		return ws, ErrRelativeCwd
	}
	cwd = filepath.Clean(cwd)
	if r, ok := findRepo(cwd, ""); ok {
		ws.Root, ws.Git = r.top, true
		ws.GitDir, ws.CommonDir = r.gitDir, r.commonDir
		ws.Branch, ws.Detached = headBranch(r.gitDir)
		return ws, nil
	}
	best := ""
	for _, root := range opts.ExtraRoots {
		if root == "" || !filepath.IsAbs(root) {
			continue
		}
		root = filepath.Clean(root)
		if within(cwd, root) && len(root) > len(best) {
			best = root
		}
	}
	ws.Root = best
	return ws, nil
}

// tmpCache memoizes symlink resolution of temporary directories: they are the same
// few names on every request and rarely change.
var tmpCache sync.Map // string -> string ("" when unresolvable)

func normTmpDirs(dirs []string) []string {
	out := make([]string, 0, len(dirs)*2)
	add := func(d string) {
		for _, e := range out {
			if e == d {
				return
			}
		}
		out = append(out, d)
	}
	for _, d := range dirs {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		d = filepath.Clean(d)
		add(d)
		var real string
		if v, ok := tmpCache.Load(d); ok {
			real = v.(string)
		} else {
			if r, err := filepath.EvalSymlinks(d); err == nil {
				real = r
			}
			tmpCache.Store(d, real)
		}
		if real != "" && real != d {
			add(real)
		}
	}
	return out
}

// within reports whether p is dir or below it (both clean and absolute).
func within(p, dir string) bool {
	if dir == "" || p == "" {
		return false
	}
	if p == dir {
		return true
	}
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}

// below reports whether p is strictly below dir.
func below(p, dir string) bool {
	return p != dir && within(p, dir)
}

// repo is a repository found on disk.
type repo struct {
	top       string // work tree toplevel (the directory holding .git)
	gitDir    string // the git directory (HEAD lives here)
	commonDir string // refs/objects/packed-refs live here
}

// findRepo walks up from start (absolute, clean) to the first directory holding a
// valid ".git". The walk stops after checking stop when stop is not "".
func findRepo(start, stop string) (repo, bool) {
	dir := start
	for {
		if r, ok := repoAt(dir); ok {
			return r, true
		}
		if dir == stop {
			return repo{}, false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return repo{}, false
		}
		dir = parent
	}
}

// repoAt reports the repository whose toplevel is dir, if dir holds a valid .git.
func repoAt(dir string) (repo, bool) {
	dotgit := joinPath(dir, ".git")
	fi, err := os.Stat(dotgit)
	if err != nil {
		return repo{}, false
	}
	var gd string
	switch {
	case fi.IsDir():
		gd = dotgit
	case fi.Mode().IsRegular():
		gd = readGitFile(dotgit, dir)
		if gd == "" {
			return repo{}, false
		}
	default:
		return repo{}, false
	}
	if !isGitDir(gd) {
		return repo{}, false
	}
	return repo{top: dir, gitDir: gd, commonDir: commonDir(gd)}, true
}

// repoForGitDir describes a repository given its git directory (--git-dir, GIT_DIR).
func repoForGitDir(gd string) (repo, bool) {
	if fi, err := os.Stat(gd); err == nil && fi.Mode().IsRegular() {
		// --git-dir may name a .git file.
		gd = readGitFile(gd, filepath.Dir(gd))
		if gd == "" {
			return repo{}, false
		}
	}
	if !isGitDir(gd) {
		return repo{}, false
	}
	return repo{top: filepath.Dir(gd), gitDir: gd, commonDir: commonDir(gd)}, true
}

// readGitFile reads a ".git" file ("gitdir: <path>") and returns the absolute git
// directory it names, relative paths being taken from base.
func readGitFile(path, base string) string {
	b, err := readSmall(path, 4096)
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(b))
	rest, ok := strings.CutPrefix(s, "gitdir:")
	if !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return ""
	}
	if !filepath.IsAbs(rest) {
		rest = filepath.Join(base, rest)
	}
	return filepath.Clean(rest)
}

// isGitDir is the cheap validity test git itself starts with: HEAD must exist.
func isGitDir(gd string) bool {
	_, err := os.Lstat(joinPath(gd, "HEAD"))
	return err == nil
}

// commonDir returns the directory holding refs for the git directory gd: the
// target of gd/commondir in a linked worktree, else gd.
func commonDir(gd string) string {
	b, err := readSmall(joinPath(gd, "commondir"), 4096)
	if err != nil {
		return gd
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return gd
	}
	if !filepath.IsAbs(s) {
		s = filepath.Join(gd, s)
	}
	return filepath.Clean(s)
}

// headBranch reads gd/HEAD: "ref: refs/heads/x" gives ("x", false); an object id
// gives ("", true). Anything unreadable gives ("", false).
func headBranch(gd string) (branch string, detached bool) {
	b, err := readSmall(joinPath(gd, "HEAD"), 1024)
	if err != nil {
		return "", false
	}
	s := strings.TrimSpace(string(b))
	if ref, ok := strings.CutPrefix(s, "ref:"); ok {
		ref = strings.TrimSpace(ref)
		if ref == "refs/heads/.invalid" {
			// reftable repositories keep a placeholder HEAD: ask git.
			return symbolicHead(gd)
		}
		if br, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
			return br, false
		}
		return ref, false
	}
	if isHex(s) && (len(s) == 40 || len(s) == 64) {
		return "", true
	}
	return "", false
}

// readSmall reads at most max bytes of a file.
func readSmall(path string, max int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, max)
	n, err := f.Read(buf)
	if n == 0 && err != nil {
		return nil, err
	}
	return buf[:n], nil
}

func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
