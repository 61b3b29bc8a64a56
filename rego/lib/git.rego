# METADATA
# title: Git helpers
# description: >-
#   Helpers over commands[i].git: the git commands of a line by subcommand, flags,
#   positionals, protected branches and refs.
package gatesh.lib.git

import rego.v1

import data.gatesh.config
import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.facts

# cmds_of(sub): indexes of the git commands running subcommand sub
by_sub := {sub: {i | some i in _git_cmds; input.commands[i].git.subcommand == sub} | some i in _git_cmds; sub := input.commands[i].git.subcommand}

_git_cmds := object.get(cmds.by_name, "git", set())

flags(c) := object.get(c, ["git", "flags"], [])

# has(c, f): the git command has the flag f after its subcommand (clusters too)
has(c, f) if argv.has_flag(flags(c), f)

# has_v(c, f, valchars): like has, with short options that take a value
has_v(c, f, valchars) if argv.has_flag_v(flags(c), f, valchars)

protected(b) if b in config.settings.protected_branches

# the branch a git command works on: the last `git checkout|switch B` before it
# in the line, else the repository's current branch
branch_at(i) := b if {
	js := [j | some j in _switches; j < i]
	count(js) > 0
	b := _switch_target(input.commands[max(js)])
} else := b if {
	b := input.commands[i].git.branch
	b != ""
} else := object.get(input, ["workspace", "branch"], "")

_switches contains j if {
	some sub in {"checkout", "switch"}
	some j in by_sub[sub]
	_switch_target(input.commands[j])
}

# git checkout -b NEW / switch -c NEW: the new branch
_switch_target(c) := b if {
	some k, w in c.git.args
	w in {"-b", "-B", "-c", "-C", "--orphan"}
	b := c.git.args[k + 1]
}

# git checkout B / switch B
_switch_target(c) := c.git.positionals[0] if {
	not _creates(c)
	count(c.git.positionals) == 1
	count(c.git.pathspecs) == 0
}

_creates(c) if {
	some w in c.git.args
	w in {"-b", "-B", "-c", "-C", "--orphan"}
}

creates_branch(c) := _creates(c)

ref_exists(c, name) if facts.ref_exists(c.git.dir, name)

ref_exists(c, name) if {
	not facts.ref_exists(c.git.dir, name)
	facts.ref_exists(c.git.dir, concat("/", ["origin", name]))
}
