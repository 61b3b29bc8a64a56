package facts

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// Path is a path fact (commands[i].paths[j] and redirects[k].file in the policy
// input).
type Path struct {
	// Arg is the index in argv; nil (absent) for redirect targets. See AtArg.
	Arg *int `json:"arg,omitempty"`
	// Value is the word as given.
	Value string `json:"value"`
	// Abs is the absolute cleaned path ("~" expanded, ".." folded, resolved
	// against the command's cwd); "" when dynamic.
	Abs string `json:"abs"`
	// Dynamic: the value is not known; then every other fact is false.
	Dynamic bool `json:"dynamic"`
	// Glob: the word is an unquoted glob.
	Glob bool `json:"glob"`
	// InWorkspace: Abs is the workspace root or below it.
	InWorkspace bool `json:"in_workspace"`
	// IsWorkspaceRoot: Abs is the workspace root (or a glob directly in it).
	IsWorkspaceRoot bool `json:"is_workspace_root"`
	// InTmp: Abs is scratch: below one of the tmp directories (not one itself),
	// in ZoneTmp and holding nothing protected (see Zone).
	InTmp bool `json:"in_tmp"`
	// IsTmpRoot: Abs is one of the tmp directories.
	IsTmpRoot bool `json:"is_tmp_root"`
	// InHome: Abs is the home directory or below it.
	InHome bool `json:"in_home"`
	// IsHome: Abs is the home directory (or a glob directly in it).
	IsHome bool `json:"is_home"`
	// IsRoot: Abs is "/" (or a glob directly in it).
	IsRoot bool `json:"is_root"`
	// InGitDir: Abs is the workspace's .git directory or inside it.
	InGitDir bool `json:"in_git_dir"`
	// Exists: the path exists now (for a glob: some path matches it).
	Exists bool `json:"exists"`
	// Secret: the path matches the policy's secret globs (see Secrets). Set by
	// the input builder, not by ResolvePath.
	Secret bool `json:"secret"`
	// SecretDir: the path is a home directory holding secrets (~/.ssh, ~/.aws:
	// see Secrets.Dir). Set by the input builder.
	SecretDir bool `json:"secret_dir"`
	// Zone is the most protected place that claims the path, one of the Zone*
	// constants ("" when dynamic or empty). See classify.
	Zone string `json:"zone"`
	// Holds lists the zones of protected places strictly below the path (or
	// below what a glob could match): "gate", "home", "workspace". Deleting the
	// path recursively deletes them.
	Holds []string `json:"holds"`
}

// AtArg returns p with Arg set to i.
func (p Path) AtArg(i int) Path {
	p.Arg = &i
	return p
}

// ResolvePath computes the path fact of word, an argument of a command running in
// cwd, with the zone decided against the home and the workspace only (Resolve
// adds gatesh's own paths and the secrets). dynamic says the word's value is not known; glob says it holds unquoted glob
// characters. "~" and "~/x" expand to ws.Home ("~user" through the user database,
// "~+" to cwd); a relative word is taken from cwd; the result is cleaned, folding
// ".." lexically. A word whose last elements are globs matching every entry ("*",
// ".*", "**", "*/*") counts as the directory they stand in for IsWorkspaceRoot,
// IsHome and IsRoot, so "*" in the root, "~/*" and "/*" are flagged like the
// directories themselves.
func ResolvePath(ws Workspace, cwd, word string, dynamic, glob bool) Path {
	return Resolve(ws, Claims{}, cwd, word, dynamic, glob)
}

// resolve computes the location facts of word; classify then applies the
// precedence of zones to them.
func resolve(ws Workspace, cwd, word string, dynamic, glob bool) Path {
	p := Path{Value: word}
	if dynamic {
		p.Dynamic = true
		return p
	}
	p.Glob = glob
	abs, ok := absPath(ws.Home, cwd, word)
	if !ok {
		// Not knowable (no home for "~", no cwd for a relative word, "~-"):
		// treat as dynamic rather than guess.
		p.Dynamic = true
		p.Glob = false
		return p
	}
	if abs == "" {
		// The empty word names no file.
		return p
	}
	p.Abs = abs

	// dirOf is the directory a match-all glob stands for ("" when none).
	self := abs
	dirOf := ""
	if glob {
		// "/*/*" stands for "/" as much as "/*" does.
		for d := abs; matchesAll(filepath.Base(d)); {
			d = filepath.Dir(d)
			dirOf = d
			if d == "/" {
				break
			}
		}
	}
	is := func(dir string) bool {
		return dir != "" && (self == dir || dirOf == dir)
	}

	if ws.Root != "" {
		p.InWorkspace = within(abs, ws.Root)
		p.IsWorkspaceRoot = is(ws.Root)
		if ws.Git {
			p.InGitDir = within(abs, joinPath(ws.Root, ".git")) ||
				(ws.GitDir != "" && within(abs, ws.GitDir)) ||
				(ws.CommonDir != "" && within(abs, ws.CommonDir))
		}
	}
	for _, t := range ws.Tmp {
		if abs == t {
			p.IsTmpRoot = true
		} else if below(abs, t) {
			p.InTmp = true
		}
	}
	if ws.Home != "" {
		p.InHome = within(abs, ws.Home)
		p.IsHome = is(ws.Home)
	}
	p.IsRoot = is("/")
	if glob {
		p.Exists = globExists(abs)
	} else {
		_, err := os.Lstat(abs)
		p.Exists = err == nil
	}
	return p
}

// absPath resolves word to an absolute clean path; ok is false when that cannot be
// known. The empty word gives ("", true).
func absPath(home, cwd, word string) (string, bool) {
	if word == "" {
		return "", true
	}
	if word[0] == '~' {
		name, rest, _ := strings.Cut(word[1:], "/")
		var base string
		switch name {
		case "":
			base = home
		case "+":
			base = cwd
		case "-":
			return "", false // OLDPWD: not known here
		default:
			if u, err := user.Lookup(name); err == nil && u.HomeDir != "" {
				base = u.HomeDir
			} else {
				// bash leaves an unknown ~user as written: a relative path.
				base = ""
			}
		}
		if base != "" {
			if !filepath.IsAbs(base) {
				return "", false
			}
			if rest == "" {
				return filepath.Clean(base), true
			}
			return filepath.Join(base, rest), true
		}
		if name == "" || name == "+" {
			return "", false
		}
	}
	if filepath.IsAbs(word) {
		return filepath.Clean(word), true
	}
	if cwd == "" || !filepath.IsAbs(cwd) {
		return "", false
	}
	return filepath.Join(cwd, word), true
}

// hasMeta reports whether s holds glob metacharacters.
func hasMeta(s string) bool {
	return strings.ContainsAny(s, "*?[")
}

// matchesAll reports whether a path element is a glob naming (nearly) every entry
// of its directory: "*", "**", ".*", "*?"-only patterns with at least one "*".
func matchesAll(base string) bool {
	s := strings.TrimPrefix(base, ".")
	if s == "" {
		return false
	}
	star := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			star = true
		case '?':
		default:
			return false
		}
	}
	return star
}

// globExists reports whether the glob pattern abs matches something. It reads at
// most one directory: when only the last element is a pattern it is matched;
// otherwise the existence of the literal prefix before the first pattern element
// is reported.
func globExists(abs string) bool {
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	if !hasMeta(dir) {
		if !hasMeta(base) {
			_, err := os.Lstat(abs)
			return err == nil
		}
		m, err := filepath.Glob(abs)
		return err == nil && len(m) > 0
	}
	prefix := abs
	for hasMeta(prefix) {
		prefix = filepath.Dir(prefix)
	}
	_, err := os.Lstat(prefix)
	return err == nil
}
