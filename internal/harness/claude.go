package harness

import (
	"path/filepath"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Claude Code builds its Bash tool's command string from parts joined with
// " && " (src/utils/shell/bashProvider.ts of the 2.1.88 sources; the extra
// unalias/unset -f part and the `\builtin` spelling are from a live 2.1.332):
//
//	source <snapshot> 2>/dev/null || true
//	&& shopt -u extglob 2>/dev/null || true            (or \builtin shopt …, or
//	                                                   { shopt -u extglob || setopt NO_EXTENDED_GLOB; } >/dev/null 2>&1 || true
//	                                                   under CLAUDE_CODE_SHELL_PREFIX)
//	&& { \builtin unalias -- 'X'; \builtin unset -f -- 'X'; } >/dev/null 2>&1 || true   (zero or more)
//	&& eval <quoted command> [< /dev/null]
//	&& pwd -P >| <tmpdir>/claude-<hex>-cwd
//
// The snapshot part is absent when there is no snapshot (the shell then gets -l).
// The quoted command is either one single-quoted word ('"'"' for quotes; always
// so for heredocs and multi-line strings, which get no `< /dev/null`) or
// shell-quote's quoting of [command, "<", "/dev/null"], i.e. several words that
// eval joins with spaces. A session environment script from hooks, when present,
// is another part: it is not a harmless piece, so such texts are judged whole.
//
// The __CLAUDE_CC_COMMAND_TEXT variant replaces the eval part with
//
//	'eval' "\builtin 'unset' -v '__CLAUDE_CC_COMMAND_TEXT'; 'eval' $__CLAUDE_CC_COMMAND_TEXT"
//
// bash expands the variable while reading the outer eval's argument, so what runs
// is that string with the value spliced in after `'eval' `: the value is the
// quoted command (as in the eval form), evaluated once more by the inner eval.
// Command is what that inner eval runs, worked out from the variable's value
// exactly as bash would; when the value is not a plain list of literal words,
// Command is the text `'eval' <value>` itself, which the parser unwraps.
//
// CLAUDE_CODE_SHELL_PREFIX='/x/wrap --flag' turns the whole string S into
// `'/x/wrap' --flag 'S'` (src/utils/bash/shellPrefix.ts: split at the last " -",
// the executable quoted, the rest inserted as written, S quoted by shell-quote).

const ccTextVar = "__CLAUDE_CC_COMMAND_TEXT"

var claudeCwdRE = regexp.MustCompile(`^claude-[0-9a-f]{1,32}-cwd$`)

// claudeWrapper matches the eval and __CLAUDE_CC_COMMAND_TEXT forms.
func claudeWrapper(text string, f *syntax.File, env map[string]string, depth int) (View, bool) {
	if len(f.Stmts) != 1 {
		return View{}, false
	}
	ls := andOr(f.Stmts[0], 0, nil)
	snapDir := snapshotDir(env, ClaudeCode)
	var sourced []string
	i := 0
	for i < len(ls) {
		if i > 0 && ls[i].op != syntax.AndStmt {
			return View{}, false
		}
		st := ls[i].st
		if p, ok := claudeSource(st, snapDir); ok {
			sourced = append(sourced, p)
		} else if !claudeQuiet(st) {
			break
		}
		i++
		if i < len(ls) && ls[i].op == syntax.OrStmt {
			if _, ok := bareIs(ls[i].st, "true"); !ok {
				return View{}, false
			}
			i++
		}
	}
	if i+2 != len(ls) {
		return View{}, false
	}
	cmd, form, ok := claudeEval(ls[i].st, env)
	if !ok {
		return View{}, false
	}
	if ls[i+1].op != syntax.AndStmt || !claudePwd(ls[i+1].st, env) {
		return View{}, false
	}
	return View{Harness: ClaudeCode, Form: form, Command: cmd, Sourced: sourced}, true
}

// bareIs reports whether st is exactly the command want, without redirections.
func bareIs(st *syntax.Stmt, want ...string) ([]string, bool) {
	a, ok := bare(st)
	return a, ok && is(a, want...)
}

// claudeSource matches `source <snapshot> [2>/dev/null]` with the snapshot
// directly inside ~/.claude/shell-snapshots.
func claudeSource(st *syntax.Stmt, snapDir string) (string, bool) {
	a, ok := argv(st)
	if !ok || len(a) != 2 || (a[0] != "source" && a[0] != ".") || !inDir(a[1], snapDir) {
		return "", false
	}
	for _, r := range st.Redirs {
		if fd(r) != "2" || !quiet(r) {
			return "", false
		}
	}
	return a[1], true
}

// claudeQuiet matches the harness's option and alias pieces, with their output
// sent to /dev/null: shopt -u extglob, { shopt -u extglob || setopt
// NO_EXTENDED_GLOB; }, { unalias -- 'X'; unset -f -- 'X'; }.
func claudeQuiet(st *syntax.Stmt) bool {
	if !plain(st) {
		return false
	}
	for _, r := range st.Redirs {
		if !quiet(r) {
			return false
		}
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		a, ok := lits(c.Args)
		return ok && len(c.Assigns) == 0 && claudeBuiltin(a, false)
	case *syntax.Block:
		if len(c.Stmts) == 0 {
			return false
		}
		for _, s := range c.Stmts {
			ls := andOr(s, 0, nil)
			for j, l := range ls {
				a, ok := bare(l.st)
				if !ok || !claudeBuiltin(a, j > 0 && l.op == syntax.OrStmt) {
					return false
				}
			}
		}
		return true
	}
	return false
}

// claudeBuiltin matches one harmless command of the quiet pieces, optionally
// spelled `builtin X` (`\builtin X`). setopt (zsh) is accepted only as the
// fallback after ||, where bash never reaches it.
func claudeBuiltin(a []string, orElse bool) bool {
	if len(a) > 1 && a[0] == "builtin" {
		a = a[1:]
	}
	switch {
	case is(a, "shopt", "-u", "extglob"):
		return true
	case is(a, "setopt", "NO_EXTENDED_GLOB"):
		return orElse
	case len(a) == 3 && a[0] == "unalias" && a[1] == "--":
		return a[2] != ""
	case len(a) == 4 && a[0] == "unset" && a[1] == "-f" && a[2] == "--":
		return a[3] != ""
	}
	return false
}

// claudeEval matches the eval part and returns the command it runs.
func claudeEval(st *syntax.Stmt, env map[string]string) (string, string, bool) {
	c, ok := callOf(st)
	if !ok || len(c.Assigns) > 0 || len(c.Args) < 2 {
		return "", "", false
	}
	if v, ok := lit(c.Args[0]); !ok || v != "eval" {
		return "", "", false
	}
	if len(st.Redirs) > 1 || (len(st.Redirs) == 1 && !stdinNull(st.Redirs[0])) {
		return "", "", false
	}
	if len(c.Args) == 2 {
		if cmd, ok := claudeEnvText(c.Args[1], env); ok {
			return cmd, FormClaudeEnvText, true
		}
	}
	words, ok := lits(c.Args[1:])
	if !ok {
		return "", "", false
	}
	return strings.Join(words, " "), FormClaudeWrapper, true
}

// claudeEnvText matches "\builtin 'unset' -v '__CLAUDE_CC_COMMAND_TEXT'; 'eval'
// $__CLAUDE_CC_COMMAND_TEXT" and returns what its inner eval runs.
func claudeEnvText(w *syntax.Word, env map[string]string) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	dq, ok := w.Parts[0].(*syntax.DblQuoted)
	if !ok || dq.Dollar || len(dq.Parts) != 2 {
		return "", false
	}
	head, ok := dq.Parts[0].(*syntax.Lit)
	if !ok {
		return "", false
	}
	if name, ok := simpleParam(dq.Parts[1]); !ok || name != ccTextVar {
		return "", false
	}
	value, ok := env[ccTextVar]
	if !ok {
		return "", false
	}
	var b strings.Builder
	dquoted(&b, head.Value)
	prefix := b.String()
	if !strings.HasSuffix(prefix, " ") {
		return "", false
	}
	pf, ok := parse(prefix)
	if !ok || len(pf.Stmts) != 2 || !ccUnset(pf.Stmts[0]) {
		return "", false
	}
	if _, ok := bareIs(pf.Stmts[1], "eval"); !ok {
		return "", false
	}
	evalAt := int(pf.Stmts[1].Pos().Offset())
	// What the outer eval runs: the prefix with the value spliced in.
	s := prefix + value
	sf, ok := parse(s)
	if !ok || len(sf.Stmts) < 2 || !ccUnset(sf.Stmts[0]) || int(sf.Stmts[1].Pos().Offset()) != evalAt {
		return "", false
	}
	if len(sf.Stmts) == 2 {
		if c, ok := callOf(sf.Stmts[1]); ok && len(c.Assigns) == 0 && len(c.Args) >= 2 &&
			(len(sf.Stmts[1].Redirs) == 0 || (len(sf.Stmts[1].Redirs) == 1 && stdinNull(sf.Stmts[1].Redirs[0]))) {
			if words, ok := lits(c.Args); ok && words[0] == "eval" {
				return strings.Join(words[1:], " "), true
			}
		}
	}
	return s[evalAt:], true
}

// ccUnset matches `\builtin 'unset' -v '__CLAUDE_CC_COMMAND_TEXT'`.
func ccUnset(st *syntax.Stmt) bool {
	a, ok := bare(st)
	if !ok {
		return false
	}
	if len(a) > 1 && a[0] == "builtin" {
		a = a[1:]
	}
	return is(a, "unset", "-v", ccTextVar)
}

// claudePwd matches `pwd -P >| <tmpdir>/claude-<hex>-cwd`.
func claudePwd(st *syntax.Stmt, env map[string]string) bool {
	a, ok := argv(st)
	if !ok || !is(a, "pwd", "-P") || len(st.Redirs) != 1 {
		return false
	}
	r := st.Redirs[0]
	if r.Op != syntax.RdrClob || (fd(r) != "" && fd(r) != "1") {
		return false
	}
	p, ok := lit(r.Word)
	return ok && inTmp(p, env) && claudeCwdRE.MatchString(filepath.Base(p))
}

// claudePrefix matches `'<prefix executable>' <prefix args> '<whole string>'` for
// the caller's CLAUDE_CODE_SHELL_PREFIX and sees the whole string again.
func claudePrefix(text string, f *syntax.File, env map[string]string, depth int) (View, bool) {
	prefix := strings.TrimSpace(env["CLAUDE_CODE_SHELL_PREFIX"])
	if prefix == "" || len(f.Stmts) != 1 {
		return View{}, false
	}
	a, ok := bare(f.Stmts[0])
	if !ok {
		return View{}, false
	}
	for _, words := range prefixWords(prefix) {
		n := len(words)
		if len(a) != n+1 || !is(a[:n], words...) {
			continue
		}
		inner := a[n]
		v := View{Harness: ClaudeCode, Form: FormClaudePrefix, Command: inner}
		if in, ok := see(inner, env, depth+1); ok {
			v.Command, v.Sourced = in.Command, in.Sourced
		}
		return v, true
	}
	return View{}, false
}

// prefixWords returns the ways the prefix's words may appear: as Claude Code
// splits it (the executable up to the last " -", then the rest as shell words),
// and split at blanks.
func prefixWords(prefix string) [][]string {
	var out [][]string
	if i := strings.LastIndex(prefix, " -"); i > 0 {
		if f, ok := parse(prefix[i+1:]); ok && len(f.Stmts) == 1 {
			if rest, ok := bare(f.Stmts[0]); ok {
				out = append(out, append([]string{prefix[:i]}, rest...))
			}
		}
	} else {
		out = append(out, []string{prefix})
	}
	return append(out, strings.Fields(prefix))
}
