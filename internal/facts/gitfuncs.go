package facts

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// GitTimeout bounds every git process the built-ins spawn.
var GitTimeout = 2 * time.Second

// gitBin is the git program; tests may replace it.
var gitBin = "git"

// GitRefExists reports whether name resolves to a commit in the repository holding
// dir (gatesh.git_ref_exists). Branches, tags, remote-tracking branches, HEAD-like
// names and packed refs are looked up in the files directly; anything else that
// could still name a commit (an object id or its prefix, "main~2", "v1^{}", a
// reftable repository) is asked of git rev-parse.
func GitRefExists(dir, name string) bool {
	if name == "" || strings.HasPrefix(name, "-") || !filepath.IsAbs(dir) {
		return false
	}
	r, ok := findRepo(filepath.Clean(dir), "")
	if !ok {
		return false
	}
	if plainRefName(name) && !isReftable(r.commonDir) {
		if refFileExists(r, name) {
			return true
		}
		if !isHex(name) || len(name) < 4 {
			// Not a ref and cannot be an object id: no process needed.
			return false
		}
	}
	_, err := runGit(r.top, "rev-parse", "--verify", "--quiet", name+"^{commit}")
	return err == nil
}

// plainRefName reports whether name can be looked up as a ref file: a valid ref
// name without revision syntax.
func plainRefName(name string) bool {
	if name == "@" {
		return false
	}
	if strings.ContainsAny(name, "~^:?*[\\ \t\n{}") || strings.Contains(name, "..") ||
		strings.Contains(name, "//") || strings.Contains(name, "@{") ||
		strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") ||
		strings.HasSuffix(name, ".lock") || strings.HasSuffix(name, ".") {
		return false
	}
	for _, c := range []byte(name) {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	for _, el := range strings.Split(name, "/") {
		if el == "" || el[0] == '.' {
			return false
		}
	}
	return true
}

func isReftable(commonDir string) bool {
	_, err := os.Stat(joinPath(commonDir, "reftable"))
	return err == nil
}

// refFileExists follows git's rules for a short name (gitrevisions(7)): name,
// refs/name, refs/tags/name, refs/heads/name, refs/remotes/name,
// refs/remotes/name/HEAD, each as a loose ref file or in packed-refs.
func refFileExists(r repo, name string) bool {
	pk := &packed{dir: r.commonDir}
	cands := []string{
		name, "refs/" + name, "refs/tags/" + name, "refs/heads/" + name,
		"refs/remotes/" + name, "refs/remotes/" + name + "/HEAD",
	}
	if strings.HasPrefix(name, "refs/") {
		cands = cands[:1]
	}
	for _, c := range cands {
		if !strings.HasPrefix(c, "refs/") {
			// Pseudo-refs (HEAD, FETCH_HEAD, ORIG_HEAD…) live in the git dir and
			// are all capitals.
			if c != strings.ToUpper(c) {
				continue
			}
			if refResolves(r, pk, c, 0) {
				return true
			}
			continue
		}
		if refResolves(r, pk, c, 0) {
			return true
		}
	}
	return false
}

// refResolves reports whether the full ref name resolves to an object id through
// loose files, symbolic refs and packed-refs.
func refResolves(r repo, pk *packed, ref string, depth int) bool {
	if depth > 5 {
		return false
	}
	base := r.commonDir
	if !strings.HasPrefix(ref, "refs/") || strings.HasPrefix(ref, "refs/bisect/") ||
		strings.HasPrefix(ref, "refs/worktree/") || strings.HasPrefix(ref, "refs/rewritten/") {
		base = r.gitDir
	}
	if b, err := readSmall(filepath.Join(base, filepath.FromSlash(ref)), 1024); err == nil {
		s := strings.TrimSpace(string(b))
		if t, ok := strings.CutPrefix(s, "ref:"); ok {
			return refResolves(r, pk, strings.TrimSpace(t), depth+1)
		}
		if len(s) >= 40 {
			s = s[:40]
		}
		return isHex(s) && len(s) == 40
	}
	if !strings.HasPrefix(ref, "refs/") {
		return false
	}
	return pk.has(ref)
}

// packed is the packed-refs file of a repository, read at most once.
type packed struct {
	dir  string
	read bool
	data []byte
}

// has reports whether packed-refs lists ref.
func (p *packed) has(ref string) bool {
	if !p.read {
		p.read = true
		p.data, _ = os.ReadFile(joinPath(p.dir, "packed-refs"))
	}
	data := p.data
	for len(data) > 0 {
		line := data
		if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
			line, data = data[:nl], data[nl+1:]
		} else {
			data = nil
		}
		if len(line) == 0 || line[0] == '#' || line[0] == '^' {
			continue
		}
		if sp := bytes.IndexByte(line, ' '); sp >= 0 && string(bytes.TrimRight(line[sp+1:], "\r")) == ref {
			return true
		}
	}
	return false
}

// GitTracked reports whether the file at abs is tracked by git (for a directory:
// whether it holds a tracked file) (gatesh.git_tracked). Any error gives false.
func GitTracked(abs string) bool {
	top, rel, ok := repoRel(abs)
	if !ok {
		return false
	}
	_, err := runGit(top, "--literal-pathspecs", "ls-files", "--error-unmatch", "--", rel)
	return err == nil
}

// GitIgnored reports whether the path abs is ignored by git (gatesh.git_ignored).
// A tracked file is not ignored. Any error gives false.
func GitIgnored(abs string) bool {
	top, rel, ok := repoRel(abs)
	if !ok || rel == "." {
		return false
	}
	// check-ignore refuses pathspec magic; "./" keeps a leading ":" literal.
	_, err := runGit(top, "check-ignore", "-q", "--", "./"+rel)
	return err == nil
}

// GitDirty reports whether the repository holding dir has uncommitted changes to
// tracked files (gatesh.git_dirty). It fails closed: any error (no repository,
// timeout) reports true.
func GitDirty(dir string) bool {
	if !filepath.IsAbs(dir) {
		return true
	}
	r, ok := findRepo(filepath.Clean(dir), "")
	if !ok {
		return true
	}
	out, err := runGit(r.top, "status", "--porcelain", "-uno")
	if err != nil {
		return true
	}
	return len(bytes.TrimSpace(out)) > 0
}

// repoRel finds the work tree holding abs and abs relative to it.
func repoRel(abs string) (top, rel string, ok bool) {
	if !filepath.IsAbs(abs) {
		return "", "", false
	}
	abs = filepath.Clean(abs)
	start := abs
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		start = filepath.Dir(abs)
	}
	r, found := findRepo(start, "")
	if !found {
		return "", "", false
	}
	rel, err := filepath.Rel(r.top, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", "", false
	}
	if rel == ".git" || strings.HasPrefix(rel, ".git/") {
		return "", "", false
	}
	return r.top, rel, true
}

var errGit = errors.New("facts: git failed")

// runGit runs git in dir with a clean environment (no GIT_* from the caller, no
// optional locks, no prompts) and options that keep repository configuration from
// running programs (fsmonitor, hooks), bounded by GitTimeout. It returns stdout.
func runGit(dir string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), GitTimeout)
	defer cancel()
	full := append([]string{
		"-C", dir,
		"-c", "core.fsmonitor=false",
		"-c", "core.hooksPath=/dev/null",
		"-c", "core.untrackedCache=false",
		"--no-optional-locks",
	}, args...)
	cmd := exec.CommandContext(ctx, gitBin, full...)
	cmd.Env = cleanEnv()
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.WaitDelay = 100 * time.Millisecond
	if err := cmd.Run(); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, errGit
	}
	return out.Bytes(), nil
}

// symbolicHead asks git for the branch of a repository whose HEAD file cannot be
// read directly (reftable).
func symbolicHead(gd string) (branch string, detached bool) {
	ctx, cancel := context.WithTimeout(context.Background(), GitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, gitBin, "--git-dir="+gd, "symbolic-ref", "-q", "HEAD")
	cmd.Env = cleanEnv()
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return "", true
		}
		return "", false
	}
	ref := strings.TrimSpace(string(out))
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return b, false
	}
	return ref, false
}

// cleanEnv is the environment of spawned git: PATH and HOME (and the locale and
// XDG config location) from this process, no GIT_* variables.
func cleanEnv() []string {
	env := []string{"GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C"}
	for _, k := range []string{"PATH", "HOME", "XDG_CONFIG_HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
