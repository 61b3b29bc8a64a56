package harness

import (
	"path/filepath"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Codex CLI runs the model's `<shell> -lc <script>` through the user's shell as
// (openai/codex, codex-rs/core/src/tools/runtimes/mod.rs,
// maybe_wrap_shell_lc_with_snapshot):
//
//	[captures]
//
//	if . '<codex_home>/shell_snapshots/<thread>.<nonce>.sh' >/dev/null 2>&1; then :; fi
//
//	[restores]
//
//	exec '<shell>' -c '<script>'[ '<arg>'…]
//
// Captures save variables the snapshot must not override, before it is sourced:
//
//	__CODEX_SNAPSHOT_OVERRIDE_SET_0="${KEY+x}"        (older versions: export …)
//	__CODEX_SNAPSHOT_OVERRIDE_0="${KEY-}"
//	__CODEX_SNAPSHOT_PROXY_ENV_SET="${KEY+x}"
//	__CODEX_SNAPSHOT_PROXY_GIT_SSH_COMMAND="${GIT_SSH_COMMAND-}"   (macOS)
//	case "$__CODEX_SNAPSHOT_PROXY_GIT_SSH_COMMAND" in … ) __CODEX_SNAPSHOT_…_SET=1 ;; *) … ;; esac
//
// and restores put them back afterwards:
//
//	if [ -n "${__CODEX_SNAPSHOT_OVERRIDE_SET_0}" ]; then export KEY="${__CODEX_SNAPSHOT_OVERRIDE_0}"; else unset KEY; fi
//	if [ -n "$__CODEX_SNAPSHOT_PROXY_ENV_SET" ] || [ -n "${KEY+x}" ]; then … fi
//	unset __CODEX_SNAPSHOT_OVERRIDE_SET_0 __CODEX_SNAPSHOT_OVERRIDE_0     (older versions)
//
// A restore may only give KEY the value captured from KEY itself (or unset it),
// so the restores can only bring back the caller's own environment. Command is
// the exec'd script: the exec'd shell (gatesh again, or the real bash when Codex
// names it) runs it.
//
// Codex also checks a new snapshot with `set -e; . "<snapshot>"` (shell_snapshot.rs,
// validate_snapshot) before renaming it into place; that call is recognised as
// form "snapshot-check" with nothing to judge. Codex's capture script writes the
// snapshot to its stdout (the Rust side writes the file), so it needs no
// recognition: it is judged whole.

const codexVarPrefix = "__CODEX_SNAPSHOT_"

// codexShells are the shells an exec'd Codex script may name (the user's shell,
// whose file stem Codex requires to be bash, zsh or sh).
var codexShells = map[string]bool{"bash": true, "zsh": true, "sh": true, "dash": true}

// codexVars records the captures: for each __CODEX_SNAPSHOT_* variable, the
// variable it captured.
type codexVars map[string]string

func codexOuter(text string, f *syntax.File, env map[string]string, depth int) (View, bool) {
	dir := snapshotDir(env, Codex)
	n := len(f.Stmts)
	if dir == "" || n < 2 {
		return View{}, false
	}
	a, ok := bare(f.Stmts[n-1])
	if !ok || len(a) < 4 || a[0] != "exec" || a[2] != "-c" || !codexShells[filepath.Base(a[1])] {
		return View{}, false
	}
	script := a[3]
	k, snap := -1, ""
	for i, st := range f.Stmts[:n-1] {
		if p, ok := codexSourceIf(st, dir); ok {
			if k >= 0 {
				return View{}, false
			}
			k, snap = i, p
		}
	}
	if k < 0 {
		return View{}, false
	}
	vars := codexVars{}
	for _, st := range f.Stmts[:k] {
		if !vars.capture(st) {
			return View{}, false
		}
	}
	for _, st := range f.Stmts[k+1 : n-1] {
		if !vars.restore(st) {
			return View{}, false
		}
	}
	return View{Harness: Codex, Form: FormCodexOuter, Command: script, Sourced: []string{snap}}, true
}

// codexSourceIf matches `if . '<snapshot>' >/dev/null 2>&1; then :; fi`.
func codexSourceIf(st *syntax.Stmt, dir string) (string, bool) {
	if !plain(st) || len(st.Redirs) > 0 {
		return "", false
	}
	ic, ok := st.Cmd.(*syntax.IfClause)
	if !ok || ic.Else != nil || len(ic.Cond) != 1 || len(ic.Then) != 1 {
		return "", false
	}
	if _, ok := bareIs(ic.Then[0], ":"); !ok {
		return "", false
	}
	cond := ic.Cond[0]
	a, ok := argv(cond)
	if !ok || len(a) != 2 || (a[0] != "." && a[0] != "source") || !inDir(a[1], dir) {
		return "", false
	}
	rs := cond.Redirs
	if len(rs) != 2 || rs[0].Op != syntax.RdrOut || fd(rs[0]) != "" || !quiet(rs[0]) ||
		rs[1].Op != syntax.DplOut || !quiet(rs[1]) {
		return "", false
	}
	return a[1], true
}

// capture matches a statement before the snapshot is sourced: assignments to
// __CODEX_SNAPSHOT_* variables of "${KEY+x}", "${KEY-}" or a literal, plain or
// exported, or a case on such a variable that only assigns literals to them.
func (v codexVars) capture(st *syntax.Stmt) bool {
	if !plain(st) || len(st.Redirs) > 0 {
		return false
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		if len(c.Args) > 0 || len(c.Assigns) == 0 {
			return false
		}
		for _, as := range c.Assigns {
			if !v.captureAssign(as) {
				return false
			}
		}
		return true
	case *syntax.DeclClause:
		if c.Variant == nil || c.Variant.Value != "export" || len(c.Args) == 0 {
			return false
		}
		for _, as := range c.Args {
			if !v.captureAssign(as) {
				return false
			}
		}
		return true
	case *syntax.CaseClause:
		name, ok := quotedParam(c.Word)
		if !ok || !strings.HasPrefix(name, codexVarPrefix) {
			return false
		}
		for _, it := range c.Items {
			if !patternsLiteral(it.Patterns) {
				return false
			}
			for _, s := range it.Stmts {
				cx, ok := callOf(s)
				if !ok || len(s.Redirs) > 0 || len(cx.Args) > 0 || len(cx.Assigns) == 0 {
					return false
				}
				for _, as := range cx.Assigns {
					if !codexName(as) {
						return false
					}
					if !emptyWord(as.Value) {
						if _, ok := lit(as.Value); !ok {
							return false
						}
					}
				}
			}
		}
		return true
	}
	return false
}

// codexName reports whether as is a plain assignment to a __CODEX_SNAPSHOT_*
// variable.
func codexName(as *syntax.Assign) bool {
	return as != nil && !as.Append && !as.Naked && as.Name != nil && as.Index == nil && as.Array == nil &&
		strings.HasPrefix(as.Name.Value, codexVarPrefix) && identRE.MatchString(as.Name.Value)
}

func (v codexVars) captureAssign(as *syntax.Assign) bool {
	if !codexName(as) {
		return false
	}
	if emptyWord(as.Value) {
		return true
	}
	if _, ok := lit(as.Value); ok {
		return true
	}
	key, op, ok := captureExp(as.Value)
	if !ok {
		return false
	}
	if op == syntax.DefaultUnset {
		v[as.Name.Value] = key
	}
	return true
}

// captureExp matches "${KEY+x}" and "${KEY-}".
func captureExp(w *syntax.Word) (string, syntax.ParExpOperator, bool) {
	if w == nil || len(w.Parts) != 1 {
		return "", 0, false
	}
	dq, ok := w.Parts[0].(*syntax.DblQuoted)
	if !ok || dq.Dollar || len(dq.Parts) != 1 {
		return "", 0, false
	}
	pe, ok := dq.Parts[0].(*syntax.ParamExp)
	if !ok || pe.Param == nil || pe.Exp == nil || !identRE.MatchString(pe.Param.Value) {
		return "", 0, false
	}
	// the same expansion without its operator must be a plain one
	bare := *pe
	bare.Exp = nil
	if _, ok := simpleParam(&bare); !ok {
		return "", 0, false
	}
	switch pe.Exp.Op {
	case syntax.AlternateUnset:
		if x, ok := lit(pe.Exp.Word); ok && x == "x" {
			return pe.Param.Value, pe.Exp.Op, true
		}
	case syntax.DefaultUnset:
		if emptyWord(pe.Exp.Word) {
			return pe.Param.Value, pe.Exp.Op, true
		}
	}
	return "", 0, false
}

// patternsLiteral reports whether case patterns hold no expansion (globs are
// fine: matching runs nothing).
func patternsLiteral(ws []*syntax.Word) bool {
	for _, w := range ws {
		for _, p := range w.Parts {
			switch q := p.(type) {
			case *syntax.Lit, *syntax.SglQuoted:
			case *syntax.DblQuoted:
				for _, r := range q.Parts {
					if _, ok := r.(*syntax.Lit); !ok {
						return false
					}
				}
			default:
				return false
			}
		}
	}
	return true
}

// restore matches a statement after the snapshot is sourced: tests of captured
// or harness variables guarding exports of captured values to the variable they
// came from, and unsets of captured or harness variables.
func (v codexVars) restore(st *syntax.Stmt) bool {
	if !plain(st) || len(st.Redirs) > 0 {
		return false
	}
	switch c := st.Cmd.(type) {
	case *syntax.IfClause:
		return v.restoreIf(c)
	case *syntax.DeclClause:
		if c.Variant == nil || c.Variant.Value != "export" || len(c.Args) == 0 {
			return false
		}
		for _, as := range c.Args {
			if as.Naked || as.Append || as.Name == nil || as.Index != nil || as.Array != nil {
				return false
			}
			from, ok := quotedParam(as.Value)
			if !ok || v[from] != as.Name.Value {
				return false
			}
		}
		return true
	case *syntax.CallExpr:
		a, ok := argv(st)
		if !ok || len(a) < 2 || a[0] != "unset" {
			return false
		}
		for _, name := range a[1:] {
			if !strings.HasPrefix(name, codexVarPrefix) && !v.captured(name) {
				return false
			}
		}
		return true
	case *syntax.CaseClause:
		if key, _, ok := captureExp(c.Word); !ok || !v.captured(key) {
			if name, ok := quotedParam(c.Word); !ok || (!strings.HasPrefix(name, codexVarPrefix) && !v.captured(name)) {
				return false
			}
		}
		for _, it := range c.Items {
			if !patternsLiteral(it.Patterns) {
				return false
			}
			for _, s := range it.Stmts {
				if !v.restore(s) {
					return false
				}
			}
		}
		return true
	}
	return false
}

func (v codexVars) restoreIf(c *syntax.IfClause) bool {
	for ; c != nil; c = c.Else {
		for _, s := range c.Cond {
			for _, l := range andOr(s, 0, nil) {
				if !v.test(l.st) {
					return false
				}
			}
		}
		if len(c.Then) == 0 {
			return false
		}
		for _, s := range c.Then {
			if !v.restore(s) {
				return false
			}
		}
	}
	return true
}

// test matches `[ -n "<word>" ]` and `[ -z "<word>" ]` on captured or harness
// variables.
func (v codexVars) test(st *syntax.Stmt) bool {
	c, ok := callOf(st)
	if !ok || len(st.Redirs) > 0 || len(c.Assigns) > 0 || len(c.Args) != 4 {
		return false
	}
	a0, ok0 := lit(c.Args[0])
	a1, ok1 := lit(c.Args[1])
	a3, ok3 := lit(c.Args[3])
	if !ok0 || !ok1 || !ok3 || a0 != "[" || a3 != "]" || (a1 != "-n" && a1 != "-z") {
		return false
	}
	if name, ok := quotedParam(c.Args[2]); ok {
		return strings.HasPrefix(name, codexVarPrefix) || v.captured(name)
	}
	key, _, ok := captureExp(c.Args[2])
	return ok && identRE.MatchString(key)
}

// captured reports whether name is a variable some capture saved.
func (v codexVars) captured(name string) bool {
	for _, k := range v {
		if k == name {
			return true
		}
	}
	return false
}

// codexCheck matches Codex's snapshot check `set -e; . "<snapshot>"`.
func codexCheck(text string, f *syntax.File, env map[string]string, depth int) (View, bool) {
	dir := snapshotDir(env, Codex)
	if dir == "" || len(f.Stmts) != 2 {
		return View{}, false
	}
	if _, ok := bareIs(f.Stmts[0], "set", "-e"); !ok {
		return View{}, false
	}
	a, ok := bare(f.Stmts[1])
	if !ok || len(a) != 2 || (a[0] != "." && a[0] != "source") || !inDir(a[1], dir) {
		return View{}, false
	}
	return View{Harness: Codex, Form: FormSnapshotCheck, Command: "", Sourced: []string{a[1]}}, true
}
