// Package bashcli reads a bash command line the way bash 5.2 does.
//
// gatesh is installed in place of bash and is started with whatever argv a harness
// would give bash. Before it asks its daemon whether to run, it must know what bash
// would make of that argv (is there a -c string, which words are $0 and $1…, is it a
// login or interactive shell, does it run anything at all), and afterwards it execs
// the real bash with the very same argv. Parse mirrors bash's own two passes over
// the argv (shell.c: parse_long_options, then parse_shell_options), including its
// quirks, so that gatesh and bash never disagree about what will run.
package bashcli

import (
	"path/filepath"
	"strings"
)

// Invocation is what bash would do with an argv.
//
// Unless Version or Help is set, the argv is Argv0, then Flags, then the -c string
// (Command), the script path (Script) or nothing (Stdin), then Operands.
type Invocation struct {
	Argv0       string
	Login       bool     // -l, --login, or argv0 starting with '-'
	Interactive bool     // -i given explicitly (and not undone by a later +i)
	Command     bool     // -c given: Text is the command string
	Text        string   // the -c command string
	Operands    []string // after the -c string ($0, $1, ...), or after the script path ($1...)
	Script      string   // script file path: no -c, no -s, and a first operand
	Stdin       bool     // commands come from stdin: no -c, and -s given or no script operand
	NoExec      bool     // -n, or -o noexec (bash honours it even when interactive)
	Version     bool     // --version: bash prints its version and exits 0
	Help        bool     // --help: bash prints its usage and exits 0
	Dump        bool     // -D, --dump-strings, --dump-po-strings: prints strings, runs nothing
	PrettyPrint bool     // --pretty-print: a non-interactive shell without -c prints the script instead of running it
	ListOptions bool     // -o, +o, -O or +O as the last word: bash lists option settings on stdout, then goes on
	NoRC        bool     // --norc
	NoProfile   bool     // --noprofile
	Posix       bool     // --posix, -o posix, or argv0 named sh (POSIXLY_CORRECT in the environment is not seen here)
	Restricted  bool     // --restricted, -r, or argv0 named rbash
	RCFile      string   // --init-file / --rcfile value (the last one given)
	Flags       []string // every option word as given, in order, with the words options consume ("-o", "errexit") and a closing "--" or "-"
}

// Parse reads argv (argv[0] included) as bash 5 does. A command line bash rejects
// yields an *Error whose text is the first line bash prints for it and whose
// Status is bash's exit status (2); the Invocation then holds what was read before
// the mistake. (One message cannot be known from the argv alone: for a bad -O name,
// a shell that turns interactive because of a terminal names itself as with -i.)
// With --help or --version bash stops reading after its long options, and so does
// Parse.
func Parse(argv []string) (Invocation, error) {
	p := newParser(argv)
	if err := p.longOptions(); err != nil {
		return p.inv, err
	}
	// bash answers --help and --version before it looks at a single short option.
	if p.inv.Help || p.inv.Version {
		p.settleNames()
		return p.inv, nil
	}
	if err := p.shortOptions(); err != nil {
		return p.inv, err
	}
	if err := p.commandString(); err != nil {
		return p.inv, err
	}
	// bash applies -O options only once the shell is set up, after the -c check.
	if err := p.checkShopts(); err != nil {
		return p.inv, err
	}
	p.operands()
	p.settleNames()
	return p.inv, nil
}

// WouldBeInteractive reports whether bash would run an interactive shell for this
// invocation given whether its stdin and stderr are terminals: -i, or commands read
// from stdin (no -c, and -s or no script operand) with stdin and stderr both terminals.
func (inv Invocation) WouldBeInteractive(stdinTTY, stderrTTY bool) bool {
	if inv.Version || inv.Help {
		return false
	}
	return inv.Interactive || (inv.Stdin && stdinTTY && stderrTTY)
}

// Executes reports whether bash would execute the commands it reads (the -c string,
// the script, or stdin), given whether the shell is interactive (WouldBeInteractive).
// It is false when bash only prints something (--version, --help, -D), only parses
// (-n: given on the command line, bash honours it even in an interactive shell, and
// skips the startup files too), or only pretty-prints (--pretty-print, which bash
// ignores in an interactive shell and for a -c string).
func (inv Invocation) Executes(interactive bool) bool {
	switch {
	case inv.Version, inv.Help, inv.Dump, inv.NoExec:
		return false
	case inv.PrettyPrint && !interactive && !inv.Command:
		return false
	}
	return true
}

// ReadsLines reports whether the shell, if it executes anything, would take
// command lines as a person types them, given whether its stdin and stderr are
// terminals: an interactive shell without -c (WouldBeInteractive, so also one
// given -i with a script or a pipe), a shell reading its commands from stdin
// when stdin is a terminal, or a -c string on a terminal that only starts such
// a shell (StartsShell: tmux runs `$SHELL -c /bin/bash`). gatesh judges these
// line by line in a session, and cannot when stdin is not a terminal.
func (inv Invocation) ReadsLines(stdinTTY, stderrTTY bool) bool {
	interactive := inv.WouldBeInteractive(stdinTTY, stderrTTY)
	switch {
	case !inv.Executes(interactive):
		return false
	case inv.Command:
		return stdinTTY && StartsShell(inv.Text)
	}
	return interactive || (inv.Stdin && stdinTTY)
}

// parser holds bash's state while it walks the argv.
type parser struct {
	argv []string
	i    int // index of the next word to read
	inv  Invocation

	errName   string // how bash names itself in errors: $0, which is argv0 as given
	shellName string // bash's shell_name: argv0, or "bash" when argv0 is empty or "-"

	// restricted is bash's `restricted`: once --restricted or -r has been seen,
	// +r is an invalid option rather than a way out.
	restricted bool
	posix      bool
	readStdin  bool     // -s or +s
	shopts     []string // -O/+O names, checked after the -c string as bash does
}

func newParser(argv []string) *parser {
	p := &parser{argv: argv, errName: "bash", shellName: "bash"}
	if len(argv) == 0 {
		return p
	}
	p.i = 1
	argv0 := argv[0]
	p.inv.Argv0 = argv0
	p.errName = argv0
	if argv0 != "" && argv0 != "-" {
		p.shellName = argv0
	}
	// login_shell is decided on the whole argv0, so "/x/-bash" is not a login shell.
	p.inv.Login = strings.HasPrefix(argv0, "-")
	return p
}

// word returns the word at index j and whether there is one.
func (p *parser) word(j int) (string, bool) {
	if j < len(p.argv) {
		return p.argv[j], true
	}
	return "", false
}

// commandString takes the -c string: the first word after the options, whatever
// it looks like, so `-c -l CMD` runs CMD in a login shell.
func (p *parser) commandString() error {
	if !p.inv.Command {
		return nil
	}
	w, ok := p.word(p.i)
	if !ok {
		return badUsage(false, "%s: -c: option requires an argument", p.errName)
	}
	p.inv.Text = w
	p.i++
	return nil
}

// operands sorts the words left after the options: $0 and $1… with -c, else a
// script and its $1…, else $1… with commands from stdin.
func (p *parser) operands() {
	rest := append([]string(nil), p.argv[p.i:]...)
	switch {
	case p.inv.Command:
		p.inv.Operands = rest
	case !p.readStdin && len(rest) > 0:
		p.inv.Script = rest[0]
		p.inv.Operands = rest[1:]
	default:
		p.inv.Stdin = true
		p.inv.Operands = rest
	}
	if len(p.inv.Operands) == 0 {
		p.inv.Operands = nil
	}
}

// settleNames applies what argv0's name decides. bash does it after the startup
// files, so a shell named sh is in posix mode whatever +o posix said.
func (p *parser) settleNames() {
	p.inv.Posix = p.posix || actsLikeSh(p.inv.Argv0)
	p.inv.Restricted = p.restricted || namedRbash(p.shellName)
}

// actsLikeSh is bash's set_shell_name test: the base name of argv0 is "sh", less
// the login marker only when argv0 itself starts with it ("-sh" and "-/x/sh" count,
// "/x/-sh" does not).
func actsLikeSh(argv0 string) bool {
	base := basePathname(argv0)
	if strings.HasPrefix(argv0, "-") {
		base = strings.TrimPrefix(base, "-")
	}
	return base == "sh"
}

// namedRbash is bash's maybe_make_restricted test, which drops a leading '-' from
// the base name wherever it stands ("/x/-rbash" is restricted).
func namedRbash(shellName string) bool {
	return strings.TrimPrefix(basePathname(shellName), "-") == "rbash"
}

// basePathname is bash's base_pathname: what follows the last '/', except that "/"
// stays "/". Unlike path.Base it keeps trailing slashes meaningful ("a/" gives "").
func basePathname(s string) string {
	if s == "/" {
		return s
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// ShellArgv0 is the argv[0] the real bash is given for a gatesh started as
// argv0. bash names itself by argv[0] in its messages and in $0, and startup
// files that detect the shell by name (pyenv init, conda, nvm) read it, so a
// gatesh run by its own name (SHELL pointing straight at it) hands bash the
// name "bash", keeping the "-" of a login shell. A name bash gives meaning to
// (bash, sh, rbash, as a path or with the login "-") stays as it is.
func ShellArgv0(argv0 string) string {
	base := basePathname(argv0)
	if strings.HasPrefix(argv0, "-") {
		base = strings.TrimPrefix(base, "-")
	}
	switch base {
	case "bash", "sh", "rbash":
		return argv0
	}
	if strings.HasPrefix(argv0, "-") {
		return "-bash"
	}
	return "bash"
}

// StartsShell reports whether a -c command string does nothing but start
// another shell that reads its commands from stdin (tmux runs `$SHELL -c
// /bin/bash` this way): plain words, the first naming bash, sh, zsh or dash,
// the rest options, with neither -c nor a script. On a terminal that shell
// would be interactive, and the gate must not hand it over ungated.
func StartsShell(text string) bool {
	words := strings.Fields(text)
	if len(words) == 0 || strings.ContainsAny(text, "'\"\\$`;&|<>(){}*?[]#=~") {
		return false
	}
	if words[0] == "exec" {
		words = words[1:]
		if len(words) == 0 {
			return false
		}
	}
	switch filepath.Base(words[0]) {
	case "bash", "sh", "zsh", "dash", "rbash":
	default:
		return false
	}
	inv, err := Parse(words)
	return err == nil && !inv.Command && inv.Script == "" && inv.Executes(true)
}
