package shellparse

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// maxAliasCodes bounds the alias expansions tried for one command (an alias
// redefined within the line has several possible values; a value ending with
// a blank expands the next word too).
const maxAliasCodes = 8

// maxAliasChain bounds how many words a chain of values ending with a blank
// expands.
const maxAliasChain = 8

// maxAliasBytes bounds the text parsed for alias expansions in one line, so
// that a long value used many times cannot make judging a line slow; past it
// the line is marked "too-many-commands".
const maxAliasBytes = 1 << 20

// aliasDef is what the parser knows about one alias.
type aliasDef struct {
	vals []string // every literal value it may have
	dyns []string // source text of definitions whose value is not known
	// sure is true while the alias is only what Options.Aliases said: it was
	// defined before the line and the line neither redefined nor removed it.
	sure bool
}

// aliasStep is the Via link of code reached through an alias.
func aliasStep(name, val string) Step {
	if len(val) > 200 {
		val = val[:200]
	}
	return Step{Kind: "alias", Name: name, Detail: val}
}

// validAliasName reports whether bash would accept s as an alias name.
func validAliasName(s string) bool {
	if s == "" {
		return false
	}
	return !strings.ContainsAny(s, "/$`=\\'\" \t\n;|&()<>")
}

// aliasWord returns the alias name a command word may be: an unquoted literal
// word without backslashes (bash expands neither 'p' nor \p).
func aliasWord(w *syntax.Word) (string, bool) {
	if w == nil || len(w.Parts) != 1 {
		return "", false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	if !ok || !validAliasName(l.Value) {
		return "", false
	}
	return l.Value, true
}

func (p *parser) alias(name string) *aliasDef {
	if p.aliases == nil {
		p.aliases = map[string]*aliasDef{}
	}
	a := p.aliases[name]
	if a == nil {
		a = &aliasDef{}
		p.aliases[name] = a
	}
	return a
}

// defineAliases handles the alias builtin: each NAME=VALUE word defines an
// alias for the commands that follow in source order.
func (p *parser) defineAliases(f []field, c ctx) {
	for _, w := range f[1:] {
		eq := strings.IndexByte(w.s, '=')
		if w.dyn {
			if eq > 0 && validAliasName(w.s[:eq]) {
				a := p.alias(w.s[:eq])
				a.dyns = append(a.dyns, w.s)
				a.sure = false
				continue
			}
			// A name given by an expansion may define any alias.
			p.opaque("dynamic-code", w.s, c.with(Step{Kind: "alias", Name: "alias"}))
			continue
		}
		if eq <= 0 || !validAliasName(w.s[:eq]) {
			continue // alias -p, alias NAME (prints), invalid names
		}
		a := p.alias(w.s[:eq])
		v := w.s[eq+1:]
		if !containsStr(a.vals, v) {
			a.vals = append(a.vals, v)
		}
		a.sure = false
	}
}

// unalias handles the unalias builtin. bash reads a whole line before running
// it, so an alias removed on a line may still be expanded later on that line;
// an alias is therefore never forgotten, only no longer sure (its command
// word is then emitted too).
func (p *parser) unalias(f []field) {
	for _, w := range f[1:] {
		if w.dyn || w.s == "-a" {
			for _, a := range p.aliases {
				a.sure = false
			}
			continue
		}
		if a := p.aliases[w.s]; a != nil {
			a.sure = false
		}
	}
}

func (p *parser) expandingAlias(name string) bool {
	for _, n := range p.aliasing {
		if n == name {
			return true
		}
	}
	return false
}

// aliasContextSure reports whether a command reached through via is parsed
// by the same shell as the line (where aliases known before the line apply),
// not by a new shell, a remote host or a program.
func aliasContextSure(via []Step) bool {
	for _, s := range via {
		switch s.Kind {
		case "eval", "function", "subst", "alias", "trap":
		default:
			return false
		}
	}
	return true
}

func printNode(n syntax.Node) string {
	var b strings.Builder
	if err := syntax.NewPrinter().Print(&b, n); err != nil {
		return ""
	}
	return b.String()
}

// expandAlias walks the code an aliased command stands for: the alias value
// followed by the rest of the command's words. It reports whether the
// expansion is certain; when it is not (an alias defined or changed within
// the line, which bash applies only from the next line and only where
// aliases are expanded at all), the caller also handles the command as
// written.
func (p *parser) expandAlias(name string, a *aliasDef, ce *syntax.CallExpr, redirs []*syntax.Redirect, st *state, c ctx) bool {
	sure := a.sure && len(a.dyns) == 0 && len(a.vals) == 1 && aliasContextSure(c.via)
	var prefix strings.Builder
	for _, as := range ce.Assigns {
		prefix.WriteString(printNode(as))
		prefix.WriteByte(' ')
	}
	words := make([]string, len(ce.Args))
	for i, w := range ce.Args {
		words[i] = printNode(w)
	}
	type exp struct {
		code  string
		names []string
		val   string
	}
	head := ""
	var codes []exp
	var gen func(code string, i int, names []string, depth int)
	gen = func(code string, i int, names []string, depth int) {
		if len(codes) >= maxAliasCodes {
			return
		}
		// A value ending with a blank makes the next word an alias candidate.
		if depth < maxAliasChain && i < len(ce.Args) && (strings.HasSuffix(code, " ") || strings.HasSuffix(code, "\t")) {
			if n, ok := aliasWord(ce.Args[i]); ok && !containsStr(names, n) && !p.expandingAlias(n) {
				if next := p.aliases[n]; next != nil {
					if !next.sure {
						sure = false
					}
					for _, d := range next.dyns {
						p.opaque("dynamic-code", d, c.with(aliasStep(n, d)))
					}
					for _, v := range next.vals {
						gen(code+v, i+1, append(names[:len(names):len(names)], n), depth+1)
					}
					if len(next.dyns) == 0 && len(next.vals) == 1 {
						return
					}
					// The word may also stay as written.
				}
			}
		}
		var b strings.Builder
		b.WriteString(prefix.String())
		b.WriteString(code)
		for _, w := range words[i:] {
			b.WriteByte(' ')
			b.WriteString(w)
		}
		codes = append(codes, exp{code: b.String(), names: names, val: head})
	}
	for _, d := range a.dyns {
		p.opaque("dynamic-code", d, c.with(aliasStep(name, d)))
	}
	for _, v := range a.vals {
		head = v
		gen(v, 1, []string{name}, 0)
	}
	if len(codes) == 0 {
		return false
	}
	rs, in := p.redirects(redirs, st, c)
	if in != nil {
		c.stdin = in
	}
	if len(rs) > 0 {
		c.extraRedirs = append(append([]Redirect{}, c.extraRedirs...), rs...)
	}
	for _, e := range codes {
		if p.stopped {
			break
		}
		p.aliasCode(e.code, e.names, st, c.with(aliasStep(name, e.val)))
	}
	return sure
}

// aliasCode parses and walks the text an alias expands to. Unlike code handed
// to a shell it runs in place: it keeps the command's stdin, pipe and
// redirections.
func (p *parser) aliasCode(code string, names []string, st *state, c ctx) {
	if c.depth+1 > p.opts.MaxDepth {
		p.opaque("depth", code, c)
		return
	}
	p.aliasBytes += len(code)
	if p.aliasBytes > maxAliasBytes {
		p.tooManyCommands(fmt.Sprintf("more than %d KiB of alias expansions", maxAliasBytes>>10))
		return
	}
	c.depth++
	f, perr := p.parseText(code)
	if perr != nil && p.line.ParseError == nil {
		perr.Nested = true
		p.line.ParseError = perr
	}
	if f == nil {
		return
	}
	c.src = code
	n := len(p.aliasing)
	p.aliasing = append(p.aliasing, names...)
	p.stmts(f.Stmts, st, c)
	p.aliasing = p.aliasing[:n]
}
