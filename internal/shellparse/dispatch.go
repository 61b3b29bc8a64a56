package shellparse

import (
	"path"
	"strings"
)

var shellNames = map[string]bool{
	"bash": true, "sh": true, "zsh": true, "dash": true, "ksh": true, "mksh": true, "ash": true,
	"fish": true, "yash": true, "rbash": true, "pdksh": true, "ksh93": true, "posh": true, "tcsh": false,
}

// dispatch follows what a just-emitted command runs in turn. It returns the
// command's literal stdout when known (echo/printf/cat of literals).
func (p *parser) dispatch(name string, idx int, f []field, st *state, c ctx) *output {
	switch name {
	case "cd", "pushd", "popd":
		p.cd(name, f, st)
		return nil
	case "echo":
		return echoOut(f)
	case "printf":
		return printfOut(f)
	case "cat":
		if (len(f) == 1 || (len(f) == 2 && f[1].s == "-" && !f[1].dyn)) && c.stdin != nil && c.stdin.known {
			return &output{s: c.stdin.text, enc: c.stdin.enc}
		}
		return nil
	case "read", "mapfile", "readarray":
		p.readVars(name, f, st)
		return nil
	case "unset":
		for _, a := range f[1:] {
			if !a.dyn && !strings.HasPrefix(a.s, "-") {
				st.set(a.s, varVal{})
			}
		}
		return nil
	case "alias":
		p.defineAliases(f, c)
		return nil
	case "unalias":
		p.unalias(f)
		return nil
	case "eval":
		p.eval(f, st, c)
		return nil
	case "trap":
		p.trap(f, st, c)
		return nil
	case "complete", "compgen":
		p.completion(name, f, st, c)
		return nil
	case "source", ".":
		p.source(f, st, c)
		return nil
	case "type", "which", "hash", "whence", "where", "true", "false", ":":
		return nil
	case "ssh":
		p.ssh(f, st, c)
		return nil
	case "docker", "podman", "kubectl", "oc", "nerdctl":
		p.containerExec(name, f, st, c)
		return nil
	case "git":
		p.git(f, st, c)
		return nil
	case "tar", "bsdtar", "gtar":
		p.tar(name, f, st, c)
		return nil
	case "rsync":
		p.rsync(f, st, c)
		return nil
	case "vim", "vi", "nvim", "ex", "view", "vimdiff", "gvim":
		p.vim(name, f, st, c)
		return nil
	case "zip":
		p.zip(f, st, c)
		return nil
	}
	if r := runnerNamed[name]; r != nil {
		return p.follow(r, name, f, st, c)
	}
	if shellNames[name] {
		p.shell(name, idx, f, st, c)
		return nil
	}
	if lang := interpLang(name); lang != "" {
		p.interp(name, lang, idx, f, st, c)
	}
	return nil
}

func (p *parser) cd(name string, f []field, st *state) {
	var target string
	switch name {
	case "popd":
		if len(st.dirs) == 0 {
			st.cwdDyn = true
			return
		}
		target = st.dirs[len(st.dirs)-1]
		st.dirs = append([]string(nil), st.dirs[:len(st.dirs)-1]...)
		st.oldpwd, st.cwd = st.cwd, target
		return
	}
	args := f[1:]
	for len(args) > 0 && !args[0].dyn && strings.HasPrefix(args[0].s, "-") && args[0].s != "-" {
		if args[0].s == "--" {
			args = args[1:]
			break
		}
		args = args[1:]
	}
	if len(args) == 0 {
		if name == "pushd" {
			st.cwdDyn = true
			return
		}
		h, ok := p.lookup("HOME", st)
		if !ok || h.dyn {
			st.cwdDyn = true
			return
		}
		target = h.val
	} else {
		a := args[0]
		if a.dyn {
			st.cwdDyn = true
			return
		}
		target = a.s
		if target == "-" {
			if st.oldpwd == "" {
				st.cwdDyn = true
				return
			}
			target = st.oldpwd
		}
		if strings.HasPrefix(target, "+") || (name == "pushd" && strings.HasPrefix(target, "-")) {
			st.cwdDyn = true
			return
		}
	}
	abs := p.absPath(target, st)
	if abs == "" {
		st.cwdDyn = true
		return
	}
	if name == "pushd" {
		st.dirs = append(append([]string(nil), st.dirs...), st.cwd)
	}
	st.oldpwd = st.cwd
	st.cwd = abs
	st.cwdDyn = false
}

func (p *parser) readVars(name string, f []field, st *state) {
	i, _ := skipOpts(f, 1, "adeinNptuCcO", nil)
	for _, a := range f[i:] {
		if !a.dyn {
			st.set(a.s, varVal{dyn: true, val: "$" + a.s})
		}
	}
	if name == "read" && i >= len(f) {
		st.set("REPLY", varVal{dyn: true, val: "$REPLY"})
	}
}

// echoOut is the literal output of echo, when known.
func echoOut(f []field) *output {
	args := f[1:]
	nl, esc := true, false
	for len(args) > 0 && len(args[0].s) > 1 && args[0].s[0] == '-' && strings.Trim(args[0].s[1:], "neE") == "" {
		for _, ch := range args[0].s[1:] {
			switch ch {
			case 'n':
				nl = false
			case 'e':
				esc = true
			case 'E':
				esc = false
			}
		}
		args = args[1:]
	}
	s, ok := joinFields(args)
	if !ok {
		return nil
	}
	enc := anyEnc(args)
	if esc {
		var stop, e bool
		s, stop, e = decodeEscapesEnc(s, true)
		enc = enc || e
		if stop {
			nl = false
		}
	}
	if nl {
		s += "\n"
	}
	return &output{s: s, enc: enc}
}

func anyEnc(fs []field) bool {
	for _, f := range fs {
		if f.enc {
			return true
		}
	}
	return false
}

// printfOut is the literal output of printf for %s/%b/%% formats.
func printfOut(f []field) *output {
	args := f[1:]
	if len(args) > 0 && args[0].s == "--" {
		args = args[1:]
	}
	if len(args) == 0 || args[0].dyn || strings.HasPrefix(args[0].s, "-v") {
		return nil
	}
	vals, ok := known(args[1:])
	if !ok {
		return nil
	}
	format := args[0].s
	enc := anyEnc(args)
	var b strings.Builder
	k := 0
	for pass := 0; pass < 64; pass++ {
		for i := 0; i < len(format); i++ {
			ch := format[i]
			if ch == '\\' {
				j := i + 1
				for j < len(format) && j < i+4 && format[j] != '\\' && format[j] != '%' {
					j++
				}
				s, _, e := decodeEscapesEnc(format[i:min(len(format), i+2)], false)
				if i+1 < len(format) && (format[i+1] == 'x' || (format[i+1] >= '0' && format[i+1] <= '7')) {
					end := i + 2
					lim := i + 4
					if format[i+1] == 'x' {
						lim = i + 4
					} else {
						lim = i + 4
					}
					for end < len(format) && end < lim && isHexOrOct(format[end], format[i+1] == 'x') {
						end++
					}
					s, _, e = decodeEscapesEnc(format[i:end], false)
					i = end - 1
				} else {
					i++
				}
				enc = enc || e
				b.WriteString(s)
				continue
			}
			if ch != '%' {
				b.WriteByte(ch)
				continue
			}
			if i+1 >= len(format) {
				return nil
			}
			i++
			switch format[i] {
			case '%':
				b.WriteByte('%')
			case 's', 'b':
				v := ""
				if k < len(vals) {
					v = vals[k]
				}
				k++
				if format[i] == 'b' {
					var e bool
					v, _, e = decodeEscapesEnc(v, true)
					enc = enc || e
				}
				b.WriteString(v)
			default:
				return nil
			}
		}
		if k == 0 || k >= len(vals) {
			break
		}
	}
	return &output{s: b.String(), enc: enc}
}

func isHexOrOct(c byte, hex bool) bool {
	if hex {
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
	}
	return c >= '0' && c <= '7'
}

// code parses a field as shell code when it is known; otherwise records an
// opaque entry.
func (p *parser) code(f field, s Step, st *state, c ctx) {
	text, ok := codeText(f)
	if ok && f.enc {
		p.opaque("encoded", text, c.with(s))
	}
	p.codeStr(text, ok, s, st, c)
}

// codeText is the text of a word used as code, and whether it is known: a
// word whose only unknown parts are numeric-only expansions is known, with a
// digit standing for each ("echo exit:$?" is "echo exit:0").
func codeText(f field) (string, bool) {
	if f.dyn && f.numOK {
		return f.num, true
	}
	return f.s, !f.dyn
}

// joinCodeFields joins words used as code (eval, ssh, watch) with spaces.
func joinCodeFields(fs []field) (string, bool) {
	var b strings.Builder
	ok := true
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(' ')
		}
		t, k := codeText(f)
		b.WriteString(t)
		ok = ok && k
	}
	if !ok {
		return joinFields(fs)
	}
	return b.String(), true
}

func (p *parser) codeStr(code string, isKnown bool, s Step, st *state, c ctx) {
	c = c.with(s)
	if !isKnown {
		p.opaque("dynamic-code", code, c)
		return
	}
	c.stdin = nil
	c.pipeFrom = nil
	p.parseCode(code, st, c)
}

func (p *parser) eval(f []field, st *state, c ctx) {
	if len(f) < 2 {
		return
	}
	text, ok := joinCodeFields(f[1:])
	if ok && anyEnc(f[1:]) {
		p.opaque("encoded", text, c.with(Step{Kind: "eval", Name: "eval"}))
	}
	p.codeStr(text, ok, Step{Kind: "eval", Name: "eval"}, st, c)
}

func (p *parser) trap(f []field, st *state, c ctx) {
	i := 1
	if i < len(f) && f[i].s == "--" {
		i++
	}
	if i >= len(f) || len(f)-i < 2 {
		return // trap -p, trap -l, trap CODE with no signal
	}
	a := f[i]
	if !a.dyn && (a.s == "-" || a.s == "" || strings.HasPrefix(a.s, "-")) {
		return
	}
	sigs, _ := joinFields(f[i+1:])
	p.code(a, Step{Kind: "trap", Name: "trap", Detail: sigs}, st, c)
}

// completion judges the code a completion spec runs (complete registers it
// for Tab, compgen runs it at once), as a trap body is judged: -C's command,
// -F's function, and the expansions of -W's word list.
func (p *parser) completion(name string, f []field, st *state, c ctx) {
	for i := 1; i < len(f); i++ {
		a := f[i]
		if a.dyn || len(a.s) < 2 || a.s[0] != '-' || a.s == "--" {
			if a.s == "--" {
				return
			}
			continue
		}
		for j := 1; j < len(a.s); j++ {
			opt := a.s[j]
			if !strings.ContainsRune("CFWoAGXPS", rune(opt)) {
				continue
			}
			// The option's value: the rest of the word, or the next word.
			var v field
			if j+1 < len(a.s) {
				v = field{s: a.s[j+1:]}
			} else if i+1 < len(f) {
				i++
				v = f[i]
			} else {
				return
			}
			s := Step{Kind: "trap", Name: name, Detail: "-" + string(opt)}
			switch opt {
			case 'C', 'F':
				p.code(v, s, st, c)
			case 'W':
				p.expansions(v.s, s, st, c)
			}
			break
		}
	}
}

func (p *parser) source(f []field, st *state, c ctx) {
	if len(f) < 2 {
		return
	}
	a := f[1]
	if a.psub || isStdinPath(a.s) {
		p.opaque("dynamic-code", a.s, c.with(Step{Kind: "source", Name: f[0].s}))
	}
}

func isStdinPath(s string) bool {
	return s == "/dev/stdin" || s == "-" || strings.HasPrefix(s, "/proc/self/fd") ||
		strings.HasPrefix(s, "/dev/fd/") || strings.HasPrefix(s, "/proc/") && strings.Contains(s, "/fd/")
}

func (p *parser) ssh(f []field, st *state, c ctx) {
	i := 1
	host := ""
	for i < len(f) {
		a := f[i]
		if a.dyn || !strings.HasPrefix(a.s, "-") || len(a.s) < 2 {
			break
		}
		if a.s == "--" {
			i++
			break
		}
		s := a.s[1:]
		for j := 0; j < len(s); j++ {
			if strings.IndexByte("bcDEeFIiJLlmOopQRSWwB", s[j]) >= 0 {
				val := s[j+1:]
				if val == "" && i+1 < len(f) {
					i++
					val = f[i].s
				}
				if s[j] == 'o' {
					p.sshOption(val, st, c)
				}
				break
			}
		}
		i++
	}
	if i >= len(f) {
		return
	}
	host = f[i].s
	i++
	if i >= len(f) {
		return
	}
	text, ok := joinCodeFields(f[i:])
	rst := st.fresh()
	rst.cwd, rst.cwdDyn = "", true
	p.codeStr(text, ok, Step{Kind: "remote", Name: "ssh", Detail: host}, rst, c)
}

func (p *parser) sshOption(val string, st *state, c ctx) {
	k, v, ok := strings.Cut(val, "=")
	if !ok {
		k, v, _ = strings.Cut(val, " ")
	}
	switch strings.ToLower(strings.TrimSpace(k)) {
	case "proxycommand", "localcommand", "knownhostscommand", "match":
		v = strings.TrimSpace(v)
		if v != "" && !strings.EqualFold(v, "none") {
			p.codeStr(v, true, Step{Kind: "option", Name: "ssh", Detail: strings.TrimSpace(k)}, st.fresh(), c)
		}
	}
}

func (p *parser) containerExec(name string, f []field, st *state, c ctx) {
	if len(f) < 2 {
		return
	}
	sub := f[1].s
	i := 2
	if (name == "docker" || name == "podman" || name == "nerdctl") && sub == "container" && len(f) > 2 {
		sub = f[2].s
		i = 3
	}
	if sub != "exec" {
		return
	}
	rest := f[i:]
	target := ""
	var inner []field
	if name == "kubectl" || name == "oc" {
		for k, a := range rest {
			if a.s == "--" {
				inner = rest[k+1:]
				break
			}
			if !strings.HasPrefix(a.s, "-") && target == "" {
				target = a.s
			}
		}
		if inner == nil {
			j, _ := skipOpts(rest, 0, "cn", []string{"--container", "--namespace", "--context", "--kubeconfig"})
			if j+1 < len(rest) {
				target = rest[j].s
				inner = rest[j+1:]
			}
		}
	} else {
		j, _ := skipOpts(rest, 0, "euw", []string{"--env", "--user", "--workdir", "--env-file", "--detach-keys"})
		if j < len(rest) {
			target = rest[j].s
			inner = rest[j+1:]
		}
	}
	if len(inner) == 0 {
		return
	}
	rst := st.fresh()
	rst.cwd, rst.cwdDyn = "", true
	c = c.with(Step{Kind: "remote", Name: name, Detail: target})
	c.stdin = nil
	c.pipeFrom = nil
	p.run(inner, nil, nil, nil, rst, c)
}

// shell handles bash/sh/zsh/…: -c CODE, stdin, or a script file.
func (p *parser) shell(name string, idx int, f []field, st *state, c ctx) {
	cflag, sflag := false, false
	i := 1
	for i < len(f) {
		a := f[i]
		if a.dyn {
			break
		}
		s := a.s
		if s == "--" || s == "-" {
			i++
			break
		}
		if strings.HasPrefix(s, "--") {
			switch {
			case s == "--rcfile" || s == "--init-file":
				i += 2
				continue
			case s == "--command":
				cflag = true
			}
			i++
			continue
		}
		if len(s) > 1 && (s[0] == '-' || s[0] == '+') {
			consume := 0
			for _, ch := range s[1:] {
				switch ch {
				case 'c':
					if s[0] == '-' {
						cflag = true
					}
				case 's':
					if s[0] == '-' {
						sflag = true
					}
				case 'o', 'O':
					consume++
				}
			}
			i += 1 + consume
			continue
		}
		break
	}
	step := Step{Kind: "shell", Name: name}
	nst := st.fresh()
	if cflag {
		if i >= len(f) {
			return
		}
		code := f[i]
		step.Detail = "-c"
		// $0 and the positional parameters.
		if i+1 < len(f) {
			nst.set("0", varVal{val: f[i+1].s, dyn: f[i+1].dyn})
			nst.pos = append([]field(nil), f[i+2:]...)
		}
		nst.posSet = true
		p.code(code, step, nst, c)
		return
	}
	if i < len(f) && !sflag {
		// A script operand.
		script := f[i]
		nst.pos = append([]field(nil), f[i+1:]...)
		nst.posSet = true
		switch {
		case script.psub || script.dyn:
			p.opaque("dynamic-code", script.s, c.with(Step{Kind: "shell", Name: name, Detail: "script"}))
		case script.s == "/dev/stdin" || script.s == "-":
			p.stdinCode(name, step, nst, c, true)
		case isStdinPath(script.s):
			p.opaque("script", script.s, c.with(Step{Kind: "shell", Name: name, Detail: "script"}))
		}
		return
	}
	p.stdinCode(name, step, nst, c, true)
}

// stdinCode follows code a shell reads on stdin.
func (p *parser) stdinCode(name string, step Step, st *state, c ctx, isShell bool) {
	in := c.stdin
	if in == nil {
		return
	}
	step.Detail = "stdin"
	c2 := c.with(step)
	switch {
	case in.known && in.file == "" && !in.dyn:
		c2.stdin = nil
		c2.pipeFrom = nil
		if in.enc {
			p.opaque("encoded", in.text, c2)
		}
		p.parseCode(in.text, st, c2)
	case in.doc:
		// A heredoc or here-string whose text is not known.
		p.opaque("dynamic-code", name, c2)
	case in.pipe || in.dyn:
		p.opaque("pipe-to-shell", name, c2)
	case in.file != "":
		if isStdinPath(in.file) {
			p.opaque("script", in.file, c2)
		}
	}
}

// interpLang maps an interpreter name to its language family.
func interpLang(name string) string {
	switch name {
	case "python", "python2", "python3", "pypy", "pypy3", "ipython", "ipython3":
		return "python"
	case "node", "nodejs", "deno", "bun":
		return "node"
	case "perl", "perl5":
		return "perl"
	case "ruby", "irb", "jruby", "truffleruby":
		return "ruby"
	case "php", "php-cli":
		return "php"
	case "lua", "luajit", "lua5.1", "lua5.2", "lua5.3", "lua5.4":
		return "lua"
	case "awk", "gawk", "mawk", "nawk", "busybox-awk":
		return "awk"
	case "sed", "gsed":
		return "sed"
	case "rscript":
		return "r"
	case "osascript":
		return "osascript"
	case "pwsh", "powershell", "powershell.exe", "pwsh.exe":
		return "pwsh"
	case "tclsh", "wish", "expect":
		return "tcl"
	}
	if strings.HasPrefix(name, "python") && strings.Trim(name[6:], "0123456789.") == "" {
		return "python"
	}
	if strings.HasPrefix(name, "pypy") && strings.Trim(name[4:], "0123456789.") == "" {
		return "python"
	}
	if strings.HasPrefix(name, "perl") && strings.Trim(name[4:], "0123456789.") == "" {
		return "perl"
	}
	if strings.HasPrefix(name, "ruby") && strings.Trim(name[4:], "0123456789.") == "" {
		return "ruby"
	}
	if strings.HasPrefix(name, "php") && strings.Trim(name[3:], "0123456789.") == "" {
		return "php"
	}
	return ""
}

var _ = path.Base
