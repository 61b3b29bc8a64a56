package bashcli

import (
	"slices"
	"strings"
)

// longOption is one of bash's "GNU long options". Those with takesArg consume the
// next word.
type longOption struct {
	takesArg bool
	set      func(inv *Invocation, arg string)
}

// longOptions are the long options of bash 5.2 as built by Debian (no --wordexp or
// --protected). bash also accepts them with a single dash (-login, -norc), but
// only before the first short option.
var longOptions = map[string]longOption{
	"debug":           {},
	"debugger":        {},
	"dump-po-strings": {set: func(inv *Invocation, _ string) { inv.Dump = true }},
	"dump-strings":    {set: func(inv *Invocation, _ string) { inv.Dump = true }},
	"help":            {set: func(inv *Invocation, _ string) { inv.Help = true }},
	"init-file":       {takesArg: true, set: func(inv *Invocation, f string) { inv.RCFile = f }},
	"login":           {set: func(inv *Invocation, _ string) { inv.Login = true }},
	"noediting":       {},
	"noprofile":       {set: func(inv *Invocation, _ string) { inv.NoProfile = true }},
	"norc":            {set: func(inv *Invocation, _ string) { inv.NoRC = true }},
	"posix":           {},
	"pretty-print":    {set: func(inv *Invocation, _ string) { inv.PrettyPrint = true }},
	"rcfile":          {takesArg: true, set: func(inv *Invocation, f string) { inv.RCFile = f }},
	"restricted":      {},
	"verbose":         {},
	"version":         {set: func(inv *Invocation, _ string) { inv.Version = true }},
}

// longOptions reads the long options at the head of the argv. Any word starting
// with '-' is tried; the first one that is not a long option ends the pass, unless
// it starts with "--", which makes it an invalid option. So a long option after a
// short one is never seen here (bash then reads it as the short option "--").
func (p *parser) longOptions() error {
	for {
		w, ok := p.word(p.i)
		if !ok || !strings.HasPrefix(w, "-") {
			return nil
		}
		name, dashdash := w[1:], false
		if strings.HasPrefix(w, "--") && len(w) > 2 {
			name, dashdash = w[2:], true
		}
		opt, known := longOptions[name]
		if !known {
			if dashdash {
				return badUsage(true, "%s: %s: invalid option", p.errName, w)
			}
			return nil
		}
		p.inv.Flags = append(p.inv.Flags, w)
		arg := ""
		if opt.takesArg {
			if arg, ok = p.word(p.i + 1); !ok {
				return badUsage(false, "%s: %s: option requires an argument", p.errName, name)
			}
			p.i++
			p.inv.Flags = append(p.inv.Flags, arg)
		}
		p.setLong(name, opt, arg)
		p.i++
	}
}

// setLong applies a long option, including those that touch parser state.
func (p *parser) setLong(name string, opt longOption, arg string) {
	switch name {
	case "posix":
		p.posix = true
	case "restricted":
		p.restricted = true
	}
	if opt.set != nil {
		opt.set(&p.inv, arg)
	}
}

// shortOptions reads the words that start with '-' or '+' after the long options.
// Letters may be clustered and repeated; -o and -O (either sign) take the next
// unused word, so `-oo errexit xtrace` sets both. A lone "-" or "--" ends them.
func (p *parser) shortOptions() error {
	for {
		w, ok := p.word(p.i)
		if !ok || len(w) == 0 || (w[0] != '-' && w[0] != '+') {
			return nil
		}
		p.inv.Flags = append(p.inv.Flags, w)
		if w == "-" || w == "--" {
			p.i++
			return nil
		}
		next := p.i + 1
		// Bytes, not runes: bash reports the first byte of a multibyte letter.
		for k := 1; k < len(w); k++ {
			var err error
			next, err = p.shortOption(w[0], w[k], next)
			if err != nil {
				return err
			}
		}
		p.i = next
	}
}

// shortOption applies one option letter with its sign and returns the index of
// the next unused word. As in bash, c, l, s and D mean the same with '+' as with '-'.
func (p *parser) shortOption(sign, letter byte, next int) (int, error) {
	on := sign == '-'
	switch letter {
	case 'c':
		p.inv.Command = true
	case 'l':
		p.inv.Login = true
	case 's':
		p.readStdin = true
	case 'D':
		p.inv.Dump = true
	case 'o':
		return p.setOption(sign, next)
	case 'O':
		name, ok := p.word(next)
		if !ok {
			p.inv.ListOptions = true
			return next, nil
		}
		p.inv.Flags = append(p.inv.Flags, name)
		p.shopts = append(p.shopts, name)
		return next + 1, nil
	case 'i':
		p.inv.Interactive = on
	case 'n':
		p.inv.NoExec = on
	case 'r':
		// Once restricted, bash refuses +r as an invalid option.
		if !on && p.restricted {
			return next, p.invalidShort(sign, letter)
		}
		p.restricted = p.restricted || on
	default:
		if !strings.ContainsRune(setFlags, rune(letter)) {
			return next, p.invalidShort(sign, letter)
		}
	}
	return next, nil
}

// setOption handles -o/+o: with a word, a `set -o` option name, checked at once;
// without one, bash lists the option settings and goes on.
func (p *parser) setOption(sign byte, next int) (int, error) {
	name, ok := p.word(next)
	if !ok {
		p.inv.ListOptions = true
		return next, nil
	}
	p.inv.Flags = append(p.inv.Flags, name)
	if !slices.Contains(setOptionNames, name) {
		// Reported through bash's builtin_error, hence "line 0" and the second name.
		return next, badUsage(false, "%s: line 0: %s: %s: invalid option name", p.errName, p.shellName, name)
	}
	on := sign == '-'
	switch name {
	case "noexec":
		p.inv.NoExec = on
	case "posix":
		p.posix = on
	}
	return next + 1, nil
}

// checkShopts rejects the first -O/+O name that is not a shopt option. bash does
// this after deciding whether the shell is interactive, and an interactive shell
// names itself by the base name of argv0 and gives no line number. Parse can only
// know about -i; a shell made interactive by a terminal prints the shorter form too.
func (p *parser) checkShopts() error {
	for _, name := range p.shopts {
		if slices.Contains(shoptNames, name) {
			continue
		}
		if p.inv.Interactive {
			return badUsage(false, "%s: %s: invalid shell option name", basePathname(p.shellName), name)
		}
		return badUsage(false, "%s: line 0: %s: invalid shell option name", p.errName, name)
	}
	return nil
}

func (p *parser) invalidShort(sign, letter byte) error {
	return badUsage(true, "%s: %s: invalid option", p.errName, string([]byte{sign, letter}))
}

// setFlags are the single-letter options of `set` that bash also takes on its
// command line (i, n and r are handled apart because Invocation reports them).
const setFlags = "abefhkmptuvxBCEHPT"

// setOptionNames are the `set -o` names of bash 5.2.
var setOptionNames = []string{
	"allexport", "braceexpand", "emacs", "errexit", "errtrace", "functrace",
	"hashall", "histexpand", "history", "ignoreeof", "interactive-comments",
	"keyword", "monitor", "noclobber", "noexec", "noglob", "nolog", "notify",
	"nounset", "onecmd", "physical", "pipefail", "posix", "privileged", "verbose",
	"vi", "xtrace",
}

// shoptNames are the `shopt` names of bash 5.2.
var shoptNames = []string{
	"autocd", "assoc_expand_once", "cdable_vars", "cdspell", "checkhash",
	"checkjobs", "checkwinsize", "cmdhist", "compat31", "compat32", "compat40",
	"compat41", "compat42", "compat43", "compat44", "complete_fullquote",
	"direxpand", "dirspell", "dotglob", "execfail", "expand_aliases", "extdebug",
	"extglob", "extquote", "failglob", "force_fignore", "globasciiranges",
	"globskipdots", "globstar", "gnu_errfmt", "histappend", "histreedit",
	"histverify", "hostcomplete", "huponexit", "inherit_errexit",
	"interactive_comments", "lastpipe", "lithist", "localvar_inherit",
	"localvar_unset", "login_shell", "mailwarn", "no_empty_cmd_completion",
	"nocaseglob", "nocasematch", "noexpand_translation", "nullglob",
	"patsub_replacement", "progcomp", "progcomp_alias", "promptvars",
	"restricted_shell", "shift_verbose", "sourcepath", "varredir_close", "xpg_echo",
}
