# Session: lines typed in a gated interactive session (input.session). Such a line
# runs in the very bash whose readline hook hands every typed line to the gate
# before bash runs it: functions and variables named __gatesh*, Enter bound with
# `bind -x` in every keymap, an element of PROMPT_COMMAND, a DEBUG trap with extdebug
# (functrace) that stops lines the gate has not seen, histverify, and file
# descriptors 62 and 63. A line that changes any of them could run the next lines
# unchecked, so it is denied as tamper.
#
# Decisions (also in docs/policy-guide.md, "Lines typed in a gated session"):
# - Only the session's own shell matters for its state: a command reached through
#   a new shell or program (bash -c '…', ssh host …, an interpreter's os.system,
#   git's core.pager, …) changes that shell's traps, bindings and variables, not
#   the session's. `bash -c 'unset PROMPT_COMMAND'` is allowed. Descriptors are
#   inherited, though, so the fd rule judges nested commands too, and so does the
#   rule on interactive shells (a nested `/bin/bash` reads the same terminal).
# - The names __gatesh* are refused anywhere in the line, nested shells included:
#   no legitimate command needs them, and the line's text is checked as well as
#   its parsed words (a heredoc body, arithmetic, `let`).
# - `set -o posix` is allowed: the hook runs unchanged in POSIX mode (checked in a
#   real session; the gate's own `sh` shim runs bash in POSIX mode).
# - A plain PROMPT_COMMAND value (element 0, as OpenHands sets it) is allowed: the
#   hook is in another element, and the parser judges the value as the code it is
#   (commands reached through a "trap" step named PROMPT_COMMAND), as it judges the
#   command substitutions of PS0, PS1, PS2 and PS4. Its other elements, the whole
#   array and its attributes are refused.
#   A subshell or a substitution ($(…)) counts as the session's own shell: it
#   cannot change the session, but nothing needs those commands there either.
# - The input lists the functions a line defines without saying in which shell, so
#   a function named after a builtin the hook calls is refused even in `bash -c`.
# - What cannot be known (a name or descriptor computed at run time, the code of a
#   sourced file) is held, not denied: a person decides. `source FILE` runs FILE in
#   the session's own shell; `bash FILE` (a new shell) is ordinary work.

# METADATA
# title: Gated session
# description: >-
#   Judges lines typed in a gated interactive session (input.session). Such a line
#   runs in the bash whose readline hook hands every typed line to the gate, so a
#   line that changes the hook's functions, variables, key bindings, PROMPT_COMMAND,
#   DEBUG trap, shell options or file descriptors could run the next lines
#   unchecked: it is denied as tamper. What cannot be known (a computed name, a
#   sourced file) is held. The decisions are in the comment above and in
#   docs/policy-guide.md.
# custom:
#   class: tamper
#   rules:
#     - session.hook
#     - session.hook_var
#     - session.function
#     - session.bind
#     - session.prompt_command
#     - session.trap
#     - session.option
#     - session.enable
#     - session.fd
#     - session.fc
#     - session.shell
#     - session.source
#     - session.dynamic
package gatesh.rules.session

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.reason

# The guard: the combiner evaluates this package only for session lines. The rules
# check input.session themselves too (gatectl test evaluates every package).
features := {"session"}

_session if input.session == true

_r(id, msg, i) := reason.of(id, msg, "tamper", i)

_leave := "Commands in this session may not change it."

# _show(c): the command as written, for messages (the line, for a bare assignment)
_show(c) := _clip(concat(" ", c.argv)) if count(c.argv) > 0

_show(c) := _clip(input.text) if count(c.argv) == 0

_clip(s) := s if count(s) <= 80

_clip(s) := concat("", [substring(s, 0, 77), "..."]) if count(s) > 80

# _own(c): c runs in the session's own shell (typed, or reached through eval, a
# function, an alias, a trap body, a substitution or a wrapper such as builtin,
# command or exec), not in a new shell or program.
_other_shell := {"shell", "remote", "interp", "git", "option", "xargs", "find"}

_own(c) if {
	every s in c.via {
		not s.kind in _other_shell
	}
}

# _dyn(w): a word whose value is not known (the parser keeps its source text)
_dyn(w) if contains(w, "$")

_dyn(w) if contains(w, "`")

# _name_of(w): the variable name a word such as NAME, NAME=value, NAME+=value or
# NAME[i]=value names
_name_of(w) := m[0] if {
	m := regex.find_n(`^[A-Za-z_][A-Za-z0-9_]*`, w, 1)
	count(m) == 1
}

# --- bind --------------------------------------------------------------------------------

deny contains _r("session.bind", sprintf("`%s` would change the key bindings of this session, which hand each typed line to the gate before bash runs it. Key bindings cannot be changed in a gated session; `bind -p`, `bind -P`, `bind -v` and `bind -l` show them.", [_show(c)]), i) if {
	_session
	some i in cmds.by_name.bind
	c := input.commands[i]
	_own(c)
	not _bind_query(cmds.args(c))
}

# only the printing options: -l -p -P -v -V -s -S -X, -q NAME, -m KEYMAP
_bind_query(args) if {
	every j, _ in args {
		_bind_query_word(args, j)
	}
}

_bind_query_word(args, j) if regex.match(`^-[lpPvVsSX]*([qm].*)?$`, args[j])

_bind_query_word(args, j) if {
	j > 0
	regex.match(`^-[lpPvVsSX]*[qm]$`, args[j - 1])
}

# --- trap DEBUG ------------------------------------------------------------------------

deny contains _r("session.trap", sprintf("`%s` would replace or remove the DEBUG trap, which the gate uses in this session to stop lines it has not checked. Set traps on other conditions (EXIT, INT, ERR, RETURN) instead; `trap -p` shows them.", [_show(c)]), i) if {
	_session
	some i in cmds.by_name.trap
	c := input.commands[i]
	_own(c)
	some s in _trap_sigs(cmds.args(c))
	upper(s) == "DEBUG"
}

hold contains _r("session.dynamic", sprintf("`%s` names a signal computed at run time, so the gate cannot tell whether it replaces the DEBUG trap it uses in this session. Wait for the user to approve it, or name the signal.", [_show(c)]), i) if {
	_session
	some i in cmds.by_name.trap
	c := input.commands[i]
	_own(c)
	some s in _trap_sigs(cmds.args(c))
	_dyn(s)
}

# the signals a trap command sets or resets (none for -p and -l, which print)
_trap_sigs(args) := [] if {
	count(args) > 0
	regex.match(`^-[lpP]+$`, args[0])
} else := _trap_sigs_of(array.slice(args, 1, count(args))) if {
	count(args) > 0
	args[0] == "--"
} else := _trap_sigs_of(args)

# one operand, or a number first: every operand is a signal to reset; else the
# first is the action
_trap_sigs_of(ops) := ops if count(ops) == 1

_trap_sigs_of(ops) := ops if {
	count(ops) > 1
	regex.match(`^[0-9]+$`, ops[0])
}

_trap_sigs_of(ops) := array.slice(ops, 1, count(ops)) if {
	count(ops) > 1
	not regex.match(`^[0-9]+$`, ops[0])
}

_trap_sigs_of(ops) := [] if count(ops) == 0

# --- shell options -------------------------------------------------------------------------

_opt_why := {
	"extdebug": "with it, the gate's DEBUG trap stops lines the gate has not checked",
	"functrace": "with it, the gate's DEBUG trap also reaches functions and subshells",
	"histverify": "with it, a history expansion (!!, !str) comes back to the prompt and is checked before it runs",
	"interactive_comments": "with it, a line commented out by readline's insert-comment does not run",
	"emacs": "without a line-editing mode Enter no longer hands lines to the gate, and no later line could run",
	"vi": "without a line-editing mode Enter no longer hands lines to the gate, and no later line could run",
}

_opt_msg(c, name) := sprintf("`%s` would turn off %s, which the gate's check of this session relies on: %s. Leave it on; other options may be changed (`set -o vi` and `set -o emacs` switch editing modes).", [_show(c), name, _opt_why[name]])

_shopt_names := {"extdebug", "histverify", "interactive_comments"}

_shopt_o_names := {"functrace", "emacs", "vi"}

deny contains _r("session.option", _opt_msg(c, n), i) if {
	_session
	some i in cmds.by_name.shopt
	c := input.commands[i]
	_own(c)
	some n in _shopt_off(cmds.args(c))
	n in object.keys(_opt_why)
}

hold contains _r("session.dynamic", sprintf("`%s` names a shell option computed at run time, so the gate cannot tell whether it turns off an option its check of this session relies on. Wait for the user to approve it, or name the option.", [_show(c)]), i) if {
	_session
	some i in cmds.by_name.shopt
	c := input.commands[i]
	_own(c)
	some n in _shopt_off(cmds.args(c))
	_dyn(n)
}

# the options a shopt command turns off that matter here (and unknown names)
_shopt_off(args) := {n |
	flags := concat("", [substring(w, 1, -1) | some w in args; regex.match(`^-[a-z]+$`, w)])
	contains(flags, "u")
	some n in args
	not startswith(n, "-")
	_shopt_off_name(flags, n)
}

_shopt_off_name(flags, n) if {
	not contains(flags, "o")
	n in _shopt_names
}

_shopt_off_name(flags, n) if {
	contains(flags, "o")
	n in _shopt_o_names
}

_shopt_off_name(_, n) if _dyn(n)

deny contains _r("session.option", _opt_msg(c, "functrace"), i) if {
	_session
	some i in cmds.by_name.set
	c := input.commands[i]
	_own(c)
	args := cmds.args(c)
	some j, w in args
	j < _set_end(args)
	regex.match(`^\+[a-zA-Z]*T`, w)
}

deny contains _r("session.option", _opt_msg(c, n), i) if {
	_session
	some i in cmds.by_name.set
	c := input.commands[i]
	_own(c)
	n := _set_off(cmds.args(c))[_]
	n in _shopt_o_names
}

hold contains _r("session.dynamic", sprintf("`%s` names a shell option computed at run time, so the gate cannot tell whether it turns off an option its check of this session relies on. Wait for the user to approve it, or name the option.", [_show(c)]), i) if {
	_session
	some i in cmds.by_name.set
	c := input.commands[i]
	_own(c)
	some n in _set_off(cmds.args(c))
	_dyn(n)
}

# the names given to +o (set +o functrace, set +xo vi)
_set_off(args) := [args[j + 1] |
	some j, w in args
	j + 1 < _set_end(args)
	regex.match(`^\+[a-zA-Z]*o$`, w)
]

# where set's options end: "--", "-", or the first word that is neither an option
# nor the name after -o/+o (set -- +T sets positional parameters)
_set_end(args) := min(ends) if {
	ends := [j | some j, w in args; _set_stop(args, j, w)]
	count(ends) > 0
} else := count(args)

_set_stop(_, _, w) if w in {"--", "-"}

_set_stop(args, j, w) if {
	not regex.match(`^[-+]`, w)
	not _set_oname(args, j)
}

_set_oname(args, j) if {
	j > 0
	regex.match(`^[-+][a-zA-Z]*o$`, args[j - 1])
}

# --- enable ---------------------------------------------------------------------------------

deny contains _r("session.enable", sprintf("`%s` would disable, load or remove bash builtins, which the gate's hook in this session calls. Commands in this session may not change them; `enable -a` lists them.", [_show(c)]), i) if {
	_session
	some i in cmds.by_name.enable
	c := input.commands[i]
	_own(c)
	args := cmds.args(c)
	some j, w in args
	j < argv.optend(args)
	regex.match(`^-[a-zA-Z]*[nfd]`, w)
}

# --- PROMPT_COMMAND -------------------------------------------------------------------------

_pc := "PROMPT_COMMAND"

_pc_msg(c) := sprintf("`%s` would change the PROMPT_COMMAND array (an element, the whole array, or its attributes), one element of which is the gate's hook in this session. %s Set only its plain value (PROMPT_COMMAND='…'), which leaves the other elements alone.", [_show(c), _leave])

deny contains _r("session.prompt_command", sprintf("`%s` would remove PROMPT_COMMAND, one element of which is the gate's hook in this session. %s To stop running your own prompt command, set it to an empty string (PROMPT_COMMAND='').", [_show(c), _leave]), i) if {
	_session
	some i in cmds.by_name.unset
	c := input.commands[i]
	_own(c)
	some w in cmds.args(c)
	_name_of(w) == _pc
}

# declare, typeset, local, readonly, export: anything but printing or setting the
# plain value
_decl := {"declare", "typeset", "local", "readonly", "export"}

deny contains _r("session.prompt_command", _pc_msg(c), i) if {
	_session
	some n in _decl
	some i in cmds.by_name[n]
	c := input.commands[i]
	_own(c)
	_pc in _decl_names(c)
	not _decl_query(c)
	not _decl_plain_pc(c)
}

# a bare assignment: an element (PROMPT_COMMAND[1]=…) or an array (PROMPT_COMMAND=(…));
# an element the text shows is reported once, by the text rule below
deny contains _r("session.prompt_command", _pc_msg(c), i) if {
	_session
	not _pc_element_text
	some i, c in input.commands
	c.name == ""
	_own(c)
	some a in c.assigns
	a.name == _pc
	_pc_not_plain(a)
}

# read -a, mapfile, readarray, printf -v: they replace the array or set an element
deny contains _r("session.prompt_command", _pc_msg(c), i) if {
	_session
	some n in {"read", "mapfile", "readarray", "printf"}
	some i in cmds.by_name[n]
	c := input.commands[i]
	_own(c)
	_pc in _writes_names(c)
}

# an element set anywhere in the text: let, (( )), ${PROMPT_COMMAND[1]=…}, eval
deny contains {"id": "session.prompt_command", "msg": sprintf("The line sets an element of PROMPT_COMMAND, one element of which is the gate's hook in this session. %s Set only its plain value (PROMPT_COMMAND='…'), which leaves the other elements alone.", [_leave]), "class": "tamper"} if {
	_session
	_pc_element_text
}

_pc_element_text if regex.match(`PROMPT_COMMAND\[[^\]]*\]\s*(([-+*/%&|^]|<<|>>)?=([^=]|$)|\+\+|--)|(\+\+|--)\s*PROMPT_COMMAND\[`, input.text)

# A dynamic value is the parser's mark of an element, an append or an array, but
# also of a value computed at run time: the text tells them apart.
_pc_not_plain(a) if {
	a.dynamic
	startswith(a.value, "(")
}

_pc_not_plain(a) if {
	a.dynamic
	a.value != "$PROMPT_COMMAND"
	not regex.match(`(^|[^A-Za-z0-9_\[])PROMPT_COMMAND\+?=`, input.text)
}

_pc_not_plain(a) if {
	a.dynamic
	contains(input.text, "PROMPT_COMMAND[")
}

# the variables a declaration names, and those its namerefs (-n) point to
_decl_names(c) := {n |
	some w in _decl_words(c)
	n := _name_of(w)
} | {r |
	c.name in {"declare", "typeset", "local"}
	some o in _decl_opts(c)
	regex.match(`^-[a-zA-Z]*n`, o)
	some w in _decl_words(c)
	contains(w, "=")
	r := _name_of(substring(w, indexof(w, "=") + 1, -1))
}

_decl_opts(c) := [w | some w in cmds.args(c); regex.match(`^[-+][a-zA-Z]+$`, w)]

_decl_words(c) := [w | some w in cmds.args(c); not regex.match(`^[-+]`, w)]

# printing: declare -p X, export -p, declare X (no change), readonly -p
_decl_query(c) if {
	c.name in {"declare", "typeset", "export", "readonly"}
	every o in _decl_opts(c) {
		regex.match(`^-[pfF]+$`, o)
	}
	_readonly_prints(c)
	every w in _decl_words(c) {
		not contains(w, "=")
	}
}

_readonly_prints(c) if c.name != "readonly"

_readonly_prints(c) if count(_decl_opts(c)) > 0

# export PROMPT_COMMAND='…', declare PROMPT_COMMAND="…": the plain value only
_decl_plain_pc(c) if {
	c.name in {"declare", "typeset", "export"}
	count(_decl_opts(c)) == 0
	every w in _decl_words(c) {
		_plain_pc_word(w)
	}
}

_plain_pc_word(w) if _name_of(w) != _pc

_plain_pc_word(w) if {
	regex.match(`^PROMPT_COMMAND\+?=`, w)
	not regex.match(`^PROMPT_COMMAND\+?=\(`, w)
}

# the variables read, mapfile, readarray and printf -v write
_writes_names(c) := {n |
	some v in argv.values(cmds.args(c), {"-v"})
	n := _name_of(v)
} if c.name == "printf"

_writes_names(c) := {n |
	args := cmds.args(c)
	some w in array.concat(argv.positionals(args, _name_valopts[c.name]), [v | some v in argv.values(args, {"-a"})])
	n := _name_of(w)
} if c.name in {"read", "mapfile", "readarray"}

# the options of read and mapfile that take a value (read -a's value is a name)
_name_valopts := {
	"read": {"-a", "-d", "-i", "-n", "-N", "-p", "-t", "-u"},
	"mapfile": {"-d", "-n", "-O", "-s", "-u", "-C", "-c"},
	"readarray": {"-d", "-n", "-O", "-s", "-u", "-C", "-c"},
}

# --- variables the hook reads -------------------------------------------------------------

# READLINE_*: the hook reads the typed line and replaces a refused one through
# them (readonly READLINE_LINE hands the gate an empty line while bash runs the
# typed one). PWD: the directory the line is judged in. BASH_ALIASES: the aliases
# the gate expands (unset, it stops listing them). FUNCNAME, BASH_COMMAND: what the
# DEBUG trap checks.
_hook_vars := {"READLINE_LINE", "READLINE_POINT", "READLINE_MARK", "READLINE_ARGUMENT", "PWD", "BASH_ALIASES", "FUNCNAME", "BASH_COMMAND", "COMP_LINE"}

_var_msg(c, v) := sprintf("`%s` would change %s, which the gate's hook in this session reads to check each line. %s Use another variable name; `cd` changes the directory.", [_show(c), v, _leave])

deny contains _r("session.hook_var", _var_msg(c, v), i) if {
	_session
	some i in cmds.by_name.unset
	c := input.commands[i]
	_own(c)
	some w in cmds.args(c)
	v := _name_of(w)
	v in _hook_vars
}

deny contains _r("session.hook_var", _var_msg(c, v), i) if {
	_session
	some n in _decl
	some i in cmds.by_name[n]
	c := input.commands[i]
	_own(c)
	not _decl_query(c)
	some v in _decl_names(c)
	v in _hook_vars
}

deny contains _r("session.hook_var", _var_msg(c, a.name), i) if {
	_session
	some i, c in input.commands
	c.name == ""
	_own(c)
	some a in c.assigns
	a.name in _hook_vars
}

deny contains _r("session.hook_var", _var_msg(c, v), i) if {
	_session
	some n in {"read", "mapfile", "readarray", "printf"}
	some i in cmds.by_name[n]
	c := input.commands[i]
	_own(c)
	some v in _writes_names(c)
	v in _hook_vars
}

# an unset whose names are computed at run time
hold contains _r("session.dynamic", sprintf("`%s` unsets a name computed at run time, so the gate cannot tell whether it removes its own hook in this session (PROMPT_COMMAND, its functions). Wait for the user to approve it, or name the variables.", [_show(c)]), i) if {
	_session
	some i in cmds.by_name.unset
	c := input.commands[i]
	_own(c)
	some j in c.dynamic
	j > 0
}

# --- the hook's own names ------------------------------------------------------------------

_hook_msg := "The line names the gate's own hook in this session (functions and variables named __gatesh…), which commands may not call, read or change. Leave them alone."

deny contains {"id": "session.hook", "msg": _hook_msg, "class": "tamper"} if {
	_session
	contains(input.text, "__gatesh")
}

# spelled so that the text does not show it ('__ga''tesh_ok', $'\x5f_gatesh', a
# variable assigned in the line)
deny contains _r("session.hook", sprintf("`%s` names the gate's own hook in this session (functions and variables named __gatesh…), which commands may not call, read or change. Leave them alone.", [_show(c)]), i) if {
	_session
	not contains(input.text, "__gatesh")
	some i, c in input.commands
	_names_hook(c)
}

deny contains {"id": "session.hook", "msg": _hook_msg, "class": "tamper"} if {
	_session
	not contains(input.text, "__gatesh")
	some f in input.functions
	contains(f, "__gatesh")
}

_names_hook(c) if {
	some w in c.argv
	contains(w, "__gatesh")
}

_names_hook(c) if {
	some a in c.assigns
	contains(concat("=", [a.name, a.value]), "__gatesh")
}

_names_hook(c) if {
	some k, v in c.env
	contains(concat("=", [k, v]), "__gatesh")
}

_names_hook(c) if {
	some r in c.redirects
	contains(r.target, "__gatesh")
}

# --- functions that replace what the hook calls ---------------------------------------------

# the builtins the hook calls (through `builtin`, which is one of them)
_hook_builtins := {"builtin", "read", "printf", "kill", "history", "local", "unset", "declare", "shopt", "bind", "trap", "set", "return", "command", "eval", "enable", "source", "exec"}

deny contains {"id": "session.function", "msg": sprintf("Defining a function named %s would replace bash's `%s` builtin, which the gate's hook in this session calls. Give the function another name.", [f, f]), "class": "tamper"} if {
	_session
	some f in input.functions
	f in _hook_builtins
}

# bash runs command_not_found_handle for a command it cannot find, after the gate
# has judged the line as calling that command, so its body would run unchecked
deny contains {"id": "session.function", "msg": "Defining command_not_found_handle would run its body, unchecked by the gate, whenever a command is not found in this session. Give the function another name and call it directly.", "class": "tamper"} if {
	_session
	"command_not_found_handle" in input.functions
}

# --- descriptors 62 and 63 -------------------------------------------------------------------

_hook_fds := {"62", "63"}

deny contains _r("session.fd", sprintf("`%s` redirects or duplicates file descriptor %s, which connects this session to the gate. Use another descriptor number (3 to 9).", [_show(c), fd]), i) if {
	_session
	some i, c in input.commands
	not cmds.remote(c)
	some r in c.redirects
	some fd in _touched_fds(r)
}

# the hook's descriptors a redirection uses: its own fd, a dup's source, or a
# /dev/fd/N path
_touched_fds(r) := (({format_int(r.fd, 10)} & _hook_fds) | _dup_fds(r)) | _path_fds(r)

_dup_fds(r) := {t |
	r.op in {">&", "<&"}
	t := trim_suffix(r.target, "-")
	t in _hook_fds
}

_path_fds(r) := {m[1] |
	some m in regex.find_all_string_submatch_n(`^/(?:dev/fd|proc/(?:self|thread-self|[0-9]+)/fd)/([0-9]+)$`, object.get(r, "path", ""), 1)
	m[1] in _hook_fds
}

hold contains _r("session.dynamic", sprintf("`%s` duplicates or closes a file descriptor computed at run time, which could be 62 or 63, the descriptors that connect this session to the gate. Wait for the user to approve it, or use a literal descriptor number.", [_show(c)]), i) if {
	_session
	some i, c in input.commands
	not cmds.remote(c)
	some r in c.redirects
	_dyn_fd(r)
}

_dyn_fd(r) if {
	r.op in {">&", "<&"}
	r.dynamic
}

# {var}>&- closes the descriptor whose number $var holds
_dyn_fd(r) if {
	r.fd == -1
	r.op in {">&", "<&"}
	r.target == "-"
}

# --- fc -----------------------------------------------------------------------------------------

deny contains _r("session.fc", sprintf("`%s` would run earlier commands again without passing them through the gate. Type the command again instead; `fc -l` and `history` list earlier commands.", [_show(c)]), i) if {
	_session
	some i in cmds.by_name.fc
	c := input.commands[i]
	_own(c)
	not _fc_list(cmds.args(c))
}

_fc_list(args) if {
	some w in args
	regex.match(`^-[a-zA-Z]*l`, w)
	every v in args {
		not regex.match(`^-[a-zA-Z]*[es]`, v)
	}
}

# --- an interactive shell that does not pass through the gate's shim ------------------------

_shells := {"sh", "bash", "rbash", "dash", "ash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "oksh", "yash", "posh", "csh", "tcsh", "fish"}

deny contains _r("session.shell", sprintf("`%s` would start an interactive shell that reads this terminal without the gate's check (%s). Run `bash` or `sh` by name, which the gate checks, or give the shell a command (`-c '…'`, a script file).", [_show(c), why]), i) if {
	_session
	some i, c in input.commands
	c.name in _shells
	not cmds.remote(c)
	why := _off_shim(c)
	not _shell_has_work(c)
	not _shell_maybe_work(c)
	not _stdin_redirected(c)
}

hold contains _r("session.dynamic", sprintf("`%s` starts a shell with arguments computed at run time, so the gate cannot tell whether it reads this terminal without the gate's check. Wait for the user to approve it, or spell the arguments out.", [_show(c)]), i) if {
	_session
	some i, c in input.commands
	c.name in _shells
	not cmds.remote(c)
	_off_shim(c)
	not _shell_has_work(c)
	_shell_maybe_work(c)
	not _stdin_redirected(c)
}

# why a shell is not the gate's shim: a path, a PATH of the line's own, command -p
# (the default PATH), env clearing the environment, busybox's own shell
_off_shim(c) := "started by its path" if {
	c.path != ""
} else := "PATH is changed for it" if {
	"PATH" in object.keys(c.env)
} else := "command -p uses the default PATH" if {
	some s in c.via
	s.kind == "wrapper"
	s.name == "command"
	contains(s.detail, "-p")
} else := "busybox runs its own shell" if {
	some s in c.via
	s.kind == "wrapper"
	s.name == "busybox"
} else := "env clears PATH for it" if {
	some s in c.via
	s.kind == "wrapper"
	s.name == "env"
	some j in cmds.by_name.env
	_env_drops_path(cmds.args(input.commands[j]))
}

# env's options before the program: -i, -, --ignore-environment, -u PATH
_env_drops_path(args) if {
	some j, w in args
	j < _env_prog(args)
	_env_drop(args, j, w)
}

_env_drop(_, _, w) if w in {"-", "--ignore-environment", "--unset=PATH"}

_env_drop(_, _, w) if regex.match(`^-[0v]*i`, w)

_env_drop(args, j, w) if {
	w in {"-u", "--unset"}
	args[j + 1] == "PATH"
}

_env_drop(_, _, w) if w == "-uPATH"

_env_valopts := {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}

_env_prog(args) := min(ps) if {
	ps := [j |
		some j, w in args
		not startswith(w, "-")
		not contains(w, "=")
		not _after(args, j, _env_valopts)
	]
	count(ps) > 0
} else := count(args)

_after(args, j, opts) if {
	j > 0
	args[j - 1] in opts
}

# the shell is given something to run: -c (or fish's --command), a script operand
# (unless -s reads commands from stdin), or it only prints (--version, --help)
_shell_has_work(c) if {
	args := cmds.args(c)
	some j, w in args
	j < _sh_first(args)
	regex.match(`^-[a-zA-Z]*c[a-zA-Z]*$|^--command(=|$)`, w)
}

_shell_has_work(c) if {
	args := cmds.args(c)
	_sh_first(args) < count(args)
	not _dyn(args[_sh_first(args)])
	not _sh_stdin_flag(args)
}

_shell_has_work(c) if {
	some w in cmds.args(c)
	w in {"--version", "--help"}
}

# a word computed at run time could be the script or -c
_shell_maybe_work(c) if {
	some w in cmds.args(c)
	_dyn(w)
}

_sh_stdin_flag(args) if {
	some j, w in args
	j < _sh_first(args)
	regex.match(`^-[a-zA-Z]*s[a-zA-Z]*$`, w)
}

# the index of the first operand (the script), count(args) when none
_sh_first(args) := min(ops) if {
	ops := [j | some j, w in args; _sh_operand(args, j, w)]
	count(ops) > 0
} else := count(args)

_sh_operand(args, j, w) if {
	j < argv.optend(args)
	not regex.match(`^[-+]`, w)
	not _sh_valopt_before(args, j)
}

_sh_operand(args, j, _) if j > argv.optend(args)

_sh_valopt_before(args, j) if {
	j > 0
	regex.match(`^[-+][a-zA-Z]*[oO]$|^--(rcfile|init-file)$`, args[j - 1])
}

# stdin is not the terminal: a pipe, a heredoc, a file (not the terminal itself)
_stdin_redirected(c) if count(c.pipe_from) > 0

_stdin_redirected(c) if {
	some r in c.redirects
	r.fd == 0
	not _tty_source(r)
}

_tty_source(r) if r.path in {"/dev/tty", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0", "/dev/console"}

_tty_source(r) if startswith(r.path, "/dev/pts/")

_tty_source(r) if {
	r.op in {"<&", ">&"}
	trim_suffix(r.target, "-") in {"0", "1", "2"}
}

# --- code run in the session's own shell that the gate does not read ------------------

# source FILE runs the file in the session's own shell, where it could remove the
# hook for every later line; the gate does not read files (bash FILE, a separate
# shell, is ordinary work). A virtual environment's activate script is trusted, as
# the opaque package trusts it.
hold contains _r("session.source", sprintf("`%s` runs the code of %s in this session's own shell, where it could remove the gate's hook, and the gate does not read it. Wait for the user to approve it, or run it as a separate shell (`bash FILE`).", [_show(c), f]), i) if {
	_session
	some n in {"source", "."}
	some i in cmds.by_name[n]
	c := input.commands[i]
	_own(c)
	count(c.argv) > 1
	f := c.argv[1]
	not regex.match(`(^|/)[A-Za-z0-9_.-]*env[A-Za-z0-9_.-]*/bin/activate(\.(fish|csh))?$`, f)
}

# mapfile -C CODE runs CODE in the session's own shell for every line read
hold contains _r("session.source", sprintf("`%s` runs its -C callback in this session's own shell, unchecked by the gate, where it could remove the gate's hook. Wait for the user to approve it, or read the lines first and process them in the line itself.", [_show(c)]), i) if {
	_session
	some n in {"mapfile", "readarray"}
	some i in cmds.by_name[n]
	c := input.commands[i]
	_own(c)
	argv.has_flag_v(cmds.args(c), "-C", "dnOsuCc")
}

# --- prompts that run code ------------------------------------------------------------------

# PS0 is expanded after a line is accepted and PS4 by set -x, both while the
# checked line runs. The parser judges a command substitution written in the value;
# a value computed at run time may hold one the parser cannot see.
_code_prompts := {"PS0", "PS4"}

hold contains _r("session.dynamic", sprintf("`%s` sets %s to a value computed at run time, and bash runs any command substitution in it while later lines run, unchecked. Wait for the user to approve it, or set %s to plain text.", [_show(c), a.name, a.name]), i) if {
	_session
	some i, c in input.commands
	_own(c)
	some a in c.assigns
	a.name in _code_prompts
	a.dynamic
	a.value != concat("", ["$", a.name])
}
