package shellparse

import "strings"

// runner says how a wrapper or runner finds what it starts in its words: the
// command after its options (nice -n 5 CMD), after operands of its own
// (timeout 10 CMD), after a subcommand (poetry run CMD) or a marker word
// (nix develop --command CMD), or shell code given as one option's value
// (nix-shell --run CODE) or as its words joined (watch CODE…).
//
// Options are read as GNU getopt reads them: clusters of letters (-xn5,
// -xn 5), --name=value and --name value; a word not starting with "-", a
// lone "-", or a computed word ends them, and "--" ends them and is skipped.
// An option not listed as taking an argument is taken as a flag.
type runner struct {
	names []string // the Command.Name it goes by
	// sub lists the first words with which it runs a command (poetry run,
	// direnv exec); with any other it runs none. The step's Detail is that
	// word (otherwise the words before the command).
	sub     []string
	arg     string   // short option letters taking an argument
	longArg []string // long options taking an argument
	// bare: it reads no options; the command is the next word, and an
	// option there means it runs nothing to follow (busybox --list).
	bare bool
	// after: the command is the words after the first of these, wherever
	// it is (nix develop … --command CMD); without one, nothing runs.
	after []string
	none  []string // options (letters or long names) with which it runs no command (command -v, taskset -p)
	// maybe is an optional operand before the command, skipped when it
	// matches (chrt's priority, nvm's node version).
	maybe func(string) bool
	skip  int // operands of its own before the command (timeout DURATION)
	// runs says what the command words are: an argv (the default), shell
	// text (their words joined), or nothing (only the code options run).
	runs runs
	// argv lists options that make text words an argv after all (watch -x).
	argv []string
	// text lists options that make argv words shell text, their words
	// joined (pnpm exec -c, --shell-mode).
	text []string
	// code and longCode are options whose argument is shell code it hands
	// to sh -c, instead of a command: found among the options, just after
	// its operands (flock FILE -c CODE, sg GROUP -c CODE), or, when it
	// runs only code, anywhere (su USER -c CODE).
	code     string
	longCode []string
	step     string // the Detail of the step into shell code; empty: the option as written
	// assigns: NAME=VALUE words after the options are the command's
	// environment (sudo A=1 CMD).
	assigns bool
	chdir   []string // options whose argument is the directory the command runs in (sudo -D DIR)
	noFunc  bool     // the command word is never a shell function (command, builtin)
	// grammar follows a runner whose grammar no row can say; the comment
	// on its row says why.
	grammar func(p *parser, name string, f []field, st *state, c ctx)
}

// runs is what a runner's command words are.
type runs int

const (
	runsArgv runs = iota // a command and its arguments
	runsText             // shell text, the words joined with spaces
	runsCode             // nothing: only its code options' values run
)

// pkgArg and pkgLongArg are the options package managers' run/exec
// subcommands take before the command.
const pkgArg = "nep"

var pkgLongArg = []string{"--name", "--prefix", "--env", "--python", "--with", "--package", "--from", "--directory", "--project", "--group", "--extra"}

// runners is the catalogue of wrappers and runners: commands that start a
// command or shell code given on their own command line. Adding one is
// adding a row. Shells and interpreters (bash -c, python -c) are in
// shell and interp, remote runners (ssh, docker exec) in ssh and
// containerExec.
var runners = []runner{
	// Builtins.
	{names: []string{"command"}, none: []string{"v", "V"}, noFunc: true},
	{names: []string{"builtin"}, bare: true, noFunc: true},
	{names: []string{"exec"}, arg: "a"},

	// Another user or group.
	{names: []string{"sudo", "doas", "run0"}, arg: "ugCDhprtUTRc",
		longArg: []string{"--user", "--group", "--close-from", "--chdir", "--host", "--prompt", "--role", "--type",
			"--other-user", "--command-timeout", "--chroot", "--login-class"},
		none: []string{"e", "--edit"}, assigns: true, chdir: []string{"D", "--chdir"}},
	{names: []string{"su", "runuser"}, runs: runsCode, arg: "sgGwu",
		longArg: []string{"--shell", "--group", "--supp-group", "--whitelist-environment", "--user"},
		code:    "cC", longCode: []string{"--command", "--session-command"}, step: "-c"},
	{names: []string{"sg"}, skip: 1, runs: runsText, code: "c", step: "-c"}, // sg GROUP [-c] CMD
	{names: []string{"pkexec"}},

	// Scheduling, limits, tracing.
	{names: []string{"nohup", "setsid", "unbuffer", "torsocks", "proxychains", "proxychains4", "fakeroot",
		"catchsegv", "firejail", "tsocks", "dbus-launch", "nocache", "eatmydata"}},
	{names: []string{"time"}, arg: "fo", longArg: []string{"--format", "--output"}},
	{names: []string{"nice"}, arg: "n", longArg: []string{"--adjustment"}},
	{names: []string{"ionice"}, arg: "cnpPu", longArg: []string{"--class", "--classdata", "--pid", "--pgid", "--uid"},
		none: []string{"p", "P", "u", "--pid"}},
	{names: []string{"chrt"}, arg: "TPD", none: []string{"p"}, maybe: isNumber},
	{names: []string{"taskset"}, none: []string{"p", "--pid"}, skip: 1},
	{names: []string{"timeout"}, arg: "sk", longArg: []string{"--signal", "--kill-after"}, skip: 1},
	{names: []string{"stdbuf"}, arg: "ioe", longArg: []string{"--input", "--output", "--error"}},
	{names: []string{"caffeinate"}, arg: "tw"},
	{names: []string{"strace", "ltrace"}, arg: "abeEIoOpPsSuUXA"},
	{names: []string{"flock"}, arg: "wE", longArg: []string{"--timeout", "--conflict-exit-code"}, skip: 1,
		code: "c", longCode: []string{"--command"}, step: "-c"}, // flock FILE CMD | FILE -c CODE
	{names: []string{"watch"}, arg: "nqd", longArg: []string{"--interval", "--equexit", "--differences"},
		runs: runsText, argv: []string{"x", "--exec"}, step: "sh -c"},
	{names: []string{"script"}, runs: runsCode, arg: "ETIOBm",
		longArg: []string{"--echo", "--log-timing", "--log-in", "--log-out", "--log-io", "--logging-format"},
		code:    "c", longCode: []string{"--command"}, step: "-c"},

	// Namespaces, sandboxes, services.
	{names: []string{"chroot"}, longArg: []string{"--userspec", "--groups"}, skip: 1},
	{names: []string{"nsenter", "unshare"}, arg: "tSGw", longArg: []string{"--target", "--setuid", "--setgid", "--wd", "--root", "--map-user", "--map-group"}},
	{names: []string{"systemd-run"}, arg: "upEMH",
		longArg: []string{"--unit", "--property", "--setenv", "--machine", "--host", "--uid", "--gid", "--slice",
			"--description", "--on-calendar", "--on-active", "--on-boot", "--working-directory", "--nice"}},
	{names: []string{"busybox", "toybox"}, bare: true},

	// Package runners and version managers.
	{names: []string{"npx", "bunx", "pnpx"}, arg: "p", longArg: []string{"--package", "--node-options", "--registry", "--cache", "--userconfig"}, code: "c", longCode: []string{"--call"}}, // npx -c CMD runs CMD with sh -c
	{names: []string{"uvx"}, arg: "p", longArg: []string{"--from", "--with", "--python", "--index", "--index-url", "--extra-index-url", "--with-requirements", "--directory"}},
	{names: []string{"poetry", "uv", "pipenv", "pdm", "hatch", "pipx", "conda", "mamba", "micromamba"}, sub: []string{"run"}, arg: pkgArg, longArg: pkgLongArg},
	// npm exec -c CMD (--call CMD) and mise exec -c CMD (--command CMD) run CMD with sh -c.
	{names: []string{"npm", "mise", "asdf", "rtx"}, sub: []string{"exec", "x"}, arg: pkgArg, longArg: pkgLongArg, code: "c", longCode: []string{"--call", "--command"}},
	// pnpm exec -c (--shell-mode) runs its command words as shell text.
	{names: []string{"pnpm"}, sub: []string{"exec", "dlx"}, arg: pkgArg, longArg: pkgLongArg, text: []string{"c", "--shell-mode"}},
	{names: []string{"yarn"}, sub: []string{"dlx", "exec"}, arg: pkgArg, longArg: pkgLongArg},
	{names: []string{"bundle", "pyenv", "rbenv", "nodenv", "goenv", "plenv", "jenv"}, sub: []string{"exec"}, arg: pkgArg, longArg: pkgLongArg},
	// A version manager's libexec exec script, called by its path.
	{names: []string{"pyenv-exec", "rbenv-exec", "nodenv-exec", "goenv-exec", "plenv-exec", "jenv-exec", "nvm-exec"}, bare: true},
	{names: []string{"nvm"}, sub: []string{"exec"}, maybe: nvmVersion}, // nvm exec [--silent] [VERSION] CMD
	{names: []string{"direnv"}, sub: []string{"exec"}, skip: 1},        // direnv exec DIR CMD
	{names: []string{"devbox"}, sub: []string{"run"}, arg: "ce", longArg: []string{"--config", "--env", "--env-file", "--environment"}},
	{names: []string{"nix-shell"}, runs: runsCode, longCode: []string{"--run", "--command"}},
	{names: []string{"nix"}, sub: []string{"develop", "shell"}, after: []string{"--command", "-c"}},

	// Grammars no row can say.
	//  env:      -S splits its argument into more words by env's own quoting
	//            rules, and NAME=VALUE words and options interleave.
	//  xargs:    the command gets the items read on stdin as more arguments
	//            (or in place of -I's string), which may be known to name
	//            files under a find's start paths.
	//  parallel: the command ends at :::, and with none each argument after
	//            ::: is shell code.
	//  find:     -exec/-execdir/-ok CMD … ; runs once per file found (find.go).
	//  gdb:      -ex values are gdb commands; only shell, ! and pipe run code.
	//  bwrap:    its options take zero to three arguments each, and one it
	//            does not know leaves the command unknown instead of skipped.
	{names: []string{"env"}, grammar: (*parser).env},
	{names: []string{"xargs"}, grammar: (*parser).xargs},
	{names: []string{"parallel"}, grammar: (*parser).parallel},
	{names: []string{"find"}, grammar: func(p *parser, _ string, f []field, st *state, c ctx) { p.find(f, st, c) }},
	{names: []string{"gdb", "gdb-multiarch", "cgdb"}, grammar: (*parser).gdb},
	{names: []string{"bwrap"}, grammar: (*parser).bwrap},
}

// runnerNamed indexes runners by name.
var runnerNamed = map[string]*runner{}

func init() {
	for k := range runners {
		for _, n := range runners[k].names {
			if runnerNamed[n] != nil {
				panic("shellparse: runner " + n + " listed twice")
			}
			runnerNamed[n] = &runners[k]
		}
	}
}

// follow follows what runner r, called as name, starts.
func (p *parser) follow(r *runner, name string, f []field, st *state, c ctx) *output {
	if r.grammar != nil {
		r.grammar(p, name, f, st, c)
		return nil
	}
	i, detail := 1, ""
	if r.sub != nil {
		if len(f) < 2 || f[1].dyn || !containsStr(r.sub, f[1].s) {
			return nil
		}
		i, detail = 2, f[1].s
	}
	arg, longArg := r.arg+r.code, append(r.longArg[:len(r.longArg):len(r.longArg)], r.longCode...)
	if r.runs == runsCode {
		for i < len(f) {
			if a := f[i].s; len(a) < 2 || a[0] != '-' || a == "--" {
				i++
				continue
			}
			var opts []option
			opts, i = readOption(f, i, arg, longArg)
			for _, o := range opts {
				if r.isCode(o.name) {
					p.shellText([]field{o.val}, r.codeStep(o.name, name), st, c)
				}
			}
		}
		return nil
	}
	var opts map[string]field
	switch {
	case r.after != nil:
		for i < len(f) && (f[i].dyn || !containsStr(r.after, f[i].s)) {
			i++
		}
		if i == len(f) {
			return nil
		}
		i++
	case r.bare:
		if i < len(f) && strings.HasPrefix(f[i].s, "-") {
			return nil
		}
	default:
		i, opts = skipOpts(f, i, arg, longArg)
	}
	for _, k := range r.none {
		if _, ok := opts[k]; ok {
			return nil
		}
	}
	for _, k := range append(strings.Split(r.code, ""), r.longCode...) {
		if v, ok := opts[k]; ok {
			p.shellText([]field{v}, r.codeStep(k, name), st, c)
			return nil
		}
	}
	if r.maybe != nil && i < len(f) && r.maybe(f[i].s) {
		i++
	}
	i += r.skip
	if i < len(f) && !f[i].dyn && r.isCodeWord(f[i].s) {
		// flock FILE -c CODE, sg GROUP -c CODE…: the code is the word
		// after, or for text all the words after.
		code := f[i+1:]
		if r.runs != runsText && len(code) > 1 {
			code = code[:1]
		}
		if opt := f[i].s; len(code) > 0 {
			if len(opt) == 2 {
				opt = opt[1:]
			}
			p.shellText(code, r.codeStep(opt, name), st, c)
		}
		return nil
	}
	if (r.runs == runsText && !r.anyOption(opts, r.argv)) || r.anyOption(opts, r.text) {
		if i < len(f) {
			p.shellText(f[i:], r.codeStep("", name), st, c)
		}
		return nil
	}
	var env map[string]string
	var envDyn []string
	for r.assigns && i < len(f) && isAssignWord(f[i].s) {
		if env == nil {
			env = map[string]string{}
		}
		k, v, _ := strings.Cut(f[i].s, "=")
		env[k] = v
		if f[i].dyn {
			envDyn = append(envDyn, k)
		}
		i++
	}
	if i >= len(f) {
		return nil
	}
	sst := st
	for _, k := range r.chdir {
		if d := opts[k]; d.s != "" {
			sst = chdirState(p, st, d)
			break
		}
	}
	if detail == "" {
		parts := make([]string, 0, i-1)
		for _, x := range f[1:i] {
			if !r.assigns || !isAssignWord(x.s) {
				parts = append(parts, x.s)
			}
		}
		detail = strings.Join(parts, " ")
	}
	c = c.with(Step{Kind: "wrapper", Name: name, Detail: detail})
	c.noFunc = r.noFunc
	return p.run(f[i:], env, envDyn, nil, sst, c)
}

// isCode reports whether the option named name (a letter, or a long name)
// takes shell code.
func (r *runner) isCode(name string) bool {
	if len(name) == 1 {
		return strings.Contains(r.code, name)
	}
	return containsStr(r.longCode, name)
}

// isCodeWord reports whether the word w is one of r's code options alone
// ("-c", "--command").
func (r *runner) isCodeWord(w string) bool {
	if len(w) == 2 && w[0] == '-' && w[1] != '-' {
		return r.isCode(w[1:])
	}
	return strings.HasPrefix(w, "--") && r.isCode(w)
}

// codeStep is the step into the shell code given with option opt.
func (r *runner) codeStep(opt, name string) Step {
	d := r.step
	if d == "" {
		d = opt
		if len(opt) == 1 {
			d = "-" + opt
		}
	}
	return Step{Kind: "wrapper", Name: name, Detail: d}
}

// anyOption reports whether any of the options names was given.
func (r *runner) anyOption(opts map[string]field, names []string) bool {
	for _, k := range names {
		if _, ok := opts[k]; ok {
			return true
		}
	}
	return false
}

// shellText follows the words as shell code run by a new sh -c.
func (p *parser) shellText(words []field, s Step, st *state, c ctx) {
	text, ok := joinCodeFields(words)
	if ok && anyEnc(words) {
		p.opaque("encoded", text, c.with(s))
	}
	p.codeStr(text, ok, s, st.fresh(), c)
}

// option is one option read from a command's words.
type option struct {
	name string // its letter ("n" for -n), or its long name ("--adjustment")
	val  field  // its argument, for one taking an argument
}

// readOption reads the option word f[i] (a cluster of letters, or a long
// option) and returns its options and the index of the word after it and
// its argument. arg lists the letters taking an argument, longArg the long
// options taking one.
func readOption(f []field, i int, arg string, longArg []string) ([]option, int) {
	a := f[i]
	if strings.HasPrefix(a.s, "--") {
		name, val, eq := strings.Cut(a.s, "=")
		switch {
		case eq:
			return []option{{name, field{s: val, dyn: a.dyn, enc: a.enc}}}, i + 1
		case containsStr(longArg, name) && i+1 < len(f):
			return []option{{name, f[i+1]}}, i + 2
		}
		return []option{{name: name}}, i + 1
	}
	var out []option
	s := a.s[1:]
	for j := 0; j < len(s); j++ {
		ch := s[j : j+1]
		if !strings.Contains(arg, ch) {
			out = append(out, option{name: ch})
			continue
		}
		if j+1 < len(s) {
			out = append(out, option{ch, field{s: s[j+1:], dyn: a.dyn, enc: a.enc}})
		} else if i+1 < len(f) {
			out = append(out, option{ch, f[i+1]})
			i++
		}
		break
	}
	return out, i + 1
}

// skipOpts walks the options of a command starting at f[i] and returns the
// index of its first operand and the options seen, by letter or long name,
// with their arguments (see readOption).
func skipOpts(f []field, i int, arg string, longArg []string) (int, map[string]field) {
	var opts map[string]field
	for i < len(f) {
		a := f[i]
		if a.dyn || len(a.s) < 2 || a.s[0] != '-' {
			break
		}
		if a.s == "--" {
			return i + 1, opts
		}
		var got []option
		got, i = readOption(f, i, arg, longArg)
		for _, o := range got {
			if opts == nil {
				opts = map[string]field{}
			}
			opts[o.name] = o.val
		}
	}
	return i, opts
}

// wrap follows the inner command f[i:] of a wrapper.
func (p *parser) wrap(name, detail string, f []field, i int, env map[string]string, st *state, c ctx) *output {
	if i >= len(f) || i < 1 {
		return nil
	}
	if detail == "" && i > 1 {
		parts := make([]string, 0, i-1)
		for _, x := range f[1:i] {
			parts = append(parts, x.s)
		}
		detail = strings.Join(parts, " ")
	}
	c = c.with(Step{Kind: "wrapper", Name: name, Detail: detail})
	return p.run(f[i:], env, nil, nil, st, c)
}

func isAssignWord(s string) bool {
	k, _, ok := strings.Cut(s, "=")
	return ok && k != "" && validName(k)
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return s != ""
}

func chdirState(p *parser, st *state, d field) *state {
	n := st.sub()
	if d.dyn {
		n.cwdDyn = true
		return n
	}
	if a := p.absPath(d.s, st); a != "" {
		n.cwd, n.cwdDyn = a, false
	} else {
		n.cwdDyn = true
	}
	return n
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' && s[i] != '-' && s[i] != '+' && s[i] != 'x' {
			return false
		}
	}
	return true
}

// nvmVersion reports whether w names a node version for nvm (18, v20.1.0,
// node, lts/iron, system …) rather than the command to run.
func nvmVersion(w string) bool {
	switch w {
	case "node", "stable", "unstable", "iojs", "default", "system":
		return true
	}
	if strings.HasPrefix(w, "lts/") {
		return true
	}
	w = strings.TrimPrefix(w, "v")
	return w != "" && w[0] >= '0' && w[0] <= '9' && strings.Trim(w, "0123456789.x") == ""
}

func (p *parser) env(_ string, f []field, st *state, c ctx) {
	env := map[string]string{}
	var envDyn []string
	sst := st
	i := 1
	var split []field
loop:
	for i < len(f) {
		a := f[i]
		switch {
		case isAssignWord(a.s):
			k, v, _ := strings.Cut(a.s, "=")
			env[k] = v
			if a.dyn {
				envDyn = append(envDyn, k)
			}
			i++
		case a.dyn:
			break loop
		case a.s == "-" || a.s == "-i" || a.s == "--ignore-environment" || a.s == "-0" || a.s == "--null" || a.s == "-v" || a.s == "--debug":
			i++
		case a.s == "--":
			i++
			break loop
		case a.s == "-u" || a.s == "--unset" || a.s == "-C" || a.s == "--chdir":
			if (a.s == "-C" || a.s == "--chdir") && i+1 < len(f) {
				sst = chdirState(p, st, f[i+1])
			}
			i += 2
		case strings.HasPrefix(a.s, "--unset=") || strings.HasPrefix(a.s, "-u"):
			i++
		case strings.HasPrefix(a.s, "--chdir=") || (strings.HasPrefix(a.s, "-C") && len(a.s) > 2):
			d := strings.TrimPrefix(strings.TrimPrefix(a.s, "--chdir="), "-C")
			sst = chdirState(p, st, field{s: d})
			i++
		case a.s == "-S" || a.s == "--split-string" || strings.HasPrefix(a.s, "--split-string=") ||
			(strings.HasPrefix(a.s, "-") && !strings.HasPrefix(a.s, "--") && strings.Contains(a.s, "S")):
			var str field
			if a.s == "-S" || a.s == "--split-string" || strings.HasSuffix(a.s, "S") {
				if i+1 >= len(f) {
					return
				}
				str = f[i+1]
				i += 2
			} else if strings.HasPrefix(a.s, "--split-string=") {
				str = field{s: strings.TrimPrefix(a.s, "--split-string=")}
				i++
			} else {
				str = field{s: a.s[strings.IndexByte(a.s, 'S')+1:]}
				i++
			}
			if str.dyn {
				p.opaque("dynamic-code", str.s, c.with(Step{Kind: "wrapper", Name: "env", Detail: "-S"}))
				return
			}
			split = splitWords(str.s)
			break loop
		case strings.HasPrefix(a.s, "-") && len(a.s) > 1:
			i++
		case isAssignWord(a.s):
			k, v, _ := strings.Cut(a.s, "=")
			env[k] = v
			i++
		default:
			break loop
		}
	}
	if i > len(f) {
		i = len(f)
	}
	inner := f[i:]
	if split != nil {
		// -S splits its string into words; NAME=VAL words lead.
		j := 0
		for j < len(split) && isAssignWord(split[j].s) {
			k, v, _ := strings.Cut(split[j].s, "=")
			env[k] = v
			j++
		}
		inner = append(append([]field{}, split[j:]...), inner...)
	}
	if len(inner) == 0 {
		return
	}
	detail := ""
	if split != nil {
		detail = "-S"
	}
	c2 := c.with(Step{Kind: "wrapper", Name: "env", Detail: detail})
	p.run(inner, env, envDyn, nil, sst, c2)
}

// splitWords splits a string into words the way env -S does: blanks separate
// words, quotes and backslashes quote.
func splitWords(s string) []field {
	var out []field
	var cur strings.Builder
	has := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch ch {
		case ' ', '\t', '\n':
			if has {
				out = append(out, field{s: cur.String()})
				cur.Reset()
				has = false
			}
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				cur.WriteString(s[i+1:])
				i = len(s)
			} else {
				cur.WriteString(s[i+1 : i+1+j])
				i += j + 1
			}
			has = true
		case '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
			}
			has = true
		case '\\':
			if i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					cur.WriteByte('\n')
				case 't':
					cur.WriteByte('\t')
				case '_':
					if has {
						out = append(out, field{s: cur.String()})
						cur.Reset()
						has = false
					}
					continue
				default:
					cur.WriteByte(s[i])
				}
			}
			has = true
		case '#':
			if !has {
				i = len(s)
				continue
			}
			cur.WriteByte(ch)
		default:
			cur.WriteByte(ch)
			has = true
		}
	}
	if has {
		out = append(out, field{s: cur.String()})
	}
	return out
}

// xargs: the inner command receives stdin items as extra arguments.
func (p *parser) xargs(_ string, f []field, st *state, c ctx) {
	i, opts := skipOpts(f, 1, "aEdILnPsSR", []string{"--arg-file", "--delimiter", "--eof", "--max-lines",
		"--max-args", "--max-procs", "--max-chars", "--process-slot-var", "--replace", "-i"})
	repl := ""
	if v, ok := opts["I"]; ok {
		repl = v.s
	} else if v, ok := opts["--replace"]; ok {
		repl = v.s
		if repl == "" {
			repl = "{}"
		}
	} else if v, ok := opts["i"]; ok {
		repl = v.s
		if repl == "" {
			repl = "{}"
		}
	}
	inner := []field{{s: "echo"}}
	if i < len(f) {
		inner = make([]field, len(f)-i)
		copy(inner, f[i:])
	}
	// Items read from find … -print0 through xargs -0 are descendants of
	// find's start paths (see Command.Argv).
	starts := p.xargsFromFind(opts, st, c)
	c = c.with(Step{Kind: "xargs", Name: "xargs"})
	c.stdin = nil
	c.pipeFrom = nil
	variants := make([][]field, 0, len(starts)+1)
	for _, sp := range starts {
		v := make([]field, len(inner), len(inner)+1)
		copy(v, inner)
		if repl != "" {
			for k := 1; k < len(v); k++ {
				if strings.Contains(v[k].s, repl) {
					v[k], _ = p.descendantWord(v[k], repl, sp, false, st)
				}
			}
		} else {
			w, ok := p.descendantWord(field{s: "{}"}, "{}", sp, false, st)
			if !ok {
				variants = variants[:0]
				break
			}
			v = append(v, w)
		}
		variants = append(variants, v)
	}
	if len(variants) == 0 {
		v := inner
		if repl == "" {
			v = append(v, field{s: "{xargs}", dyn: true})
		}
		variants = append(variants, v)
	}
	for _, v := range variants {
		if repl != "" {
			for k := range v {
				if strings.Contains(v[k].s, repl) && !v[k].pat {
					v[k].dyn = true
				}
			}
		}
		p.run(v, nil, nil, nil, st, c)
	}
}

// xargsFromFind returns the start paths of the find whose output xargs
// reads, when each item is known to be a descendant of one: xargs -0 (items
// are exact names; blank- or newline-split items could be any text held in a
// file name) reads a pipe whose only writer is a find with literal start
// paths that only prints with -print0 after tests false for the start paths.
func (p *parser) xargsFromFind(opts map[string]field, st *state, c ctx) []string {
	_, z := opts["0"]
	_, null := opts["--null"]
	if !z && !null {
		return nil
	}
	for _, k := range []string{"a", "--arg-file", "d", "--delimiter"} {
		if _, ok := opts[k]; ok {
			return nil
		}
	}
	if c.stdin == nil || !c.stdin.pipe || c.stdin.all || len(c.pipeFrom) != 1 {
		return nil
	}
	fc := p.line.Commands[c.pipeFrom[0]]
	if fc.Name != "find" || len(fc.Via) != len(c.via) {
		return nil
	}
	for k := range fc.Via {
		if fc.Via[k] != c.via[k] {
			return nil
		}
	}
	for _, r := range fc.Redirects {
		if !(r.Fd == 2 && r.Write && r.Path != "" && (r.Op == ">" || r.Op == ">>")) {
			return nil
		}
	}
	ff := make([]field, len(fc.Argv))
	for k, a := range fc.Argv {
		ff[k] = field{s: a}
	}
	for _, d := range fc.Dynamic {
		ff[d].dyn = true
	}
	fe := parseFind(ff)
	if !fe.ok || len(fe.starts) > maxFindStarts {
		return nil
	}
	toks := fe.tokens()
	prints := 0
	for k, tk := range toks {
		switch {
		case tk.s == "-print0":
			for _, sp := range fe.starts {
				if !fe.excludesStart(toks, k, sp.s) {
					return nil
				}
			}
			prints++
		case isFindExec(tk.s), tk.s == "-print", tk.s == "-printf", tk.s == "-fprint", tk.s == "-fprint0",
			tk.s == "-fprintf", tk.s == "-ls", tk.s == "-fls":
			return nil
		}
	}
	if prints == 0 {
		return nil
	}
	out := make([]string, len(fe.starts))
	for k, sp := range fe.starts {
		out[k] = sp.s
	}
	return out
}

func (p *parser) parallel(_ string, f []field, st *state, c ctx) {
	i := 1
	for i < len(f) && strings.HasPrefix(f[i].s, "-") && !f[i].dyn {
		a := f[i].s
		if a == "--" {
			i++
			break
		}
		switch a {
		case "-j", "--jobs", "-N", "-n", "--max-args", "-S", "--sshlogin", "-a", "--arg-file", "-I", "--colsep",
			"-d", "--delimiter", "--joblog", "--results", "--timeout", "--delay", "--tmpdir", "--workdir", "-E", "--env", "--retries":
			i++
		}
		i++
	}
	end := i
	for end < len(f) && f[end].s != ":::" && f[end].s != "::::" && f[end].s != ":::+" {
		end++
	}
	inner := append([]field(nil), f[i:end]...)
	c = c.with(Step{Kind: "xargs", Name: "parallel"})
	c.stdin = nil
	c.pipeFrom = nil
	if len(inner) == 0 {
		// parallel ::: CMD1 CMD2…: with no command of its own, each
		// argument is a command line (from a file with ::::, unseen).
		for k := end; k < len(f); k++ {
			switch {
			case f[k].s == ":::" || f[k].s == ":::+":
			case f[k].s == "::::" || f[k].s == "::::+":
				s, _ := joinFields(f[k:])
				p.opaque("dynamic-code", s, c)
				return
			default:
				p.code(f[k], Step{Kind: "shell", Name: "sh", Detail: "-c"}, st.fresh(), c)
			}
		}
		return
	}
	if len(inner) == 1 && strings.ContainsAny(inner[0].s, " \t;|&") {
		p.code(inner[0], Step{Kind: "shell", Name: "sh", Detail: "-c"}, st.fresh(), c)
		return
	}
	hasRepl := false
	for k := range inner {
		if strings.Contains(inner[k].s, "{") && strings.Contains(inner[k].s, "}") {
			inner[k].dyn = true
			hasRepl = true
		}
	}
	if !hasRepl {
		inner = append(inner, field{s: "{xargs}", dyn: true})
	}
	p.run(inner, nil, nil, nil, st, c)
}

// gdb follows gdb -ex 'shell CMD' (or '!CMD', 'pipe … | CMD'): shell code.
func (p *parser) gdb(name string, f []field, st *state, c ctx) {
	for i := 1; i < len(f); i++ {
		n, v, known, ok := optionValue(f, &i, "-ex", "--ex", "-eval-command", "--eval-command", "-iex", "--iex", "-init-eval-command", "--init-eval-command")
		switch {
		case !ok:
		case !known:
			p.opaque("dynamic-code", v, c.with(Step{Kind: "interp", Name: name}))
		default:
			if code, isShell := gdbShell(v); isShell {
				p.codeStr(code, true, Step{Kind: "interp", Name: name, Detail: n}, st.fresh(), c)
			}
		}
	}
}

// bwrap follows bwrap [OPTIONS] CMD ARGS…: its options take 0 to 3
// arguments; one it does not know, or --args (more options from a
// descriptor), leaves the command unknown.
func (p *parser) bwrap(name string, f []field, st *state, c ctx) {
	i := 1
	for i < len(f) && strings.HasPrefix(f[i].s, "--") && !f[i].dyn {
		n, known := bwrapArity[f[i].s]
		if !known || f[i].s == "--args" {
			p.opaque("dynamic-command", f[i].s, c.with(Step{Kind: "wrapper", Name: name}))
			return
		}
		i += 1 + n
	}
	p.wrap(name, "", f, i, nil, st, c)
}

// bwrapArity is how many arguments each bwrap option takes.
var bwrapArity = func() map[string]int {
	m := map[string]int{}
	for n, names := range [][]string{
		{"--unshare-all", "--share-net", "--unshare-user", "--unshare-user-try", "--unshare-ipc", "--unshare-pid",
			"--unshare-net", "--unshare-uts", "--unshare-cgroup", "--unshare-cgroup-try", "--clearenv", "--new-session",
			"--die-with-parent", "--as-pid-1", "--disable-userns", "--assert-userns-disabled", "--level-prefix"},
		{"--args", "--argv0", "--userns", "--userns2", "--pidns", "--uid", "--gid", "--hostname", "--chdir", "--unsetenv",
			"--lock-file", "--sync-fd", "--remount-ro", "--exec-label", "--file-label", "--proc", "--dev", "--tmpfs",
			"--mqueue", "--dir", "--seccomp", "--add-seccomp-fd", "--block-fd", "--userns-block-fd", "--info-fd",
			"--json-status-fd", "--cap-add", "--cap-drop", "--perms", "--size", "--overlay-src", "--tmp-overlay", "--ro-overlay"},
		{"--setenv", "--bind", "--bind-try", "--dev-bind", "--dev-bind-try", "--ro-bind", "--ro-bind-try", "--bind-fd",
			"--ro-bind-fd", "--file", "--bind-data", "--ro-bind-data", "--symlink", "--chmod"},
		{"--overlay"},
	} {
		for _, name := range names {
			m[name] = n
		}
	}
	return m
}()

// optionValue reads the option word at f[*i] when its name is one of names:
// the name, its value (NAME=VALUE, or the next word, which *i then moves
// to), and whether the value is known. ok is false for any other word, and
// for a last word that wants a value it lacks.
func optionValue(f []field, i *int, names ...string) (name, val string, known, ok bool) {
	n, v, eq := strings.Cut(f[*i].s, "=")
	if !containsStr(names, n) {
		return "", "", false, false
	}
	if eq {
		return n, v, !f[*i].dyn, true
	}
	if f[*i].dyn || *i+1 >= len(f) {
		return "", "", false, false
	}
	*i++
	return n, f[*i].s, !f[*i].dyn, true
}

// gdbShell is the shell command a gdb command line runs, if it runs one:
// shell CMD, !CMD, or pipe [COMMAND] | CMD (gdb's own abbreviations she and
// pi included).
func gdbShell(cmd string) (string, bool) {
	cmd = strings.TrimSpace(cmd)
	if rest, ok := strings.CutPrefix(cmd, "!"); ok {
		return rest, true
	}
	if rest, ok := strings.CutPrefix(cmd, "|"); ok {
		_, sh, found := strings.Cut(rest, "|")
		return sh, found
	}
	word, rest, _ := strings.Cut(cmd, " ")
	switch word {
	case "shell", "shel", "she", "sh":
		return rest, true
	case "pipe", "pip", "pi":
		_, sh, found := strings.Cut(rest, "|")
		return sh, found
	}
	return "", false
}
