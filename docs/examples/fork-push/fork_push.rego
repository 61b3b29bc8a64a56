# Personal-fork workflow: the agent may push its feature branches to "origin"
# (the user's fork) without asking. Only the plain shape is waived; everything
# else about a push is still judged by the shipped rules:
#   - force pushes keep git.push.force (and git.push itself is not waived for
#     them), pushes to protected branches keep git.push.protected, deletes keep
#     git.push.delete, --mirror keeps git.push.mirror;
#   - a push to another remote, to a URL, of tags, with extra options
#     (--receive-pack runs a program), with -c/GIT_CONFIG_* (which can point
#     "origin" somewhere else), of another repository (git -C elsewhere), or with
#     a word whose value is unknown is still held as git.push.
# The policy cannot see where "origin" points: use this only in repositories
# whose origin is a fork you own.
package gatesh.waivers.fork_push

import rego.v1

import data.gatesh.lib.cmds
import data.gatesh.lib.git

# options that do not change what is pushed or where
_plain_flags := {"-u", "--set-upstream", "-q", "--quiet", "-v", "--verbose", "--progress", "--no-progress"}

waive contains {"id": "git.push", "cmd": i} if {
	some i in git.by_sub.push
	c := input.commands[i]
	p := c.git.push
	p.remote == "origin"
	not p.force
	not p.force_with_lease
	not p.delete
	not p.mirror
	not p.all
	not p.tags
	count(p.branches) > 0
	every b in p.branches {
		not git.protected(b)
	}
	every f in c.git.flags {
		f in _plain_flags
	}
	count(c.git.config) == 0
	c.git.in_workspace
	count(c.dynamic) == 0
	not cmds.remote(c)
}
