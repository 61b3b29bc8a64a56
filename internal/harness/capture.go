package harness

import (
	"strings"

	"github.com/gatesh/gatesh/internal/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// Snapshot capture scripts.
//
// Claude Code captures the user's shell once per session by running, with
// `<shell> -c -l SCRIPT` (src/utils/bash/ShellSnapshot.ts of the 2.1.88 sources):
//
//	SNAPSHOT_FILE=<~/.claude/shell-snapshots/snapshot-bash-<ms>-<id>.sh>
//	source "<~/.bashrc>" < /dev/null
//	echo "# Snapshot file" >| "$SNAPSHOT_FILE"
//	echo … >> "$SNAPSHOT_FILE"
//	declare -F | cut … | grep … | while read func; do … $(declare -f "$func" | base64) …; done
//	shopt -p | head -n 1000 >> "$SNAPSHOT_FILE"
//	set -o | grep … | awk '{…}' | head … >> "$SNAPSHOT_FILE"
//	alias | sed 's/…/…/' | … >> "$SNAPSHOT_FILE"
//	if [[ "$OSTYPE" == … ]]; then … fi
//	cat >> "$SNAPSHOT_FILE" << 'END' … END
//	if [ ! -f "$SNAPSHOT_FILE" ]; then echo … >&2; exit 1; fi
//
// Later releases (the ones harnesses.md describes) also use declare -fx,
// compgen -e, printf '%q', ${!#}, ${@:1:n}, IFS=$'\037', trap - DEBUG and quoted
// heredocs; their exact text is not public, so recognition rests on properties
// rather than on one text. Codex's capture (codex-rs/core/src/shell_snapshot.rs,
// bash_snapshot_script) prints the snapshot to stdout and writes no file; it has
// nothing to except and is judged whole.
//
// A top-level call (never text reached through eval or a wrapper) is a snapshot
// capture when, in its syntax tree:
//   - it is a login shell call (the harnesses run their capture with -l);
//   - it writes exactly one file, directly inside a harness's snapshot directory
//     (~/.claude/shell-snapshots or ~/.codex/shell_snapshots), named literally or
//     through one variable assigned that literal path by the first statement and
//     never again; every other write goes to /dev/null (or /dev/stdout,
//     /dev/stderr) or duplicates a descriptor;
//   - every command is on a small allow-list of builtins and read-only utilities
//     the real scripts use, with the options that make them write, run code or
//     assign special variables refused (printf -v, sed and awk programs
//     other than plain ones as shellparse reads them, compgen -C/-F/-W, trap
//     with an action, alias with a value, declare with an assignment,
//     command other than -v/-V, sort -o, …);
//   - the only file it sources is one of the user's own rc files
//     (~/.bashrc, ~/.bash_profile, ~/.bash_login, ~/.profile, ~/.zshrc), which
//     bash would read on its own and which are trusted by location;
//   - functions are defined only by top-level statements and checked like the
//     rest; a call to one is allowed after its definition, and none is unset;
//   - it runs nothing in the background, and it assigns no
//     variable that changes how commands are found or what bash runs (PATH,
//     BASH_ENV, PROMPT_COMMAND, BASH_CMDS, LD_*, …).
//
// The View keeps the whole text as Command: policy judges all of it, and may
// except exactly the write to View.Snapshot.

// captureCommands are the commands a capture script may run, with a check of
// their arguments (nil: any arguments).
var captureCommands = map[string]func(args []*syntax.Word) bool{
	"echo": nil, "true": nil, "false": nil, ":": nil, "[": nil, "test": nil, "exit": nil, "continue": nil, "break": nil,
	"shopt": nil, "set": nil, "unalias": nil, "unset": nil,
	"grep": nil, "cut": nil, "wc": nil, "tr": nil, "head": nil, "tail": nil,
	"printf":  printfArgs,
	"alias":   aliasArgs,
	"compgen": compgenArgs,
	"trap":    trapArgs,
	"read":    readArgs,
	"command": commandArgs,
	"declare": declareArgs,
	"typeset": declareArgs,
	"export":  declareArgs,
	"sed":     sedArgs,
	"awk":     awkArgs,
	"base64":  base64Args,
	"cat":     noArgs,
	"env":     noArgs,
	"sort":    noArgs,
}

// rcFiles are the user's own startup files, relative to the home directory.
var rcFiles = map[string]bool{".bashrc": true, ".bash_profile": true, ".bash_login": true, ".profile": true, ".zshrc": true}

// specialVars are variables a capture script may not assign: they change how
// commands are found, what bash runs on its own, or where the gate lives.
var specialVars = map[string]bool{
	"PATH": true, "HOME": true, "ENV": true, "BASH_ENV": true, "SHELLOPTS": true, "BASHOPTS": true,
	"PROMPT_COMMAND": true, "PS0": true, "PS1": true, "PS2": true, "PS4": true, "BASH_XTRACEFD": true,
	"CDPATH": true, "GLOBIGNORE": true, "FPATH": true, "BASH_LOADABLES_PATH": true, "EXECIGNORE": true,
	"BASH_CMDS": true, "BASH_ALIASES": true, "BASH_COMPAT": true, "POSIXLY_CORRECT": true, "TMPDIR": true,
}

func specialVar(name string) bool {
	return specialVars[name] || strings.HasPrefix(name, "LD_") || strings.HasPrefix(name, "DYLD_") ||
		strings.HasPrefix(name, "GATESH_") || strings.HasPrefix(name, "BASH_FUNC_") || !identRE.MatchString(name)
}

type capture struct {
	env      map[string]string
	home     string
	varName  string // the variable holding the snapshot path, if any
	snap     string // the snapshot path
	harness  string
	sourced  []string
	funcs    map[string]bool // functions defined so far
	allFuncs map[string]bool // every function the script defines
	topFunc  *syntax.FuncDecl
	wrote    bool
	ok       bool
}

// funcName returns the name of a function the script may define: not one of the
// commands with a meaning of their own here.
func (k *capture) funcName(fd *syntax.FuncDecl) string {
	switch n := fd.Name.Value; n {
	case "source", ".", "eval", "exec", "builtin", "command":
		return ""
	default:
		return n
	}
}

// seeCapture recognises a snapshot capture script at the top level of a call.
func seeCapture(c Call, f *syntax.File) (View, bool) {
	if !c.Login && !loginFlag(c.Flags) {
		return View{}, false
	}
	home := homeOf(c.Env)
	if home == "" {
		return View{}, false
	}
	k := &capture{env: c.Env, home: home, ok: true, funcs: map[string]bool{}, allFuncs: map[string]bool{}}
	syntax.Walk(f, func(n syntax.Node) bool {
		if fd, ok := n.(*syntax.FuncDecl); ok && fd.Name != nil {
			k.allFuncs[fd.Name.Value] = true
		}
		return true
	})
	// SNAPSHOT_FILE=<path>: the first statement may name the snapshot.
	if cx, ok := callOf(f.Stmts[0]); ok && len(f.Stmts[0].Redirs) == 0 && len(cx.Args) == 0 && len(cx.Assigns) == 1 {
		as := cx.Assigns[0]
		if p, ok := lit(as.Value); ok && as.Name != nil && !as.Append && as.Index == nil && as.Array == nil && !specialVar(as.Name.Value) {
			if h := k.harnessOf(p); h != "" {
				k.varName, k.snap, k.harness = as.Name.Value, p, h
			}
		}
	}
	for i, st := range f.Stmts {
		if i == 0 && k.varName != "" {
			continue
		}
		// A function may be defined only by a top-level statement, and called
		// only after it: until then its name would run the command it shadows.
		k.topFunc = nil
		if fd, ok := st.Cmd.(*syntax.FuncDecl); ok && plain(st) && len(st.Redirs) == 0 {
			k.topFunc = fd
		}
		syntax.Walk(st, k.visit)
		if !k.ok {
			return View{}, false
		}
	}
	if !k.wrote || k.snap == "" {
		return View{}, false
	}
	return View{Harness: k.harness, Form: FormSnapshotCapture, Command: c.Text, Sourced: k.sourced, Snapshot: k.snap}, true
}

// loginFlag reports whether the option words hold -l or --login.
func loginFlag(flags []string) bool {
	for _, f := range flags {
		if f == "--login" || (len(f) > 1 && f[0] == '-' && f[1] != '-' && strings.ContainsRune(f, 'l')) {
			return true
		}
	}
	return false
}

// harnessOf returns the harness whose snapshot directory holds p directly.
func (k *capture) harnessOf(p string) string {
	for _, h := range []string{ClaudeCode, Codex} {
		if inDir(p, snapshotDir(k.env, h)) {
			return h
		}
	}
	return ""
}

func (k *capture) fail() bool {
	k.ok = false
	return false
}

// visit checks one node of the tree (a syntax.Walk callback).
func (k *capture) visit(n syntax.Node) bool {
	if n == nil || !k.ok {
		return k.ok // Walk calls f(nil) after a node's children
	}
	switch x := n.(type) {
	case *syntax.Stmt:
		if x.Background || x.Coprocess || x.Disown {
			return k.fail()
		}
	case *syntax.Redirect:
		if !k.redirect(x) {
			return k.fail()
		}
	case *syntax.Assign:
		if x.Name != nil && (specialVar(x.Name.Value) || x.Name.Value == k.varName) && !x.Naked {
			return k.fail()
		}
	case *syntax.CallExpr:
		if len(x.Args) > 0 && !k.call(x) {
			return k.fail()
		}
	case *syntax.DeclClause:
		if x.Variant == nil || !k.decl(x) {
			return k.fail()
		}
	case *syntax.ForClause:
		wi, ok := x.Loop.(*syntax.WordIter)
		if x.Select || !ok || specialVar(wi.Name.Value) || wi.Name.Value == k.varName {
			return k.fail()
		}
	case *syntax.ParamExp:
		if x.Exp != nil && (x.Exp.Op == syntax.AssignUnset || x.Exp.Op == syntax.AssignUnsetOrNull) &&
			(x.Param == nil || specialVar(x.Param.Value) || x.Param.Value == k.varName) {
			return k.fail()
		}
	case *syntax.BinaryArithm:
		if arithAssign(x.Op) && !k.arithTarget(x.X) {
			return k.fail()
		}
	case *syntax.UnaryArithm:
		if (x.Op == syntax.Inc || x.Op == syntax.Dec) && !k.arithTarget(x.X) {
			return k.fail()
		}
	case *syntax.FuncDecl:
		// its body is checked like the rest; later calls to it are allowed
		if x != k.topFunc || x.Name == nil || !identRE.MatchString(x.Name.Value) || x.Name.Value != k.funcName(x) {
			return k.fail()
		}
		k.funcs[x.Name.Value] = true
	case *syntax.CoprocClause, *syntax.LetClause, *syntax.TimeClause, *syntax.TestDecl:
		return k.fail()
	case *syntax.File, *syntax.Word, *syntax.Lit, *syntax.SglQuoted, *syntax.DblQuoted,
		*syntax.CmdSubst, *syntax.ProcSubst, *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.ExtGlob,
		*syntax.BraceExp, *syntax.BinaryCmd, *syntax.Block, *syntax.Subshell, *syntax.IfClause,
		*syntax.WhileClause, *syntax.CaseClause, *syntax.CaseItem, *syntax.TestClause,
		*syntax.BinaryTest, *syntax.UnaryTest, *syntax.ParenTest, *syntax.WordIter,
		*syntax.ParenArithm, *syntax.Comment,
		*syntax.ArrayExpr, *syntax.ArrayElem:
	default:
		return k.fail()
	}
	return true
}

func arithAssign(op syntax.BinAritOperator) bool {
	switch op {
	case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn, syntax.RemAssgn,
		syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn, syntax.ShrAssgn:
		return true
	}
	return false
}

// arithTarget reports whether an arithmetic assignment's target is an ordinary
// variable.
func (k *capture) arithTarget(e syntax.ArithmExpr) bool {
	w, ok := e.(*syntax.Word)
	if !ok || len(w.Parts) != 1 {
		return false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	return ok && !specialVar(l.Value) && l.Value != k.varName
}

// redirect allows reading anything, duplicating descriptors, and writing only to
// /dev/null-like devices or to the snapshot.
func (k *capture) redirect(r *syntax.Redirect) bool {
	if r.N != nil && !isDigits(r.N.Value) {
		return false // {var}> opens a descriptor into a variable
	}
	switch r.Op {
	case syntax.RdrIn, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
		return true
	case syntax.DplIn, syntax.DplOut:
		if v, ok := lit(r.Word); ok && (isDigits(v) || v == "-") {
			return true
		}
		if r.Op == syntax.DplIn {
			return false
		}
	case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.RdrAll, syntax.AppAll, syntax.RdrInOut:
	default:
		return false
	}
	// a write
	if v, ok := lit(r.Word); ok {
		switch v {
		case "/dev/null", "/dev/stdout", "/dev/stderr":
			return true
		}
		return k.snapshotWrite(v)
	}
	if k.varName != "" {
		if name, ok := quotedParam(r.Word); ok && name == k.varName {
			return k.snapshotWrite(k.snap)
		}
		if len(r.Word.Parts) == 1 {
			if name, ok := simpleParam(r.Word.Parts[0]); ok && name == k.varName {
				return k.snapshotWrite(k.snap)
			}
		}
	}
	return false
}

// snapshotWrite accepts a write to p when p is the one snapshot file.
func (k *capture) snapshotWrite(p string) bool {
	h := k.harnessOf(p)
	if h == "" || (k.snap != "" && p != k.snap) {
		return false
	}
	k.snap, k.harness, k.wrote = p, h, true
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// call checks a simple command against the allow-list.
func (k *capture) call(c *syntax.CallExpr) bool {
	name, ok := lit(c.Args[0])
	if !ok {
		return false
	}
	args := c.Args[1:]
	if name == "builtin" {
		if len(args) == 0 {
			return true
		}
		if name, ok = lit(args[0]); !ok || !bashBuiltin[name] {
			return false
		}
		args = args[1:]
	}
	if name == "source" || name == "." {
		return k.source(args)
	}
	if name == "unset" {
		// unset NAME removes a function when no variable has that name
		for _, w := range args {
			if v, ok := lit(w); !ok || k.allFuncs[v] {
				return false
			}
		}
		return true
	}
	check, ok := captureCommands[name]
	if !ok {
		return k.funcs[name]
	}
	return check == nil || check(args)
}

// bashBuiltin are the allowed commands that `builtin` may name.
var bashBuiltin = map[string]bool{
	"echo": true, "true": true, "false": true, ":": true, "[": true, "test": true, "exit": true, "shopt": true,
	"set": true, "unalias": true, "unset": true, "printf": true, "alias": true, "compgen": true, "trap": true,
	"read": true, "command": true, "declare": true, "typeset": true, "export": true,
}

// source allows sourcing one of the user's rc files, named literally or as
// "$HOME/<file>".
func (k *capture) source(args []*syntax.Word) bool {
	if len(args) != 1 {
		return false
	}
	p, ok := homeWord(args[0], k.home)
	if !ok || !inDir(p, k.home) || !rcFiles[p[len(k.home)+1:]] {
		return false
	}
	k.sourced = append(k.sourced, p)
	return true
}

// homeWord returns the value of a word made of literal text and $HOME.
func homeWord(w *syntax.Word, home string) (string, bool) {
	if v, ok := lit(w); ok {
		return v, true
	}
	var b strings.Builder
	var part func(p syntax.WordPart, quoted bool) bool
	part = func(p syntax.WordPart, quoted bool) bool {
		switch q := p.(type) {
		case *syntax.Lit:
			if quoted {
				dquoted(&b, q.Value)
				return true
			}
			return unquoted(&b, q.Value, false, false)
		case *syntax.SglQuoted:
			if q.Dollar {
				return false
			}
			b.WriteString(q.Value)
			return true
		case *syntax.DblQuoted:
			if q.Dollar || quoted {
				return false
			}
			for _, r := range q.Parts {
				if !part(r, true) {
					return false
				}
			}
			return true
		case *syntax.ParamExp:
			name, ok := simpleParam(q)
			if !ok || name != "HOME" {
				return false
			}
			b.WriteString(home)
			return true
		}
		return false
	}
	for _, p := range w.Parts {
		if !part(p, false) {
			return "", false
		}
	}
	return b.String(), true
}

// decl checks declare/typeset/export (parsed as a declaration clause).
func (k *capture) decl(d *syntax.DeclClause) bool {
	switch d.Variant.Value {
	case "declare", "typeset", "export":
	default:
		return false // local, readonly, nameref
	}
	var words []*syntax.Word
	for _, as := range d.Args {
		switch {
		case as.Naked && as.Name != nil && as.Value == nil:
			words = append(words, &syntax.Word{Parts: []syntax.WordPart{as.Name}})
		case as.Naked && as.Value != nil:
			words = append(words, as.Value)
		default:
			return false // NAME=VALUE
		}
	}
	return declareArgs(words)
}

// --- argument checks ------------------------------------------------------------------

// noArgs allows no arguments but "-" (stdin).
func noArgs(args []*syntax.Word) bool {
	if len(args) == 0 {
		return true
	}
	v, ok := lit(args[0])
	return len(args) == 1 && ok && v == "-"
}

// printfArgs refuses printf -v (assigns a variable).
func printfArgs(args []*syntax.Word) bool {
	if len(args) == 0 {
		return true
	}
	v, ok := lit(args[0])
	return ok && !strings.HasPrefix(v, "-v")
}

// aliasArgs allows listing aliases only: no NAME=VALUE.
func aliasArgs(args []*syntax.Word) bool {
	for _, w := range args {
		v, ok := lit(w)
		if !ok || strings.Contains(v, "=") {
			return false
		}
	}
	return true
}

// compgenArgs allows compgen with listing options only: -C and -F run code, -W
// expands its word list.
func compgenArgs(args []*syntax.Word) bool {
	for i := 0; i < len(args); i++ {
		v, ok := lit(args[i])
		if !ok {
			return false
		}
		switch v {
		case "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-j", "-k", "-s", "-u", "-v", "--":
		case "-A":
			i++
			if i >= len(args) {
				return false
			}
			if a, ok := lit(args[i]); !ok || !identRE.MatchString(a) {
				return false
			}
		default:
			if strings.HasPrefix(v, "-") {
				return false
			}
		}
	}
	return true
}

// trapArgs allows resetting and listing traps only.
func trapArgs(args []*syntax.Word) bool {
	if len(args) == 0 {
		return true
	}
	v, ok := lit(args[0])
	if !ok {
		return false
	}
	switch v {
	case "-", "", "-p", "-l":
	default:
		return false
	}
	for _, w := range args[1:] {
		if _, ok := lit(w); !ok {
			return false
		}
	}
	return true
}

// readArgs allows reading into ordinary variables.
func readArgs(args []*syntax.Word) bool {
	valued := map[string]bool{"-d": true, "-n": true, "-N": true, "-p": true, "-t": true, "-u": true, "-i": true}
	for i := 0; i < len(args); i++ {
		v, ok := lit(args[i])
		if !ok {
			return false
		}
		switch {
		case valued[v]:
			i++
		case v == "-a":
			i++
			if i >= len(args) {
				return false
			}
			if n, ok := lit(args[i]); !ok || specialVar(n) {
				return false
			}
		case strings.HasPrefix(v, "-") && len(v) > 1:
			for _, c := range v[1:] {
				if !strings.ContainsRune("rse", c) {
					return false
				}
			}
		default:
			if specialVar(v) {
				return false
			}
		}
	}
	return true
}

// commandArgs allows `command -v NAME` and `command -V NAME` only.
func commandArgs(args []*syntax.Word) bool {
	if len(args) < 2 {
		return false
	}
	v, ok := lit(args[0])
	return ok && (v == "-v" || v == "-V")
}

// declareArgs allows declare/typeset/export that print or mark: no word holding
// "=", and dynamic names only when printing (-p, -f, -F), where a name cannot
// assign.
func declareArgs(args []*syntax.Word) bool {
	printing := false
	var dynamic bool
	for _, w := range args {
		v, ok := lit(w)
		if !ok {
			dynamic = true
			continue
		}
		if strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+") {
			if strings.ContainsAny(v, "pfF") {
				printing = true
			}
			continue
		}
		if strings.Contains(v, "=") {
			return false
		}
	}
	return !dynamic || printing
}

// sedArgs allows sed with plain scripts (see plainSed); no in-place editing,
// no script files.
func sedArgs(args []*syntax.Word) bool {
	script := false
	for i := 0; i < len(args); i++ {
		v, ok := lit(args[i])
		if !ok {
			if !script {
				return false
			}
			continue // an input file
		}
		switch {
		case v == "-n", v == "-E", v == "-r", v == "-z", v == "-u", v == "-s", v == "--posix", v == "--":
		case v == "-e" || v == "--expression":
			i++
			if i >= len(args) {
				return false
			}
			s, ok := lit(args[i])
			if !ok || !plainSed(s) {
				return false
			}
			script = true
		case strings.HasPrefix(v, "-") && v != "-":
			return false
		case !script:
			if !plainSed(v) {
				return false
			}
			script = true
		}
	}
	return script
}

// plainSed reports whether a sed script is plain (shellparse.Effects.Plain):
// only s, d and p commands with simple addresses, nothing that runs, reads or
// writes, parsed as the agent's own sed lines are.
func plainSed(script string) bool {
	e, ok := shellparse.SedEffects(script)
	return ok && e.Plain
}

// awkArgs allows awk with -F and -v options and a plain program (see
// plainAwk).
func awkArgs(args []*syntax.Word) bool {
	for i := 0; i < len(args); i++ {
		v, ok := lit(args[i])
		if !ok {
			return false
		}
		switch {
		case v == "-F" || v == "-v":
			i++
			if i >= len(args) {
				return false
			}
			if _, ok := lit(args[i]); !ok {
				return false
			}
		case strings.HasPrefix(v, "-F") || strings.HasPrefix(v, "-v"):
		case v == "--":
		case strings.HasPrefix(v, "-"):
			return false
		default:
			if !plainAwk(v) {
				return false
			}
			for _, w := range args[i+1:] {
				// input files or var=value operands
				if _, ok := lit(w); !ok && !plainDynamic(w) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// plainDynamic reports whether w is an expansion that cannot run code: a
// parameter, possibly quoted.
func plainDynamic(w *syntax.Word) bool {
	if name, ok := quotedParam(w); ok {
		return name != ""
	}
	if len(w.Parts) == 1 {
		_, ok := simpleParam(w.Parts[0])
		return ok
	}
	return false
}

// plainAwk reports whether an awk program is plain (shellparse.Effects.Plain):
// its text holds nothing that could run a command, redirect, read another
// file or read the environment, however an awk tokenizes it.
func plainAwk(program string) bool {
	e, ok := shellparse.AwkEffects(program)
	return ok && e.Plain
}

// base64Args allows encoding and decoding to stdout only.
func base64Args(args []*syntax.Word) bool {
	for i := 0; i < len(args); i++ {
		v, ok := lit(args[i])
		if !ok {
			return false
		}
		switch v {
		case "-d", "--decode", "-D", "-w0", "--wrap=0", "-i", "--ignore-garbage":
		case "-w":
			i++
			if i >= len(args) {
				return false
			}
			if n, ok := lit(args[i]); !ok || !isDigits(n) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
