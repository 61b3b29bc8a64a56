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
	{names: []string{"npx", "bunx", "pnpx"}, arg: "pc", longArg: []string{"--package", "--call", "--node-options", "--registry", "--cache", "--userconfig"}},
	{names: []string{"uvx"}, arg: "p", longArg: []string{"--from", "--with", "--python", "--index", "--index-url", "--extra-index-url", "--with-requirements", "--directory"}},
	{names: []string{"poetry", "uv", "pipenv", "pdm", "hatch", "pipx", "conda", "mamba", "micromamba"}, sub: []string{"run"}, arg: pkgArg, longArg: pkgLongArg},
	{names: []string{"npm", "mise", "asdf", "rtx"}, sub: []string{"exec", "x"}, arg: pkgArg, longArg: pkgLongArg},
	{names: []string{"pnpm"}, sub: []string{"exec", "dlx"}, arg: pkgArg, longArg: pkgLongArg},
	{names: []string{"yarn"}, sub: []string{"dlx", "exec"}, arg: pkgArg, longArg: pkgLongArg},
	{names: []string{"bundle", "pyenv", "rbenv", "nodenv", "goenv", "plenv", "jenv"}, sub: []string{"exec"}, arg: pkgArg, longArg: pkgLongArg},
	// A version manager's libexec exec script, called by its path.
	{names: []string{"pyenv-exec", "rbenv-exec", "nodenv-exec", "goenv-exec", "plenv-exec", "jenv-exec", "nvm-exec"}, bare: true},
	{names: []string{"nvm"}, sub: []string{"exec"}, maybe: nvmVersion}, // nvm exec [--silent] [VERSION] CMD
	{names: []string{"direnv"}, sub: []string{"exec"}, skip: 1},        // direnv exec DIR CMD
	{names: []string{"devbox"}, sub: []string{"run"}, arg: "ce", longArg: []string{"--config", "--env", "--env-file", "--environment"}},
	{names: []string{"nix-shell"}, runs: runsCode, longCode: []string{"--run", "--command"}},
	{names: []string{"nix"}, sub: []string{"develop", "shell"}, after: []string{"--command", "-c"}},
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
	if r.runs == runsText && !r.anyOption(opts, r.argv) {
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

// runner follows what gdb or bwrap starts, whose grammars no row can say;
// false when name is neither.
func (p *parser) runner(name string, f []field, st *state, c ctx) bool {
	switch name {
	case "gdb", "gdb-multiarch", "cgdb":
		// gdb -ex 'shell CMD' (or '!CMD', 'pipe … | CMD'): shell code.
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
	case "bwrap":
		// bwrap [OPTIONS] CMD ARGS…: its options take 0 to 3 arguments;
		// one it does not know, or --args (more options from a
		// descriptor), leaves the command unknown.
		i := 1
		for i < len(f) && strings.HasPrefix(f[i].s, "--") && !f[i].dyn {
			n, known := bwrapArity[f[i].s]
			if !known || f[i].s == "--args" {
				p.opaque("dynamic-command", f[i].s, c.with(Step{Kind: "wrapper", Name: name}))
				return true
			}
			i += 1 + n
		}
		p.wrap(name, "", f, i, nil, st, c)
	default:
		return false
	}
	return true
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
