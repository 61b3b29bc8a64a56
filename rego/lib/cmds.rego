# METADATA
# title: Command index
# description: >-
#   The index of the line's commands by name (by_name), built once per query, and
#   per-command helpers: arguments, remote and wrapper steps, and read_only, which
#   the combiner uses to call an allowed line read-only.
package gatesh.lib.cmds

import rego.v1

# by_name[name] is the set of indexes of the commands with that name. It is a
# complete object, so OPA computes it once per query and every rule's lookup is a
# map access (a partial set would rescan input.commands on each lookup).
by_name := {name: {i | some i, c in input.commands; c.name == name} | some c in input.commands; name := c.name}

# args(c) is argv without the command word.
args(c) := array.slice(c.argv, 1, count(c.argv))

# remote(c): the command runs on another machine (ssh host CMD, docker/kubectl exec).
remote(c) if {
	some s in c.via
	s.kind == "remote"
}

# via_kind(c, k): the command was reached through a link of kind k.
via_kind(c, k) if {
	some s in c.via
	s.kind == k
}

# Commands that only read or print. A line made only of these is "read-only".
read_only_names := {
	"ls", "cat", "less", "more", "head", "tail", "grep", "egrep", "fgrep", "rg", "ag", "ack",
	"wc", "echo", "printf", "pwd", "cd", "pushd", "popd", "true", "false", ":", "test", "[", "[[",
	"stat", "file", "du", "df", "tree", "which", "type", "whereis", "command", "whoami", "id",
	"hostname", "uname", "date", "env", "printenv", "diff", "cmp", "comm", "sort", "uniq", "cut",
	"tr", "nl", "column", "jq", "yq", "basename", "dirname", "realpath", "readlink", "sleep",
	"md5sum", "sha1sum", "sha256sum", "shasum", "md5", "cksum", "xxd", "hexdump", "od", "strings",
	"fd", "fdfind", "locate", "ps", "pgrep", "top", "uptime", "free", "lsof", "history", "man",
	"help", "tldr", "bat", "timeout", "time", "nice", "nohup", "stdbuf", "xargs", "exec",
	"builtin", "wait", "jobs", "set", "shopt", "declare", "typeset", "local", "export", "read",
	"seq", "yes", "awk", "tac", "rev", "fold", "fmt", "paste", "join", "expand", "unexpand",
	"column", "look", "getconf", "locale", "tput", "clear", "sed", "find", "git",
}

# read_only(c): the command only reads (wrappers are neutral).
read_only(c) if {
	c.name in read_only_names
	not c.name in {"sed", "find", "git", "awk", "xargs", "env", "exec", "timeout", "nice", "nohup", "time", "stdbuf", "command", "builtin"}
	not _writes(c)
}

read_only(c) if {
	c.name in {"xargs", "env", "exec", "timeout", "nice", "nohup", "time", "stdbuf", "command", "builtin"}
	not _writes(c)
}

# sed and awk only read when their program does: sed's w and e (and s///w,
# s///e), awk's system(), print > and | are in code.effects, -i inplace too.
read_only(c) if {
	c.name == "sed"
	not _sed_in_place(c)
	not _code_effects(c)
	not _writes(c)
}

read_only(c) if {
	c.name == "awk"
	not _code_effects(c)
	not _writes(c)
}

read_only(c) if {
	c.name == "find"
	every w in c.argv {
		not w in {"-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls"}
	}
	not _writes(c)
}

read_only(c) if {
	c.name == "git"
	c.git.subcommand in {"status", "log", "diff", "show", "blame", "grep", "ls-files", "ls-tree", "rev-parse", "describe", "shortlog", "reflog", "cat-file", "help", "version", "whatchanged", "name-rev", "merge-base", "rev-list", "for-each-ref", "show-ref", "check-ignore", "count-objects", "var"}
	not _writes(c)
}

read_only(c) if {
	c.name == "git"
	c.git.subcommand in {"branch", "tag", "remote", "stash", "config", "worktree"}
	_git_listing(c)
	not _writes(c)
}

_git_listing(c) if {
	c.git.subcommand in {"branch", "tag"}
	count(c.git.positionals) == 0
	every f in c.git.flags {
		not f in {"-d", "-D", "--delete", "-m", "-M", "-c", "-C", "--move", "--copy", "-f", "--force", "-u", "--set-upstream-to", "--unset-upstream", "--edit-description", "-a", "-s", "-F", "--annotate", "--sign"}
	}
}

_git_listing(c) if {
	c.git.subcommand == "remote"
	count(c.git.positionals) == 0
}

_git_listing(c) if {
	c.git.subcommand == "stash"
	c.git.positionals[0] in {"list", "show"}
}

_git_listing(c) if {
	c.git.subcommand == "worktree"
	c.git.positionals[0] == "list"
}

_git_listing(c) if {
	c.git.subcommand == "config"
	some f in c.git.flags
	f in {"--get", "--get-all", "--list", "-l", "--get-regexp"}
}

_writes(c) if {
	some r in c.redirects
	r.write
	not r.path in {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"}
}

# _code_effects(c): the command's code does more than read and print.
_code_effects(c) if {
	some _ in c.code.effects
}

_sed_in_place(c) if {
	some w in c.argv
	regex.match(`^(-[a-zA-Z]*i|--i(n(-(p(l(a(ce?)?)?)?)?)?)?(=|$))`, w)
}
