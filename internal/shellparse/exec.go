package shellparse

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// call handles a simple command: assignments, words, redirections.
func (p *parser) call(ce *syntax.CallExpr, redirs []*syntax.Redirect, st *state, c ctx) *output {
	// An alias: the command stands for its value followed by its other words.
	if len(ce.Args) > 0 && len(p.aliases) > 0 {
		if name, ok := aliasWord(ce.Args[0]); ok && !p.expandingAlias(name) {
			if a := p.aliases[name]; a != nil && p.expandAlias(name, a, ce, redirs, st, c) {
				return nil
			}
		}
	}
	// Prefix assignments (or bare assignments).
	var assigns []Assign
	var prefixEnv map[string]string
	var envDyn []string
	bare := len(ce.Args) == 0
	for _, a := range ce.Assigns {
		if a.Name == nil {
			continue
		}
		name := a.Name.Value
		f := p.assignValue(a, st, c)
		p.prompt(name, a, f, st, c)
		if (a.Index != nil || a.Append) && f.s == "" {
			f.s = srcText(c.src, a)
		}
		if bare {
			old, _ := st.get(name)
			exp := old.exp
			st.set(name, varVal{val: f.s, dyn: f.dyn, exp: exp})
			assigns = append(assigns, Assign{Name: name, Value: f.s, Dynamic: f.dyn, Export: exp})
		} else {
			if prefixEnv == nil {
				prefixEnv = map[string]string{}
			}
			prefixEnv[name] = f.s
			if f.dyn {
				envDyn = append(envDyn, name)
			}
		}
	}
	var fields []field
	for _, w := range ce.Args {
		fields = append(fields, p.word(w, st, c, modeArg)...)
	}
	rs, in := p.redirects(redirs, st, c)
	if in != nil {
		c.stdin = in
	}
	if len(ce.Args) > 0 && hasCR(c.src, ce) {
		// bash keeps a \r in a word (rm\r is not rm); the parser drops it.
		c.look = true
	}
	if bare || len(fields) == 0 {
		if len(assigns) == 0 && len(rs) == 0 && len(c.extraRedirs) == 0 && len(prefixEnv) == 0 {
			return nil
		}
		idx := p.emit(nil, prefixEnv, envDyn, rs, st, c)
		if idx >= 0 {
			p.line.Commands[idx].Assigns = assigns
		}
		return nil
	}
	return p.run(fields, prefixEnv, envDyn, rs, st, c)
}

// redirects resolves redirections; the second result is the stdin they set.
func (p *parser) redirects(redirs []*syntax.Redirect, st *state, c ctx) ([]Redirect, *input) {
	if len(redirs) == 0 {
		return nil, nil
	}
	out := make([]Redirect, 0, len(redirs))
	var in *input
	for _, r := range redirs {
		op := r.Op.String()
		rd := Redirect{Op: op, Fd: defaultFd(r.Op)}
		if r.N != nil {
			if n, err := strconv.Atoi(r.N.Value); err == nil {
				rd.Fd = n
			} else {
				rd.Fd = -1 // {varname}>
			}
		}
		switch r.Op {
		case syntax.Hdoc, syntax.DashHdoc:
			rd.Target = unquoteLit(r.Word)
			text, known := p.heredoc(r, st, c)
			rd.Dynamic = !known
			in = &input{known: known, text: text, doc: true}
		case syntax.WordHdoc:
			f := p.wordOne(r.Word, st, c, modeRedir)
			rd.Target = f.s
			rd.Dynamic = f.dyn
			text, ok := codeText(f)
			in = &input{known: ok, text: text + "\n", doc: true, enc: f.enc}
		default:
			f := p.wordOne(r.Word, st, c, modeRedir)
			rd.Target = f.s
			rd.Dynamic = f.dyn
			switch r.Op {
			case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.AppClob, syntax.RdrAll,
				syntax.AppAll, syntax.RdrAllClob, syntax.AppAllClob, syntax.RdrInOut:
				rd.Write = true
			case syntax.DplOut:
				// >&word with a non-number is &>word.
				if _, err := strconv.Atoi(f.s); err != nil && f.s != "-" && !strings.HasSuffix(f.s, "-") {
					rd.Write = true
				}
			}
			isFile := r.Op != syntax.DplIn && (r.Op != syntax.DplOut || rd.Write)
			if isFile && !f.dyn {
				rd.Path = p.absPath(f.s, st)
			}
			if r.Op == syntax.RdrIn || r.Op == syntax.RdrInOut {
				if rd.Fd == 0 {
					in = &input{file: rd.Path, dyn: f.dyn || f.psub}
				}
			}
			if r.Op == syntax.DplIn && rd.Fd == 0 {
				in = &input{dyn: true}
			}
		}
		out = append(out, rd)
	}
	return out, in
}

func defaultFd(op syntax.RedirOperator) int {
	switch op {
	case syntax.RdrIn, syntax.RdrInOut, syntax.DplIn, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
		return 0
	}
	return 1
}

// heredoc returns the body of a here-document and whether it is known.
func (p *parser) heredoc(r *syntax.Redirect, st *state, c ctx) (string, bool) {
	if r.Hdoc == nil {
		return "", true
	}
	quoted := false
	for _, wp := range r.Word.Parts {
		switch x := wp.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			quoted = true
		case *syntax.Lit:
			if strings.IndexByte(x.Value, '\\') >= 0 {
				quoted = true
			}
		}
	}
	if quoted {
		return r.Hdoc.Lit(), true
	}
	fs := p.word(r.Hdoc, st, c, modeHdoc)
	if len(fs) == 0 {
		return "", true
	}
	if fs[0].dyn && !fs[0].numOK {
		return "", false
	}
	t, _ := codeText(fs[0])
	return t, true
}

// absPath resolves a word to an absolute cleaned path against the cwd; ""
// when the cwd is unknown and the word relative.
func (p *parser) absPath(w string, st *state) string {
	if w == "" {
		return ""
	}
	if w[0] == '/' {
		return path.Clean(w)
	}
	if st.cwdDyn || st.cwd == "" {
		return ""
	}
	return path.Join(st.cwd, w)
}

// emit appends a Command; it returns its index, or -1 when the line has too
// many commands.
func (p *parser) emit(fields []field, prefixEnv map[string]string, envDyn []string, rs []Redirect, st *state, c ctx) int {
	if p.stopped {
		return -1
	}
	if len(p.line.Commands) >= p.opts.MaxCommands {
		p.tooManyCommands(fmt.Sprintf("more than %d commands", p.opts.MaxCommands))
		return -1
	}
	cmd := Command{
		Argv:       make([]string, len(fields)),
		Dynamic:    []int{},
		Globs:      []int{},
		Assigns:    []Assign{},
		Cwd:        st.cwd,
		CwdDynamic: st.cwdDyn,
		Via:        c.via,
		Background: c.bg,
		PipeFrom:   c.pipeFrom,
		EnvDynamic: []string{},
	}
	if cmd.Via == nil {
		cmd.Via = []Step{}
	}
	if cmd.PipeFrom == nil {
		cmd.PipeFrom = []int{}
	}
	for i, f := range fields {
		cmd.Argv[i] = f.s
		if f.dyn && (!f.pat || i == 0) {
			cmd.Dynamic = append(cmd.Dynamic, i)
		}
		if f.glob {
			cmd.Globs = append(cmd.Globs, i)
		}
		if f.look || c.look {
			cmd.Lookalike = true
		}
	}
	if len(fields) > 0 {
		w := fields[0]
		cmd.Word = w.s
		if w.dyn || w.s == "" {
			if len(cmd.Dynamic) == 0 || cmd.Dynamic[0] != 0 {
				cmd.Dynamic = append([]int{0}, cmd.Dynamic...)
			}
		} else {
			cmd.Name = strings.ToLower(path.Base(w.s))
			if strings.IndexByte(w.s, '/') >= 0 {
				cmd.Path = p.absPath(w.s, st)
			}
		}
	}
	// Environment: exported variables of the line, then prefix assignments.
	env := make(map[string]string, len(c.env)+len(prefixEnv))
	for k, v := range c.env {
		env[k] = v
	}
	for _, k := range c.envDyn {
		cmd.EnvDynamic = append(cmd.EnvDynamic, k)
	}
	st.eachExported(func(k string, v varVal) {
		env[k] = v.val
		if v.dyn {
			cmd.EnvDynamic = append(cmd.EnvDynamic, k)
		}
	})
	for k, v := range prefixEnv {
		env[k] = v
	}
	for _, k := range envDyn {
		if !containsStr(cmd.EnvDynamic, k) {
			cmd.EnvDynamic = append(cmd.EnvDynamic, k)
		}
	}
	sort.Strings(cmd.EnvDynamic)
	cmd.Env = env
	if len(c.extraRedirs) > 0 {
		cmd.Redirects = append(append(make([]Redirect, 0, len(rs)+len(c.extraRedirs)), rs...), c.extraRedirs...)
	} else if rs != nil {
		cmd.Redirects = rs
	} else {
		cmd.Redirects = []Redirect{}
	}
	p.line.Commands = append(p.line.Commands, cmd)
	return len(p.line.Commands) - 1
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func fieldsOf(ss ...string) []field {
	out := make([]field, len(ss))
	for i, s := range ss {
		out[i] = field{s: s}
	}
	return out
}

// known reports whether every field is known and returns their values.
func known(fs []field) ([]string, bool) {
	out := make([]string, len(fs))
	for i, f := range fs {
		if f.dyn {
			return nil, false
		}
		out[i] = f.s
	}
	return out, true
}

func joinFields(fs []field) (string, bool) {
	var b strings.Builder
	ok := true
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.s)
		if f.dyn {
			ok = false
		}
	}
	return b.String(), ok
}

// run emits a command given its resolved words and follows what it runs.
func (p *parser) run(fields []field, prefixEnv map[string]string, envDyn []string, rs []Redirect, st *state, c ctx) *output {
	if p.stopped || len(fields) == 0 {
		return nil
	}
	w := fields[0]
	// A function defined in the line: its body runs here.
	if !w.dyn {
		if body, ok := p.funcs[w.s]; ok && !c.noFunc {
			p.callFunc(w.s, body, fields, rs, st, c)
			return nil
		}
	}
	idx := p.emit(fields, prefixEnv, envDyn, rs, st, c)
	if idx < 0 {
		return nil
	}
	if w.dyn || w.s == "" {
		text, _ := joinFields(fields)
		p.opaque("dynamic-command", text, c)
		return nil
	}
	// The environment a wrapped command inherits.
	if len(prefixEnv) > 0 {
		c.env = mergeEnv(c.env, prefixEnv)
		if len(envDyn) > 0 {
			c.envDyn = append(append([]string{}, c.envDyn...), envDyn...)
		}
	}
	name := p.line.Commands[idx].Name
	c.noFunc = false
	return p.dispatch(name, idx, fields, st, c)
}

func mergeEnv(a, b map[string]string) map[string]string {
	m := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

func (p *parser) callFunc(name string, body *syntax.Stmt, fields []field, rs []Redirect, st *state, c ctx) {
	for _, n := range p.calling {
		if n == name {
			text, _ := joinFields(fields)
			p.opaque("recursive-function", text, c)
			return
		}
	}
	if c.depth+1 > p.opts.MaxDepth {
		text, _ := joinFields(fields)
		p.opaque("depth", text, c)
		return
	}
	c = c.with(Step{Kind: "function", Name: name})
	c.depth++
	if len(rs) > 0 {
		c.extraRedirs = append(append([]Redirect{}, c.extraRedirs...), rs...)
	}
	p.calling = append(p.calling, name)
	oldPos, oldSet, oldDyn := st.pos, st.posSet, st.posDyn
	st.pos, st.posSet, st.posDyn = fields[1:], true, false
	p.stmt(body, st, c)
	st.pos, st.posSet, st.posDyn = oldPos, oldSet, oldDyn
	p.calling = p.calling[:len(p.calling)-1]
}

// promptDelim ends the here-document a prompt string is read as.
const promptDelim = "GATESH_PROMPT_STRING_END"

// prompt judges the code an interactive bash runs at each prompt: the value of
// PROMPT_COMMAND is code (Step "trap" named after the variable, as a trap body
// is code run later), and the command substitutions in a prompt string (PS0,
// PS1, PS2, PS4) run when it is shown, read as an unquoted here-document is.
func (p *parser) prompt(name string, a *syntax.Assign, f field, st *state, c ctx) {
	if a.Array != nil {
		return
	}
	s := Step{Kind: "trap", Name: name, Detail: "prompt"}
	switch name {
	case "PROMPT_COMMAND":
		p.code(f, s, st, c)
	case "PS0", "PS1", "PS2", "PS4":
		p.expansions(f.s, s, st, c)
	}
}

// expansions judges the command substitutions in text that bash expands later
// as a word (a prompt string, complete -W's word list): text is read as the
// body of an unquoted here-document, which bash expands alike. Text holding the
// here-document's end cannot be read so: it is opaque.
func (p *parser) expansions(text string, s Step, st *state, c ctx) {
	if !strings.Contains(text, "$(") && !strings.Contains(text, "`") {
		return
	}
	if strings.Contains(text, promptDelim) {
		p.opaque("dynamic-code", text, c.with(s))
		return
	}
	p.codeStr("cat <<"+promptDelim+"\n"+text+"\n"+promptDelim+"\n", true, s, st, c)
}

// decl handles declare/local/export/readonly/typeset/nameref.
func (p *parser) decl(d *syntax.DeclClause, st *state, c ctx) *output {
	variant := d.Variant.Value
	export := variant == "export"
	fields := []field{{s: variant}}
	var assigns []Assign
	type pending struct {
		name string
		f    field
		set  bool
	}
	var items []pending
	for _, a := range d.Args {
		if a.Naked && a.Name == nil {
			// An option (-x) or a name given by an expansion.
			fs := p.word(a.Value, st, c, modeArg)
			for _, f := range fs {
				if !f.dyn && len(f.s) > 1 && f.s[0] == '-' && strings.ContainsRune(f.s, 'x') {
					export = true
				}
				if !f.dyn && (f.s == "-f" || f.s == "-F" || f.s == "-p") {
					// declare -f/-p print; nothing to assign.
				}
			}
			fields = append(fields, fs...)
			continue
		}
		if a.Name == nil {
			continue
		}
		name := a.Name.Value
		if a.Naked {
			fields = append(fields, field{s: name})
			items = append(items, pending{name: name})
			continue
		}
		f := p.assignValue(a, st, c)
		p.prompt(name, a, f, st, c)
		fields = append(fields, field{s: name + "=" + f.s, dyn: f.dyn, look: f.look})
		items = append(items, pending{name: name, f: f, set: true})
	}
	for _, it := range items {
		if it.set {
			st.set(it.name, varVal{val: it.f.s, dyn: it.f.dyn, exp: export})
			assigns = append(assigns, Assign{Name: it.name, Value: it.f.s, Dynamic: it.f.dyn, Export: export})
			continue
		}
		if export {
			v, ok := p.lookup(it.name, st)
			if !ok {
				v = varVal{dyn: true, val: "$" + it.name}
			}
			v.exp = true
			st.set(it.name, v)
			assigns = append(assigns, Assign{Name: it.name, Value: v.val, Dynamic: v.dyn, Export: true})
		}
	}
	idx := p.emit(fields, nil, nil, nil, st, c)
	if idx >= 0 {
		if assigns == nil {
			assigns = []Assign{}
		}
		p.line.Commands[idx].Assigns = assigns
	}
	return nil
}

// unquoteLit is a heredoc delimiter with its quotes removed.
func unquoteLit(w *syntax.Word) string {
	var b strings.Builder
	for _, wp := range w.Parts {
		switch x := wp.(type) {
		case *syntax.Lit:
			b.WriteString(strings.ReplaceAll(x.Value, "\\", ""))
		case *syntax.SglQuoted:
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			for _, q := range x.Parts {
				if l, ok := q.(*syntax.Lit); ok {
					b.WriteString(l.Value)
				}
			}
		}
	}
	return b.String()
}

// hasCR reports whether a carriage return stands within the command's words
// or right after them on its line.
func hasCR(src string, n syntax.Node) bool {
	if strings.IndexByte(src, '\r') < 0 {
		return false
	}
	a, b := int(n.Pos().Offset()), int(n.End().Offset())
	if a < 0 || b > len(src) || a > b {
		return false
	}
	for b < len(src) && (src[b] == ' ' || src[b] == '\t' || src[b] == '\r') {
		b++
	}
	return strings.IndexByte(src[a:b], '\r') >= 0
}

// assignValue resolves the value of an assignment (x=v, x=(a b), x[i]=v, x+=v),
// flattening what its words run. An array, an indexed or an appending assignment
// has no single known value: it is dynamic.
func (p *parser) assignValue(a *syntax.Assign, st *state, c ctx) field {
	var f field
	if a.Array != nil {
		for _, el := range a.Array.Elems {
			if el.Value != nil {
				p.word(el.Value, st, c, modeArg)
			}
		}
		f = field{s: srcText(c.src, a.Array), dyn: true}
	} else if a.Value != nil {
		f = p.wordOne(a.Value, st, c, modeAssign)
	}
	if a.Index != nil || a.Append {
		p.arith(a.Index, st, c)
		f.dyn = true
	}
	return f
}
