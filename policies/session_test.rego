package gatesh.rules.session_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.session

# Documents in the input's shape for a line typed in a gated session (text, the
# "session" feature), and for the same line run with -c (session false).
_doc(text, cmds, on) := t.line_with(cmds, {"text": text, "session": on, "features": _features(on)})

_features(true) := ["session"]

_features(false) := []

# _d/_h: the deny/hold ids for a session line; _off: every id for the -c line
_d(text, cmds) := x if x := t.ids(session.deny) with input as _doc(text, cmds, true)

_h(text, cmds) := x if x := t.ids(session.hold) with input as _doc(text, cmds, true)

_off(text, cmds) := x if {
	d := t.ids(session.deny) with input as _doc(text, cmds, false)
	h := t.ids(session.hold) with input as _doc(text, cmds, false)
	x := d | h
}

# _deny(id, text, cmds): a session line is denied with id, and the -c line raises nothing
_deny(id, text, cmds) if {
	id in _d(text, cmds)
	count(_off(text, cmds)) == 0
}

_hold(id, text, cmds) if {
	id in _h(text, cmds)
	count(_d(text, cmds)) == 0
	count(_off(text, cmds)) == 0
}

# _quiet(text, cmds): the package raises nothing for the session line
_quiet(text, cmds) if {
	count(_d(text, cmds)) == 0
	count(_h(text, cmds)) == 0
}

_c(argv) := t.cmd(argv)

# a command reached through one link of kind/name
_via(c, kind, name) := t.ext(c, {"via": [{"kind": kind, "name": name, "detail": ""}]})

_via_d(c, kind, name, detail) := t.ext(c, {"via": [{"kind": kind, "name": name, "detail": detail}]})

# a statement made only of assignments, as the parser emits it
_assign(name, value, dyn) := {
	"name": "", "word": "", "path": "", "argv": [], "dynamic": [], "globs": [], "env": {}, "env_dynamic": [],
	"assigns": [{"name": name, "value": value, "dynamic": dyn, "export": false}],
	"redirects": [], "cwd": t.ws, "cwd_dynamic": false, "via": [], "background": false,
	"pipe_from": [], "lookalike": false, "code": null, "paths": [],
}

_with_assign(c, name, value, dyn, export) := t.ext(c, {"assigns": [{"name": name, "value": value, "dynamic": dyn, "export": export}]})

# a redirection as the parser models it: fd, op, target (dups have no path)
_rd(c, fd, op, target) := t.ext(c, {"redirects": [{"op": op, "fd": fd, "target": target, "path": "", "dynamic": false, "write": false, "file": null}]})

_rd_file(c, fd, op, path) := t.ext(c, {"redirects": [{"op": op, "fd": fd, "target": path, "path": path, "dynamic": false, "write": op != "<", "file": null}]})

_rd_dyn(c, fd, op, target) := t.ext(c, {"redirects": [{"op": op, "fd": fd, "target": target, "path": "", "dynamic": true, "write": false, "file": null}]})

# --- the guard ------------------------------------------------------------------------

test_guarded_by_the_session_feature if session.features == {"session"}

# --- bind -------------------------------------------------------------------------------

test_bind_denied if {
	_deny("session.bind", `bind -x '"\C-m": foo'`, [_c(["bind", "-x", `"\C-m": foo`])])
	_deny("session.bind", `bind '"\C-m": accept-line'`, [_c(["bind", `"\C-m": accept-line`])])
	_deny("session.bind", `bind -r '\C-m'`, [_c(["bind", "-r", `\C-m`])])
	_deny("session.bind", "bind -u accept-line", [_c(["bind", "-u", "accept-line"])])
	_deny("session.bind", "bind -f ~/.inputrc", [_c(["bind", "-f", "/home/u/.inputrc"])])
	_deny("session.bind", `bind -m vi-insert '"\C-j": accept-line'`, [_c(["bind", "-m", "vi-insert", `"\C-j": accept-line`])])
	_deny("session.bind", "bind -psx x", [_c(["bind", "-psx", "x"])])
}

test_bind_spellings_denied if {
	# 'bi'nd, \bind, $'\x62ind', b=bind; $b: the parser resolves the name
	_deny("session.bind", `'bi'nd -x x`, [_c(["bind", "-x", "x"])])

	# builtin bind, command bind: the inner command is reached through a wrapper
	_deny("session.bind", "builtin bind -x x", [_c(["builtin", "bind", "-x", "x"]), _via(_c(["bind", "-x", "x"]), "wrapper", "builtin")])
	_deny("session.bind", "eval 'bind -x x'", [_c(["eval", "bind -x x"]), _via(_c(["bind", "-x", "x"]), "eval", "eval")])
}

test_bind_queries_allowed if {
	_quiet("bind -p", [_c(["bind", "-p"])])
	_quiet("bind -P", [_c(["bind", "-P"])])
	_quiet("bind -v", [_c(["bind", "-v"])])
	_quiet("bind -l", [_c(["bind", "-l"])])
	_quiet("bind -psvSX", [_c(["bind", "-psvSX"])])
	_quiet("bind -q accept-line", [_c(["bind", "-q", "accept-line"])])
	_quiet("bind -qaccept-line", [_c(["bind", "-qaccept-line"])])
	_quiet("bind -m vi-insert -p", [_c(["bind", "-m", "vi-insert", "-p"])])
	_quiet("bind -mvi -P", [_c(["bind", "-mvi", "-P"])])
	_quiet("bind", [_c(["bind"])])
}

test_bind_in_a_nested_shell_allowed if {
	_quiet("bash -c 'bind -x x'", [_c(["bash", "-c", "bind -x x"]), _via(_c(["bind", "-x", "x"]), "shell", "bash")])
}

# --- trap DEBUG ------------------------------------------------------------------------

test_trap_debug_denied if {
	_deny("session.trap", "trap - DEBUG", [_c(["trap", "-", "DEBUG"])])
	_deny("session.trap", "trap '' DEBUG", [_c(["trap", "", "DEBUG"])])
	_deny("session.trap", "trap 'x' debug", [_c(["trap", "x", "debug"])])
	_deny("session.trap", "trap : Debug", [_c(["trap", ":", "Debug"])])
	_deny("session.trap", "trap -- - DEBUG", [_c(["trap", "--", "-", "DEBUG"])])
	_deny("session.trap", "trap DEBUG", [_c(["trap", "DEBUG"])])
	_deny("session.trap", "trap 0 DEBUG", [_c(["trap", "0", "DEBUG"])])
	_deny("session.trap", "trap 'echo bye' EXIT DEBUG", [_c(["trap", "echo bye", "EXIT", "DEBUG"])])
	_deny("session.trap", "command trap - DEBUG", [_c(["command", "trap", "-", "DEBUG"]), _via(_c(["trap", "-", "DEBUG"]), "wrapper", "command")])
	_deny("session.trap", "eval 'trap - DEBUG'", [_c(["eval", "trap - DEBUG"]), _via(_c(["trap", "-", "DEBUG"]), "eval", "eval")])
	_deny("session.trap", "f() { trap - DEBUG; }; f", [_via(_c(["trap", "-", "DEBUG"]), "function", "f")])

	# PROMPT_COMMAND's value is code the parser reaches through a "trap" step
	_deny("session.trap", "PROMPT_COMMAND='trap - DEBUG'", [_via(_c(["trap", "-", "DEBUG"]), "trap", "PROMPT_COMMAND")])
}

test_trap_other_allowed if {
	_quiet("trap 'echo bye' EXIT", [_c(["trap", "echo bye", "EXIT"])])
	_quiet("trap -p", [_c(["trap", "-p"])])
	_quiet("trap -p DEBUG", [_c(["trap", "-p", "DEBUG"])])
	_quiet("trap -l", [_c(["trap", "-l"])])
	_quiet("trap 'rm -f x' INT TERM", [_c(["trap", "rm -f x", "INT", "TERM"])])
	_quiet("trap", [_c(["trap"])])
	_quiet("trap --", [_c(["trap", "--"])])
	_quiet("trap 'echo DEBUG' EXIT", [_c(["trap", "echo DEBUG", "EXIT"])])
	_quiet("bash -c 'trap - DEBUG'", [_c(["bash", "-c", "trap - DEBUG"]), _via(_c(["trap", "-", "DEBUG"]), "shell", "bash")])
}

test_trap_dynamic_signal_held if {
	_hold("session.dynamic", `trap - "$sig"`, [_c(["trap", "-", `"$sig"`])])
}

# --- shell options --------------------------------------------------------------------------

test_shopt_denied if {
	_deny("session.option", "shopt -u extdebug", [_c(["shopt", "-u", "extdebug"])])
	_deny("session.option", "shopt -u histverify", [_c(["shopt", "-u", "histverify"])])
	_deny("session.option", "shopt -u interactive_comments", [_c(["shopt", "-u", "interactive_comments"])])
	_deny("session.option", "shopt -u -o functrace", [_c(["shopt", "-u", "-o", "functrace"])])
	_deny("session.option", "shopt -uo functrace", [_c(["shopt", "-uo", "functrace"])])
	_deny("session.option", "shopt -uo emacs", [_c(["shopt", "-uo", "emacs"])])
	_deny("session.option", "shopt -u nullglob extdebug", [_c(["shopt", "-u", "nullglob", "extdebug"])])
}

test_shopt_allowed if {
	_quiet("shopt -s extdebug histverify", [_c(["shopt", "-s", "extdebug", "histverify"])])
	_quiet("shopt -u nullglob", [_c(["shopt", "-u", "nullglob"])])
	_quiet("shopt -u -o histexpand", [_c(["shopt", "-u", "-o", "histexpand"])])
	_quiet("shopt -u functrace", [_c(["shopt", "-u", "functrace"])]) # not a shopt name: an error
	_quiet("shopt -s -o posix", [_c(["shopt", "-s", "-o", "posix"])])
	_quiet("shopt -p", [_c(["shopt", "-p"])])
	_quiet("shopt extdebug", [_c(["shopt", "extdebug"])])
	_quiet("bash -c 'shopt -u extdebug'", [_via(_c(["shopt", "-u", "extdebug"]), "shell", "bash")])
}

test_shopt_dynamic_held if _hold("session.dynamic", `shopt -u "$o"`, [_c(["shopt", "-u", `"$o"`])])

test_set_denied if {
	_deny("session.option", "set +T", [_c(["set", "+T"])])
	_deny("session.option", "set +eT", [_c(["set", "+eT"])])
	_deny("session.option", "set +o functrace", [_c(["set", "+o", "functrace"])])
	_deny("session.option", "set -e +o functrace", [_c(["set", "-e", "+o", "functrace"])])
	_deny("session.option", "set +xo functrace", [_c(["set", "+xo", "functrace"])])
	_deny("session.option", "set +o emacs", [_c(["set", "+o", "emacs"])])
	_deny("session.option", "set +o vi", [_c(["set", "+o", "vi"])])
	_deny("session.option", "set -o pipefail +o vi", [_c(["set", "-o", "pipefail", "+o", "vi"])])
}

test_set_allowed if {
	_quiet("set -o vi", [_c(["set", "-o", "vi"])])
	_quiet("set -o emacs", [_c(["set", "-o", "emacs"])])
	_quiet("set -e", [_c(["set", "-e"])])
	_quiet("set +H", [_c(["set", "+H"])])
	_quiet("set -T", [_c(["set", "-T"])])
	_quiet("set -o posix", [_c(["set", "-o", "posix"])])
	_quiet("set +o", [_c(["set", "+o"])])
	_quiet("set -o", [_c(["set", "-o"])])
	_quiet("set +o posix", [_c(["set", "+o", "posix"])])
	_quiet("set +x", [_c(["set", "+x"])])
	_quiet("set", [_c(["set"])])

	# positional parameters, not options
	_quiet("set -- +T", [_c(["set", "--", "+T"])])
	_quiet("set - +T", [_c(["set", "-", "+T"])])
	_quiet("set x +T", [_c(["set", "x", "+T"])])
	_quiet("set -e x +o vi", [_c(["set", "-e", "x", "+o", "vi"])])
	_quiet("bash -c 'set +T'", [_via(_c(["set", "+T"]), "shell", "bash")])
}

test_set_dynamic_held if _hold("session.dynamic", `set +o "$m"`, [_c(["set", "+o", `"$m"`])])

test_option_message if {
	r := session.deny with input as _doc("shopt -u extdebug", [_c(["shopt", "-u", "extdebug"])], true)
	some x in r
	contains(x.msg, "extdebug")
	contains(x.msg, "stops lines the gate has not checked")
	x.class == "tamper"
	x.cmd == 0
}

# --- enable -------------------------------------------------------------------------------------

test_enable if {
	_deny("session.enable", "enable -n kill", [_c(["enable", "-n", "kill"])])
	_deny("session.enable", "enable -f ./x.so read", [_c(["enable", "-f", "./x.so", "read"])])
	_deny("session.enable", "enable -d read", [_c(["enable", "-d", "read"])])
	_deny("session.enable", "enable -an", [_c(["enable", "-an"])])
	_quiet("enable -a", [_c(["enable", "-a"])])
	_quiet("enable", [_c(["enable"])])
	_quiet("enable -p", [_c(["enable", "-p"])])
	_quiet("enable read", [_c(["enable", "read"])])
	_quiet("enable -- -n", [_c(["enable", "--", "-n"])])
}

# --- PROMPT_COMMAND -------------------------------------------------------------------------

test_unset_prompt_command_denied if {
	_deny("session.prompt_command", "unset PROMPT_COMMAND", [_c(["unset", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "unset -v PROMPT_COMMAND", [_c(["unset", "-v", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "unset 'PROMPT_COMMAND[6973]'", [_c(["unset", "PROMPT_COMMAND[6973]"])])
	_deny("session.prompt_command", "trap 'unset PROMPT_COMMAND' WINCH", [_c(["trap", "unset PROMPT_COMMAND", "WINCH"]), _via(_c(["unset", "PROMPT_COMMAND"]), "trap", "trap")])
	_quiet("bash -c 'unset PROMPT_COMMAND'", [_c(["bash", "-c", "unset PROMPT_COMMAND"]), _via(_c(["unset", "PROMPT_COMMAND"]), "shell", "bash")])
	_quiet("unset PROMPT_COMMANDS", [_c(["unset", "PROMPT_COMMANDS"])])
}

test_unset_dynamic_held if {
	_hold("session.dynamic", "unset $(compgen -v)", [_c(["unset", "$(compgen -v)"])])
	_quiet("unset FOO BAR", [_c(["unset", "FOO", "BAR"])])
}

test_prompt_command_assignments_denied if {
	# the parser's value for an element with an empty value is the source text
	_deny("session.prompt_command", "PROMPT_COMMAND[1]=", [_assign("PROMPT_COMMAND", "PROMPT_COMMAND[1]=", true)])
	_deny("session.prompt_command", "PROMPT_COMMAND[6973]=true", [_assign("PROMPT_COMMAND", "true", true)])
	_deny("session.prompt_command", "PROMPT_COMMAND=(true)", [_assign("PROMPT_COMMAND", "(true)", true)])
	_deny("session.prompt_command", "PROMPT_COMMAND=()", [_assign("PROMPT_COMMAND", "()", true)])
	_deny("session.prompt_command", "PROMPT_COMMAND+=(x)", [_assign("PROMPT_COMMAND", "(x)", true)])

	# eval $'PROMPT_COMMAND\x5b1]=x': the text does not show a scalar assignment
	_deny("session.prompt_command", `eval $'PROMPT_COMMAND\x5b1]=x'`, [_c(["eval", "PROMPT_COMMAND[1]=x"]), _via(_assign("PROMPT_COMMAND", "x", true), "eval", "eval")])

	# let and (( )) are not commands in the input: the text shows the element
	_deny("session.prompt_command", "let 'PROMPT_COMMAND[1]=0'", [])
	_deny("session.prompt_command", "(( PROMPT_COMMAND[1]++ ))", [])
	_deny("session.prompt_command", "(( PROMPT_COMMAND[1] += 1 ))", [])
	_deny("session.prompt_command", "(( --PROMPT_COMMAND[1] ))", [])
	_deny("session.prompt_command", ": ${PROMPT_COMMAND[1]=x}", [_c([":", "${PROMPT_COMMAND[1]=x}"])])
}

test_prompt_command_element_reported_once if {
	r := session.deny with input as _doc("PROMPT_COMMAND[1]=", [_assign("PROMPT_COMMAND", "PROMPT_COMMAND[1]=", true)], true)
	count(r) == 1
}

test_prompt_command_plain_value_allowed if {
	_quiet(`PROMPT_COMMAND='export PS1="###PS1JSON###"'`, [_assign("PROMPT_COMMAND", `export PS1="###PS1JSON###"`, false)])
	_quiet(`PROMPT_COMMAND="$X"`, [_assign("PROMPT_COMMAND", `"$X"`, true)])
	_quiet(`PROMPT_COMMAND+='; history -a'`, [_assign("PROMPT_COMMAND", "; history -a", true)])
	_quiet("PROMPT_COMMAND=$PROMPT_COMMAND", [_assign("PROMPT_COMMAND", "$PROMPT_COMMAND", true)])
	_quiet("export PROMPT_COMMAND='history -a'", [_with_assign(_c(["export", "PROMPT_COMMAND=history -a"]), "PROMPT_COMMAND", "history -a", false, true)])
	_quiet(`declare PROMPT_COMMAND="$X"`, [_with_assign(_c(["declare", `PROMPT_COMMAND="$X"`]), "PROMPT_COMMAND", `"$X"`, true, false)])
	_quiet("declare -p PROMPT_COMMAND", [_c(["declare", "-p", "PROMPT_COMMAND"])])
	_quiet("declare -p 'PROMPT_COMMAND[1]'", [_c(["declare", "-p", "PROMPT_COMMAND[1]"])])
	_quiet("export PROMPT_COMMAND", [_with_assign(_c(["export", "PROMPT_COMMAND"]), "PROMPT_COMMAND", "$PROMPT_COMMAND", true, true)])
	_quiet(`echo "${PROMPT_COMMAND[@]}"`, [_c(["echo", `"${PROMPT_COMMAND[@]}"`])])
	_quiet("(( PROMPT_COMMAND[1] == 0 ))", [])
	_quiet("PROMPT_COMMAND=(x)", [_via(_assign("PROMPT_COMMAND", "(x)", true), "shell", "bash")])
	_quiet("x=PROMPT_COMMAND", [_assign("x", "PROMPT_COMMAND", false)])
}

test_prompt_command_declarations_denied if {
	_deny("session.prompt_command", "declare -a PROMPT_COMMAND", [_c(["declare", "-a", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "declare -i PROMPT_COMMAND", [_c(["declare", "-i", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "declare -r PROMPT_COMMAND", [_c(["declare", "-r", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "readonly PROMPT_COMMAND", [_c(["readonly", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "local PROMPT_COMMAND", [_c(["local", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "typeset -g PROMPT_COMMAND=x", [_with_assign(_c(["typeset", "-g", "PROMPT_COMMAND=x"]), "PROMPT_COMMAND", "x", false, false)])
	_deny("session.prompt_command", "export -n PROMPT_COMMAND", [_with_assign(_c(["export", "-n", "PROMPT_COMMAND"]), "PROMPT_COMMAND", "$PROMPT_COMMAND", true, true)])
	_deny("session.prompt_command", "declare -n r=PROMPT_COMMAND", [_with_assign(_c(["declare", "-n", "r=PROMPT_COMMAND"]), "r", "PROMPT_COMMAND", false, false)])
	_deny("session.prompt_command", "declare PROMPT_COMMAND=(a b)", [_with_assign(_c(["declare", "PROMPT_COMMAND=(a b)"]), "PROMPT_COMMAND", "(a b)", true, false)])
	_deny("session.prompt_command", `declare "PROMPT_COMMAND[1]=x"`, [_c(["declare", "PROMPT_COMMAND[1]=x"])])
	_deny("session.prompt_command", "readonly -p PROMPT_COMMAND=x", [_c(["readonly", "-p", "PROMPT_COMMAND=x"])])
	_quiet("readonly -p", [_c(["readonly", "-p"])])
	_quiet("declare -x FOO=PROMPT_COMMAND", [_c(["declare", "-x", "FOO=PROMPT_COMMAND"])])
}

test_prompt_command_writers_denied if {
	_deny("session.prompt_command", "read -a PROMPT_COMMAND", [_c(["read", "-a", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "read -r PROMPT_COMMAND", [_c(["read", "-r", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "mapfile -t PROMPT_COMMAND", [_c(["mapfile", "-t", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "readarray PROMPT_COMMAND", [_c(["readarray", "PROMPT_COMMAND"])])
	_deny("session.prompt_command", "printf -v 'PROMPT_COMMAND[1]' %s x", [_c(["printf", "-v", "PROMPT_COMMAND[1]", "%s", "x"])])
	_quiet("read -p 'PROMPT_COMMAND? ' x", [_c(["read", "-p", "PROMPT_COMMAND? ", "x"])])
	_quiet("printf '%s\n' PROMPT_COMMAND", [_c(["printf", "%s\n", "PROMPT_COMMAND"])])
	_quiet("mapfile -t lines", [_c(["mapfile", "-t", "lines"])])
}

# --- variables the hook reads -------------------------------------------------------------

test_hook_vars_denied if {
	_deny("session.hook_var", "readonly READLINE_LINE", [_c(["readonly", "READLINE_LINE"])])
	_deny("session.hook_var", "export COMP_LINE=x", [_with_assign(_c(["export", "COMP_LINE=x"]), "COMP_LINE", "x", false, false)])
	_deny("session.hook_var", "declare -r READLINE_POINT", [_c(["declare", "-r", "READLINE_POINT"])])
	_deny("session.hook_var", "declare -n READLINE_LINE=x", [_with_assign(_c(["declare", "-n", "READLINE_LINE=x"]), "READLINE_LINE", "x", false, false)])
	_deny("session.hook_var", "declare -n r=PWD", [_with_assign(_c(["declare", "-n", "r=PWD"]), "r", "PWD", false, false)])
	_deny("session.hook_var", "unset BASH_ALIASES", [_c(["unset", "BASH_ALIASES"])])
	_deny("session.hook_var", "unset FUNCNAME", [_c(["unset", "FUNCNAME"])])
	_deny("session.hook_var", "PWD=/tmp", [_assign("PWD", "/tmp", false)])
	_deny("session.hook_var", "read -r PWD", [_c(["read", "-r", "PWD"])])
	_deny("session.hook_var", "printf -v BASH_COMMAND x", [_c(["printf", "-v", "BASH_COMMAND", "x"])])
}

test_hook_vars_read_allowed if {
	_quiet(`export PS1="$PWD> "`, [_with_assign(_c(["export", `PS1="$PWD> "`]), "PS1", `"$PWD> "`, true, true)])
	_quiet("declare -p PWD", [_c(["declare", "-p", "PWD"])])
	_quiet("echo $READLINE_LINE", [_c(["echo", "$READLINE_LINE"])])
	_quiet("cd /tmp", [_c(["cd", "/tmp"])])
	_quiet("bash -c 'PWD=/'", [_via(_assign("PWD", "/", false), "shell", "bash")])
}

# --- the hook's own names -------------------------------------------------------------------

test_hook_names_denied if {
	_deny("session.hook", "__gatesh_ok=1", [_assign("__gatesh_ok", "1", false)])
	_deny("session.hook", "unset -f __gatesh_accept", [_c(["unset", "-f", "__gatesh_accept"])])
	_deny("session.hook", "__gatesh_prompt() { :; }", [])
	_deny("session.hook", "echo $__gatesh_token", [_c(["echo", "$__gatesh_token"])])
	_deny("session.hook", "cat <<EOF\n$__gatesh_token\nEOF", [_c(["cat"])])
	_deny("session.hook", "bash -c 'echo __gatesh'", [_c(["bash", "-c", "echo __gatesh"]), _via(_c(["echo", "__gatesh"]), "shell", "bash")])
}

test_hook_names_spelled_around_the_text_denied if {
	# unset -f __ga''tesh_accept, a=__ga; unset -f "${a}tesh_accept": the parser resolves the words
	_deny("session.hook", "unset -f __ga''tesh_accept", [_c(["unset", "-f", "__gatesh_accept"])])
	_deny("session.hook", "x=$'\\x5f_gat'esh_ok=1", [_assign("x", "__gatesh_ok=1", false)])
	_deny("session.hook", "env X=1 cmd", [t.env(_c(["cmd"]), {"__gatesh_ok": "1"})])
	_deny("session.hook", "echo > x", [t.ext(_c(["echo"]), {"redirects": [{"op": ">", "fd": 1, "target": "__gatesh", "path": "/ws/__gatesh", "dynamic": false, "write": true, "file": null}]})])
	_quiet("echo gatesh", [_c(["echo", "gatesh"])])
}

test_hook_name_function_from_the_parser if {
	ids := t.ids(session.deny) with input as object.union(_doc("f", [], true), {"functions": ["__gatesh_accept"]})
	"session.hook" in ids
}

# --- functions that replace what the hook calls ---------------------------------------------

_fn(text, names) := object.union(_doc(text, [], true), {"functions": names})

test_builtin_functions_denied if {
	"session.function" in t.ids(session.deny) with input as _fn("builtin() { :; }", ["builtin"])
	"session.function" in t.ids(session.deny) with input as _fn("read() { :; }", ["read"])
	"session.function" in t.ids(session.deny) with input as _fn("function trap { :; }", ["trap"])
	"session.function" in t.ids(session.deny) with input as _fn("command_not_found_handle() { :; }", ["command_not_found_handle"])
	count(t.ids(session.deny)) == 0 with input as _fn("f() { echo hi; }", ["f"])
	count(t.ids(session.deny)) == 0 with input as object.union(_fn("read() { :; }", ["read"]), {"session": false})
}

# --- descriptors 62 and 63 -------------------------------------------------------------------

test_hook_fds_denied if {
	_deny("session.fd", "exec 63>&-", [_rd(_c(["exec"]), 63, ">&", "-")])
	_deny("session.fd", "cat 63<&-", [_rd(_c(["cat"]), 63, "<&", "-")])
	_deny("session.fd", "exec 63>file", [_rd_file(_c(["exec"]), 63, ">", "/ws/file")])
	_deny("session.fd", "echo hi >&63", [_rd(_c(["echo", "hi"]), 1, ">&", "63")])
	_deny("session.fd", "echo hi 2>&62", [_rd(_c(["echo", "hi"]), 2, ">&", "62")])
	_deny("session.fd", "echo hi 1>&63-", [_rd(_c(["echo", "hi"]), 1, ">&", "63-")])
	_deny("session.fd", "exec {fd}>&63", [_rd(_c(["exec"]), -1, ">&", "63")])
	_deny("session.fd", "echo hi > /dev/fd/63", [_rd_file(_c(["echo", "hi"]), 1, ">", "/dev/fd/63")])
	_deny("session.fd", "cat < /proc/self/fd/62", [_rd_file(_c(["cat"]), 0, "<", "/proc/self/fd/62")])

	# descriptors are inherited: a nested shell's use counts
	_deny("session.fd", "bash -c 'echo x >&63'", [_c(["bash", "-c", "echo x >&63"]), _via(_rd(_c(["echo", "x"]), 1, ">&", "63"), "shell", "bash")])
}

test_other_fds_allowed if {
	_quiet("exec 3>&-", [_rd(_c(["exec"]), 3, ">&", "-")])
	_quiet("echo hi 2>&1", [_rd(_c(["echo", "hi"]), 2, ">&", "1")])
	_quiet("ls > /dev/fd/3", [_rd_file(_c(["ls"]), 1, ">", "/dev/fd/3")])
	_quiet("exec 6>x", [_rd_file(_c(["exec"]), 6, ">", "/ws/x")])
	_quiet("ssh h 'exec 63>&-'", [_via(_rd(_c(["exec"]), 63, ">&", "-"), "remote", "ssh")])
}

test_dynamic_fds_held if {
	_hold("session.dynamic", "exec {fd}>&-", [_rd(_c(["exec"]), -1, ">&", "-")])
	_hold("session.dynamic", `echo hi >&"$FD"`, [_rd_dyn(_c(["echo", "hi"]), 1, ">&", `"$FD"`)])
	_quiet("exec {fd}>x", [_rd_file(_c(["exec"]), -1, ">", "/ws/x")])
}

# --- fc -----------------------------------------------------------------------------------------

test_fc if {
	_deny("session.fc", "fc", [_c(["fc"])])
	_deny("session.fc", "fc -s ls", [_c(["fc", "-s", "ls"])])
	_deny("session.fc", "fc -e vi 10", [_c(["fc", "-e", "vi", "10"])])
	_deny("session.fc", "fc 10 12", [_c(["fc", "10", "12"])])
	_deny("session.fc", "fc -l -s", [_c(["fc", "-l", "-s"])])
	_quiet("fc -l", [_c(["fc", "-l"])])
	_quiet("fc -ln -10", [_c(["fc", "-ln", "-10"])])
	_quiet("fc -l -10", [_c(["fc", "-l", "-10"])])
	_quiet("fc -rl 1 5", [_c(["fc", "-rl", "1", "5"])])
	_quiet("history", [_c(["history"])])
	_quiet("bash -c 'fc -s'", [_via(_c(["fc", "-s"]), "shell", "bash")])
}

# --- interactive shells that do not pass the gate's shim -------------------------------------

test_shells_by_path_denied if {
	_deny("session.shell", "/bin/bash", [_c(["/bin/bash"])])
	_deny("session.shell", "/bin/bash -i", [_c(["/bin/bash", "-i"])])
	_deny("session.shell", "/bin/bash --login", [_c(["/bin/bash", "--login"])])
	_deny("session.shell", "/bin/bash -s", [_c(["/bin/bash", "-s"])])
	_deny("session.shell", "/bin/bash -s a b", [_c(["/bin/bash", "-s", "a", "b"])])
	_deny("session.shell", "/bin/bash -o vi", [_c(["/bin/bash", "-o", "vi"])])
	_deny("session.shell", "/bin/bash --rcfile x", [_c(["/bin/bash", "--rcfile", "x"])])
	_deny("session.shell", "/bin/bash -n", [_c(["/bin/bash", "-n"])])
	_deny("session.shell", "/usr/bin/zsh", [_c(["/usr/bin/zsh"])])
	_deny("session.shell", "exec /bin/sh", [_c(["exec", "/bin/sh"]), _via(_c(["/bin/sh"]), "wrapper", "exec")])
	_deny("session.shell", "./bash", [_c(["./bash"])])
	_deny("session.shell", "/usr/bin/env /bin/bash", [_c(["/usr/bin/env", "/bin/bash"]), _via(_c(["/bin/bash"]), "wrapper", "env")])
	_deny("session.shell", "sudo /bin/bash", [_c(["sudo", "/bin/bash"]), _via(_c(["/bin/bash"]), "wrapper", "sudo")])

	# a nested /bin/bash reads the same terminal
	_deny("session.shell", "bash -c /bin/bash", [_c(["bash", "-c", "/bin/bash"]), _via(_c(["/bin/bash"]), "shell", "bash")])

	# stdin from the terminal itself
	_deny("session.shell", "/bin/bash < /dev/tty", [_rd_file(_c(["/bin/bash"]), 0, "<", "/dev/tty")])
	_deny("session.shell", "/bin/bash < /dev/pts/0", [_rd_file(_c(["/bin/bash"]), 0, "<", "/dev/pts/0")])
	_deny("session.shell", "/bin/bash 0<&2", [_rd(_c(["/bin/bash"]), 0, "<&", "2")])
}

test_shells_off_the_shim_denied if {
	_deny("session.shell", "PATH=/bin bash", [t.env(_c(["bash"]), {"PATH": "/bin"})])
	_deny("session.shell", "command -p bash", [_c(["command", "-p", "bash"]), _via_d(_c(["bash"]), "wrapper", "command", "-p")])
	_deny("session.shell", "busybox sh", [_c(["busybox", "sh"]), _via(_c(["sh"]), "wrapper", "busybox")])
	_deny("session.shell", "env -i bash", [_c(["env", "-i", "bash"]), _via(_c(["bash"]), "wrapper", "env")])
	_deny("session.shell", "env - bash", [_c(["env", "-", "bash"]), _via(_c(["bash"]), "wrapper", "env")])
	_deny("session.shell", "env -u PATH bash", [_c(["env", "-u", "PATH", "bash"]), _via(_c(["bash"]), "wrapper", "env")])
	_deny("session.shell", "env --unset=PATH bash", [_c(["env", "--unset=PATH", "bash"]), _via(_c(["bash"]), "wrapper", "env")])
	_deny("session.shell", "env -C /tmp -i bash", [_c(["env", "-C", "/tmp", "-i", "bash"]), _via(_c(["bash"]), "wrapper", "env")])
}

test_shells_allowed if {
	# by name: PATH leads to the gate's own shim
	_quiet("bash", [_c(["bash"])])
	_quiet("sh", [_c(["sh"])])
	_quiet("exec bash", [_c(["exec", "bash"]), _via(_c(["bash"]), "wrapper", "exec")])
	_quiet("/usr/bin/env bash", [_c(["/usr/bin/env", "bash"]), _via(_c(["bash"]), "wrapper", "env")])
	_quiet("env bash -i", [_c(["env", "bash", "-i"]), _via(_c(["bash", "-i"]), "wrapper", "env")])
	_quiet("env FOO=1 bash", [_c(["env", "FOO=1", "bash"]), _via(t.env(_c(["bash"]), {"FOO": "1"}), "wrapper", "env")])
	_quiet("env -u HOME bash", [_c(["env", "-u", "HOME", "bash"]), _via(_c(["bash"]), "wrapper", "env")])

	# given something to run
	_quiet("/bin/bash -c 'echo hi'", [_c(["/bin/bash", "-c", "echo hi"])])
	_quiet("/bin/bash -lc make", [_c(["/bin/bash", "-lc", "make"])])
	_quiet("/usr/bin/fish --command=ls", [_c(["/usr/bin/fish", "--command=ls"])])
	_quiet("/bin/bash script.sh", [_c(["/bin/bash", "script.sh"])])
	_quiet("/bin/sh -e script.sh arg", [_c(["/bin/sh", "-e", "script.sh", "arg"])])
	_quiet("/bin/bash -o pipefail script.sh", [_c(["/bin/bash", "-o", "pipefail", "script.sh"])])
	_quiet("/bin/bash -- script.sh", [_c(["/bin/bash", "--", "script.sh"])])
	_quiet("/bin/bash --version", [_c(["/bin/bash", "--version"])])

	# stdin is not the terminal
	_quiet("/bin/bash < script.sh", [_rd_file(_c(["/bin/bash"]), 0, "<", "/ws/script.sh")])
	_quiet("/bin/bash <<< 'echo hi'", [t.ext(_c(["/bin/bash"]), {"redirects": [{"op": "<<<", "fd": 0, "target": "echo hi", "path": "", "dynamic": false, "write": false, "file": null}]})])
	_quiet("echo ls | /bin/bash", [_c(["echo", "ls"]), t.pipe(_c(["/bin/bash"]), [0])])

	# another machine's shell
	_quiet("ssh host /bin/bash", [_c(["ssh", "host", "/bin/bash"]), _via(_c(["/bin/bash"]), "remote", "ssh")])
}

test_shell_dynamic_args_held if {
	_hold("session.dynamic", `/bin/bash "$f"`, [_c(["/bin/bash", `"$f"`])])
	_hold("session.dynamic", `/bin/bash -s "$x"`, [_c(["/bin/bash", "-s", `"$x"`])])
}

test_shell_message_says_why if {
	r := session.deny with input as _doc("env -i bash", [_c(["env", "-i", "bash"]), _via(_c(["bash"]), "wrapper", "env")], true)
	some x in r
	x.cmd == 1
	contains(x.msg, "env clears PATH")
	contains(x.msg, "Run `bash` or `sh` by name")
}

# --- code the gate does not read, run in the session's own shell ------------------------------

test_source_held if {
	_hold("session.source", "source ./x.sh", [_c(["source", "./x.sh"])])
	_hold("session.source", ". ~/.bashrc", [_c([".", "/home/u/.bashrc"])])
	_hold("session.source", "mapfile -C 'trap - DEBUG' -c 1 arr", [_c(["mapfile", "-C", "trap - DEBUG", "-c", "1", "arr"])])
	_quiet("source .venv/bin/activate", [_c(["source", ".venv/bin/activate"])])
	_quiet(". /ws/venv/bin/activate", [_c([".", "/ws/venv/bin/activate"])])
	_quiet("bash ./x.sh", [_c(["bash", "./x.sh"])])
	_quiet("bash -c 'source x.sh'", [_via(_c(["source", "x.sh"]), "shell", "bash")])
	_quiet("mapfile -t lines", [_c(["mapfile", "-t", "lines"])])
}

# --- prompt strings ----------------------------------------------------------------------------

test_prompt_dynamic_held if {
	_hold("session.dynamic", `PS0="$X"`, [_assign("PS0", `"$X"`, true)])
	_hold("session.dynamic", `export PS4="$P"`, [_with_assign(_c(["export", `PS4="$P"`]), "PS4", `"$P"`, true, true)])
	_quiet("export PS4", [_with_assign(_c(["export", "PS4"]), "PS4", "$PS4", true, true)])
	_quiet(`PS0='\t'`, [_assign("PS0", `\t`, false)])
	_quiet("export PS1='X'", [_with_assign(_c(["export", "PS1=X"]), "PS1", "X", false, true)])
	_quiet(`PS1="$X"`, [_assign("PS1", `"$X"`, true)])
}

# --- everyday session lines, and -c lines -------------------------------------------------------

test_everyday_session_lines_quiet if {
	_quiet("stty -echo", [_c(["stty", "-echo"])])
	_quiet("history", [_c(["history"])])
	_quiet("cd /tmp", [_c(["cd", "/tmp"])])
	_quiet("x=1", [_assign("x", "1", false)])
	_quiet("echo EXITCODESTART$?EXITCODEEND", [_c(["echo", "EXITCODESTART$?EXITCODEEND"])])
	_quiet("bash -c 'echo hi'", [_c(["bash", "-c", "echo hi"]), _via(_c(["echo", "hi"]), "shell", "bash")])
	_quiet("bash script.sh", [_c(["bash", "script.sh"])])
}

test_not_a_session_line if {
	# the same lines with -c: the package says nothing
	count(_off("bind -x x", [_c(["bind", "-x", "x"])])) == 0
	count(_off("/bin/bash", [_c(["/bin/bash"])])) == 0
	count(_off("exec 63>&-", [_rd(_c(["exec"]), 63, ">&", "-")])) == 0
	count(_off("__gatesh_ok=1", [_assign("__gatesh_ok", "1", false)])) == 0
	count(_off("fc -s", [_c(["fc", "-s"])])) == 0
	count(_off("source x", [_c(["source", "x"])])) == 0

	# input.session absent (documents built before the field existed)
	count(t.ids(session.deny)) == 0 with input as t.line([_c(["trap", "-", "DEBUG"])])
}
