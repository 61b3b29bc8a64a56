package harness

import (
	"mvdan.cc/sh/v3/syntax"
)

// Gemini CLI wraps its shell tool's command as (google-gemini/gemini-cli,
// packages/core/src/tools/shell.ts, wrapCommandForBackgroundPIDs, with the
// `shopt -u …; ` prefix of services/shellExecutionService.ts):
//
//	shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=<tmp file>
//	(
//	  trap 'jobs -p > "$_bgpids_file"' EXIT
//	<command>
//	)
//	__code=$?
//	exit $__code
//
// Its user shell mode (`!cmd` typed by the person) sends, as seen from a live
// 0.61.0:
//
//	shopt -u promptvars nullglob extglob nocaseglob dotglob; {
//	<command>
//	}
//	__code=$?; pwd > <tmp file>; exit $__code
//
// Older releases sent `{ <command>; }; __code=$?; pwd > "<tmp file>"; exit
// $__code` for the user shell and `{ <command>; }; __code=$?; pgrep -g 0
// ><tmp file> 2>&1; exit $__code;` for the tool; both are recognised, with or
// without the shopt prefix. Command is the source text of the agent's
// statements.

// geminiShoptOpts are the options Gemini CLI turns off.
var geminiShoptOpts = map[string]bool{"promptvars": true, "nullglob": true, "extglob": true, "nocaseglob": true, "dotglob": true}

func gemini(text string, f *syntax.File, env map[string]string, depth int) (View, bool) {
	ss := f.Stmts
	if len(ss) > 0 && geminiShopt(ss[0]) {
		ss = ss[1:]
	}
	// tool: _bgpids_file=…; ( trap …; <command> ); __code=$?; exit $__code
	if len(ss) == 4 && geminiPidsFile(ss[0], env) && geminiCode(ss[2]) && geminiExit(ss[3]) {
		sub, ok := ss[1].Cmd.(*syntax.Subshell)
		if !ok || !plain(ss[1]) || len(ss[1].Redirs) > 0 || len(sub.Stmts) < 2 || !geminiTrap(sub.Stmts[0]) {
			return View{}, false
		}
		cmd, ok := slice(text, sub.Stmts[1].Pos(), sub.Rparen, sub.Stmts[1:])
		if !ok {
			return View{}, false
		}
		return View{Harness: GeminiCLI, Form: FormGeminiWrapper, Command: cmd}, true
	}
	// user shell and older tool: { <command> }; __code=$?; pwd > …|pgrep …; exit $__code
	if len(ss) == 4 && geminiCode(ss[1]) && geminiExit(ss[3]) {
		blk, ok := ss[0].Cmd.(*syntax.Block)
		if !ok || !plain(ss[0]) || len(ss[0].Redirs) > 0 || len(blk.Stmts) == 0 {
			return View{}, false
		}
		form := ""
		switch {
		case geminiPwd(ss[2], env):
			form = FormGeminiUserShell
		case geminiPgrep(ss[2], env):
			form = FormGeminiWrapper
		default:
			return View{}, false
		}
		cmd, ok := slice(text, blk.Stmts[0].Pos(), blk.Rbrace, blk.Stmts)
		if !ok {
			return View{}, false
		}
		return View{Harness: GeminiCLI, Form: form, Command: cmd}, true
	}
	return View{}, false
}

// geminiShopt matches `shopt -u promptvars nullglob extglob nocaseglob dotglob`.
func geminiShopt(st *syntax.Stmt) bool {
	a, ok := bare(st)
	if !ok || len(a) < 3 || a[0] != "shopt" || a[1] != "-u" {
		return false
	}
	for _, o := range a[2:] {
		if !geminiShoptOpts[o] {
			return false
		}
	}
	return true
}

// geminiPidsFile matches `_bgpids_file=<file below a temporary directory>`.
func geminiPidsFile(st *syntax.Stmt, env map[string]string) bool {
	c, ok := callOf(st)
	if !ok || len(st.Redirs) > 0 || len(c.Args) > 0 || len(c.Assigns) != 1 {
		return false
	}
	as := c.Assigns[0]
	if as.Append || as.Naked || as.Name == nil || as.Name.Value != "_bgpids_file" || as.Index != nil || as.Array != nil {
		return false
	}
	p, ok := lit(as.Value)
	return ok && underTmp(p, env)
}

// geminiTrap matches `trap 'jobs -p > "$_bgpids_file"' EXIT`.
func geminiTrap(st *syntax.Stmt) bool {
	_, ok := bareIs(st, "trap", `jobs -p > "$_bgpids_file"`, "EXIT")
	return ok
}

// geminiCode matches `__code=$?`.
func geminiCode(st *syntax.Stmt) bool {
	c, ok := callOf(st)
	if !ok || len(st.Redirs) > 0 || len(c.Args) > 0 || len(c.Assigns) != 1 {
		return false
	}
	as := c.Assigns[0]
	if as.Append || as.Naked || as.Name == nil || as.Name.Value != "__code" || as.Index != nil || as.Array != nil ||
		as.Value == nil || len(as.Value.Parts) != 1 {
		return false
	}
	name, ok := simpleParam(as.Value.Parts[0])
	return ok && name == "?"
}

// geminiExit matches `exit $__code` (or "$__code").
func geminiExit(st *syntax.Stmt) bool {
	c, ok := callOf(st)
	if !ok || len(st.Redirs) > 0 || len(c.Assigns) > 0 || len(c.Args) != 2 {
		return false
	}
	if v, ok := lit(c.Args[0]); !ok || v != "exit" {
		return false
	}
	w := c.Args[1]
	if name, ok := quotedParam(w); ok {
		return name == "__code"
	}
	if len(w.Parts) != 1 {
		return false
	}
	name, ok := simpleParam(w.Parts[0])
	return ok && name == "__code"
}

// geminiPwd matches `pwd > <file below a temporary directory>`.
func geminiPwd(st *syntax.Stmt, env map[string]string) bool {
	if _, ok := argvIs(st, "pwd"); !ok || len(st.Redirs) != 1 {
		return false
	}
	r := st.Redirs[0]
	if r.Op != syntax.RdrOut || fd(r) != "" {
		return false
	}
	p, ok := lit(r.Word)
	return ok && underTmp(p, env)
}

// geminiPgrep matches `pgrep -g 0 ><file below a temporary directory> 2>&1`.
func geminiPgrep(st *syntax.Stmt, env map[string]string) bool {
	if _, ok := argvIs(st, "pgrep", "-g", "0"); !ok || len(st.Redirs) != 2 {
		return false
	}
	r := st.Redirs[0]
	if r.Op != syntax.RdrOut || fd(r) != "" || !quiet(st.Redirs[1]) || st.Redirs[1].Op != syntax.DplOut {
		return false
	}
	p, ok := lit(r.Word)
	return ok && underTmp(p, env)
}

// argvIs reports whether st is exactly the command want; redirections are the
// caller's to check.
func argvIs(st *syntax.Stmt, want ...string) ([]string, bool) {
	a, ok := argv(st)
	return a, ok && is(a, want...)
}
