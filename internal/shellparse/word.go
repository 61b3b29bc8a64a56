package shellparse

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// field is one resolved word.
type field struct {
	s    string
	dyn  bool // value unknown; s is the source text
	glob bool // unquoted glob characters
	look bool // unquoted unicode look-alikes or control characters
	psub bool // a process substitution (its value is a /dev/fd path)
	// pat marks a dynamic word whose value is known to be some descendant
	// of a directory (find -exec {} rewritten to START/**/{}): it is still
	// dyn (unknown as code, command name or variable value), but emit lists
	// it in Globs, not Dynamic.
	pat bool
	// num is the word's text with its numeric-only expansions ($? $$ $#
	// ${#x} and $((…)) of literal numbers) replaced by a digit, set when
	// they are its only unknown parts (numOK): such a word cannot inject
	// code, so as code it is parsed with the digit.
	num   string
	numOK bool
	// enc: the word's value needed escape decoding ($'\x72', $'\162',
	// $'\u0072').
	enc bool
}

type wordMode uint8

const (
	modeArg    wordMode = iota // command arguments: splitting, globbing, braces
	modeAssign                 // assignment values: no splitting
	modeRedir                  // redirect targets: no splitting
	modeHdoc                   // unquoted heredoc bodies
)

const maxBraceWords = 256

// word resolves one shell word into the fields bash would produce, flattening
// the substitutions it contains as a side effect.
func (p *parser) word(w *syntax.Word, st *state, c ctx, mode wordMode) []field {
	if w == nil || len(w.Parts) == 0 {
		return nil
	}
	// "$@" and $@ expand to the positional parameters one per field.
	if len(w.Parts) == 1 && mode == modeArg {
		pe := paramOf(w.Parts[0])
		if pe != nil && pe.Param != nil && (pe.Param.Value == "@" || pe.Param.Value == "*") && isSimpleParam(pe) {
			if st.posSet && !st.posDyn {
				out := make([]field, len(st.pos))
				copy(out, st.pos)
				return out
			}
		}
	}
	variants := [][]syntax.WordPart{w.Parts}
	if mode == modeArg && hasBrace(w) {
		w2 := &syntax.Word{Parts: append([]syntax.WordPart(nil), w.Parts...)}
		if syntax.SplitBraces(w2) {
			if vs, ok := expandBraces(w2.Parts); ok {
				variants = vs
			}
		}
	}
	var out []field
	for _, parts := range variants {
		b := wb{p: p, st: st, c: c, mode: mode}
		b.parts(parts, false, true)
		b.flush()
		if b.anyDyn {
			f := field{s: srcText(c.src, w), dyn: true, glob: b.anyGlob, look: b.anyLook, psub: b.anyPsub, enc: b.anyEnc}
			if f.s == "" {
				f.s = "?"
			}
			if len(variants) == 1 && !b.anyPsub {
				f.num, f.numOK = p.numericWord(parts, st, c, mode)
			}
			return append(out[:0], f)
		}
		out = append(out, b.out...)
	}
	return out
}

// numericWord resolves a word whose only unknown parts are numeric-only
// expansions, with a digit standing for each; false otherwise. It has no
// side effects: substitutions are not walked again.
func (p *parser) numericWord(parts []syntax.WordPart, st *state, c ctx, mode wordMode) (string, bool) {
	b := wb{p: p, st: st, c: c, mode: mode, numeric: true}
	b.parts(parts, false, true)
	b.flush()
	if b.anyDyn || len(b.out) != 1 {
		return "", false
	}
	return b.out[0].s, true
}

// numericParam reports whether a parameter expansion can only expand to a
// non-empty decimal number: $? $$ $# ${#x}. ($! is empty when no job was
// started in the background, and then the word it stood in vanishes.)
func numericParam(pe *syntax.ParamExp) bool {
	if pe.Param == nil || pe.Flags != nil || pe.Excl || pe.Width || pe.IsSet || pe.NestedParam != nil ||
		pe.Index != nil || len(pe.Modifiers) > 0 || pe.Slice != nil || pe.Repl != nil || pe.Names != 0 || pe.Exp != nil {
		return false
	}
	if pe.Length {
		return true
	}
	switch pe.Param.Value {
	case "?", "$", "#":
		return true
	}
	return false
}

// literalArith reports whether an arithmetic expression holds only literal
// numbers and operators without side effects. A variable is not literal:
// bash evaluates its value as an expression, which can run code
// (x='a[$(cmd)]'; $((x))).
func literalArith(e syntax.ArithmExpr, depth int) bool {
	if depth > 64 {
		return false
	}
	switch x := e.(type) {
	case *syntax.Word:
		l := x.Lit()
		if l == "" || len(x.Parts) != 1 || (len(l) > 1 && l[0] == '0') {
			return false // octal literals: not judged
		}
		for i := 0; i < len(l); i++ {
			if l[i] < '0' || l[i] > '9' {
				return false
			}
		}
		return true
	case *syntax.BinaryArithm:
		switch x.Op {
		case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn, syntax.RemAssgn,
			syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn, syntax.ShrAssgn:
			return false
		}
		return literalArith(x.X, depth+1) && literalArith(x.Y, depth+1)
	case *syntax.UnaryArithm:
		if x.Op == syntax.Inc || x.Op == syntax.Dec {
			return false
		}
		return literalArith(x.X, depth+1)
	case *syntax.ParenArithm:
		return literalArith(x.X, depth+1)
	}
	return false
}

var arithConfig = &expand.Config{Env: expand.FuncEnviron(func(string) string { return "" })}

// wordOne resolves a word into a single string (assignment values, redirect
// targets): the fields are joined with spaces.
func (p *parser) wordOne(w *syntax.Word, st *state, c ctx, mode wordMode) field {
	fs := p.word(w, st, c, mode)
	switch len(fs) {
	case 0:
		return field{}
	case 1:
		return fs[0]
	}
	f := fs[0]
	for _, g := range fs[1:] {
		f.s += " " + g.s
		f.dyn = f.dyn || g.dyn
		f.glob = f.glob || g.glob
		f.look = f.look || g.look
		f.enc = f.enc || g.enc
	}
	return f
}

func paramOf(wp syntax.WordPart) *syntax.ParamExp {
	switch x := wp.(type) {
	case *syntax.ParamExp:
		return x
	case *syntax.DblQuoted:
		if len(x.Parts) == 1 {
			if pe, ok := x.Parts[0].(*syntax.ParamExp); ok {
				return pe
			}
		}
	}
	return nil
}

func isSimpleParam(pe *syntax.ParamExp) bool {
	return pe.Param != nil && pe.Flags == nil && !pe.Excl && !pe.Length && !pe.Width && !pe.IsSet &&
		pe.NestedParam == nil && pe.Index == nil && len(pe.Modifiers) == 0 && pe.Slice == nil &&
		pe.Repl == nil && pe.Names == 0 && pe.Exp == nil
}

func hasBrace(w *syntax.Word) bool {
	for _, p := range w.Parts {
		if l, ok := p.(*syntax.Lit); ok && strings.IndexByte(l.Value, '{') >= 0 {
			return true
		}
	}
	return false
}

// expandBraces turns parts containing BraceExp nodes into the list of part
// sequences they expand to; false when the expansion would be too large.
func expandBraces(parts []syntax.WordPart) ([][]syntax.WordPart, bool) {
	res := [][]syntax.WordPart{nil}
	for _, part := range parts {
		be, ok := part.(*syntax.BraceExp)
		if !ok {
			for i := range res {
				res[i] = append(res[i], part)
			}
			continue
		}
		var alts [][]syntax.WordPart
		if be.Sequence {
			seq, ok := braceSeq(be)
			if !ok {
				return nil, false
			}
			for _, s := range seq {
				alts = append(alts, []syntax.WordPart{&syntax.Lit{Value: s}})
			}
		} else {
			for _, e := range be.Elems {
				sub, ok := expandBraces(e.Parts)
				if !ok {
					return nil, false
				}
				alts = append(alts, sub...)
			}
		}
		if len(res)*len(alts) > maxBraceWords {
			return nil, false
		}
		next := make([][]syntax.WordPart, 0, len(res)*len(alts))
		for _, r := range res {
			for _, a := range alts {
				n := make([]syntax.WordPart, 0, len(r)+len(a))
				n = append(n, r...)
				n = append(n, a...)
				next = append(next, n)
			}
		}
		res = next
	}
	return res, true
}

func braceSeq(be *syntax.BraceExp) ([]string, bool) {
	if len(be.Elems) < 2 {
		return nil, false
	}
	from, to := be.Elems[0].Lit(), be.Elems[1].Lit()
	incr := 1
	if len(be.Elems) > 2 {
		n, err := strconv.Atoi(be.Elems[2].Lit())
		if err != nil {
			return nil, false
		}
		if n < 0 {
			n = -n
		}
		if n != 0 {
			incr = n
		}
	}
	a, err1 := strconv.Atoi(from)
	b, err2 := strconv.Atoi(to)
	chars := false
	if err1 != nil || err2 != nil {
		if len(from) == 1 && len(to) == 1 {
			a, b, chars = int(from[0]), int(to[0]), true
		} else {
			return nil, false
		}
	}
	n := (b-a)/incr + 1
	if b < a {
		n = (a-b)/incr + 1
	}
	if n > maxBraceWords || n < 0 {
		return nil, false
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		v := a + i*incr
		if b < a {
			v = a - i*incr
		}
		if chars {
			out = append(out, string(rune(v)))
		} else {
			out = append(out, strconv.Itoa(v))
		}
	}
	return out, true
}

// wb builds the fields of one word.
type wb struct {
	p    *parser
	st   *state
	c    ctx
	mode wordMode
	out  []field
	buf  []byte
	has  bool
	glob bool
	look bool
	psub bool

	anyDyn, anyGlob, anyLook, anyPsub bool

	// numeric: numericWord's pass; numeric-only expansions stand for a
	// digit and nothing is walked.
	numeric bool

	enc, anyEnc bool
}

func (b *wb) flush() {
	if b.has {
		b.out = append(b.out, field{s: string(b.buf), glob: b.glob, look: b.look, psub: b.psub, enc: b.enc})
	}
	b.buf = b.buf[:0]
	b.has, b.glob, b.look, b.psub, b.enc = false, false, false, false, false
}

func (b *wb) dyn() { b.anyDyn = true; b.has = true }

func (b *wb) setGlob() { b.glob = true; b.anyGlob = true }
func (b *wb) setLook() { b.look = true; b.anyLook = true }

func (b *wb) splits() bool { return b.mode == modeArg }

func (b *wb) parts(parts []syntax.WordPart, quoted bool, first bool) {
	for i, part := range parts {
		switch x := part.(type) {
		case *syntax.Lit:
			if quoted {
				b.litQuoted(x.Value)
			} else {
				b.litUnquoted(x.Value, first && i == 0)
			}
		case *syntax.SglQuoted:
			b.has = true
			if x.Dollar {
				d, _, e := decodeEscapesEnc(x.Value, false)
				b.buf = append(b.buf, d...)
				if e {
					b.enc, b.anyEnc = true, true
				}
			} else {
				b.buf = append(b.buf, x.Value...)
			}
		case *syntax.DblQuoted:
			b.has = true
			b.parts(x.Parts, true, false)
		case *syntax.ParamExp:
			if b.numeric {
				if x.Exp != nil || x.Repl != nil || x.Index != nil || x.Slice != nil {
					b.dyn() // param would walk their words again
					continue
				}
				if v, ok := b.p.param(x, b.st, b.c); ok {
					b.expansion(v, quoted)
				} else if numericParam(x) {
					b.expansion(varVal{val: "0"}, quoted)
				} else {
					b.dyn()
				}
				continue
			}
			v, ok := b.p.param(x, b.st, b.c)
			if !ok {
				b.dyn()
				continue
			}
			b.expansion(v, quoted)
		case *syntax.CmdSubst:
			if b.numeric {
				b.dyn()
				continue
			}
			name := "$()"
			if x.Backquotes {
				name = "``"
			}
			b.p.subst(x.Stmts, name, b.st, b.c)
			b.dyn()
		case *syntax.ArithmExp:
			if b.numeric {
				if literalArith(x.X, 0) {
					if n, err := expand.Arithm(arithConfig, x.X); err == nil {
						b.expansion(varVal{val: strconv.Itoa(n)}, quoted)
						continue
					}
				}
				b.dyn()
				continue
			}
			b.p.arith(x.X, b.st, b.c)
			b.dyn()
		case *syntax.ProcSubst:
			if b.numeric {
				b.dyn()
				continue
			}
			name := "<()"
			if x.Op == syntax.CmdOut {
				name = ">()"
			}
			b.p.subst(x.Stmts, name, b.st, b.c)
			b.dyn()
			b.psub = true
			b.anyPsub = true
		case *syntax.ExtGlob:
			b.has = true
			b.buf = append(b.buf, x.Op.String()...)
			b.buf = append(b.buf, x.Pattern.Value...)
			b.buf = append(b.buf, ')')
			if !quoted {
				b.setGlob()
			}
		default:
			b.dyn()
		}
	}
}

// expansion appends the value of a known parameter expansion.
func (b *wb) expansion(v varVal, quoted bool) {
	if quoted || !b.splits() {
		b.has = true
		b.buf = append(b.buf, v.val...)
		if v.glob || (!quoted && strings.ContainsAny(v.val, "*?[")) {
			b.setGlob()
		}
		return
	}
	// Unquoted: split on IFS whitespace; glob characters stay globs. A line
	// that sets IFS makes splitting unknown.
	if ifs, ok := b.st.get("IFS"); ok && (ifs.dyn || ifs.val != " \t\n") && strings.ContainsAny(v.val, ifs.val+" \t\n") {
		b.dyn()
		return
	}
	s := v.val
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == ' ' || ch == '\t' || ch == '\n' {
			b.flush()
			continue
		}
		if ch == '*' || ch == '?' || ch == '[' {
			b.setGlob()
		}
		b.has = true
		b.buf = append(b.buf, ch)
	}
	if v.glob {
		b.setGlob()
	}
}

func (b *wb) litQuoted(s string) {
	b.has = true
	if strings.IndexByte(s, '\\') < 0 {
		b.buf = append(b.buf, s...)
		return
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '\\' && i+1 < len(s) {
			n := s[i+1]
			if n == '$' || n == '`' || n == '\\' || n == '\n' || (n == '"' && b.mode != modeHdoc) {
				if n != '\n' {
					b.buf = append(b.buf, n)
				}
				i++
				continue
			}
		}
		b.buf = append(b.buf, ch)
	}
}

func (b *wb) litUnquoted(s string, wordStart bool) {
	if b.mode == modeHdoc {
		b.litQuoted(s)
		return
	}
	i := 0
	if wordStart && len(s) > 0 && s[0] == '~' {
		j := strings.IndexByte(s, '/')
		if j < 0 {
			j = len(s)
		}
		user := s[1:j]
		switch user {
		case "":
			if b.p.opts.Home != "" {
				b.buf = append(b.buf, b.p.opts.Home...)
			} else if v, ok := b.p.lookup("HOME", b.st); ok && !v.dyn {
				b.buf = append(b.buf, v.val...)
			} else {
				b.dyn()
			}
			b.has = true
			i = j
		case "+":
			if b.st.cwdDyn {
				b.dyn()
			}
			b.buf = append(b.buf, b.st.cwd...)
			b.has = true
			i = j
		default:
			if syntax.ValidName(strings.ReplaceAll(user, "-", "_")) {
				// ~user: another user's home is not known here.
				b.dyn()
				i = j
			}
		}
	}
	for ; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\':
			if i+1 < len(s) {
				_, sz := utf8.DecodeRuneInString(s[i+1:])
				b.buf = append(b.buf, s[i+1:i+1+sz]...)
				i += sz
			}
			b.has = true
		case ch == '*' || ch == '?' || ch == '[':
			b.setGlob()
			b.buf = append(b.buf, ch)
			b.has = true
		case ch == '\r':
			b.setLook()
			b.has = true
		case ch < utf8.RuneSelf:
			if ch < 0x20 && ch != '\t' && ch != '\n' {
				b.setLook()
			}
			b.buf = append(b.buf, ch)
			b.has = true
		default:
			r, sz := utf8.DecodeRuneInString(s[i:])
			switch {
			case isUnicodeSpace(r):
				b.setLook()
				if b.splits() {
					b.flush()
				} else {
					b.buf = append(b.buf, ' ')
				}
			case isZeroWidth(r):
				b.setLook()
				b.has = true
			case isLookalikeQuote(r):
				b.setLook()
				b.buf = append(b.buf, s[i:i+sz]...)
				b.has = true
			case isUnicodeDash(r) && allDashes(b.buf):
				b.setLook()
				b.buf = append(b.buf, '-')
				b.has = true
			default:
				b.buf = append(b.buf, s[i:i+sz]...)
				b.has = true
			}
			i += sz - 1
		}
	}
}

func allDashes(b []byte) bool {
	for _, c := range b {
		if c != '-' {
			return false
		}
	}
	return true
}

func isUnicodeSpace(r rune) bool {
	switch {
	case r == 0xA0, r == 0x1680, r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F, r == 0x3000,
		r == 0x2028, r == 0x2029, r == 0x85:
		return true
	}
	return false
}

func isZeroWidth(r rune) bool {
	return (r >= 0x200B && r <= 0x200F) || r == 0x2060 || r == 0xFEFF || r == 0xAD || r == utf8.RuneError ||
		(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x061C || r == 0x180E
}

func isLookalikeQuote(r rune) bool {
	return (r >= 0x2018 && r <= 0x201F) || r == 0xAB || r == 0xBB || r == 0xFF02 || r == 0xFF07 ||
		r == 0x2032 || r == 0x2033 || r == 0xFF5C || r == 0xFF1B || r == 0xFF06 || r == 0x2223
}

func isUnicodeDash(r rune) bool {
	return (r >= 0x2010 && r <= 0x2015) || r == 0x2212 || r == 0xFE63 || r == 0xFF0D || r == 0xFE58
}

// lookup finds a variable's value: line state, then Options.Env, then HOME/PWD.
func (p *parser) lookup(name string, st *state) (varVal, bool) {
	if v, ok := st.get(name); ok {
		return v, true
	}
	switch name {
	case "PWD":
		if st.cwdDyn {
			return varVal{dyn: true}, true
		}
		return varVal{val: st.cwd}, true
	case "OLDPWD":
		if st.oldpwd != "" {
			return varVal{val: st.oldpwd}, true
		}
	}
	if v, ok := p.opts.Env[name]; ok {
		return varVal{val: v}, true
	}
	if name == "HOME" && p.opts.Home != "" {
		return varVal{val: p.opts.Home}, true
	}
	return varVal{}, false
}

// param resolves a parameter expansion; false when its value is not known.
func (p *parser) param(pe *syntax.ParamExp, st *state, c ctx) (varVal, bool) {
	// Flatten substitutions in the expansion's own words first.
	if pe.Exp != nil && pe.Exp.Word != nil {
		p.word(pe.Exp.Word, st, c, modeAssign)
	}
	if pe.Repl != nil {
		p.word(pe.Repl.Orig, st, c, modeAssign)
		p.word(pe.Repl.With, st, c, modeAssign)
	}
	if pe.Index != nil {
		p.arith(pe.Index, st, c)
	}
	if pe.Slice != nil {
		p.arith(pe.Slice.Offset, st, c)
		p.arith(pe.Slice.Length, st, c)
	}
	if pe.Param == nil || pe.Flags != nil || pe.Excl || pe.Width || pe.IsSet || pe.NestedParam != nil ||
		pe.Index != nil || len(pe.Modifiers) > 0 || pe.Slice != nil || pe.Repl != nil || pe.Names != 0 {
		return varVal{}, false
	}
	name := pe.Param.Value
	var v varVal
	var ok bool
	switch name {
	case "@", "*":
		if st.posSet && !st.posDyn {
			parts := make([]string, len(st.pos))
			for i, f := range st.pos {
				if f.dyn {
					return varVal{}, false
				}
				parts[i] = f.s
			}
			v, ok = varVal{val: strings.Join(parts, " ")}, true
		}
	case "#":
		if st.posSet && !st.posDyn {
			v, ok = varVal{val: strconv.Itoa(len(st.pos))}, true
		}
	case "?", "$", "!", "-", "_":
	default:
		if name[0] >= '0' && name[0] <= '9' {
			n, err := strconv.Atoi(name)
			if err == nil && st.posSet && !st.posDyn {
				if n == 0 {
					if vv, found := st.get("0"); found {
						v, ok = vv, true
					}
				} else if n <= len(st.pos) {
					f := st.pos[n-1]
					v, ok = varVal{val: f.s, dyn: f.dyn}, true
				} else {
					v, ok = varVal{}, true
				}
			}
		} else {
			v, ok = p.lookup(name, st)
		}
	}
	if ok && v.dyn {
		ok = false
	}
	if pe.Length {
		if !ok {
			return varVal{}, false
		}
		return varVal{val: strconv.Itoa(utf8.RuneCountInString(v.val))}, true
	}
	if pe.Exp == nil {
		return v, ok
	}
	if !ok {
		return varVal{}, false
	}
	switch pe.Exp.Op {
	case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AssignUnset, syntax.AssignUnsetOrNull,
		syntax.ErrorUnset, syntax.ErrorUnsetOrNull:
		if v.val != "" {
			return v, true
		}
		if pe.Exp.Op == syntax.ErrorUnset || pe.Exp.Op == syntax.ErrorUnsetOrNull {
			return v, true
		}
		f := p.wordOne(pe.Exp.Word, st, c, modeAssign)
		if f.dyn {
			return varVal{}, false
		}
		return varVal{val: f.s}, true
	case syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
		if v.val == "" {
			return varVal{}, true
		}
		f := p.wordOne(pe.Exp.Word, st, c, modeAssign)
		if f.dyn {
			return varVal{}, false
		}
		return varVal{val: f.s}, true
	case syntax.UpperAll:
		if pe.Exp.Word == nil {
			return varVal{val: strings.ToUpper(v.val)}, true
		}
	case syntax.LowerAll:
		if pe.Exp.Word == nil {
			return varVal{val: strings.ToLower(v.val)}, true
		}
	}
	return varVal{}, false
}

// decodeEscapes decodes backslash escapes; stop is true when \c was seen in
// echo mode.
func decodeEscapes(s string, echo bool) (string, bool) {
	out, stop, _ := decodeEscapesEnc(s, echo)
	return out, stop
}

// decodeEscapesEnc is decodeEscapes that also reports whether a byte or
// character was given by its code (\xHH, \NNN octal, \uHHHH, \UHHHHHHHH).
func decodeEscapesEnc(s string, echo bool) (string, bool, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, false, false
	}
	enc := false
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '\\' || i+1 >= len(s) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'e', 'E':
			b.WriteByte(27)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case '\\':
			b.WriteByte('\\')
		case '\'':
			if echo {
				b.WriteString("\\'")
			} else {
				b.WriteByte('\'')
			}
		case '"':
			if echo {
				b.WriteString("\\\"")
			} else {
				b.WriteByte('"')
			}
		case '?':
			if echo {
				b.WriteString("\\?")
			} else {
				b.WriteByte('?')
			}
		case 'c':
			if echo {
				return b.String(), true, enc
			}
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i] & 0x1f)
			} else {
				b.WriteString("\\c")
			}
		case 'x':
			n, j := hexVal(s, i+1, 2)
			if j == i+1 {
				b.WriteString("\\x")
			} else {
				b.WriteByte(byte(n))
				i = j - 1
				enc = true
			}
		case 'u', 'U':
			max := 4
			if e == 'U' {
				max = 8
			}
			n, j := hexVal(s, i+1, max)
			if j == i+1 {
				b.WriteByte('\\')
				b.WriteByte(e)
			} else {
				b.WriteRune(rune(n))
				i = j - 1
				enc = true
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			start := i
			max := 3
			if echo {
				if e != '0' {
					b.WriteByte('\\')
					b.WriteByte(e)
					continue
				}
				start = i + 1
			}
			n := 0
			j := start
			for ; j < len(s) && j < start+max && s[j] >= '0' && s[j] <= '7'; j++ {
				n = n*8 + int(s[j]-'0')
			}
			b.WriteByte(byte(n))
			i = j - 1
			enc = true
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), false, enc
}

func hexVal(s string, i, max int) (int, int) {
	n := 0
	j := i
	for ; j < len(s) && j < i+max; j++ {
		c := s[j]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		default:
			return n, j
		}
		n = n*16 + d
	}
	return n, j
}
