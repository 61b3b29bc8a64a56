# METADATA
# title: Tamper
# description: >-
#   Judges changes to the gate itself and to what runs code unseen. Writes to the
#   gate's config, policies, state and socket, stopping its daemon, gatectl commands
#   that decide or serve approvals, and the variables that make bash run code
#   (BASH_ENV, PROMPT_COMMAND, ...) are denied: a command that changes the gate
#   escapes every later check. Key bindings that run commands and writes to the
#   places a person's future shells and tools read code from (rc files, harness
#   snapshots, git hooks, authorized SSH keys) are held.
# custom:
#   class: tamper
#   rules:
#     - tamper.gate_write
#     - tamper.gatectl
#     - tamper.kill
#     - tamper.env
#     - tamper.bind
#     - tamper.shell_startup
#     - tamper.harness
#     - tamper.git_hooks
#     - tamper.ssh_keys
package gatesh.rules.tamper

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.paths
import data.gatesh.lib.reason
import data.gatesh.lib.writes

_gate_paths := array.concat(object.get(input, ["gate", "paths"], []), [h | h := input.gate.home; h != ""])

_under(abs, root) if abs == root

_under(abs, root) if startswith(abs, concat("", [trim_right(root, "/"), "/"]))

_gate_set := {g | some g in _gate_paths}

_gate_prefixes := {concat("", [trim_right(g, "/"), "/"]) | some g in _gate_paths}

# gate_path(abs): abs is one of the gate's paths or below one
gate_path(abs) if abs in _gate_set

gate_path(abs) if {
	abs != ""
	some pre in _gate_prefixes
	startswith(abs, pre)
}

deny contains reason.of("tamper.gate_write", sprintf("%s would change %s, which belongs to the gate that checks this shell. Commands may not modify the gate.", [t.how, t.p.abs]), "tamper", t.cmd) if {
	some t in writes.targets
	_gate_target(t.p)
}

_gate_target(p) if gate_path(p.abs)

# the fact builder's zone also covers globs that could match the gate's files
# (rm -rf /tmp/gatesh-run.*/state)
_gate_target(p) if p.zone == "gate"

_gate_verbs := {"approve", "deny", "revoke", "serve", "grant", "grants", "queue", "install", "uninstall", "daemon", "stop", "kill", "reload", "policy", "settings", "config"}

# deleting or moving a directory that holds the gate's files (rm -rf ~/.config,
# rm -rf "$GATESH_HOME") removes the gate's policies and state with it
deny contains reason.of("tamper.gate_write", sprintf("%s would remove %s, which holds the gate that checks this shell. Commands may not modify the gate.", [t.how, t.p.abs]), "tamper", t.cmd) if {
	some t in writes.targets
	t.op in {"delete", "move"}
	t.p.abs != ""
	not t.p.is_root # / and ~ themselves are denied as catastrophic (files)
	not t.p.is_home
	_holds_gate(t.p)
}

_holds_gate(p) if {
	some g in _gate_paths
	_under(g, p.abs)
}

# a glob that could match a directory holding the gate's (rm -rf /tmp/gatesh-run.*)
_holds_gate(p) if "gate" in object.get(p, "holds", [])

# env -u GATESH_HOME bash …: a nested shell without the gate's settings
deny contains reason.of("tamper.env", sprintf("env -u %s changes how the gate behaves for the command it starts. Commands may not change it.", [v]), "tamper", i) if {
	some i in cmds.by_name.env
	c := input.commands[i]
	some v in argv.values(cmds.args(c), {"-u", "--unset"})
	_gate_var(v)
}

deny contains reason.of("tamper.gatectl", sprintf("gatectl %s decides or serves approvals; it is for the person at the terminal, not for commands in this shell. Wait for the user.", [v]), "tamper", i) if {
	some i in cmds.by_name.gatectl
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"--cwd", "--reason"})
	v := ps[0]
	v in _gate_verbs
}

deny contains reason.of("tamper.gatectl", "gatectl with no subcommand is for the person at the terminal. Wait for the user.", "tamper", i) if {
	some i in cmds.by_name.gatectl
	c := input.commands[i]
	count(argv.positionals(cmds.args(c), {"--cwd", "--reason"})) == 0
	not argv.has_any(cmds.args(c), {"--help", "-h", "--version"})
}

_gate_var(k) if startswith(upper(k), "GATESH_")

_gate_var(k) if k in {"BASH_ENV", "ENV", "PROMPT_COMMAND", "BASH_XTRACEFD", "SHELLOPTS", "BASHOPTS", "INPUTRC"}

deny contains reason.of("tamper.env", sprintf("setting %s changes how the gate or bash itself behaves. Commands may not set it.", [k]), "tamper", i) if {
	some i, c in input.commands
	some k, _ in c.env
	_gate_var(k)
	not _session_prompt_command_env(k)
}

# export PROMPT_COMMAND='…' in a session puts the plain value in the environment
# of the line's later commands too (see _session_prompt_command)
_session_prompt_command_env("PROMPT_COMMAND") if {
	input.session
	not regex.match(`PROMPT_COMMAND(\[|\+?=\()`, input.text)
}

deny contains reason.of("tamper.env", sprintf("setting %s changes how the gate or bash itself behaves. Commands may not set it.", [a.name]), "tamper", i) if {
	some i, c in input.commands
	some a in c.assigns
	_gate_var(a.name)
	not _session_prompt_command(a)
}

# In a gated interactive session, a harness sets PROMPT_COMMAND as a plain
# string (OpenHands' JSON prompt marker): the session's own hook is in another
# element of the array, which that leaves alone, and the value is judged as the
# code it is (commands reached through a "trap" step named PROMPT_COMMAND). An
# element or array assignment could replace the hook: the session package
# judges those.
_session_prompt_command(a) if {
	input.session
	a.name == "PROMPT_COMMAND"
	not regex.match(`PROMPT_COMMAND(\[|\+?=\()`, input.text)
}

deny contains reason.of("tamper.env", sprintf("unset %s changes how the gate behaves. Commands may not change it.", [w]), "tamper", i) if {
	some i in cmds.by_name.unset
	c := input.commands[i]
	some w in cmds.args(c)
	_gate_var(w)
	not _nested_session_prompt_command(c, w)
}

# in a session, a new shell's PROMPT_COMMAND (bash -c 'unset PROMPT_COMMAND') is not
# the session's: the session package judges the session's own
_nested_session_prompt_command(c, "PROMPT_COMMAND") if {
	input.session
	some s in c.via
	s.kind == "shell"
}

deny contains reason.of("tamper.kill", sprintf("%s would stop the gate's daemon. Commands may not stop the gate.", [c.name]), "tamper", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"pkill", "killall"}
	c := input.commands[i]
	some w in cmds.args(c)
	regex.match(`(^|/)gate(ctl|sh)\b|gatectl serve`, w)
}

# readline bindings can remove the hook that checks typed lines
hold contains reason.of("tamper.bind", "bind changes the shell's key bindings, which the gate's interactive check relies on. Wait for the user to approve it.", "tamper", i) if {
	not input.session # a session's own hook: session.bind denies it
	some i in cmds.by_name.bind
	c := input.commands[i]
	not _bind_query(c)
}

_bind_query(c) if {
	count(cmds.args(c)) > 0
	every w in cmds.args(c) {
		w in {"-p", "-P", "-l", "-v", "-V", "-s", "-S", "-X"}
	}
}

# --- places future shells read code from --------------------------------------------------

_rc_names := paths.startup_names

_rc(abs) if {
	paths.dirname(abs) == paths.home
	paths.basename(abs) in _rc_names
}

_rc(abs) if startswith(abs, "/etc/profile")

_rc(abs) if abs in {"/etc/bash.bashrc", "/etc/bashrc", "/etc/zshrc", "/etc/zprofile", "/etc/zshenv", "/etc/environment"}

_rc(abs) if _under(abs, concat("/", [paths.home, ".config/fish"]))

_snapshot(abs) if _under(abs, concat("/", [paths.home, ".claude/shell-snapshots"]))

_snapshot(abs) if _under(abs, concat("/", [paths.home, ".codex/shell_snapshots"]))

_snapshot(abs) if _under(abs, concat("/", [paths.home, ".claude/settings.json"]))

_snapshot(abs) if _under(abs, concat("/", [paths.home, ".claude/settings.local.json"]))

_hooks(t) if {
	t.p.in_git_dir
	contains(t.p.abs, "/.git/hooks")
}

_hooks(t) if {
	paths.ws != ""
	_under(t.p.abs, concat("/", [paths.ws, ".git/hooks"]))
}

hold contains reason.of("tamper.shell_startup", sprintf("%s would change %s, which every future shell runs. Wait for the user to approve it; set variables for one command instead (VAR=x cmd).", [t.how, t.p.abs]), "tamper", t.cmd) if {
	some t in writes.targets
	t.op != "meta"
	_rc(t.p.abs)
}

hold contains reason.of("tamper.harness", sprintf("%s would change %s, which the agent harness loads into its shells. Wait for the user to approve it.", [t.how, t.p.abs]), "tamper", t.cmd) if {
	some t in writes.targets
	_snapshot(t.p.abs)
	not _capture_write(t)
}

# _capture_write(t): t is the one write a harness's own snapshot capture script may
# make. The daemon sets input.harness.form to "snapshot-capture" only for a script
# run as the shell's top-level command (never text reached through the agent's
# eval) that writes exactly one file, in the harness's snapshot directory, and
# otherwise runs only allow-listed builtins and read-only utilities
# (internal/harness); input.harness.snapshot is that file.
_capture_write(t) if {
	input.harness.form == "snapshot-capture"
	t.op == "write"
	t.p.abs != ""
	t.p.abs == input.harness.snapshot
}

hold contains reason.of("tamper.git_hooks", sprintf("%s would change %s, a git hook that runs on later git commands. Wait for the user to approve it.", [t.how, t.p.abs]), "tamper", t.cmd) if {
	some t in writes.targets
	_hooks(t)
}

hold contains reason.of("tamper.ssh_keys", sprintf("%s would change %s, which controls who can log in. Wait for the user to approve it.", [t.how, t.p.abs]), "tamper", t.cmd) if {
	some t in writes.targets
	t.op != "meta"
	regex.match(`/\.ssh/(authorized_keys2?|config|rc|environment)$`, t.p.abs)
}

# Guards: the combiner evaluates this package only for lines that run one of
# these commands or have one of these features (keep them in step with the rules).
names := {"gatectl", "unset", "pkill", "killall", "bind", "env", "tar", "unzip", "cp", "install", "mv", "ln", "rsync", "scp", "ditto", "tee", "touch", "mkdir", "truncate", "chmod", "chown", "chgrp", "sed", "perl", "dd", "curl", "wget", "find", "rm", "rmdir", "unlink", "shred", "srm"}

features := {"redirect", "env", "code"}
