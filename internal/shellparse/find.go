package shellparse

import (
	"path"
	"strconv"
	"strings"
)

// maxFindStarts bounds how many start paths of a find are followed one by one
// when {} is rewritten; with more, {} stays dynamic.
const maxFindStarts = 4

// maxFindWords bounds the size of a find command whose expression is judged
// (the judgement walks back over the expression for each action).
const maxFindWords = 1024

// findExpr is what the parser knows of a find command line.
type findExpr struct {
	f      []field
	starts []field // start paths as written ("." when none)
	expr   int     // index in f of the first expression word
	ok     bool    // start paths literal, no symlink following
	minDep bool    // -mindepth N with N >= 1: start paths never match
}

// findArity is the number of arguments a find primary or option takes.
var findArity = map[string]int{
	"-name": 1, "-iname": 1, "-path": 1, "-ipath": 1, "-wholename": 1, "-iwholename": 1,
	"-regex": 1, "-iregex": 1, "-lname": 1, "-ilname": 1, "-type": 1, "-xtype": 1,
	"-newer": 1, "-anewer": 1, "-cnewer": 1, "-mtime": 1, "-atime": 1, "-ctime": 1,
	"-mmin": 1, "-amin": 1, "-cmin": 1, "-used": 1, "-size": 1, "-perm": 1, "-user": 1,
	"-group": 1, "-uid": 1, "-gid": 1, "-links": 1, "-inum": 1, "-samefile": 1,
	"-fstype": 1, "-context": 1, "-maxdepth": 1, "-mindepth": 1, "-regextype": 1,
	"-fprint": 1, "-fprint0": 1, "-fls": 1, "-printf": 1, "-files0-from": 1, "-fprintf": 2,
}

func isFindExec(s string) bool {
	return s == "-exec" || s == "-execdir" || s == "-ok" || s == "-okdir"
}

// parseFind splits a find command into options, start paths and expression.
func parseFind(f []field) findExpr {
	fe := findExpr{f: f, ok: len(f) <= maxFindWords}
	i := 1
	for i < len(f) && !f[i].dyn {
		s := f[i].s
		if s == "-H" || s == "-P" || strings.HasPrefix(s, "-O") {
			i++
			continue
		}
		if s == "-L" {
			fe.ok = false
			i++
			continue
		}
		if s == "-D" {
			i += 2
			continue
		}
		break
	}
	for i < len(f) {
		s := f[i].s
		if !f[i].dyn && ((len(s) > 1 && s[0] == '-') || s == "(" || s == "!" || s == ")" || s == ",") {
			break
		}
		if f[i].dyn || s == "" {
			fe.ok = false
		}
		fe.starts = append(fe.starts, f[i])
		i++
	}
	if len(fe.starts) == 0 {
		fe.starts = []field{{s: "."}}
	}
	fe.expr = i
	for j := i; j < len(f); j++ {
		s := f[j].s
		switch {
		case isFindExec(s):
			for j+1 < len(f) && f[j+1].s != ";" && f[j+1].s != "+" {
				j++
			}
			j++
		case s == "-follow":
			fe.ok = false
		case s == "-mindepth" && j+1 < len(f):
			if n, err := strconv.Atoi(f[j+1].s); err == nil && n >= 1 && !f[j+1].dyn {
				fe.minDep = true
			}
			j++
		default:
			j += findArity[s]
		}
	}
	return fe
}

// findTok is one token of a find expression: an operator, a parenthesis, or
// a primary with its arguments f[i:end].
type findTok struct {
	s      string
	i, end int
}

func (fe findExpr) tokens() []findTok {
	var out []findTok
	f := fe.f
	for j := fe.expr; j < len(f); {
		s := f[j].s
		if f[j].dyn {
			s = "?"
		}
		end := j + 1
		if isFindExec(s) {
			for end < len(f) && f[end].s != ";" && f[end].s != "+" {
				end++
			}
			end++
		} else {
			end += findArity[s]
		}
		if end > len(f) {
			end = len(f)
		}
		out = append(out, findTok{s: s, i: j, end: end})
		j = end
	}
	return out
}

// excludesStart reports whether the conjunction of expression tokens leading
// to the action token k is false for the start path: then the action only
// ever sees descendants of the start.
func (fe findExpr) excludesStart(toks []findTok, k int, start string) bool {
	if fe.minDep {
		return true
	}
	// Walk back over the AND chain the action belongs to.
	for t := k - 1; t >= 0; t-- {
		s := toks[t].s
		switch s {
		case "-o", "-or", ",", "(":
			return false
		case "-a", "-and", "!", "-not":
			continue
		}
		lo := t
		if s == ")" {
			depth := 0
			for lo = t; lo >= 0; lo-- {
				if toks[lo].s == ")" {
					depth++
				} else if toks[lo].s == "(" {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if lo < 0 {
				return false
			}
		}
		if lo > 0 && (toks[lo-1].s == "!" || toks[lo-1].s == "-not") {
			t = lo
			continue // a negated test may hold for the start
		}
		var ex bool
		if s == ")" {
			ex = fe.groupExcludes(toks[lo+1:t], start)
		} else {
			ex = fe.primaryExcludes(toks[t], start)
		}
		if ex {
			return true
		}
		t = lo
	}
	return false
}

// groupExcludes reports whether a parenthesized expression is false for the
// start path: every -o branch holds a test false for it.
func (fe findExpr) groupExcludes(toks []findTok, start string) bool {
	depth := 0
	var branches [][]findTok
	cur := 0
	for t, tk := range toks {
		switch tk.s {
		case "(":
			depth++
		case ")":
			depth--
		case ",":
			if depth == 0 {
				return false
			}
		case "-o", "-or":
			if depth == 0 {
				branches = append(branches, toks[cur:t])
				cur = t + 1
			}
		}
	}
	branches = append(branches, toks[cur:])
	for _, b := range branches {
		// A branch is false for the start when one of its conjuncts is:
		// reuse the chain walk with a sentinel action past its end.
		bt := append(append([]findTok(nil), b...), findTok{s: "-true"})
		if !fe.excludesStartNoMin(bt, len(b), start) {
			return false
		}
	}
	return len(branches) > 0
}

func (fe findExpr) excludesStartNoMin(toks []findTok, k int, start string) bool {
	fe.minDep = false
	return fe.excludesStart(toks, k, start)
}

// primaryExcludes reports whether a test is known to be false for the start
// path itself (as find names it).
func (fe findExpr) primaryExcludes(tk findTok, start string) bool {
	if tk.end != tk.i+2 || fe.f[tk.i+1].dyn {
		return false
	}
	arg := fe.f[tk.i+1].s
	switch tk.s {
	case "-name", "-iname":
		base := strings.TrimRight(start, "/")
		if base == "" {
			base = "/"
		} else {
			base = path.Base(base)
		}
		m, ok := fnmatch(arg, base, tk.s == "-iname")
		return ok && !m
	case "-path", "-wholename", "-ipath", "-iwholename":
		m, ok := fnmatch(arg, start, tk.s == "-ipath" || tk.s == "-iwholename")
		return ok && !m
	case "-type":
		if !knownDir(start) {
			return false
		}
		return !strings.Contains(arg, "d")
	}
	return false
}

// knownDir reports whether a start path is certainly a directory.
func knownDir(s string) bool {
	return s == "." || s == ".." || strings.HasSuffix(s, "/") || strings.HasSuffix(s, "/.") || strings.HasSuffix(s, "/..")
}

// fnmatch matches a find/shell pattern (*, ?, [...], \x) against s; '*'
// matches '/' as find's -path does. ok is false for a pattern it does not
// judge (malformed, or character classes and escapes inside brackets). It
// runs in O(len(pat)*len(s)): one star is backtracked at a time.
func fnmatch(pat, s string, fold bool) (match, ok bool) {
	if fold {
		pat, s = strings.ToLower(pat), strings.ToLower(s)
	}
	for i := 0; i < len(pat); i++ {
		switch pat[i] {
		case '\\':
			if i+1 >= len(pat) {
				return false, false
			}
			i++
		case '[':
			w, valid := classWidth(pat[i:])
			if !valid {
				return false, false
			}
			i += w - 1
		}
	}
	px, sx := 0, 0
	starPx, starSx := -1, -1
	for px < len(pat) || sx < len(s) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			case '[':
				w, _ := classWidth(pat[px:])
				if sx < len(s) && classMatch(pat[px:px+w], s[sx]) {
					px += w
					sx++
					continue
				}
			case '\\':
				if sx < len(s) && s[sx] == pat[px+1] {
					px += 2
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if starPx >= 0 && starSx < len(s) {
			starSx++
			px, sx = starPx+1, starSx
			continue
		}
		return false, true
	}
	return true, true
}

// classWidth is the length of the bracket expression at the start of pat;
// false when it is not one this matcher judges.
func classWidth(pat string) (int, bool) {
	end := 1
	if end < len(pat) && (pat[end] == '!' || pat[end] == '^') {
		end++
	}
	if end < len(pat) && pat[end] == ']' {
		end++
	}
	for end < len(pat) && pat[end] != ']' {
		if pat[end] == '[' || pat[end] == '\\' {
			return 0, false
		}
		end++
	}
	if end >= len(pat) {
		return 0, false
	}
	return end + 1, true
}

func classMatch(class string, c byte) bool {
	set := class[1 : len(class)-1]
	neg := false
	if len(set) > 0 && (set[0] == '!' || set[0] == '^') {
		neg, set = true, set[1:]
	}
	in := false
	for j := 0; j < len(set); j++ {
		if j+2 < len(set) && set[j+1] == '-' {
			if set[j] <= c && c <= set[j+2] {
				in = true
			}
			j += 2
		} else if set[j] == c {
			in = true
		}
	}
	return in != neg
}

// pathWordSafe reports whether the rest of a word around a {} placeholder is
// plain path text (no blanks, quotes, or shell or glob characters), so the
// word names a path and not code.
func pathWordSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isWordByte(c) || strings.IndexByte("./-+=@,:%~", c) >= 0) {
			return false
		}
	}
	return true
}

// descendantWord rewrites a word holding the placeholder tok (find's {} or
// xargs' items) into a pattern naming some descendant of start: "{}" becomes
// START/**/{} with START resolved, "{}.bak" START/**/{}.bak, and "x={}"
// x=START/**/{} (START as written). It returns false when the word must stay
// dynamic: the placeholder appears more than once, the word is not plain
// path text, or (relOnly) it does not start with the placeholder.
func (p *parser) descendantWord(w field, tok, start string, relOnly bool, st *state) (field, bool) {
	if w.dyn || strings.Count(w.s, tok) != 1 {
		return w, false
	}
	before, after, _ := strings.Cut(w.s, tok)
	if !pathWordSafe(before) || !pathWordSafe(after) {
		return w, false
	}
	var s string
	if before == "" {
		abs := p.absPath(start, st)
		if abs == "" {
			return w, false
		}
		s = path.Join(abs, "**", "{}") + after
	} else {
		if relOnly {
			return w, false
		}
		s = before + strings.TrimRight(start, "/") + "/**/{}" + after
	}
	return field{s: s, dyn: true, pat: true, glob: true, look: w.look}, true
}

func (p *parser) find(f []field, st *state, c ctx) {
	fe := parseFind(f)
	toks := fe.tokens()
	for k, tk := range toks {
		a := tk.s
		if p.stopped {
			return
		}
		if !isFindExec(a) {
			continue
		}
		j := tk.end
		if j-1 > tk.i && (f[j-1].s == ";" || f[j-1].s == "+") {
			j--
		}
		inner := append([]field(nil), f[tk.i+1:j]...)
		if len(inner) == 0 {
			continue
		}
		c2 := c.with(Step{Kind: "find", Name: "find", Detail: a})
		c2.stdin = nil
		c2.pipeFrom = nil
		ist := st
		if a == "-execdir" || a == "-okdir" {
			// The command runs in the directory of each matched file.
			ist = st.sub()
			ist.cwdDyn = true
		}
		// {} names the matched file: some descendant of a start path when
		// the tests before the action are false for the start path itself.
		var variants [][]field
		if fe.ok && len(fe.starts) <= maxFindStarts {
			execdir := a == "-execdir" || a == "-okdir"
			for _, sp := range fe.starts {
				if !fe.excludesStart(toks, k, sp.s) {
					variants = nil
					break
				}
				v := make([]field, len(inner))
				copy(v, inner)
				for x := 1; x < len(v); x++ {
					if strings.Contains(v[x].s, "{}") {
						v[x], _ = p.descendantWord(v[x], "{}", sp.s, execdir, st)
					}
				}
				variants = append(variants, v)
			}
		}
		if variants == nil {
			variants = [][]field{inner}
		}
		for _, v := range variants {
			for x := range v {
				if strings.Contains(v[x].s, "{}") && !v[x].pat {
					v[x].dyn = true
				}
			}
			p.run(v, nil, nil, nil, ist, c2)
		}
	}
}
