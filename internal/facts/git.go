package facts

import (
	"path/filepath"
	"strconv"
	"strings"
)

// Git is the "git" object of a command in the policy input: a git command line
// decoded from its argv and environment.
type Git struct {
	// Subcommand is the word after the global options ("" if none). --version and
	// --help become "version" and "help", as git does.
	Subcommand string `json:"subcommand"`
	// Alias is the value of alias.<subcommand> when the config given on the
	// command line or in GIT_CONFIG_* defines it ("" otherwise). It is reported
	// even for a built-in name (git would ignore such an alias).
	Alias string `json:"alias"`
	// Args is argv after the subcommand.
	Args []string `json:"args"`
	// Flags lists the option words after the subcommand, as written ("--force",
	// "-fd", "--message=x"). Values of options known to take one ("-m msg") are in
	// neither Flags nor Positionals.
	Flags []string `json:"flags"`
	// Positionals lists the non-option words after the subcommand, before "--".
	Positionals []string `json:"positionals"`
	// Pathspecs lists the words after "--".
	Pathspecs []string `json:"pathspecs"`
	// Config holds -c/--config-env and GIT_CONFIG_* pairs, keys lower-cased
	// (section and variable; a subsection keeps its case). The command line wins.
	Config map[string]string `json:"config"`
	// Dir is the absolute directory git operates in: the cwd after every -C, or
	// the work tree when --work-tree/GIT_WORK_TREE is given.
	Dir string `json:"dir"`
	// GitDir and WorkTree come from --git-dir/--work-tree or GIT_DIR/GIT_WORK_TREE,
	// made absolute against the cwd after -C ("" when not given).
	GitDir   string `json:"git_dir"`
	WorkTree string `json:"work_tree"`
	// InWorkspace is true when Dir is inside the workspace (and so is GitDir when
	// given: a repository elsewhere is not the workspace's).
	InWorkspace bool `json:"in_workspace"`
	// Branch is the current branch of the repository at Dir ("" when unknown or
	// detached).
	Branch string `json:"branch"`
	// NoVerify is true when --no-verify (or -n for commit) was given.
	NoVerify bool `json:"no_verify"`
	// Push is the decoding of a push; nil for other subcommands.
	Push *Push `json:"push,omitempty"`
}

// DecodeGit decodes a git command line. argv[0] is the git word; env holds the
// variables in force for the command (only GIT_* are read); cwd is the directory
// the command starts in; ws is the workspace of the line. It never spawns a
// process; the branch of a repository outside the workspace is read from its HEAD.
func DecodeGit(argv []string, env map[string]string, cwd string, ws Workspace) *Git {
	g := &Git{
		Args:        []string{},
		Flags:       []string{},
		Positionals: []string{},
		Pathspecs:   []string{},
		Config:      map[string]string{},
	}
	dir := filepath.Clean(cwd)
	if cwd == "" {
		dir = ""
	}

	// Environment first; the command line overrides it.
	envConfig(env, g.Config)
	// --git-dir and --work-tree set GIT_DIR and GIT_WORK_TREE; relative values are
	// taken from the directory after every -C, so they are resolved at the end.
	gitDir := env["GIT_DIR"]
	workTree := env["GIT_WORK_TREE"]
	bareDir := ""

	i := 1
	// value returns the value of a global option: attached after "=" or the next
	// word. ok is false when it is missing.
	value := func(a, name string) (string, bool) {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && i+1 < len(argv) {
			i++
			return argv[i], true
		}
		return "", false
	}
globals:
	for ; i < len(argv); i++ {
		a := argv[i]
		if len(a) < 2 || a[0] != '-' {
			break
		}
		switch {
		case a == "-C":
			if i+1 >= len(argv) {
				i = len(argv)
				break globals
			}
			i++
			if p := argv[i]; p != "" {
				dir = resolveAgainst(dir, p)
			}
		case a == "-c":
			if i+1 >= len(argv) {
				i = len(argv)
				break globals
			}
			i++
			k, v, ok := strings.Cut(argv[i], "=")
			if !ok {
				v = "true"
			}
			setConfig(g.Config, k, v)
		case a == "--config-env" || strings.HasPrefix(a, "--config-env="):
			if spec, ok := value(a, "--config-env"); ok {
				if k, e, ok := strings.Cut(spec, "="); ok {
					setConfig(g.Config, k, env[e])
				}
			}
		case a == "--git-dir" || strings.HasPrefix(a, "--git-dir="):
			if v, ok := value(a, "--git-dir"); ok {
				gitDir = v
			}
		case a == "--work-tree" || strings.HasPrefix(a, "--work-tree="):
			if v, ok := value(a, "--work-tree"); ok {
				workTree = v
			}
		case a == "--namespace" || strings.HasPrefix(a, "--namespace="),
			a == "--super-prefix" || strings.HasPrefix(a, "--super-prefix="),
			a == "--attr-source" || strings.HasPrefix(a, "--attr-source="):
			name, _, _ := strings.Cut(a, "=")
			value(a, name)
		case a == "--bare":
			bareDir = dir
		case a == "--version" || a == "-v":
			g.Subcommand = "version"
			i++
			break globals
		case a == "--help" || a == "-h":
			g.Subcommand = "help"
			i++
			break globals
		case a == "--exec-path" || a == "--html-path" || a == "--man-path" ||
			a == "--info-path" || strings.HasPrefix(a, "--list-cmds="):
			// These print something and exit: no subcommand runs.
			i = len(argv)
			break globals
		case strings.HasPrefix(a, "--exec-path="),
			a == "-p", a == "--paginate", a == "-P", a == "--no-pager",
			a == "--no-replace-objects", a == "--literal-pathspecs",
			a == "--glob-pathspecs", a == "--noglob-pathspecs",
			a == "--icase-pathspecs", a == "--no-optional-locks",
			a == "--no-lazy-fetch", a == "--no-advice":
		default:
			// git refuses an unknown global option; nothing runs.
			i = len(argv)
			break globals
		}
	}
	if g.Subcommand == "" && i < len(argv) {
		g.Subcommand = argv[i]
		i++
	}
	if i < len(argv) {
		g.Args = append(g.Args, argv[i:]...)
	}
	if g.Subcommand != "" {
		if a, ok := g.Config["alias."+strings.ToLower(g.Subcommand)]; ok {
			g.Alias = a
		}
	}

	// Locations.
	if gitDir != "" {
		g.GitDir = resolveAgainst(dir, gitDir)
	}
	if g.GitDir == "" && bareDir != "" {
		g.GitDir = bareDir
	}
	if workTree != "" {
		g.WorkTree = resolveAgainst(dir, workTree)
	}
	g.Dir = dir
	if g.WorkTree != "" {
		g.Dir = g.WorkTree
	}
	g.InWorkspace = ws.Root != "" && within(g.Dir, ws.Root) &&
		(g.GitDir == "" || within(g.GitDir, ws.Root))
	r, branch, haveRepo := repoOf(g.Dir, g.GitDir, ws)
	g.Branch = branch

	// An alias of git itself ("-c alias.p='push -f'") runs what it expands to:
	// judge that, so every rule about the real subcommand applies. Alias keeps
	// the value. (Git ignores an alias that shadows a built-in; expanding it
	// anyway can only make the judgement stricter.)
	if g.Alias != "" && !strings.HasPrefix(g.Alias, "!") {
		if words := splitCmdline(g.Alias); len(words) > 0 {
			g.Subcommand = words[0]
			g.Args = append(words[1:len(words):len(words)], g.Args...)
		}
	}

	// Arguments.
	sc := scanArgs(g.Subcommand, g.Args)
	g.Flags, g.Positionals, g.Pathspecs = sc.flags, sc.positionals, sc.pathspecs
	for _, o := range sc.opts {
		if o.long && isNoVerify(o.name) || !o.long && o.name == "n" && g.Subcommand == "commit" {
			g.NoVerify = true
		}
	}
	if g.Subcommand == "push" {
		g.Push = decodePush(sc, g, r, haveRepo)
	}
	return g
}

// isNoVerify reports whether a long option name spells --no-verify, allowing the
// unambiguous abbreviations git's option parser accepts.
func isNoVerify(name string) bool {
	return len(name) >= len("no-veri") && strings.HasPrefix("no-verify", name)
}

// resolveAgainst makes p absolute against dir and cleans it.
func resolveAgainst(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, p)
}

// repoOf returns the repository git would use and its current branch: the one at
// gitDir when given, else the one holding dir. For the workspace repository the
// workspace's branch is used without reading HEAD again.
func repoOf(dir, gitDir string, ws Workspace) (repo, string, bool) {
	wsRepo := repo{top: ws.Root, gitDir: ws.GitDir, commonDir: ws.CommonDir}
	if gitDir != "" {
		if ws.Git && ws.GitDir != "" && (gitDir == ws.GitDir || gitDir == joinPath(ws.Root, ".git")) {
			return wsRepo, ws.Branch, true
		}
		r, ok := repoForGitDir(gitDir)
		if !ok {
			return repo{}, "", false
		}
		b, _ := headBranch(r.gitDir)
		return r, b, true
	}
	if dir == "" {
		return repo{}, "", false
	}
	r, ok := findRepo(dir, "")
	if !ok {
		return repo{}, "", false
	}
	if ws.Git && ws.GitDir != "" && r.top == ws.Root {
		return wsRepo, ws.Branch, true
	}
	b, _ := headBranch(r.gitDir)
	return r, b, true
}

// setConfig stores a config pair with its key canonicalized as git does: section
// and variable lower-cased, a subsection kept as written.
func setConfig(m map[string]string, k, v string) {
	m[canonKey(k)] = v
}

func canonKey(k string) string {
	first := strings.IndexByte(k, '.')
	last := strings.LastIndexByte(k, '.')
	if first < 0 || first == last {
		return strings.ToLower(k)
	}
	return strings.ToLower(k[:first]) + k[first:last] + strings.ToLower(k[last:])
}

// envConfig reads GIT_CONFIG_PARAMETERS and GIT_CONFIG_COUNT/KEY_n/VALUE_n.
func envConfig(env map[string]string, m map[string]string) {
	if len(env) == 0 {
		return
	}
	if p, ok := env["GIT_CONFIG_PARAMETERS"]; ok {
		parseConfigParameters(p, m)
	}
	if c, ok := env["GIT_CONFIG_COUNT"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 0 {
			return
		}
		if n > 1000 {
			n = 1000
		}
		for j := 0; j < n; j++ {
			s := strconv.Itoa(j)
			k, ok := env["GIT_CONFIG_KEY_"+s]
			if !ok || k == "" {
				continue
			}
			setConfig(m, k, env["GIT_CONFIG_VALUE_"+s])
		}
	}
}

// parseConfigParameters parses the format git uses to pass -c to its children:
// shell single-quoted words, each either 'key=value' (old) or 'key'='value' (new).
func parseConfigParameters(s string, m map[string]string) {
	i := 0
	word := func() (string, bool) {
		if i >= len(s) || s[i] != '\'' {
			return "", false
		}
		var b strings.Builder
		for i < len(s) && s[i] == '\'' {
			i++
			j := strings.IndexByte(s[i:], '\'')
			if j < 0 {
				b.WriteString(s[i:])
				i = len(s)
				return b.String(), true
			}
			b.WriteString(s[i : i+j])
			i += j + 1
			// '\'' continues the word with a literal quote.
			if strings.HasPrefix(s[i:], "\\'") {
				b.WriteByte('\'')
				i += 2
				continue
			}
			break
		}
		return b.String(), true
	}
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		if i >= len(s) {
			return
		}
		w, ok := word()
		if !ok {
			return
		}
		if i < len(s) && s[i] == '=' {
			i++
			v, _ := word()
			setConfig(m, w, v)
			continue
		}
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			v = "true"
		}
		setConfig(m, k, v)
	}
}

// opt is one option found in a subcommand's arguments.
type opt struct {
	long   bool
	name   string // long name without "--", or the short letter
	val    string
	hasVal bool
}

type scanned struct {
	flags, positionals, pathspecs []string
	opts                          []opt
}

// valueOpts lists, per subcommand, the options whose value may be the next word:
// short letters and long names. Options whose value can only be attached
// ("-u<mode>", "--gpg-sign=<key>") are in attached.
type optTable struct {
	short    string
	long     []string
	attached string // short letters whose value is the rest of the cluster
}

var valueOpts = map[string]optTable{
	"commit": {short: "mFCct", attached: "uS", long: []string{"message", "file",
		"reuse-message", "reedit-message", "template", "author", "date", "cleanup",
		"fixup", "squash", "trailer", "pathspec-from-file"}},
	"push": {short: "o", long: []string{"repo", "push-option", "receive-pack",
		"exec", "recurse-submodules"}},
	"checkout": {short: "bB", long: []string{"orphan", "conflict", "pathspec-from-file"}},
	"switch":   {short: "cC", long: []string{"create", "force-create", "orphan", "conflict"}},
	"branch":   {short: "u", long: []string{"set-upstream-to", "points-at", "sort", "format"}},
	"tag": {short: "mFu", long: []string{"message", "file", "local-user", "points-at",
		"sort", "format", "cleanup"}},
	"merge": {short: "mFsX", attached: "S", long: []string{"message", "file", "strategy",
		"strategy-option", "cleanup", "into-name"}},
	"rebase": {short: "sXx", attached: "S", long: []string{"onto", "strategy",
		"strategy-option", "exec", "whitespace", "empty"}},
	"pull": {short: "sXoj", attached: "S", long: []string{"strategy", "strategy-option",
		"depth", "deepen", "shallow-since", "shallow-exclude", "upload-pack", "jobs",
		"negotiation-tip", "server-option", "cleanup"}},
	"fetch": {short: "oj", long: []string{"depth", "deepen", "shallow-since",
		"shallow-exclude", "upload-pack", "jobs", "negotiation-tip", "server-option",
		"refmap"}},
	"clone": {short: "bocju", long: []string{"branch", "origin", "config", "jobs",
		"upload-pack", "depth", "reference", "reference-if-able", "separate-git-dir",
		"template", "shallow-since", "shallow-exclude", "filter", "server-option",
		"bundle-uri"}},
	"stash":       {short: "m", long: []string{"message", "pathspec-from-file"}},
	"clean":       {short: "e", long: []string{"exclude"}},
	"reset":       {long: []string{"pathspec-from-file"}},
	"restore":     {short: "s", long: []string{"source", "conflict", "pathspec-from-file"}},
	"add":         {long: []string{"chmod", "pathspec-from-file"}},
	"rm":          {long: []string{"pathspec-from-file"}},
	"cherry-pick": {short: "mX", attached: "S", long: []string{"mainline", "strategy", "strategy-option", "cleanup"}},
	"revert":      {short: "mX", attached: "S", long: []string{"mainline", "strategy", "strategy-option", "cleanup"}},
	"log": {short: "n", long: []string{"max-count", "skip", "since", "until", "after",
		"before", "author", "committer", "grep"}},
	"grep":          {short: "efABCm", long: []string{"max-depth", "threads", "max-count", "context", "after-context", "before-context"}},
	"notes":         {short: "mFCc", long: []string{"message", "file", "reuse-message", "reedit-message", "ref"}},
	"worktree":      {short: "bB", long: []string{"reason"}},
	"config":        {short: "f", long: []string{"file", "blob", "type", "default", "comment", "value"}},
	"filter-branch": {short: "d", long: []string{"env-filter", "tree-filter", "index-filter", "parent-filter", "msg-filter", "commit-filter", "tag-name-filter", "subdirectory-filter", "original", "setup", "state-branch"}},
}

// scanArgs splits a subcommand's arguments into flags, positionals and pathspecs,
// and lists the options they spell (short clusters split into letters).
func scanArgs(sub string, args []string) scanned {
	t := valueOpts[sub]
	sc := scanned{flags: []string{}, positionals: []string{}, pathspecs: []string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			sc.pathspecs = append(sc.pathspecs, args[i+1:]...)
			return sc
		case strings.HasPrefix(a, "--"):
			sc.flags = append(sc.flags, a)
			name, v, has := strings.Cut(a[2:], "=")
			o := opt{long: true, name: name, val: v, hasVal: has}
			if !has && takesLong(t, name) && i+1 < len(args) {
				i++
				o.val, o.hasVal = args[i], true
			}
			sc.opts = append(sc.opts, o)
		case len(a) > 1 && a[0] == '-':
			sc.flags = append(sc.flags, a)
			for j := 1; j < len(a); j++ {
				c := a[j]
				o := opt{name: string(c)}
				if strings.IndexByte(t.attached, c) >= 0 {
					o.val, o.hasVal = a[j+1:], j+1 < len(a)
					sc.opts = append(sc.opts, o)
					break
				}
				if strings.IndexByte(t.short, c) >= 0 {
					if j+1 < len(a) {
						o.val, o.hasVal = a[j+1:], true
					} else if i+1 < len(args) {
						i++
						o.val, o.hasVal = args[i], true
					}
					sc.opts = append(sc.opts, o)
					break
				}
				sc.opts = append(sc.opts, o)
			}
		default:
			sc.positionals = append(sc.positionals, a)
		}
	}
	return sc
}

func takesLong(t optTable, name string) bool {
	for _, l := range t.long {
		if l == name {
			return true
		}
	}
	return false
}

// splitCmdline splits an alias value into words as git's split_cmdline does:
// whitespace separates, single and double quotes group, backslash escapes.
func splitCmdline(s string) []string {
	var words []string
	var b strings.Builder
	in := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == 0 && (c == ' ' || c == '\t' || c == '\n'):
			if in {
				words = append(words, b.String())
				b.Reset()
				in = false
			}
		case quote == 0 && (c == '\'' || c == '"'):
			quote, in = c, true
		case quote != 0 && c == quote:
			quote = 0
		case c == '\\' && quote != '\'' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
			in = true
		default:
			b.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, b.String())
	}
	return words
}
