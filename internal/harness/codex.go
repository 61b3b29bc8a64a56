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
// and restores put them back afterwards. Older versions:
//
//	if [ -n "${__CODEX_SNAPSHOT_OVERRIDE_SET_0}" ]; then export KEY="${__CODEX_SNAPSHOT_OVERRIDE_0}"; else unset KEY; fi
//	if [ -n "$__CODEX_SNAPSHOT_PROXY_ENV_SET" ] || [ -n "${KEY+x}" ]; then … fi
//	unset __CODEX_SNAPSHOT_OVERRIDE_SET_0 __CODEX_SNAPSHOT_OVERRIDE_0
//
// 0.169.0 (the exact bytes are in testdata/harness/codex-0.169.0-outer.sh:
// 7 override blocks, 49 proxy blocks inside the PROXY_ENV_SET if, 340 lines
// around a one-line command):
//
//	if [ -n "${__CODEX_SNAPSHOT_OVERRIDE_SET_0}" ]; then
//	  if [ -z "${KEY+x}" ] || [ "${KEY-}" != "${__CODEX_SNAPSHOT_OVERRIDE_0}" ]; then export KEY="${__CODEX_SNAPSHOT_OVERRIDE_0}"; else export KEY; fi
//	else builtin unset KEY 2>/dev/null || command unset KEY; fi
//	builtin unset __CODEX_SNAPSHOT_OVERRIDE_SET_0 __CODEX_SNAPSHOT_OVERRIDE_0 2>/dev/null || command unset __CODEX_SNAPSHOT_OVERRIDE_SET_0 __CODEX_SNAPSHOT_OVERRIDE_0
//
// and, last, a PATH prefix for Codex's own tools:
//
//	if [ -n "${PATH:-}" ]; then export PATH='<home>/.codex/packages/…/codex-path':"$PATH"; else export PATH='<home>/.codex/packages/…/codex-path'; fi
//
// The restores are matched as a small grammar, not as a fixed text, so any
// number of blocks over any variable names passes: a restore may only give KEY
// the value captured from KEY itself, export KEY as it stands, or unset KEY
// (KEY being a captured variable) or a __CODEX_SNAPSHOT_* variable; its tests
// only compare quoted plain expansions; and the one literal value it may assign
// is a directory under Codex's packages directory put in front of PATH. So the
// restores can only bring back the caller's own environment and add Codex's own
// tools. Command is the exec'd script: the exec'd shell (gatesh again, or the
// real bash when Codex names it) runs it.
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

// codexVars records what the captures saved, and where Codex keeps its tools.
type codexVars struct {
	from  map[string]string // each __CODEX_SNAPSHOT_* variable → the variable it captured
	keys  map[string]bool   // the variables some capture saved
	tools string            // Codex's packages directory, <home>/.codex/packages
}

// save records that the __CODEX_SNAPSHOT_* variable name captured key.
func (v codexVars) save(name, key string) {
	v.from[name] = key
	v.keys[key] = true
}

// captured reports whether name is a variable some capture saved.
func (v codexVars) captured(name string) bool { return v.keys[name] }

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
	vars := codexVars{from: map[string]string{}, keys: map[string]bool{}, tools: filepath.Join(filepath.Dir(dir), "packages")}
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
		v.save(as.Name.Value, key)
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
// came from, unsets of captured or harness variables, and the PATH prefix for
// Codex's tools.
func (v codexVars) restore(st *syntax.Stmt) bool {
	if !plain(st) {
		return false
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		return v.unset(st)
	case *syntax.BinaryCmd:
		// builtin unset X 2>/dev/null || command unset X
		if len(st.Redirs) > 0 || (c.Op != syntax.AndStmt && c.Op != syntax.OrStmt) {
			return false
		}
		for _, l := range andOr(st, 0, nil) {
			if _, ok := l.st.Cmd.(*syntax.CallExpr); !ok || !v.unset(l.st) {
				return false
			}
		}
		return true
	}
	if len(st.Redirs) > 0 {
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
			if as.Append || as.Name == nil || as.Index != nil || as.Array != nil || !identRE.MatchString(as.Name.Value) {
				return false
			}
			switch {
			case as.Naked:
				// export KEY: KEY keeps the value it has
				if !v.captured(as.Name.Value) {
					return false
				}
			case as.Name.Value == "PATH" && v.toolsPath(as.Value):
			default:
				from, ok := quotedParam(as.Value)
				if !ok || v.from[from] != as.Name.Value {
					return false
				}
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

// unset matches `unset NAME…`, `builtin unset NAME…` and `command unset NAME…`
// of captured or harness variables, its output sent to /dev/null at most. Each
// NAME must be a plain name: unset evaluates an array subscript
// (unset 'a[$(cmd)]' runs cmd).
func (v codexVars) unset(st *syntax.Stmt) bool {
	for _, r := range st.Redirs {
		if !quiet(r) {
			return false
		}
	}
	a, ok := argv(st)
	if !ok {
		return false
	}
	if len(a) > 0 && (a[0] == "builtin" || a[0] == "command") {
		a = a[1:]
	}
	if len(a) < 2 || a[0] != "unset" {
		return false
	}
	for _, name := range a[1:] {
		if !identRE.MatchString(name) || (!strings.HasPrefix(name, codexVarPrefix) && !v.captured(name)) {
			return false
		}
	}
	return true
}

// toolsPath matches the value Codex gives PATH to put its own tools first:
// '<dir>' or '<dir>':"$PATH", where dir is one directory (no colon) below
// Codex's packages directory, spelled without . or .. components.
func (v codexVars) toolsPath(w *syntax.Word) bool {
	if w == nil || len(w.Parts) == 0 || v.tools == "" {
		return false
	}
	parts := w.Parts
	if dq, ok := parts[len(parts)-1].(*syntax.DblQuoted); ok && !dq.Dollar && len(dq.Parts) == 1 {
		if name, ok := simpleParam(dq.Parts[0]); ok && name == "PATH" {
			parts = parts[:len(parts)-1]
			if len(parts) == 0 {
				return false
			}
			l, ok := parts[len(parts)-1].(*syntax.Lit)
			if !ok || !strings.HasSuffix(l.Value, ":") {
				return false
			}
			trimmed := &syntax.Lit{Value: strings.TrimSuffix(l.Value, ":")}
			parts = append(append([]syntax.WordPart{}, parts[:len(parts)-1]...), trimmed)
			if trimmed.Value == "" {
				parts = parts[:len(parts)-1]
			}
		}
	}
	dir, ok := lit(&syntax.Word{Parts: parts})
	return ok && !strings.Contains(dir, ":") && filepath.IsAbs(dir) && filepath.Clean(dir) == dir &&
		strings.HasPrefix(dir, v.tools+"/")
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

// test matches `[ -n W ]`, `[ -z W ]`, `[ W = W ]` and `[ W != W ]`, where each
// W is one of testWord's quoted expansions.
func (v codexVars) test(st *syntax.Stmt) bool {
	c, ok := callOf(st)
	if !ok || len(st.Redirs) > 0 || len(c.Assigns) > 0 || (len(c.Args) != 4 && len(c.Args) != 5) {
		return false
	}
	n := len(c.Args)
	open, ok0 := lit(c.Args[0])
	shut, ok1 := lit(c.Args[n-1])
	op, ok2 := lit(c.Args[n-3])
	if !ok0 || !ok1 || !ok2 || open != "[" || shut != "]" {
		return false
	}
	if n == 4 {
		return (op == "-n" || op == "-z") && v.testWord(c.Args[2])
	}
	return (op == "=" || op == "!=") && v.testWord(c.Args[1]) && v.testWord(c.Args[3])
}

// testWord matches the words Codex's tests look at: "$NAME" or "${NAME}" of a
// captured or harness variable, and "${NAME+x}", "${NAME-}" or "${NAME:-}" of
// any variable. None of them can run anything or assign.
func (v codexVars) testWord(w *syntax.Word) bool {
	if name, ok := quotedParam(w); ok {
		return strings.HasPrefix(name, codexVarPrefix) || v.captured(name)
	}
	if _, _, ok := captureExp(w); ok {
		return true
	}
	return emptyDefault(w)
}

// emptyDefault matches "${NAME:-}".
func emptyDefault(w *syntax.Word) bool {
	if w == nil || len(w.Parts) != 1 {
		return false
	}
	dq, ok := w.Parts[0].(*syntax.DblQuoted)
	if !ok || dq.Dollar || len(dq.Parts) != 1 {
		return false
	}
	pe, ok := dq.Parts[0].(*syntax.ParamExp)
	if !ok || pe.Param == nil || pe.Exp == nil || pe.Exp.Op != syntax.DefaultUnsetOrNull || !emptyWord(pe.Exp.Word) ||
		!identRE.MatchString(pe.Param.Value) {
		return false
	}
	bare := *pe
	bare.Exp = nil
	_, ok = simpleParam(&bare)
	return ok
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
