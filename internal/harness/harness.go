// Package harness sees through the wrappers that agent harnesses put around the
// agent's own command when they run it with `bash -c TEXT`, so that policy judges
// (and messages name) what the agent asked for rather than the harness's
// plumbing.
//
// Recognition parses TEXT with mvdan.cc/sh/v3/syntax (bash dialect) and matches
// the syntax tree against the exact shapes the harnesses generate; it never looks
// for substrings. A wrapper is unwrapped only when every part of it other than the
// agent's command is one of the harness's own harmless pieces (sourcing a file in
// the harness's own snapshot directory, shopt -u, unalias/unset -f, writing the
// final directory or background pids to a temporary file, …). Anything else,
// including any text that does not parse, yields View{Command: Call.Text}: judging
// the whole text is always the safe fallback, because the parser flattens
// everything.
//
// Shapes and where they come from (see docs in each file):
//   - Claude Code (claude.go): `source <snapshot> 2>/dev/null || true && … &&
//     eval <cmd> [< /dev/null] && pwd -P >| <tmp>/claude-<hex>-cwd`, its
//     __CLAUDE_CC_COMMAND_TEXT variant, and CLAUDE_CODE_SHELL_PREFIX.
//   - Codex CLI (codex.go): the outer `if . '<snapshot>' …; then :; fi … exec
//     '<shell>' -c '<script>'` call with its __CODEX_SNAPSHOT_* capture and
//     restore blocks (any number, over any variables; 0.169.0's nested override
//     and proxy blocks and the PATH prefix for Codex's own tools), and its
//     snapshot check `set -e; . "<snapshot>"`.
//   - Gemini CLI (gemini.go): the tool wrapper (subshell with an EXIT trap) and
//     the user shell wrapper (`{ … }` with `pwd > <tmp>`).
//   - Snapshot capture scripts (capture.go), recognised at the top level only.
package harness

import (
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"mvdan.cc/sh/v3/syntax"
)

// Call is one shell invocation as the daemon sees it.
type Call struct {
	Text        string            // the -c command string (or a script's content)
	Flags       []string          // the option words as given, e.g. ["-c","-l"], ["-lc"]
	Login       bool              // a login shell (-l, --login, argv0 "-bash")
	Interactive bool              // -i
	Env         map[string]string // the caller's environment
}

// View is what the agent really asked for.
type View struct {
	Harness  string   // "claude-code", "codex", "gemini-cli", or "" when no wrapper was recognised
	Form     string   // e.g. "claude-wrapper", "claude-env-text", "claude-prefix", "codex-outer", "gemini-wrapper", "gemini-user-shell", "snapshot-capture", ""
	Command  string   // the text to judge: the agent's command, or Call.Text unchanged when no wrapper matched
	Sourced  []string // snapshot files the wrapper sources (trusted by location, not judged); for a capture, the user's rc files it sources
	Snapshot string   // for Form "snapshot-capture": the one file the capture script writes
}

// Harness names.
const (
	ClaudeCode = "claude-code"
	Codex      = "codex"
	GeminiCLI  = "gemini-cli"
)

// Forms.
const (
	FormClaudeWrapper   = "claude-wrapper"    // source … && eval '<cmd>' < /dev/null && pwd -P >| …
	FormClaudeEnvText   = "claude-env-text"   // the same with the command in __CLAUDE_CC_COMMAND_TEXT
	FormClaudePrefix    = "claude-prefix"     // '<CLAUDE_CODE_SHELL_PREFIX>' … '<whole string>'
	FormCodexOuter      = "codex-outer"       // if . '<snapshot>' …; then :; fi … exec '<shell>' -c '<script>'
	FormSnapshotCheck   = "snapshot-check"    // Codex: set -e; . "<snapshot>"
	FormGeminiWrapper   = "gemini-wrapper"    // Gemini CLI's shell tool
	FormGeminiUserShell = "gemini-user-shell" // Gemini CLI's `!cmd` shell mode
	FormSnapshotCapture = "snapshot-capture"  // a harness's snapshot capture script
)

// MaxDepth bounds the recursion of See (a CLAUDE_CODE_SHELL_PREFIX around a
// wrapper is seen again).
const MaxDepth = 4

// maxText bounds the text looked at; longer texts are judged whole.
const maxText = 1 << 20

// See returns what the agent really asked for in c. Snapshot capture scripts are
// recognised only here, at the top level of the call; wrappers are recognised
// recursively up to MaxDepth.
func See(c Call) View {
	if len(c.Text) > maxText {
		return View{Command: c.Text}
	}
	f, ok := parse(c.Text)
	if !ok || len(f.Stmts) == 0 {
		return View{Command: c.Text}
	}
	if v, ok := seeCapture(c, f); ok {
		return v
	}
	if v, ok := seeFile(c.Text, f, c.Env, 0); ok {
		return v
	}
	return View{Command: c.Text}
}

type matcher func(text string, f *syntax.File, env map[string]string, depth int) (View, bool)

// see tries every wrapper shape on text.
func see(text string, env map[string]string, depth int) (View, bool) {
	if depth >= MaxDepth {
		return View{}, false
	}
	f, ok := parse(text)
	if !ok || len(f.Stmts) == 0 {
		return View{}, false
	}
	return seeFile(text, f, env, depth)
}

// seeFile tries every wrapper shape on text, parsed as f.
func seeFile(text string, f *syntax.File, env map[string]string, depth int) (View, bool) {
	for _, m := range []matcher{claudePrefix, claudeWrapper, codexOuter, codexCheck, gemini} {
		if v, ok := m(text, f, env, depth); ok {
			return v, true
		}
	}
	return View{}, false
}

// parse parses text as bash. Comments are dropped.
func parse(text string) (*syntax.File, bool) {
	if strings.IndexByte(text, 0) >= 0 {
		return nil, false
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), "")
	if err != nil {
		return nil, false
	}
	return f, true
}

// --- words -------------------------------------------------------------------------

// lit returns the value bash gives w after quote removal, when w holds no
// expansion of any kind: no parameters, substitutions, arithmetic, globs, braces,
// tildes, $'…' or $"…". Unquoted glob or brace characters make the value depend on
// the file system or on expansion rules, so such words are not literal.
func lit(w *syntax.Word) (string, bool) {
	if w == nil || len(w.Parts) == 0 {
		return "", false
	}
	var b strings.Builder
	for i, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if !unquoted(&b, p.Value, i == 0, i == len(w.Parts)-1) {
				return "", false
			}
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			if p.Dollar {
				return "", false
			}
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				dquoted(&b, l.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unquoted appends the value of unquoted literal text s: a backslash quotes the
// next character. It reports false for characters that would expand: glob
// characters (a [ only when a ] may close it: "[" alone is the test command),
// braces, and a leading tilde.
func unquoted(b *strings.Builder, s string, wordStart, wordEnd bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) {
				return false
			}
			i++
			if s[i] != '\n' {
				b.WriteByte(s[i])
			}
		case '[':
			if !wordEnd || strings.IndexByte(s[i:], ']') >= 0 {
				return false
			}
			b.WriteByte(c)
		case '*', '?', '{', '}':
			return false
		case '~':
			if wordStart && i == 0 {
				return false
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return true
}

// dquoted appends the value of literal text s inside double quotes: a backslash
// quotes only $ ` " \ and newline, and is kept before any other character.
func dquoted(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '$', '`', '"', '\\':
				b.WriteByte(s[i+1])
				i++
				continue
			case '\n':
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
}

// emptyWord reports whether w is absent or empty (x= assigns the empty string).
func emptyWord(w *syntax.Word) bool { return w == nil || len(w.Parts) == 0 }

// lits returns the literal values of ws.
func lits(ws []*syntax.Word) ([]string, bool) {
	out := make([]string, len(ws))
	for i, w := range ws {
		v, ok := lit(w)
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// simpleParam returns the name of a plain $NAME or ${NAME} expansion.
func simpleParam(p syntax.WordPart) (string, bool) {
	pe, ok := p.(*syntax.ParamExp)
	if !ok || pe.Param == nil || pe.Excl || pe.Length || pe.Width || pe.IsSet || pe.Flags != nil ||
		pe.NestedParam != nil || pe.Index != nil || len(pe.Modifiers) > 0 || pe.Slice != nil ||
		pe.Repl != nil || pe.Names != 0 || pe.Exp != nil ||
		pe.Split != syntax.OptUnset || pe.GlobSubst != syntax.OptUnset || pe.RcExpand != syntax.OptUnset {
		return "", false
	}
	return pe.Param.Value, true
}

// quotedParam returns NAME for a word that is exactly "$NAME" or "${NAME}".
func quotedParam(w *syntax.Word) (string, bool) {
	if w == nil || len(w.Parts) != 1 {
		return "", false
	}
	dq, ok := w.Parts[0].(*syntax.DblQuoted)
	if !ok || dq.Dollar || len(dq.Parts) != 1 {
		return "", false
	}
	return simpleParam(dq.Parts[0])
}

// --- statements ----------------------------------------------------------------------

// plain reports whether st runs in the foreground as written: no !, &, coproc.
func plain(st *syntax.Stmt) bool {
	return st != nil && !st.Negated && !st.Background && !st.Coprocess && !st.Disown
}

// callOf returns st's simple command when st is plain and has no redirections.
func callOf(st *syntax.Stmt) (*syntax.CallExpr, bool) {
	if !plain(st) {
		return nil, false
	}
	c, ok := st.Cmd.(*syntax.CallExpr)
	return c, ok
}

// argv returns the literal argv of a plain simple command without assignments; its
// redirections are the caller's to check.
func argv(st *syntax.Stmt) ([]string, bool) {
	c, ok := callOf(st)
	if !ok || len(c.Assigns) > 0 || len(c.Args) == 0 {
		return nil, false
	}
	return lits(c.Args)
}

// bare returns the literal argv of a plain simple command with neither
// assignments nor redirections.
func bare(st *syntax.Stmt) ([]string, bool) {
	if st == nil || len(st.Redirs) > 0 {
		return nil, false
	}
	return argv(st)
}

// is reports whether got equals want.
func is(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// link is one command of an && / || list with the operator before it (0 for the
// first).
type link struct {
	op syntax.BinCmdOperator
	st *syntax.Stmt
}

// andOr flattens an && / || list into its commands, in source order. bash gives
// && and || equal precedence, left to right.
func andOr(st *syntax.Stmt, op syntax.BinCmdOperator, out []link) []link {
	if b, ok := st.Cmd.(*syntax.BinaryCmd); ok && plain(st) && len(st.Redirs) == 0 &&
		(b.Op == syntax.AndStmt || b.Op == syntax.OrStmt) {
		out = andOr(b.X, op, out)
		return andOr(b.Y, b.Op, out)
	}
	return append(out, link{op, st})
}

// --- redirections ----------------------------------------------------------------------

// fd returns the file descriptor a redirection names ("" when none).
func fd(r *syntax.Redirect) string {
	if r.N == nil {
		return ""
	}
	return r.N.Value
}

// quiet reports whether r sends stdout or stderr to /dev/null, or joins stderr to
// stdout: the redirections the harnesses use to keep their own pieces quiet.
func quiet(r *syntax.Redirect) bool {
	switch r.Op {
	case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll:
		if n := fd(r); n != "" && n != "1" && n != "2" {
			return false
		}
		v, ok := lit(r.Word)
		return ok && v == "/dev/null"
	case syntax.DplOut:
		v, ok := lit(r.Word)
		return ok && fd(r) == "2" && v == "1"
	}
	return false
}

// stdinNull reports whether r is `< /dev/null` (or `0< /dev/null`).
func stdinNull(r *syntax.Redirect) bool {
	if r.Op != syntax.RdrIn || (fd(r) != "" && fd(r) != "0") {
		return false
	}
	v, ok := lit(r.Word)
	return ok && v == "/dev/null"
}

// --- paths ---------------------------------------------------------------------------------

// homeOf returns the caller's home directory when it is a clean absolute path.
func homeOf(env map[string]string) string {
	h := env["HOME"]
	if h == "" || !filepath.IsAbs(h) || h == "/" {
		return ""
	}
	h = strings.TrimRight(h, "/")
	if filepath.Clean(h) != h {
		return ""
	}
	return h
}

// Snapshot directories, relative to the home directory.
const (
	claudeSnapDir = ".claude/shell-snapshots"
	codexSnapDir  = ".codex/shell_snapshots"
)

// snapshotDir returns the snapshot directory of harness h for env, or "".
func snapshotDir(env map[string]string, h string) string {
	home := homeOf(env)
	if home == "" {
		return ""
	}
	switch h {
	case ClaudeCode:
		return home + "/" + claudeSnapDir
	case Codex:
		return home + "/" + codexSnapDir
	}
	return ""
}

// inDir reports whether p is a file directly inside dir, spelled without . or ..
// components, doubled slashes or a trailing slash.
func inDir(p, dir string) bool {
	if dir == "" || !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return false
	}
	base := filepath.Base(p)
	return filepath.Dir(p) == dir && base != "." && base != ".." && base != "/"
}

// tmpDirs lists the directories a harness may use for its temporary files: /tmp
// and the caller's TMPDIR (os.tmpdir() in Node).
func tmpDirs(env map[string]string) []string {
	out := []string{"/tmp"}
	if t := strings.TrimRight(env["TMPDIR"], "/"); t != "" && filepath.IsAbs(t) && filepath.Clean(t) == t && t != "/tmp" {
		out = append(out, t)
	}
	return out
}

// underTmp reports whether p is a file below one of the temporary directories.
func underTmp(p string, env map[string]string) bool {
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return false
	}
	for _, t := range tmpDirs(env) {
		if strings.HasPrefix(p, t+"/") {
			return true
		}
	}
	return false
}

// inTmp reports whether p is a file directly inside one of the temporary
// directories.
func inTmp(p string, env map[string]string) bool {
	for _, t := range tmpDirs(env) {
		if inDir(p, t) {
			return true
		}
	}
	return false
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// --- source slices ---------------------------------------------------------------------------

// slice returns the source text of stmts, which lie in text from from up to (not
// including) to, trimmed of surrounding blanks. It reports false unless the slice,
// parsed on its own, gives exactly the same statements: the agent's command is
// judged as text, so the text must mean what the statements meant in the wrapper.
func slice(text string, from, to syntax.Pos, stmts []*syntax.Stmt) (string, bool) {
	a, b := int(from.Offset()), int(to.Offset())
	if a < 0 || b > len(text) || a > b || len(stmts) == 0 {
		return "", false
	}
	raw := text[a:b]
	want := printStmts(stmts)
	for _, s := range []string{
		strings.TrimSuffix(strings.TrimRightFunc(raw, unicode.IsSpace), ";"),
		strings.TrimRightFunc(raw, unicode.IsSpace),
		raw,
	} {
		if strings.HasSuffix(s, ";;") {
			continue
		}
		f, ok := parse(s)
		if ok && printStmts(f.Stmts) == want {
			return s, true
		}
	}
	return "", false
}

// printStmts prints stmts in the parser's canonical form, one per line.
func printStmts(stmts []*syntax.Stmt) string {
	var b strings.Builder
	p := syntax.NewPrinter()
	for _, st := range stmts {
		if err := p.Print(&b, st); err != nil {
			return "\x00error"
		}
		b.WriteByte('\n')
	}
	return b.String()
}
