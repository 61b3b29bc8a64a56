# METADATA
# title: Opaque code
# description: >-
#   Judges what cannot be checked: a command word or code computed at run time, code
#   piped into a shell or interpreter, sourced files, lines too long or too deep to
#   parse, lines that do not parse, and look-alike characters in command words; it
#   holds them, because what would run is not known. It denies fork bombs, and it
#   holds interpreter one-liners (python -c, node -e, ...) whose visible effects
#   delete files, reach the network, evaluate built strings or spawn programs the
#   parser could not see. The ids opaque.<reason> follow input.opaque[].reason.
#   Under the exec gate and confinement (input.layers), code computed at run time
#   from local data is not held for that alone: what it starts is judged at exec.
# custom:
#   class: [opaque, destructive, external]
#   rules:
#     - opaque.dynamic-command
#     - opaque.dynamic-code
#     - opaque.pipe-to-shell
#     - opaque.source
#     - opaque.script
#     - opaque.depth
#     - opaque.dynamic-function
#     - opaque.too-many-commands
#     - opaque.fork_bomb
#     - opaque.code.delete
#     - opaque.code.network
#     - opaque.code.eval
#     - opaque.code.spawn
#     - opaque.code.unknown
#     - parse.error
#     - parse.too-long
#     - parse.too-deep
#     - parse.lookalike
package gatesh.rules.opaque

import rego.v1

import data.gatesh.config
import data.gatesh.lib.cmds
import data.gatesh.lib.reason

_wait := "Wait for the user to approve it, or rewrite it so the commands are spelled out."

_reason_msg := {
	"dynamic-command": "the command word is computed at run time, so what runs cannot be checked",
	"dynamic-code": "a shell or eval is given code that is computed at run time",
	"pipe-to-shell": "a shell or interpreter reads code from a pipe (for example curl | sh, base64 -d | bash)",
	"source": "a sourced file runs code that is not checked",
	"script": "a shell or interpreter runs code from a stream that cannot be checked",
	"depth": "the code nests deeper than the gate follows",
	"dynamic-function": "a function is defined under a name computed at run time",
}

_describe(o) := m if m := _reason_msg[o.reason]

_describe(o) := sprintf("code that cannot be checked (%s)", [o.reason]) if not _reason_msg[o.reason]

hold contains {"id": sprintf("opaque.%s", [o.reason]), "msg": sprintf("Held: %s: `%s`. %s", [_describe(o), substring(o.text, 0, 120), _wait]), "class": "opaque"} if {
	some o in input.opaque
	o.reason != "recursive-function"
	o.reason != "too-many-commands"
	not _trusted_source(o)
	not _machine_opaque(o)
	not _layer_opaque(o)
}

# --- the machine's own tools -------------------------------------------------------

# A script run by a program that an allowed agent line started is one of the
# machine's own tools (a version manager's shim or libexec script: pyenv,
# rbenv, nodenv, asdf, nvm) when the agent cannot have put it there: the call is
# nested under a line the gate let run (input.nested, from the daemon's process
# tree, never from the caller), bash runs it as a script file, and the file was
# found outside the workspace and the temporary directories (where a line may
# write without asking), is writable by no one else, and did not change after
# the agent's line started, and the words the line gave it are known (the
# daemon judges them too, as a line named after the script: `pyenv exec git
# push`), and the line sets no environment variables for what it runs
# (they could point the tool at code the agent wrote: pyenv sources
# $PYENV_HOOK_PATH/exec/*.bash). Its opaque code is then not held: the agent
# wrote none of it, and the same tool with a #!/bin/bash line would run
# unjudged.
# What it spells out (a literal git push, rm, curl POST) is still judged by
# every rule, a deny stays a deny, and an agent-written script is judged as any
# line. Every fact must be present and say so: anything unknown keeps the hold.
_machine_script if {
	is_object(input.nested)
	input.nested.sets_env == false
	s := input.script
	is_object(s)
	s.found == true
	s.in_workspace == false
	s.scratch == false
	s.writable_by_others == false
	s.changed_during_line == false
	is_array(s.args)
}

# opaque reasons that stand for code the tool computes at run time; the
# parser's own limits (depth, too-many-commands) hide commands it did not
# reach, so those still hold
_machine_reasons := {"dynamic-command", "dynamic-code", "pipe-to-shell", "source", "script", "dynamic-function"}

_machine_opaque(o) if {
	_machine_script
	o.reason in _machine_reasons
}

# --- under the exec gate and confinement -------------------------------------------

# When the daemon will put both layers beyond the line judge on the line's tree
# (input.layers: the exec gate judges every program the tree starts, at its
# execve, by this same policy; confinement bounds its writes to the workspace,
# the temporary directories and the caches and hides the home's secrets), code
# that is opaque to the line judge is not held for that alone: what it starts is
# judged at exec and where it writes is bounded, as for a script file or a
# Makefile, which no rule holds. Only when the line fetches nothing: code that
# comes from the network (curl … | sh, bash <(curl …), x=$(curl …); $x) can
# still read the workspace and talk to the network, so it stays held; so does
# code run on another host (ssh host '…', docker exec: the layers cover this
# machine only). What the line itself shows (a delete or network effect, a
# literal push or rm), the parser's limits, look-alike and encoded text, fork
# bombs and tampering are judged as without the layers.
_layers if {
	input.layers.exec == true
	input.layers.confine == true
}

# opaque reasons that say only "this code is computed at run time"
_layer_reasons := {"dynamic-command", "dynamic-code", "pipe-to-shell", "source", "script", "dynamic-function"}

_layer_opaque(o) if {
	_layers
	o.reason in _layer_reasons
	not _remote_step(o)
	_local_line(o.reason)
}

# interpreter one-liners whose code evaluates built text, starts programs or is
# not known (not a delete or network effect, which the line itself shows)
_layer_code(c) if {
	_layers
	not cmds.remote(c)
	_local_line("code")
}

_remote_step(o) if {
	some s in o.via
	s.kind == "remote"
}

# Every command of the line only reads or runs code the line shows (so the
# code it computes is made of local data); a decoder is not among them
# (base64 -d | sh, eval "$(… | base64 -d)" hide what the agent means to run,
# and code bash runs itself, a read of .env sent to /dev/tcp, never reaches
# the exec gate); for dynamic-command, the
# command whose name is computed is what is judged at exec (a value fetched
# from the network still needs a command that fetches it).
_local_line(reason) if {
	every c in input.commands {
		_local_in(c, reason)
	}
}

_local_in(c, "dynamic-command") if c.name == ""

_local_in(c, _) if _local(c)

_local(c) if {
	c.name != ""
	not cmds.remote(c)
	_local_kind(c)
}

_local_kind(c) if {
	cmds.read_only(c)
	not c.name in _program_file_tools
}

# awk and sed read only, but a program file's output could be anything (gawk
# talks to the network through /inet, sed's e runs commands): local only when
# the line shows their program
_program_file_tools := {"awk", "gawk", "mawk", "nawk", "busybox", "sed", "gsed"}

_local_kind(c) if {
	c.name in _program_file_tools
	cmds.read_only(c)
	is_object(c.code)
	c.code.from != "file"
	c.code.known == true
}


# a shell given code on its command line, its stdin or a stream the line
# makes (its commands are listed and judged too, or are the opaque code
# itself), never a script file whose output could be anything
_local_kind(c) if {
	c.name in _shells
	every w in cmds.args(c) {
		regex.match(`^(-|<\(|/dev/fd/|/dev/stdin$|/proc/self/fd/)`, w)
	}
}

_local_kind(c) if {
	c.name in _shells
	some w in cmds.args(c)
	regex.match(`^-[a-zA-Z]*c[a-zA-Z]*$`, w)
}

_local_kind(c) if c.name in {"eval", "source", ".", "builtin", "command"}

# an interpreter given code on its command line or its stdin, whose visible
# code does not reach the network (code it reads from a file, as awk -f, could
# be anything: its output is not local data)
_local_kind(c) if {
	is_object(c.code)
	c.code.from != "file"
	not "network" in _effects(c)
}

_shells := {"sh", "bash", "dash", "zsh", "ksh", "mksh", "yash", "fish"}

_env_eval_re := "^(?:eval\\s+)?(?:\"\\$\\(|\\$\\(|`|\"`)\\s*(?:[A-Za-z0-9_./-]*/)?([A-Za-z0-9_.-]+)((?:\\s+[A-Za-z0-9_.=:,/-]+)*)\\s*(?:\\)\"|\\)|`\"|`)\\s*$"

# eval "$(brew shellenv)", eval "$(pyenv init -)", eval `ssh-agent -s`: the code
# is what a known environment tool prints (settings.env_generators), with literal
# arguments only.
_trusted_source(o) if {
	o.reason == "dynamic-code"
	m := regex.find_all_string_submatch_n(_env_eval_re, o.text, 1)
	count(m) == 1
	m[0][1] in config.settings.env_generators
}

# activating a virtual environment inside the workspace is everyday work
_trusted_source(o) if {
	o.reason == "source"
	regex.match(`^(source|\.)\s+(\./)?[A-Za-z0-9_.-]*(venv|env)[A-Za-z0-9_.-]*/bin/activate(\.(fish|csh))?\s*$`, o.text)
}

deny contains {"id": "opaque.fork_bomb", "msg": sprintf("a function that calls itself without end (a fork bomb: `%s`) would exhaust the machine. This is never run from an agent's shell.", [substring(o.text, 0, 60)]), "class": "destructive"} if {
	some o in input.opaque
	o.reason == "recursive-function"
}

hold contains {"id": "parse.error", "msg": sprintf("the line does not parse (%s at %d:%d), so what would run cannot be checked. Fix the quoting or syntax and send it again.", [input.parse_error.msg, input.parse_error.line, input.parse_error.col]), "class": "opaque"} if {
	is_object(input.parse_error)
	object.get(input.parse_error, "limit", "") == ""
}

# --- size bounds -----------------------------------------------------------------------

# The parser stops at the bounds that keep judging a line fast and safe; what
# lies past a bound is not seen, so the line is held, with a message that says
# which bound in a person's words (the parser's text names it) and what to do.

_split := "Split it into shorter command lines and send them one at a time, or wait for the user to approve it."

hold contains {"id": "opaque.too-many-commands", "msg": sprintf("Held: the line is too long to check (%s), so what it would run past that point cannot be seen. %s", [_bound(o), _split]), "class": "opaque"} if {
	some o in input.opaque
	o.reason == "too-many-commands"
}

_bound(o) := o.text if o.text != ""

_bound(o) := "more commands than the gate checks in one line" if o.text == ""

hold contains {"id": "parse.too-long", "msg": sprintf("Held: the line is too long to check (%s), so nothing in it was checked. %s", [input.parse_error.msg, _split]), "class": "opaque"} if {
	input.parse_error.limit == "size"
}

hold contains {"id": "parse.too-deep", "msg": sprintf("Held: the line is nested too deeply to check (%s), so nothing in it was checked. Rewrite it with fewer nested brackets, quotes and substitutions, or wait for the user to approve it.", [input.parse_error.msg]), "class": "opaque"} if {
	input.parse_error.limit == "nesting"
}

hold contains reason.of("parse.lookalike", sprintf("`%s` contains look-alike or invisible characters (unicode dashes, spaces or quotes) that can disguise what runs. %s Retype it with plain ASCII.", [concat(" ", c.argv), _wait]), "opaque", i) if {
	some i, c in input.commands
	c.lookalike
}

# --- interpreter code effects --------------------------------------------------------------

_effects(c) := {e | some e in c.code.effects}

hold contains reason.of("opaque.code.delete", sprintf("%s code deletes files, which cannot be undone. %s Use rm on specific workspace paths instead, so they can be checked.", [c.code.lang, _wait]), "destructive", i) if {
	some i, c in input.commands
	is_object(c.code)
	"delete" in _effects(c)
}

hold contains reason.of("opaque.code.network", sprintf("%s code talks to the network. %s Use curl for a plain GET.", [c.code.lang, _wait]), "external", i) if {
	some i, c in input.commands
	is_object(c.code)
	"network" in _effects(c)
}

hold contains reason.of("opaque.code.eval", sprintf("%s code evaluates text built at run time, which cannot be checked. %s", [c.code.lang, _wait]), "opaque", i) if {
	some i, c in input.commands
	is_object(c.code)
	"eval" in _effects(c)
	not _machine_script
	not _layer_code(c)
}

hold contains reason.of("opaque.code.spawn", sprintf("%s code starts programs that cannot be seen here. %s Run the programs directly in the shell instead.", [c.code.lang, _wait]), "opaque", i) if {
	some i, c in input.commands
	is_object(c.code)
	"spawn" in _effects(c)
	not _spawn_visible
	not _machine_script
	not _layer_code(c)
}

# the parser extracted the spawned commands (via kind "interp"): they are judged
_spawn_visible if {
	some c in input.commands
	cmds.via_kind(c, "interp")
}

# code fed from stdin or a file whose text is not known, with no visible command
hold contains reason.of("opaque.code.unknown", sprintf("%s runs code whose text cannot be seen. %s", [c.code.lang, _wait]), "opaque", i) if {
	some i, c in input.commands
	is_object(c.code)
	c.code.known == false
	c.code.from in {"stdin", "arg"}
	not _machine_script
	not _layer_code(c)
}

# Guards: the combiner evaluates this package only for lines that run one of
# these commands or have one of these features (keep them in step with the rules).
features := {"opaque", "parse_error", "lookalike", "code"}
