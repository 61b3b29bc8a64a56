package shellparse

import "strings"

// The analysis of sed scripts and awk programs, shared by the parser (an
// agent's `sed …` or `awk …` line) and the harness package (a snapshot capture
// script is trusted only when its sed and awk are harmless): one reading of
// each language, so the two can never disagree about what a program does.

// Effects is what a sed script or an awk program can do besides reading its
// input and printing to standard output.
type Effects struct {
	// Spawn: it runs commands (sed's e command and the e flag of s///; awk's
	// system(), print | cmd, cmd | getline, |& coprocesses, and gawk's @
	// directives and indirect calls, which can load code or call system).
	Spawn bool
	// Write: it writes files (sed's w and W commands and the w flag of s///;
	// a > or >> in an awk print or printf statement).
	Write bool
	// Read: it reads files other than its input (sed's r and R; awk's
	// getline < file).
	Read bool
	// Env: it reads the environment (awk's ENVIRON).
	Env bool
	// Network: it names gawk's /inet special files.
	Network bool
	// Runs are the shell commands it runs whose text is literal and that
	// read the program's own stdin (sed's e COMMAND; awk's system("…") and
	// "…" | getline).
	Runs []string
	// Files are the files it names to read or write, as written (sed's r,
	// R, w, W and the w flag of s///; GNU sed's /dev/stdin, /dev/stdout and
	// /dev/stderr, which it does not open, are left out; awk's print >
	// "file" and >> "file" with a literal name, not /dev/stdout or
	// /dev/stderr).
	Files []string
	// Feeds are the shell commands it runs whose text is literal and that
	// read what the program prints (awk's print | "…"): their stdin is text
	// made at run time. A coprocess (print |& "…") is in neither list.
	Feeds []string
	// Plain is true when the program is harmless by construction, whatever
	// implementation reads it. A sed script is plain when it parses, has at
	// least one command, and holds only s, d and p commands, each with at most
	// one address (a line number, $ or /regex/ with no flags), no bracket
	// expression holding the delimiter, and s flags among g, p, i, I, m, M and
	// a number. An awk program is plain when it tokenizes and its text, even
	// inside strings, regular expressions and comments, holds no |, >, @ or
	// backquote and nowhere the text system, getline, close, fflush, ENVIRON
	// or /inet: no reading of awk's grammar (gawk, mawk, BWK awk differ on
	// what a / starts) can find a command, a redirection or a coprocess in
	// it; nor does a regular expression hold a quote, where they disagree
	// about what is a string. Plain implies no effect.
	Plain bool
}

func (e Effects) any() bool {
	return e.Spawn || e.Write || e.Read || e.Env || e.Network
}

// SedEffects reports what a sed script does, as GNU sed parses it: the text
// of a\ i\ c\, file names, labels and the parts of s/// and y/// are not
// commands, a bracket expression in a regular expression may hold the
// delimiter, and a backslash-newline continues the text of a, i, c and e.
// The second result is false when GNU sed would reject the script; as GNU
// sed compiles the whole script before running any of it, nothing would run,
// but what was found before the error is still reported.
func SedEffects(script string) (Effects, bool) {
	s := &sedScript{text: script, plain: true}
	ok := s.scan()
	s.eff.Plain = ok && s.plain && s.cmds > 0 && !s.eff.any()
	return s.eff, ok
}

type sedScript struct {
	text  string
	i     int
	eff   Effects
	cmds  int
	plain bool
}

func (s *sedScript) blank() {
	for s.i < len(s.text) && (s.text[s.i] == ' ' || s.text[s.i] == '\t') {
		s.i++
	}
}

// toEOL moves past the argument of a command that runs to the end of the
// line (for text, esc: a backslash escapes a newline, as in a\ i\ c\ and e;
// file names and comments end at the first newline); it returns that
// argument.
func (s *sedScript) toEOL(esc bool) string {
	start := s.i
	for s.i < len(s.text) && s.text[s.i] != '\n' {
		if esc && s.text[s.i] == '\\' {
			s.i++
		}
		s.i++
	}
	if s.i > len(s.text) {
		s.i = len(s.text)
	}
	return s.text[start:s.i]
}

// endCmd: after a command without argument only blanks, then ; newline } #
// or the end may follow.
func (s *sedScript) endCmd() bool {
	s.blank()
	if s.i >= len(s.text) {
		return true
	}
	switch s.text[s.i] {
	case ';', '\n':
		s.i++
		return true
	case '}', '#':
		return true
	}
	return false
}

// part moves past one part of s/// or y/// or an address regex, up to and
// past its closing delim: a backslash escapes the next character (a newline
// too), an unescaped newline or the end is an error, and in a regex (re) a
// bracket expression may hold the delimiter, as GNU sed reads it ([]…] and
// [^]…] hold a ], [:class:] [.x.] [=x=] must close, a backslash is literal).
func (s *sedScript) part(delim byte, re bool) bool {
	t := s.text
	for s.i < len(t) {
		c := t[s.i]
		switch {
		case c == delim:
			s.i++
			return true
		case c == '\n':
			return false
		case c == '\\':
			s.i += 2
			continue
		case c == '[' && re:
			if !s.bracket(delim) {
				return false
			}
			continue
		}
		s.i++
	}
	return false
}

// bracket moves past a bracket expression starting at s.text[s.i].
func (s *sedScript) bracket(delim byte) bool {
	t := s.text
	s.i++
	if s.i < len(t) && t[s.i] == '^' {
		s.i++
	}
	if s.i < len(t) && t[s.i] == ']' {
		s.i++
	}
	for s.i < len(t) {
		switch c := t[s.i]; {
		case c == ']':
			s.i++
			return true
		case c == '\n':
			return false
		case c == delim:
			s.plain = false // only sed implementations that honour brackets read it so
		case c == '[' && s.i+1 < len(t) && strings.IndexByte(":.=", t[s.i+1]) >= 0:
			end := strings.Index(t[s.i+2:], string(t[s.i+1])+"]")
			if end < 0 || strings.IndexByte(t[s.i+2:s.i+2+end], '\n') >= 0 {
				return false
			}
			s.i += 2 + end + 2
			continue
		}
		s.i++
	}
	return false
}

// addr moves past one address, if any; second allows the +N and ~N forms of
// a range's end. It reports whether the address is plain (a line number, $
// or /regex/ with no flags) and false for ok at an unterminated regex.
func (s *sedScript) addr(second bool) (plain, ok bool) {
	t := s.text
	switch {
	case s.i < len(t) && t[s.i] >= '0' && t[s.i] <= '9', second && s.i < len(t) && (t[s.i] == '+' || t[s.i] == '~'):
		plain = t[s.i] != '+' && t[s.i] != '~'
		s.i++
		for s.i < len(t) && ((t[s.i] >= '0' && t[s.i] <= '9') || t[s.i] == '~') {
			plain = plain && t[s.i] != '~'
			s.i++
		}
		return plain, true
	case s.i < len(t) && (t[s.i] == '/' || t[s.i] == '\\'):
		plain = t[s.i] == '/'
		delim := byte('/')
		if t[s.i] == '\\' {
			s.i++
			if s.i >= len(t) || t[s.i] == '\n' || t[s.i] == '\\' {
				return false, false
			}
			delim = t[s.i]
		}
		s.i++
		if !s.part(delim, true) {
			return false, false
		}
		for s.i < len(t) && (t[s.i] == 'I' || t[s.i] == 'M') {
			plain = false
			s.i++
		}
		return plain, true
	case s.i < len(t) && t[s.i] == '$':
		s.i++
	}
	return true, true
}

// scan reads the script; false at a syntax error.
func (s *sedScript) scan() bool {
	t := s.text
	for {
		for s.i < len(t) && strings.IndexByte(" \t\n;{}", t[s.i]) >= 0 {
			if t[s.i] == '{' || t[s.i] == '}' {
				s.plain = false
			}
			s.i++
		}
		if s.i >= len(t) {
			return true
		}
		plain, ok := s.addr(false)
		if !ok {
			return false
		}
		s.plain = s.plain && plain
		s.blank()
		if s.i < len(t) && t[s.i] == ',' {
			s.plain = false // a range
			s.i++
			s.blank()
			if _, ok := s.addr(true); !ok {
				return false
			}
		}
		s.blank()
		for s.i < len(t) && t[s.i] == '!' {
			s.plain = false
			s.i++
			s.blank()
		}
		if s.i >= len(t) {
			return false // an address without a command
		}
		ch := t[s.i]
		s.i++
		s.cmds++
		if ch != 's' && ch != 'd' && ch != 'p' {
			s.plain = false
		}
		switch ch {
		case 'e':
			s.eff.Spawn = true
			s.blank()
			if cmd := strings.TrimSpace(strings.ReplaceAll(s.toEOL(true), "\\\n", "\n")); cmd != "" {
				s.eff.Runs = append(s.eff.Runs, cmd)
			}
		case 's', 'y':
			if s.i >= len(t) || t[s.i] == '\n' || t[s.i] == '\\' {
				return false
			}
			delim := t[s.i]
			s.i++
			if !s.part(delim, ch == 's') || !s.part(delim, false) {
				return false
			}
			if ch == 'y' {
				if !s.endCmd() {
					return false
				}
				continue
			}
			if !s.flags() {
				return false
			}
		case 'w', 'W':
			s.eff.Write = true
			s.file()
		case 'r', 'R':
			s.eff.Read = true
			s.file()
		case '#':
			s.toEOL(false)
		case 'a', 'i', 'c':
			s.toEOL(true)
		case 'b', 't', 'T', ':', 'v':
			for s.i < len(t) && t[s.i] != '\n' && t[s.i] != ';' {
				s.i++
			}
		case 'q', 'Q', 'l', 'L':
			s.blank()
			for s.i < len(t) && t[s.i] >= '0' && t[s.i] <= '9' {
				s.i++
			}
			if !s.endCmd() {
				return false
			}
		case '=', 'd', 'D', 'g', 'G', 'h', 'H', 'n', 'N', 'p', 'P', 'x', 'z', 'F', '}':
			if !s.endCmd() {
				return false
			}
		case '{':
		default:
			return false // unknown command
		}
	}
}

// file reads the file name of r, R, w, W or the w flag, to the end of the
// line, blanks before it skipped.
func (s *sedScript) file() {
	s.blank()
	switch name := s.toEOL(false); name {
	case "", "/dev/stdin", "/dev/stdout", "/dev/stderr":
	default:
		s.eff.Files = append(s.eff.Files, name)
	}
}

// flags reads the flags of s///; false on an unknown flag.
func (s *sedScript) flags() bool {
	t := s.text
	blanked := false
	for s.i < len(t) {
		switch c := t[s.i]; {
		case c == 'e':
			s.eff.Spawn = true
			s.i++
		case c == 'w':
			s.eff.Write = true
			s.i++
			s.file()
			return true
		case c == ';' || c == '\n':
			s.i++
			return true
		case c == '}' || c == '#':
			return true
		case c == ' ' || c == '\t':
			blanked = true
			s.i++
		case strings.IndexByte("gpiImM0123456789", c) >= 0:
			if blanked {
				s.plain = false
			}
			s.i++
		default:
			return false // unknown option to s
		}
	}
	return true
}

// AwkEffects reports what an awk program does. It reads the program's tokens
// as gawk does (a / starts a regular expression where an operand may start,
// after an operator, a keyword such as print or return, or the condition of
// if, while and for; it divides after an operand), and finds: system, a |
// (print | cmd, cmd | getline, |&) and @ (spawn); a > or >> in a print or
// printf statement (write; a > elsewhere compares); getline … < file (read);
// ENVIRON (env); a string naming /inet (network). The second result is false
// when the program does not tokenize: an unterminated string or regular
// expression, a backquote.
func AwkEffects(program string) (Effects, bool) {
	toks, ok := awkTokens(program)
	var e Effects
	for k, tk := range toks {
		switch {
		case tk.kind == 'i' && tk.text == "system":
			e.Spawn = true
			if k+1 < len(toks) && toks[k+1].is('(') {
				if cmd, n := awkStrings(toks[k+2:]); n > 0 && k+2+n < len(toks) && toks[k+2+n].is(')') {
					e.Runs = append(e.Runs, cmd)
				}
			}
		case tk.kind == 'o' && (tk.text == "|" || tk.text == "|&"):
			e.Spawn = true
			if tk.text == "|&" {
				break // a coprocess both reads and answers at run time
			}
			if cmd, n := awkStrings(toks[k+1:]); n > 0 && (k+1+n == len(toks) || toks[k+1+n].endsStmt()) {
				e.Feeds = append(e.Feeds, cmd) // print | "cmd"
			} else if k+1 < len(toks) && toks[k+1].text == "getline" {
				j := k
				for j > 0 && toks[j-1].kind == 's' {
					j--
				}
				if j < k && (j == 0 || toks[j-1].startsExpr()) {
					cmd, _ := awkStrings(toks[j:k])
					e.Runs = append(e.Runs, cmd) // "cmd" | getline
				}
			}
		case tk.kind == 'o' && tk.text == "@":
			e.Spawn = true
		case tk.kind == 'i' && (tk.text == "print" || tk.text == "printf"):
			for j := k + 1; j < len(toks); j++ {
				t2 := toks[j]
				if t2.is(';') || t2.is('}') {
					break
				}
				if t2.kind == 'o' && (t2.text == ">" || t2.text == ">>") {
					e.Write = true
					// print > "file": a literal file name (gawk's
					// /dev/stdout and /dev/stderr open nothing)
					if f, n := awkStrings(toks[j+1:]); n > 0 && (j+1+n == len(toks) || toks[j+1+n].endsStmt()) &&
						f != "/dev/stdout" && f != "/dev/stderr" && f != "-" && !containsStr(e.Files, f) {
						e.Files = append(e.Files, f)
					}
				}
			}
		case tk.kind == 'i' && tk.text == "getline":
			depth := 0
		scan:
			for _, t2 := range toks[k+1:] {
				switch {
				case t2.is('(') || t2.is('['):
					depth++
				case t2.is(')') || t2.is(']'):
					depth--
					if depth < 0 {
						break scan
					}
				case t2.is(';') || t2.is('}') || t2.is('\n'):
					break scan
				case t2.kind == 'o' && t2.text == "<":
					e.Read = true
					break scan
				}
			}
		case tk.kind == 'i' && tk.text == "ENVIRON":
			e.Env = true
		case tk.kind == 's' && strings.Contains(tk.text, "/inet"):
			e.Network = true
		}
	}
	e.Plain = ok && !e.any() && awkPlainText(program)
	for _, tk := range toks {
		if tk.kind == 'r' && strings.Contains(tk.text, `"`) {
			e.Plain = false // where awks disagree: mawk rejects print /"/, gawk reads a regex
		}
	}
	return e, ok
}

// awkPlainText reports whether an awk program's text, read as plain text,
// holds nothing that could run, redirect or open anything.
func awkPlainText(p string) bool {
	if strings.ContainsAny(strings.ReplaceAll(p, "||", ""), "|>@`") {
		return false
	}
	for _, w := range []string{"system", "getline", "close", "fflush", "ENVIRON", "/inet"} {
		if strings.Contains(p, w) {
			return false
		}
	}
	return true
}

// awkStrings returns the value of the adjacent string literals at the start
// of toks (awk concatenates them) and how many there are.
func awkStrings(toks []awkToken) (string, int) {
	var b strings.Builder
	n := 0
	for n < len(toks) && toks[n].kind == 's' {
		b.WriteString(toks[n].value)
		n++
	}
	return b.String(), n
}

// awkToken is one token of an awk program. kind is 'i' (a name or keyword),
// 'n' (a number), 's' (a string; value is its unescaped value), 'r' (a
// regular expression) or 'o' (an operator, punctuation or a newline).
type awkToken struct {
	kind  byte
	text  string
	value string
	cond  bool // a ) that closes the condition of if, while, for or switch
}

func (t awkToken) is(c byte) bool { return t.kind == 'o' && len(t.text) == 1 && t.text[0] == c }

func (t awkToken) endsStmt() bool { return t.is(';') || t.is('}') || t.is('\n') }

// startsExpr: a token after which an expression starts (so a string after it
// is not concatenated with what precedes).
func (t awkToken) startsExpr() bool {
	if t.kind != 'o' {
		return false
	}
	switch t.text {
	case "{", ";", "\n", "(", ",", "=", "&&", "||", "!", "?", ":":
		return true
	}
	return false
}

// awkRegexAfter are keywords after which a / starts a regular expression.
var awkRegexAfter = map[string]bool{"print": true, "printf": true, "return": true, "case": true, "do": true, "else": true, "exit": true, "in": true}

// awkTokens splits an awk program into tokens, without comments, blanks and
// backslash-newlines; false when it does not tokenize.
func awkTokens(p string) ([]awkToken, bool) {
	var toks []awkToken
	var parens []bool // per open (: whether it opens a condition
	regexOK := func() bool {
		if len(toks) == 0 {
			return true
		}
		t := toks[len(toks)-1]
		switch t.kind {
		case 'i':
			return awkRegexAfter[t.text]
		case 'n', 's', 'r':
			return false
		}
		switch t.text {
		case ")":
			return t.cond
		case "]", "++", "--":
			return false
		}
		return true
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\\' && i+1 < len(p) && p[i+1] == '\n':
			i += 2
		case c == '#':
			for i < len(p) && p[i] != '\n' {
				i++
			}
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(p) && p[j] != '"'; j++ {
				switch {
				case p[j] == '\n':
					return toks, false
				case p[j] == '\\' && j+1 < len(p):
					j++
					switch p[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case '\n':
					case '"', '\\', '/':
						b.WriteByte(p[j])
					default:
						b.WriteByte('\\')
						b.WriteByte(p[j])
					}
				default:
					b.WriteByte(p[j])
				}
			}
			if j >= len(p) {
				return toks, false
			}
			toks = append(toks, awkToken{kind: 's', text: p[i : j+1], value: b.String()})
			i = j + 1
		case c == '/' && regexOK():
			j, inClass := i+1, false
			for ; j < len(p) && (p[j] != '/' || inClass); j++ {
				switch p[j] {
				case '\n':
					return toks, false
				case '\\':
					j++
				case '[':
					if !inClass {
						inClass = true
						if j+1 < len(p) && p[j+1] == '^' {
							j++
						}
						if j+1 < len(p) && p[j+1] == ']' {
							j++
						}
					} else if j+1 < len(p) && p[j+1] == ':' {
						if end := strings.Index(p[j+2:], ":]"); end >= 0 {
							j += 2 + end + 1
						}
					}
				case ']':
					inClass = false
				}
			}
			if j >= len(p) {
				return toks, false
			}
			toks = append(toks, awkToken{kind: 'r', text: p[i : j+1]})
			i = j + 1
		case c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
			j := i
			for j < len(p) && isWordByte(p[j]) {
				j++
			}
			toks = append(toks, awkToken{kind: 'i', text: p[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(p) && p[i+1] >= '0' && p[i+1] <= '9':
			j := i
			for j < len(p) && (isWordByte(p[j]) || p[j] == '.' ||
				((p[j] == '+' || p[j] == '-') && (p[j-1]|0x20) == 'e' && !strings.HasPrefix(strings.ToLower(p[i:j]), "0x"))) {
				j++
			}
			toks = append(toks, awkToken{kind: 'n', text: p[i:j]})
			i = j
		case c == '`':
			return toks, false
		default:
			n := 1
			if i+1 < len(p) {
				switch p[i : i+2] {
				case "||", "&&", "|&", ">>", ">=", "<=", "==", "!=", "++", "--", "+=", "-=", "*=", "/=", "%=", "^=", "!~", "**":
					n = 2
				}
			}
			tk := awkToken{kind: 'o', text: p[i : i+n]}
			switch c {
			case '(':
				prev := ""
				if len(toks) > 0 && toks[len(toks)-1].kind == 'i' {
					prev = toks[len(toks)-1].text
				}
				parens = append(parens, prev == "if" || prev == "while" || prev == "for" || prev == "switch")
			case ')':
				if len(parens) > 0 {
					tk.cond = parens[len(parens)-1]
					parens = parens[:len(parens)-1]
				}
			}
			toks = append(toks, tk)
			i += n
		}
	}
	return toks, true
}
