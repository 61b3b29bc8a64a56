# METADATA
# title: Argument helpers
# description: >-
#   Helpers over an argument array (argv without the command word, or git.args):
#   flags, option values and positionals, so that they work for any command.
package gatesh.lib.argv

import rego.v1

# optend(args): index of the first "--" (end of options), or count(args).
optend(args) := min([j | some j, w in args; w == "--"]) if "--" in args

optend(args) := count(args) if not "--" in args

# is_opt(w): w is written as an option.
is_opt(w) if {
	startswith(w, "-")
	w != "-"
	w != "--"
}

# opts(args): the option words before "--".
opts(args) := [w | some j, w in args; j < optend(args); is_opt(w)]

# has_flag(args, f): f ("--force" or "-f") is given: --force, --force=x, -f, or -f
# inside a cluster of short options (-rf, -fr, -xdf).
has_flag(args, f) := has_flag_v(args, f, "")

# has_flag_v(args, f, valchars): like has_flag, but a short cluster stops at the
# first character in valchars (options that take a value: "-mfoo" is -m "foo").
has_flag_v(args, f, _) if {
	startswith(f, "--")
	some j, w in args
	j < optend(args)
	_long_match(w, f)
}

has_flag_v(args, f, valchars) if {
	not startswith(f, "--")
	startswith(f, "-")
	count(f) == 2
	ch := substring(f, 1, 1)
	some j, w in args
	j < optend(args)
	short_has(w, ch, valchars)
}

_long_match(w, f) if w == f

_long_match(w, f) if startswith(w, concat("", [f, "="]))

# short_has(w, ch, valchars): w is a short-option cluster holding ch before any
# value-taking character.
short_has(w, ch, valchars) if {
	startswith(w, "-")
	not startswith(w, "--")
	s := substring(w, 1, -1)
	k := indexof(s, ch)
	k >= 0
	not _any_char_in(substring(s, 0, k), valchars)
}

_any_char_in(s, chars) if {
	some ch in split(chars, "")
	ch != ""
	contains(s, ch)
}

# has_any(args, fs): any of the flags fs is given.
has_any(args, fs) if {
	some f in fs
	has_flag(args, f)
}

# values(args, names): the values given to the options in names: "--x=v",
# "--x v", "-X v", "-Xv".
values(args, names) := {v |
	some j, w in args
	j < optend(args)
	some n in names
	v := _value(args, j, w, n)
}

_value(args, j, w, n) := args[j + 1] if {
	w == n
	j + 1 < count(args)
}

_value(_, _, w, n) := substring(w, count(n) + 1, -1) if {
	startswith(n, "--")
	startswith(w, concat("", [n, "="]))
}

_value(_, _, w, n) := substring(w, 2, -1) if {
	not startswith(n, "--")
	count(n) == 2
	startswith(w, n)
	count(w) > 2
}

# positionals(args, valopts): non-option words (and everything after "--"),
# skipping the word that follows an option in valopts (an option's value).
positionals(args, valopts) := [w | some j, w in args; _is_pos(args, j, w, valopts)]

# positional_idx(args, valopts): the indexes (into args) of the positionals.
positional_idx(args, valopts) := [j | some j, w in args; _is_pos(args, j, w, valopts)]

_is_pos(args, j, w, valopts) if {
	j < optend(args)
	not is_opt(w)
	w != "--"
	not _after_valopt(args, j, valopts)
}

_is_pos(args, j, _, _) if j > optend(args)

_after_valopt(args, j, valopts) if {
	j > 0
	args[j - 1] in valopts
}
