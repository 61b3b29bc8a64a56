package shellparse

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// maxNesting bounds the bracket nesting of raw text handed to the (recursive)
// syntax parser; deeper text is rejected with a ParseError before parsing.
const maxNesting = 1000

// maxSteps bounds the work done walking one line (statements visited, loop
// iterations), so that pathological input finishes in bounded time.
const maxSteps = 20000

// maxLoopValues bounds how many literal values a for loop is unrolled over.
const maxLoopValues = 16

// debugPanics makes Parse re-panic instead of reporting an internal error
// (tests set it to see the stack).
var debugPanics = false

var parserPool = sync.Pool{New: func() any {
	return syntax.NewParser(syntax.Variant(syntax.LangBash))
}}

// Parse turns one command line into its command model. It never returns nil and
// never panics; a syntax error sets Line.ParseError.
func Parse(text string, opts Options) (line *Line) {
	line = &Line{Commands: []Command{}, Opaque: []Opaque{}, Functions: []string{}}
	defer func() {
		if r := recover(); r != nil {
			if debugPanics {
				panic(r)
			}
			// A bug must not let a line through unexamined: report it as a
			// parse error, which the policy turns into a hold.
			line.ParseError = &ParseError{Msg: "internal error while parsing"}
		}
	}()
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.MaxCommands <= 0 {
		opts.MaxCommands = DefaultMaxCommands
	}
	if opts.Cwd == "" {
		opts.Cwd = "/"
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if len(text) > opts.MaxBytes {
		// Judging a line costs time and memory in proportion to its size; past
		// the bound the line is not judged at all, and the policy holds it.
		line.ParseError = &ParseError{Msg: fmt.Sprintf("the command line is %d bytes, more than the %d gatesh judges", len(text), opts.MaxBytes), Limit: LimitSize}
		return line
	}
	if !utf8.ValidString(text) {
		// bash takes any bytes; the parser wants UTF-8. Invalid bytes become
		// U+FFFD, which the word resolver strips and flags as look-alike.
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	p := &parser{opts: opts, line: line, funcs: map[string]*syntax.Stmt{}}
	for k, v := range opts.Aliases {
		if validAliasName(k) {
			p.alias(k).vals = []string{v}
			p.alias(k).sure = true
		}
	}
	if opts.Functions != "" {
		p.predefine(opts.Functions)
	}
	st := &state{cwd: opts.Cwd}
	f, perr := p.parseText(text)
	if perr != nil {
		line.ParseError = perr
	}
	if f == nil {
		return line
	}
	p.stmts(f.Stmts, st, ctx{src: text})
	return line
}

// parseText parses shell code, guarding against input the recursive parser
// cannot take.
func (p *parser) parseText(text string) (*syntax.File, *ParseError) {
	f, err := parseBash(text)
	var refused *ParseError
	switch {
	case err == nil:
		return f, nil
	case errors.As(err, &refused):
		return nil, refused
	}
	return f, convertErr(err)
}

// parseBash parses text with bash's grammar, after the checks that keep the
// parser safe on any input (no NUL byte, bounded nesting); what they refuse is
// a *ParseError, what the parser rejects its own error.
func parseBash(text string) (*syntax.File, error) {
	if strings.IndexByte(text, 0) >= 0 {
		return nil, &ParseError{Msg: "NUL byte in command line"}
	}
	if d := nestingDepth(text); d > maxNesting {
		return nil, &ParseError{Msg: fmt.Sprintf("it nests more than %d levels deep", maxNesting), Limit: LimitNesting}
	}
	sp := parserPool.Get().(*syntax.Parser)
	f, err := sp.Parse(strings.NewReader(text), "")
	parserPool.Put(sp)
	return f, err
}

func convertErr(err error) *ParseError {
	var pe syntax.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Msg: pe.Text, Line: int(pe.Pos.Line()), Col: int(pe.Pos.Col())}
	}
	var le syntax.LangError
	if errors.As(err, &le) {
		return &ParseError{Msg: le.Error(), Line: int(le.Pos.Line()), Col: int(le.Pos.Col())}
	}
	return &ParseError{Msg: err.Error()}
}

// nestingDepth is a cheap over-estimate of the bracket nesting of text.
func nestingDepth(text string) int {
	d, maxd := 0, 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '(', '{', '[':
			d++
			if d > maxd {
				maxd = d
			}
		case ')', '}', ']':
			if d > 0 {
				d--
			}
		}
	}
	return maxd
}

type parser struct {
	opts      Options
	line      *Line
	funcs     map[string]*syntax.Stmt
	calling   []string
	steps     int
	stopped   bool
	tooMany   bool
	nestedErr bool
	// aliases are the aliases known so far (Options.Aliases, then alias
	// builtins in source order); aliasing names those being expanded.
	aliases  map[string]*aliasDef
	aliasing []string
	// aliasBytes counts the text parsed for alias expansions.
	aliasBytes int
}

// varVal is what the parser knows about a variable.
type varVal struct {
	val  string
	dyn  bool // value unknown
	glob bool // value is an unquoted glob (for f in ~/*)
	exp  bool // exported
}

// state is the shell state that flows through a line: variables, cwd,
// positional parameters. Subshells get a layered copy.
type state struct {
	parent  *state
	vars    map[string]varVal
	cwd     string
	cwdDyn  bool
	oldpwd  string
	dirs    []string
	pos     []field
	posSet  bool
	posDyn  bool
	isFresh bool
}

func (s *state) sub() *state {
	return &state{parent: s, cwd: s.cwd, cwdDyn: s.cwdDyn, oldpwd: s.oldpwd,
		dirs: s.dirs, pos: s.pos, posSet: s.posSet, posDyn: s.posDyn}
}

// fresh is the state of a new shell process started from s: it sees only
// exported variables.
func (s *state) fresh() *state {
	n := &state{cwd: s.cwd, cwdDyn: s.cwdDyn, oldpwd: s.oldpwd, isFresh: true}
	s.eachExported(func(k string, v varVal) {
		n.set(k, v)
	})
	return n
}

func (s *state) get(name string) (varVal, bool) {
	for t := s; t != nil; t = t.parent {
		if v, ok := t.vars[name]; ok {
			return v, true
		}
	}
	return varVal{}, false
}

func (s *state) set(name string, v varVal) {
	if s.vars == nil {
		s.vars = make(map[string]varVal, 4)
	}
	s.vars[name] = v
}

func (s *state) eachExported(fn func(string, varVal)) {
	var seen map[string]bool
	for t := s; t != nil; t = t.parent {
		for k, v := range t.vars {
			if seen != nil && seen[k] {
				continue
			}
			if t.parent != nil {
				if seen == nil {
					seen = map[string]bool{}
				}
				seen[k] = true
			}
			if v.exp {
				fn(k, v)
			}
		}
	}
}

// input describes where a command's stdin comes from.
type input struct {
	pipe  bool   // from a pipe
	known bool   // text is known
	text  string // the literal text
	file  string // redirected from a file (resolved path)
	dyn   bool   // from a file whose name is unknown
	all   bool   // from a |& pipe: the writer's stderr too
	doc   bool   // from a heredoc or here-string
	enc   bool   // the known text needed escape decoding (\x, \NNN, \u)
}

// output is the literal text a command writes to stdout, when known.
type output struct {
	s   string
	enc bool // it needed escape decoding (\x, \NNN, \u): obfuscation
}

// ctx is what flows down the walk but is not shell state.
type ctx struct {
	src         string
	via         []Step
	depth       int
	pipeFrom    []int
	bg          bool
	stdin       *input
	extraRedirs []Redirect
	// env is the environment a wrapped command inherits from its wrappers
	// (FOO=1 sudo env BAR=2 cmd); envDyn names its dynamic values.
	env    map[string]string
	envDyn []string
	// look marks the command as holding look-alike/control characters.
	look bool
	// noFunc is set by command/builtin: the next word is not a function.
	noFunc bool
}

func (c ctx) with(s Step) ctx {
	v := make([]Step, len(c.via), len(c.via)+1)
	copy(v, c.via)
	c.via = append(v, s)
	return c
}

func (p *parser) step() bool {
	if p.stopped {
		return false
	}
	p.steps++
	if p.steps > maxSteps {
		p.tooManyCommands(fmt.Sprintf("more than %d statements to follow, counting loop passes and function calls", maxSteps))
		return false
	}
	return true
}

// tooManyCommands stops the walk at a size bound; bound says which, in words a
// person reads in the held message ("more than 512 commands").
func (p *parser) tooManyCommands(bound string) {
	if !p.tooMany {
		p.tooMany = true
		p.line.Opaque = append(p.line.Opaque, Opaque{Reason: "too-many-commands", Text: bound, Via: []Step{}})
	}
	p.stopped = true
}

func (p *parser) opaque(reason, text string, c ctx) {
	if len(text) > 4096 {
		text = text[:4096]
	}
	via := c.via
	if via == nil {
		via = []Step{}
	}
	p.line.Opaque = append(p.line.Opaque, Opaque{Reason: reason, Text: text, Via: via})
}

func srcText(src string, n syntax.Node) string {
	if n == nil {
		return ""
	}
	a, b := int(n.Pos().Offset()), int(n.End().Offset())
	if a < 0 || b > len(src) || a > b {
		return ""
	}
	return src[a:b]
}

// parseCode parses literal code handed to a shell (bash -c, eval, trap, …) and
// walks it with the given state and chain.
func (p *parser) parseCode(code string, st *state, c ctx) {
	if p.stopped {
		return
	}
	if c.depth+1 > p.opts.MaxDepth {
		p.opaque("depth", code, c)
		return
	}
	c.depth++
	f, perr := p.parseText(code)
	if perr != nil {
		if p.line.ParseError == nil {
			perr.Nested = true
			p.line.ParseError = perr
		}
	}
	if f == nil {
		return
	}
	c.src = code
	c.pipeFrom = nil
	c.extraRedirs = nil
	p.stmts(f.Stmts, st, c)
}

func (p *parser) stmts(ss []*syntax.Stmt, st *state, c ctx) {
	for _, s := range ss {
		if p.stopped {
			return
		}
		p.stmt(s, st, c)
	}
}

// stmt walks one statement; it returns the literal text the statement writes to
// stdout when that is known (echo/printf/cat of literals), for pipes into shells.
func (p *parser) stmt(s *syntax.Stmt, st *state, c ctx) *output {
	if !p.step() || s == nil {
		return nil
	}
	if s.Background || s.Coprocess || s.Disown {
		c.bg = true
	}
	if ce, ok := s.Cmd.(*syntax.CallExpr); ok {
		return p.call(ce, s.Redirs, st, c)
	}
	if s.Cmd == nil {
		// Only redirections: "> file" truncates the file.
		if len(s.Redirs) > 0 {
			return p.call(&syntax.CallExpr{}, s.Redirs, st, c)
		}
		return nil
	}
	if len(s.Redirs) > 0 {
		rs, in := p.redirects(s.Redirs, st, c)
		if in != nil {
			c.stdin = in
		}
		if len(rs) > 0 {
			er := make([]Redirect, 0, len(c.extraRedirs)+len(rs))
			er = append(er, c.extraRedirs...)
			c.extraRedirs = append(er, rs...)
		}
	}
	switch x := s.Cmd.(type) {
	case *syntax.BinaryCmd:
		switch x.Op {
		case syntax.AndStmt, syntax.OrStmt:
			p.stmt(x.X, st, c)
			p.stmt(x.Y, st, c)
		default:
			p.pipeline(x, st, c)
		}
	case *syntax.Subshell:
		p.stmts(x.Stmts, st.sub(), c)
	case *syntax.Block:
		p.stmts(x.Stmts, st, c)
	case *syntax.IfClause:
		for cl := x; cl != nil; cl = cl.Else {
			p.stmts(cl.Cond, st, c)
			p.stmts(cl.Then, st, c)
		}
	case *syntax.WhileClause:
		p.stmts(x.Cond, st, c)
		p.stmts(x.Do, st, c)
	case *syntax.ForClause:
		p.forClause(x, st, c)
	case *syntax.CaseClause:
		p.words([]*syntax.Word{x.Word}, st, c)
		for _, it := range x.Items {
			p.words(it.Patterns, st, c)
			p.stmts(it.Stmts, st, c)
		}
	case *syntax.FuncDecl:
		p.funcDecl(x, st, c)
	case *syntax.ArithmCmd:
		p.arith(x.X, st, c)
	case *syntax.LetClause:
		for _, e := range x.Exprs {
			p.arith(e, st, c)
		}
	case *syntax.TestClause:
		p.testExpr(x.X, st, c)
	case *syntax.DeclClause:
		p.decl(x, st, c)
	case *syntax.TimeClause:
		p.stmt(x.Stmt, st, c)
	case *syntax.CoprocClause:
		c.bg = true
		p.stmt(x.Stmt, st.sub(), c)
	case *syntax.TestDecl:
		p.stmt(x.Body, st, c)
	}
	return nil
}

func (p *parser) pipeline(x *syntax.BinaryCmd, st *state, c ctx) {
	var stages []*syntax.Stmt
	var pipeAll []bool // pipeAll[i]: stage i feeds the next through |&
	var collect func(s *syntax.Stmt)
	collect = func(s *syntax.Stmt) {
		if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) &&
			len(s.Redirs) == 0 && !s.Negated && !s.Background {
			collect(b.X)
			if b.Op == syntax.PipeAll && len(pipeAll) > 0 {
				pipeAll[len(pipeAll)-1] = true
			}
			collect(b.Y)
			return
		}
		stages = append(stages, s)
		pipeAll = append(pipeAll, false)
	}
	collect(x.X)
	if x.Op == syntax.PipeAll && len(pipeAll) > 0 {
		pipeAll[len(pipeAll)-1] = true
	}
	collect(x.Y)
	start := len(p.line.Commands)
	var prevOut *output
	for i, s := range stages {
		if p.stopped {
			return
		}
		sc := c
		if i > 0 {
			end := len(p.line.Commands)
			pf := make([]int, 0, end-start)
			for j := start; j < end; j++ {
				pf = append(pf, j)
			}
			sc.pipeFrom = pf
			in := &input{pipe: true, all: pipeAll[i-1]}
			if prevOut != nil {
				in.known = true
				in.text = prevOut.s
				in.enc = prevOut.enc
			}
			sc.stdin = in
		}
		prevOut = p.stmt(s, st.sub(), sc)
	}
}

// Incomplete reports whether text is the start of a command that needs more
// lines (an open loop, quote, substitution or here-document), as an
// interactive bash would read on at its PS2 prompt. Text that Parse would
// refuse unparsed (too large, NUL, nesting) is not incomplete: it is judged,
// and held as a parse error.
func Incomplete(text string) bool {
	if len(text) > DefaultMaxBytes {
		return false
	}
	if n := len(text) - len(strings.TrimRight(text, "\\")); n%2 == 1 {
		return true // a line ending in a backslash goes on on the next
	}
	_, err := parseBash(text + "\n")
	return syntax.IsIncomplete(err)
}

// predefine registers the function definitions in text (earlier lines'), wherever
// they stand in it, without recording them as the line's own.
func (p *parser) predefine(text string) {
	f, err := parseBash(text)
	if err != nil {
		return
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		if x, ok := n.(*syntax.FuncDecl); ok {
			if x.Name != nil {
				p.funcs[x.Name.Value] = x.Body
			}
			for _, n := range x.Names {
				p.funcs[n.Value] = x.Body
			}
		}
		return true
	})
}

func (p *parser) funcDecl(x *syntax.FuncDecl, st *state, c ctx) {
	names := x.Names
	if x.Name != nil {
		names = append([]*syntax.Lit{x.Name}, names...)
	}
	for _, n := range names {
		name := n.Value
		p.funcs[name] = x.Body
		found := false
		for _, f := range p.line.Functions {
			if f == name {
				found = true
				break
			}
		}
		if !found {
			p.line.Functions = append(p.line.Functions, name)
		}
	}
}

func (p *parser) forClause(x *syntax.ForClause, st *state, c ctx) {
	switch l := x.Loop.(type) {
	case *syntax.CStyleLoop:
		p.arith(l.Init, st, c)
		p.arith(l.Cond, st, c)
		p.arith(l.Post, st, c)
		p.stmts(x.Do, st, c)
	case *syntax.WordIter:
		name := l.Name.Value
		var vals []field
		dyn := x.Select
		if !l.InPos.IsValid() {
			// for x; do: iterates over the positional parameters.
			if st.posSet && !st.posDyn {
				vals = st.pos
			} else {
				dyn = true
			}
		} else {
			for _, w := range l.Items {
				fs := p.word(w, st, c, modeArg)
				for _, f := range fs {
					if f.dyn {
						dyn = true
					}
				}
				vals = append(vals, fs...)
			}
		}
		if len(vals) > maxLoopValues {
			dyn = true
		}
		if dyn || len(vals) == 0 {
			st.set(name, varVal{dyn: true, val: "$" + name})
			if !dyn {
				return // empty list: the body never runs
			}
			p.stmts(x.Do, st, c)
			return
		}
		for _, v := range vals {
			if p.stopped {
				return
			}
			old, had := st.get(name)
			st.set(name, varVal{val: v.s, glob: v.glob, exp: had && old.exp})
			p.stmts(x.Do, st, c)
		}
	}
}

// words resolves words only for their side effects (substitutions).
func (p *parser) words(ws []*syntax.Word, st *state, c ctx) {
	for _, w := range ws {
		if w != nil {
			p.word(w, st, c, modeAssign)
		}
	}
}

func (p *parser) arith(e syntax.ArithmExpr, st *state, c ctx) {
	if e == nil || p.stopped {
		return
	}
	switch x := e.(type) {
	case *syntax.Word:
		p.word(x, st, c, modeAssign)
	case *syntax.BinaryArithm:
		p.arith(x.X, st, c)
		p.arith(x.Y, st, c)
	case *syntax.UnaryArithm:
		p.arith(x.X, st, c)
	case *syntax.ParenArithm:
		p.arith(x.X, st, c)
	case *syntax.FlagsArithm:
		p.arith(x.X, st, c)
	}
}

func (p *parser) testExpr(e syntax.TestExpr, st *state, c ctx) {
	if e == nil || p.stopped {
		return
	}
	switch x := e.(type) {
	case *syntax.Word:
		p.word(x, st, c, modeAssign)
	case *syntax.BinaryTest:
		p.testExpr(x.X, st, c)
		p.testExpr(x.Y, st, c)
	case *syntax.UnaryTest:
		p.testExpr(x.X, st, c)
	case *syntax.ParenTest:
		p.testExpr(x.X, st, c)
	}
}

// subst walks the statements of a command or process substitution.
func (p *parser) subst(ss []*syntax.Stmt, name string, st *state, c ctx) {
	c = c.with(Step{Kind: "subst", Name: name})
	c.pipeFrom = nil
	c.stdin = nil
	c.bg = false
	c.extraRedirs = nil
	p.stmts(ss, st.sub(), c)
}
