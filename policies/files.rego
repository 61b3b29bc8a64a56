# METADATA
# title: Files
# description: >-
#   Judges every place a line writes, creates, deletes or re-links a file
#   (gatesh.lib.writes finds them: redirects, cp, mv, rm, tee, sed -i, tar, ...).
#   Work inside the workspace and the temporary directories is allowed. Deleting or
#   writing outside them is held, since nothing there is under version control; so
#   are deletes of a whole workspace, a .git directory or a temporary root, and
#   paths computed at run time. A catastrophic delete (/, the home directory, a
#   system directory) and a write to a block device are denied. Writes to system
#   directories, setuid bits and chown to root are held as privileged, changes to
#   credentials files in the home directory as secret.
# custom:
#   class: [destructive, privileged, secret]
#   rules:
#     - files.rm.catastrophic
#     - files.rm.workspace_root
#     - files.rm.git_dir
#     - files.rm.tmp_root
#     - files.rm.outside
#     - files.rm.dynamic
#     - files.find.delete_all
#     - files.find.delete_outside
#     - files.write.device
#     - files.write.system
#     - files.write.outside
#     - files.write.dynamic
#     - files.secret.home
#     - files.chmod.setuid
#     - files.chmod.outside
#     - files.chown.root
package gatesh.rules.files

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.paths
import data.gatesh.lib.reason
import data.gatesh.lib.writes

_wait := "Wait for the user to approve it, or ask them to do it."

_show(p) := p.abs if p.abs != ""

_show(p) := p.value if p.abs == ""

# a remote command's relative paths are relative to a directory we cannot know:
# judge only its absolute and ~ paths
_judged(t) if not t.remote

_judged(t) if {
	t.remote
	regex.match(`^(/|~)`, t.p.value)
}

_recursive(c) if argv.has_any(cmds.args(c), {"-r", "-R", "--recursive"})

# --- catastrophic deletes (deny) ----------------------------------------------

deny contains reason.of("files.rm.catastrophic", sprintf("recursive delete of %s would destroy the system or the user's files; this is never run from an agent's shell. Delete only specific paths inside the workspace.", [_show(t.p)]), "destructive", t.cmd) if {
	some t in writes.targets
	t.op == "delete"
	c := input.commands[t.cmd]
	c.name in {"rm", "shred", "srm"}
	_recursive(c)
	paths.catastrophic(t.p)
}

# --- deletes outside the workspace ----------------------------------------------

hold contains reason.of("files.rm.outside", sprintf("%s deletes %s, %s, which cannot be undone. %s", [t.how, _show(t.p), _where(t.p), _wait]), _outside_class(t.p), t.cmd) if {
	some t in writes.targets
	t.op in {"delete", "move"}
	_judged(t)
	paths.outside(t.p)
	not _catastrophic_deny(t)
	not t.p.in_workspace
}

_catastrophic_deny(t) if {
	c := input.commands[t.cmd]
	c.name in {"rm", "shred", "srm"}
	_recursive(c)
	paths.catastrophic(t.p)
}

# _where(p): where an outside path is, for the messages (a home under /tmp is
# not the scratch space the agent may use)
_where(p) := "in the home directory, outside the workspace" if object.get(p, "zone", "") == "home"

_where(p) := "a credentials file outside the workspace" if object.get(p, "zone", "") == "secret"

_where(p) := "which holds the home directory, the workspace or the gate's files" if {
	not object.get(p, "zone", "") in {"home", "secret"}
	count(object.get(p, "holds", [])) > 0
}

_where(p) := "outside the workspace and /tmp" if {
	not object.get(p, "zone", "") in {"home", "secret"}
	count(object.get(p, "holds", [])) == 0
}

_outside_class(p) := "privileged" if paths.system_target(p)

_outside_class(p) := "destructive" if not paths.system_target(p)

# the home's credentials stay protected when the workspace is the home or holds it
# (a dotfiles repository, an agent started in ~): in the workspace, but not the
# workspace's (docs/policy-input.md, "Zones")
hold contains reason.of("files.secret.home", sprintf("%s changes %s, a credentials file in the home directory, which cannot be undone. %s", [t.how, _show(t.p), _wait]), "secret", t.cmd) if {
	some t in writes.targets
	t.op in {"delete", "move", "write"}
	object.get(t.p, "zone", "") == "secret"
	t.p.in_home
	t.p.in_workspace
	not _ws_below_home
}

_ws_below_home if {
	paths.home != ""
	startswith(paths.ws, concat("", [paths.home, "/"]))
}

hold contains reason.of("files.rm.dynamic", sprintf("%s deletes %s, a path whose value is not known before it runs. %s Spell the path out.", [input.commands[t.cmd].name, t.p.value, _wait]), "destructive", t.cmd) if {
	some t in writes.targets
	t.op == "delete"
	t.p.dynamic
	not _from_find_or_xargs(input.commands[t.cmd])
}

# rm reached through xargs/find gets its operands from input: recursive removal of
# unknown operands is held. (When the parser can tell the operands are below
# find's start path, they arrive as a START/**/{} glob, not dynamic, and are judged
# by where they are.)
hold contains reason.of("files.rm.dynamic", sprintf("%s -r runs on paths read from its input, not known before it runs. %s", [c.name, _wait]), "destructive", i) if {
	some i, cx in input.commands
	n := cx.name
	n in writes.delete_names
	c := input.commands[i]
	_from_find_or_xargs(c)
	_recursive(c)
	not _operands_known(c)
}

_operands_known(c) if {
	count(c.paths) > 0
	every p in c.paths {
		not p.dynamic
	}
}

_from_find_or_xargs(c) if cmds.via_kind(c, "xargs")

_from_find_or_xargs(c) if cmds.via_kind(c, "find")

hold contains reason.of("files.rm.workspace_root", sprintf("%s deletes the whole workspace (%s). %s Delete specific files or directories instead.", [t.how, t.p.value, _wait]), "destructive", t.cmd) if {
	some t in writes.targets
	t.op == "delete"
	_judged(t)
	t.p.is_workspace_root
	_wipes(t.p)
}

_wipes(p) if not p.glob

_wipes(p) if {
	p.glob
	paths.wipe_glob_word(p.value)
}

hold contains reason.of("files.rm.git_dir", sprintf("%s deletes %s inside .git: the repository's history. %s", [t.how, t.p.value, _wait]), "destructive", t.cmd) if {
	some t in writes.targets
	t.op == "delete"
	t.p.in_git_dir
}

hold contains reason.of("files.rm.tmp_root", sprintf("%s deletes the temporary directory %s itself, with other programs' files. %s Delete your own files under it instead.", [t.how, t.p.value, _wait]), "destructive", t.cmd) if {
	some t in writes.targets
	t.op == "delete"
	t.p.is_tmp_root
}

# --- find -delete / find -exec rm ---------------------------------------------------

_find_tests := {
	"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex",
	"-type", "-newer", "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-size",
	"-user", "-group", "-empty", "-perm", "-links", "-inum", "-samefile", "-lname", "-ilname",
	"-uid", "-gid", "-nouser", "-nogroup", "-newermt", "-used",
}

_find_starts(c) := [w |
	some j, w in c.argv
	j > 0
	j < _find_expr_start(c)
	not w in {"-H", "-L", "-P"}
	not startswith(w, "-O")
	not startswith(w, "-D")
]

_find_expr_start(c) := min([j | some j, w in c.argv; j > 0; _expr_word(w)]) if {
	some w in array.slice(c.argv, 1, count(c.argv))
	_expr_word(w)
}

_find_expr_start(c) := count(c.argv) if {
	every w in array.slice(c.argv, 1, count(c.argv)) {
		not _expr_word(w)
	}
}

_expr_word(w) if {
	startswith(w, "-")
	not w in {"-H", "-L", "-P"}
	not regex.match(`^-(O[0-9]|D)`, w)
}

_expr_word(w) if w in {"(", "!", ")", ","}

_deletes(c) if "-delete" in c.argv

hold contains reason.of("files.find.delete_all", sprintf("find -delete with no test before -delete deletes everything under %s. %s Put -name/-type/-path tests before -delete.", [concat(" ", _find_starts(c)), _wait]), "destructive", i) if {
	some i in cmds.by_name.find
	c := input.commands[i]
	_deletes(c)
	not _test_before_delete(c)
}

_test_before_delete(c) if {
	some j, w in c.argv
	w == "-delete"
	some k, t in c.argv
	k < j
	t in _find_tests
}

_find_exec_deletes(c) if {
	some j, w in c.argv
	w in {"-exec", "-execdir", "-ok", "-okdir"}
	j + 1 < count(c.argv)
	_base(c.argv[j + 1]) in writes.delete_names
}

_base(w) := b if {
	parts := split(w, "/")
	b := parts[count(parts) - 1]
}

hold contains reason.of("files.find.delete_outside", sprintf("find deletes under %s, outside the workspace and /tmp. %s", [_show(p), _wait]), _outside_class(p), i) if {
	some i in cmds.by_name.find
	c := input.commands[i]
	_find_deleting(c)
	some p in c.paths
	p.value in _find_starts(c)
	_find_start_bad(p)
}

_find_deleting(c) if _deletes(c)

_find_deleting(c) if _find_exec_deletes(c)

_find_start_bad(p) if p.dynamic

_find_start_bad(p) if paths.outside(p)

_find_start_bad(p) if p.is_tmp_root

# --- writes outside the workspace ----------------------------------------------------

deny contains reason.of("files.write.device", sprintf("%s writes to the block device %s, destroying the disk's data. This is never run from an agent's shell.", [t.how, t.p.abs]), "destructive", t.cmd) if {
	some t in writes.targets
	t.op == "write"
	paths.block_device(t.p.abs)
}

hold contains reason.of("files.write.outside", sprintf("%s writes %s, %s. %s Write inside the workspace or /tmp instead.", [t.how, t.p.abs, _where(t.p), _wait]), _outside_class(t.p), t.cmd) if {
	some t in writes.targets
	t.op in {"write", "link"}
	_judged(t)
	paths.outside(t.p)
	not paths.block_device(t.p.abs)
	not t.how == "ln"
	not _capture_write(t)
}

# a harness's own snapshot capture script, recognised by the daemon at the top
# level of the call, may write its one snapshot file (the same rule as in tamper.rego)
_capture_write(t) if {
	input.harness.form == "snapshot-capture"
	t.op == "write"
	t.p.abs != ""
	t.p.abs == input.harness.snapshot
}

hold contains reason.of("files.write.dynamic", sprintf("%s writes to %s, a path whose value is not known before it runs. %s Spell the path out.", [t.how, t.p.value, _wait]), "destructive", t.cmd) if {
	some t in writes.targets
	t.op == "write"
	t.p.dynamic
}

# creating files or directories, or changing modes, in system directories
hold contains reason.of("files.write.system", sprintf("%s changes %s, a system location. %s", [t.how, t.p.abs, _wait]), "privileged", t.cmd) if {
	some t in writes.targets
	t.op in {"create", "meta"}
	_judged(t)
	not t.p.dynamic
	paths.system_target(t.p)
}

# chmod/chown -R outside the workspace
hold contains reason.of("files.chmod.outside", sprintf("%s -R changes permissions of everything under %s, outside the workspace. %s", [t.how, t.p.abs, _wait]), "destructive", t.cmd) if {
	some t in writes.targets
	t.op == "meta"
	_judged(t)
	paths.outside(t.p)
	not paths.system_target(t.p)
	_recursive(input.commands[t.cmd])
}

# setuid/setgid bits
hold contains reason.of("files.chmod.setuid", sprintf("chmod %s sets the setuid/setgid bit: a program that runs with its owner's rights. %s", [m, _wait]), "privileged", i) if {
	some i in cmds.by_name.chmod
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), set())
	m := ps[0]
	_setuid_mode(m)
}

_setuid_mode(m) if regex.match(`^[0-7]?[2-7][0-7]{3}$`, m)

_setuid_mode(m) if regex.match(`^[ugoa]*[+=][rwxXt]*s`, m)

hold contains reason.of("files.chown.root", sprintf("chown to root hands files to the administrator account. %s", [_wait]), "privileged", i) if {
	some i in cmds.by_name.chown
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), set())
	regex.match(`^(root|0)([:.].*)?$`, ps[0])
}

# Guards: the combiner evaluates this package only for lines that run one of
# these commands or have one of these features (keep them in step with the rules).
names := {"tar", "unzip", "cp", "install", "mv", "ln", "rsync", "scp", "ditto", "tee", "touch", "mkdir", "truncate", "chmod", "chown", "chgrp", "sed", "perl", "dd", "curl", "wget", "find", "rm", "rmdir", "unlink", "shred", "srm"}

features := {"redirect", "code"}
