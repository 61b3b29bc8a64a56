# METADATA
# title: Git
# description: >-
#   Judges git (and hub). Pushes publish commits outside this machine; discarding
#   uncommitted work (reset --hard, checkout/restore of paths, clean, stash drop),
#   rewriting history and deleting refs lose work that may not exist anywhere else;
#   commits, merges and pushes on protected branches (settings.protected_branches)
#   need a person; --no-verify and core.hooksPath skip the repository's checks;
#   config that runs programs, and writes into the gate's own files, are tamper.
#   Read-only git (status, log, diff, ...) is allowed.
# custom:
#   class: [external, destructive, tamper, opaque]
#   rules:
#     - git.push
#     - git.push.force
#     - git.push.mirror
#     - git.push.delete
#     - git.push.protected
#     - git.push.exec
#     - git.protected_branch
#     - git.protected_ref
#     - git.reset.hard
#     - git.checkout.force
#     - git.checkout.paths
#     - git.switch.force
#     - git.restore
#     - git.clean
#     - git.stash.drop
#     - git.branch.force_delete
#     - git.worktree.force_remove
#     - git.update_ref.delete
#     - git.reflog.expire
#     - git.gc.prune
#     - git.history.rewrite
#     - git.no_verify
#     - git.config.exec
#     - git.daemon
#     - git.dynamic
#     - tamper.gate_write
package gatesh.rules.git

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.git
import data.gatesh.lib.reason
import data.gatesh.rules.tamper

# names: the command names this package's rules look at; the combiner evaluates the
# package only for lines that run one of them (keep it in step with the rules).
names := {"git", "hub"}

_cmd(i) := input.commands[i]

_wait := "Wait for the user to approve it, or ask them to run it."

# --- push -------------------------------------------------------------------

_pushes contains i if {
	some i in git.by_sub.push
	p := _cmd(i).git.push
	not p.dry_run
}

_dest(p) := "all branches" if p.all

_dest(p) := "every ref (mirror)" if {
	not p.all
	p.mirror
}

_dest(p) := concat(", ", p.branches) if {
	not p.all
	not p.mirror
	count(p.branches) > 0
}

_dest(p) := "the tags" if {
	not p.all
	not p.mirror
	count(p.branches) == 0
	p.tags
}

# No refspec and no known current branch (not in a repository, a detached
# HEAD): git pushes what push.default says, usually the current branch.
_dest(p) := "the current branch" if {
	not p.all
	not p.mirror
	count(p.branches) == 0
	not p.tags
}

_remote(p) := "the default remote" if p.remote == ""

_remote(p) := p.remote if p.remote != ""

hold contains reason.of("git.push", sprintf("git push to %s (%s) publishes commits outside this machine. %s Keep committing locally meanwhile.", [_remote(p), _dest(p), _wait]), "external", i) if {
	some i in _pushes
	p := _cmd(i).git.push
}

hold contains reason.of("git.push.force", sprintf("force push%s to %s rewrites remote history and can destroy others' commits. %s", [_lease(p), _dest(p), _wait]), "external", i) if {
	some i in _pushes
	p := _cmd(i).git.push
	_forced(p)
}

_forced(p) if p.force

_forced(p) if p.force_with_lease

_lease(p) := " (with lease)" if {
	p.force_with_lease
	not p.force
}

_lease(p) := "" if p.force

_lease(p) := "" if {
	not p.force
	not p.force_with_lease
}

hold contains reason.of("git.push.delete", sprintf("git push deletes remote branch %s. %s", [concat(", ", _deleted(p)), _wait]), "external", i) if {
	some i in _pushes
	p := _cmd(i).git.push
	p.delete
}

_deleted(p) := [r.dst | some r in p.refspecs; r.delete]

hold contains reason.of("git.push.mirror", sprintf("git push --mirror overwrites and deletes every ref on %s. %s", [_remote(p), _wait]), "external", i) if {
	some i in _pushes
	p := _cmd(i).git.push
	p.mirror
}

# --receive-pack/--exec name the program git runs for the remote side (locally,
# for a path or file:// remote): code given on the command line.
hold contains reason.of("git.push.exec", sprintf("git push %s runs a program named on the command line. %s", [f, _wait]), "opaque", i) if {
	some i in _pushes
	c := _cmd(i)
	some f in c.git.flags
	some o in {"--receive-pack", "--exec"}
	startswith(f, o)
}

hold contains reason.of("git.push.protected", sprintf("%s to protected branch %s. %s Push a feature branch and open a pull request instead.", [_kind(p), b, _wait]), "external", i) if {
	some i in _pushes
	p := _cmd(i).git.push
	some b in _protected_dests(p)
}

_protected_dests(p) := {b | some b in p.branches; git.protected(b)} if not _every_branch(p)

_protected_dests(p) := {b | some b in data.gatesh.config.settings.protected_branches} if _every_branch(p)

_every_branch(p) if p.all

_every_branch(p) if p.mirror

_kind(p) := "force push" if _forced(p)

_kind(p) := "push" if not _forced(p)

# --- discarding uncommitted work ----------------------------------------------

_discard := "Uncommitted changes would be lost for good. Commit or `git stash` them first, or wait for the user to approve."

hold contains reason.of("git.reset.hard", sprintf("git reset %s discards uncommitted changes. %s", [f, _discard]), "destructive", i) if {
	some i in git.by_sub.reset
	some f in ["--hard", "--merge", "--keep"]
	git.has(_cmd(i), f)
}

# git checkout: -f, paths after --, or a positional that is not a ref
hold contains reason.of("git.checkout.force", sprintf("git checkout -f overwrites local changes. %s", [_discard]), "destructive", i) if {
	some i in git.by_sub.checkout
	_co_force(_cmd(i))
}

_co_force(c) if git.has_v(c, "-f", "bBt")

_co_force(c) if git.has(c, "--force")

_co_force(c) if git.has(c, "--discard-changes")

hold contains reason.of("git.checkout.paths", sprintf("git checkout of files (%s) overwrites their uncommitted changes. %s", [concat(" ", _co_paths(c)), _discard]), "destructive", i) if {
	some i in git.by_sub.checkout
	c := _cmd(i)
	not git.creates_branch(c)
	not _resolves_conflict(c)
	count(_co_paths(c)) > 0
}

# --ours/--theirs/-m only apply to unmerged paths during a merge: they pick a side
# of a conflict, and `git checkout -m PATH` recreates the conflict, so nothing is
# lost for good.
_resolves_conflict(c) if {
	some f in c.git.flags
	f in {"--ours", "--theirs", "-m", "--merge"}
}

# everything after --, and positionals after a tree-ish, are paths
_co_paths(c) := array.concat(_co_pos_paths(c), c.git.pathspecs)

_co_pos_paths(c) := [] if {
	count(c.git.positionals) == 0
}

_co_pos_paths(c) := array.slice(ps, 1, count(ps)) if {
	ps := c.git.positionals
	count(ps) > 0
	_is_ref(c, ps[0])
}

_co_pos_paths(c) := ps if {
	ps := c.git.positionals
	count(ps) > 0
	not _is_ref(c, ps[0])
	not _branch_like(c, ps[0])
}

_co_pos_paths(c) := array.slice(ps, 1, count(ps)) if {
	ps := c.git.positionals
	count(ps) > 0
	not _is_ref(c, ps[0])
	_branch_like(c, ps[0])
}

# A first operand that is not a known ref is still a branch or commit, not a
# path, when --detach says so, when the line created it as a branch, or when it
# neither exists as a file nor looks like one (`git checkout task#011` switches
# to, or creates from origin, a branch; if there is none git fails, discarding
# nothing).
_branch_like(c, _) if git.has(c, "--detach")

_branch_like(_, name) if _created_in_line(name)

_branch_like(c, name) if not _file_like(c, name)

_file_like(_, name) if name in {".", ".."}

_file_like(_, name) if contains(name, "*")

_file_like(_, name) if regex.match(`\.[A-Za-z0-9_]+$`, name)

_file_like(_, name) if endswith(name, "/")

_file_like(c, name) if {
	some p in c.paths
	p.value == name
	p.exists
}

_created_in_line(name) if {
	some j in git.by_sub.branch
	name in input.commands[j].git.positionals
}

_created_in_line(name) if {
	some sub in {"checkout", "switch", "worktree"}
	some j in git.by_sub[sub]
	args := input.commands[j].git.args
	some k, a in args
	a in {"-b", "-B", "-c", "-C", "--orphan"}
	args[k + 1] == name
}

_is_ref(_, name) if name in {"-", "HEAD", "@", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD"}

_is_ref(_, name) if regex.match(`^(HEAD|@)?[~^][0-9~^]*$|^[0-9a-f]{7,40}([~^][0-9]*)*$|^(HEAD|@)[~^@{]`, name)

_is_ref(c, name) if {
	not name in {"-", "HEAD", "@", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD"}
	git.ref_exists(c, name)
}

hold contains reason.of("git.switch.force", sprintf("git switch --discard-changes/-f throws away local changes. %s", [_discard]), "destructive", i) if {
	some i in git.by_sub.switch
	c := _cmd(i)
	_sw_force(c)
}

_sw_force(c) if git.has_v(c, "-f", "cC")

_sw_force(c) if git.has(c, "--force")

_sw_force(c) if git.has(c, "--discard-changes")

hold contains reason.of("git.restore", sprintf("git restore overwrites uncommitted changes in the working tree. %s Use `git restore --staged` to only unstage.", [_discard]), "destructive", i) if {
	some i in git.by_sub.restore
	c := _cmd(i)
	not _staged_only(c)
}

_staged_only(c) if {
	_has_staged(c)
	not git.has(c, "--worktree")
	not git.has_v(c, "-W", "s")
}

_has_staged(c) if git.has(c, "--staged")

_has_staged(c) if git.has_v(c, "-S", "s")

hold contains reason.of("git.clean", sprintf("git clean -f deletes untracked files, which git cannot bring back. %s Run `git clean -n` to see what it would delete.", [_wait]), "destructive", i) if {
	some i in git.by_sub.clean
	c := _cmd(i)
	_clean_force(c)
	not git.has(c, "-n")
	not git.has(c, "--dry-run")
}

_clean_force(c) if git.has_v(c, "-f", "e")

_clean_force(c) if git.has(c, "--force")

hold contains reason.of("git.stash.drop", sprintf("git stash %s deletes stashed work. %s", [s, _wait]), "destructive", i) if {
	some i in git.by_sub.stash
	s := _cmd(i).git.positionals[0]
	s in {"drop", "clear"}
}

hold contains reason.of("git.branch.force_delete", sprintf("git branch -D deletes a branch even when its commits are not merged anywhere. %s Use `git branch -d` for merged branches.", [_wait]), "destructive", i) if {
	some i in git.by_sub.branch
	c := _cmd(i)
	_branch_force_delete(c)
}

_branch_force_delete(c) if git.has(c, "-D")

_branch_force_delete(c) if {
	_branch_delete(c)
	_branch_force(c)
}

_branch_delete(c) if git.has(c, "-d")

_branch_delete(c) if git.has(c, "--delete")

_branch_force(c) if git.has(c, "-f")

_branch_force(c) if git.has(c, "--force")

hold contains reason.of("git.worktree.force_remove", sprintf("git worktree remove --force deletes a worktree with uncommitted changes. %s", [_wait]), "destructive", i) if {
	some i in git.by_sub.worktree
	c := _cmd(i)
	c.git.positionals[0] in {"remove", "rm"}
	_wt_force(c)
}

_wt_force(c) if git.has(c, "--force")

_wt_force(c) if git.has(c, "-f")

# --- history and object deletion --------------------------------------------------

hold contains reason.of("git.history.rewrite", sprintf("git %s rewrites the repository's history. %s", [sub, _wait]), "destructive", i) if {
	some sub in {"filter-branch", "filter-repo"}
	some i in git.by_sub[sub]
}

hold contains reason.of("git.reflog.expire", sprintf("git reflog %s removes the safety net of recent history. %s", [s, _wait]), "destructive", i) if {
	some i in git.by_sub.reflog
	s := _cmd(i).git.positionals[0]
	s in {"expire", "delete"}
}

hold contains reason.of("git.update_ref.delete", sprintf("git update-ref -d deletes a ref. %s", [_wait]), "destructive", i) if {
	some i in git.by_sub["update-ref"]
	c := _cmd(i)
	_update_ref_delete(c)
}

_update_ref_delete(c) if git.has(c, "-d")

_update_ref_delete(c) if git.has(c, "--delete")

hold contains reason.of("git.gc.prune", sprintf("git gc --prune=now deletes unreachable commits for good. %s", [_wait]), "destructive", i) if {
	some i in git.by_sub.gc
	some f in _cmd(i).git.flags
	f in {"--prune=now", "--prune=all"}
}

# --- protected branches -----------------------------------------------------------

_protected_ops := {"commit", "merge", "rebase", "cherry-pick", "revert", "am", "reset"}

hold contains reason.of("git.protected_branch", sprintf("git %s on protected branch %s. %s Create a feature branch first (`git checkout -b my-change`).", [sub, b, _wait]), "external", i) if {
	some sub in _protected_ops
	some i in git.by_sub[sub]
	c := _cmd(i)
	not _harmless_on_protected(c, sub)
	b := git.branch_at(i)
	git.protected(b)
}

# reading a rebase/merge state or a soft/mixed reset of nothing does not move the branch
_harmless_on_protected(c, sub) if {
	sub in {"merge", "rebase", "cherry-pick", "revert", "am"}
	some f in c.git.flags
	f in {"--abort", "--quit", "--show-current-patch"}
}

_harmless_on_protected(c, "reset") if count(c.git.positionals) == 0

_harmless_on_protected(c, "reset") if count(c.git.pathspecs) > 0

# --- hooks and code-running config ----------------------------------------------

hold contains reason.of("git.no_verify", sprintf("git %s --no-verify skips the repository's hooks (tests, secret scans). %s Fix what the hook reports instead.", [c.git.subcommand, _wait]), "tamper", i) if {
	some i in cmds.by_name.git
	c := input.commands[i]
	c.git.no_verify
}

hold contains reason.of("git.no_verify", sprintf("git -c core.hooksPath=... disables the repository's hooks. %s", [_wait]), "tamper", i) if {
	some i in cmds.by_name.git
	c := input.commands[i]
	some k, _ in c.git.config
	k == "core.hookspath"
}

# git config KEY VALUE for keys that make git run code or skip hooks
hold contains reason.of("git.config.exec", sprintf("git config %s changes which code git runs (hooks, pagers, helpers, aliases). %s", [key, _wait]), "tamper", i) if {
	some i in git.by_sub.config
	c := _cmd(i)
	ps := c.git.positionals
	count(ps) >= 2
	key := lower(ps[0])
	_exec_key(key, ps[1])
}

_exec_key(key, _) if key in {"core.hookspath", "core.pager", "core.editor", "core.sshcommand", "core.fsmonitor", "core.askpass", "sequence.editor", "gpg.program", "credential.helper", "core.gitproxy", "diff.external", "merge.tool"}

_exec_key(key, _) if regex.match(`^(filter\..*\.(clean|smudge|process)|diff\..*\.(textconv|command)|merge\..*\.driver|pager\..*|credential\..*\.helper|remote\..*\.(uploadpack|receivepack)|url\..*\.insteadof)$`, key)

_exec_key(key, v) if {
	startswith(key, "alias.")
	startswith(v, "!")
}

# --- other ways to publish ---------------------------------------------------------------------

# git send-pack and git subtree push push too, under another name; hub is a git
# wrapper whose push is git push.
hold contains reason.of("git.push", sprintf("%s publishes commits outside this machine. %s Keep committing locally meanwhile.", [concat(" ", array.slice(c.argv, 0, 3)), _wait]), "external", i) if {
	some i in git.by_sub["send-pack"]
	c := _cmd(i)
}

hold contains reason.of("git.push", sprintf("git subtree push publishes commits outside this machine. %s Keep committing locally meanwhile.", [_wait]), "external", i) if {
	some i in git.by_sub.subtree
	c := _cmd(i)
	"push" in c.git.positionals
}

hold contains reason.of("git.push", sprintf("hub push publishes commits outside this machine. %s Keep committing locally meanwhile.", [_wait]), "external", i) if {
	some i in cmds.by_name.hub
	c := input.commands[i]
	"push" in argv.positionals(cmds.args(c), set())
}

# a git subcommand not known before it runs (git "$X", xargs git) could be push
hold contains reason.of("git.dynamic", sprintf("git %s: the git subcommand is not known before it runs. %s Spell the subcommand out.", [c.git.subcommand, _wait]), "opaque", i) if {
	some i in cmds.by_name.git
	c := input.commands[i]
	some j in c.dynamic
	j > 0
	c.argv[j] == c.git.subcommand
}

# --- moving a protected branch -----------------------------------------------------------------

# git branch -f main X, git checkout -B main X, git switch -C main X and
# git update-ref refs/heads/main X move a protected branch without a merge.
hold contains reason.of("git.protected_ref", sprintf("%s moves protected branch %s. %s Work on a feature branch instead.", [concat(" ", array.slice(c.argv, 0, 3)), b, _wait]), "external", i) if {
	some m in _moved_protected
	i := m[0]
	b := m[1]
	c := _cmd(i)
}

_moved_protected contains [i, b] if {
	some i in git.by_sub.branch
	c := _cmd(i)
	_branch_force(c)
	some b in c.git.positionals
	git.protected(b)
}

_moved_protected contains [i, b] if {
	some sub in {"checkout", "switch"}
	some i in git.by_sub[sub]
	args := _cmd(i).git.args
	some k, a in args
	a in {"-B", "-C", "--force-create"}
	b := args[k + 1]
	git.protected(b)
}

_moved_protected contains [i, b] if {
	some i in git.by_sub["update-ref"]
	c := _cmd(i)
	some r in c.git.positionals
	startswith(r, "refs/heads/")
	b := substring(r, count("refs/heads/"), -1)
	git.protected(b)
}

_branch_force(c) if git.has_v(c, "-f", "")

_branch_force(c) if git.has(c, "--force")

_branch_force(c) if git.has_v(c, "-M", "")

_branch_force(c) if git.has_v(c, "-C", "")

# git clone into the gate's own directories
deny contains reason.of("tamper.gate_write", sprintf("git clone would write into %s, which belongs to the gate that checks this shell. Commands may not modify the gate.", [p.abs]), "tamper", i) if {
	some i in git.by_sub.clone
	c := _cmd(i)
	count(c.git.positionals) > 1
	some p in c.paths
	p.value == c.git.positionals[1]
	tamper.gate_path(p.abs)
}

# git daemon serves repositories to the network
hold contains reason.of("git.daemon", sprintf("git daemon serves repositories to other machines. %s", [_wait]), "external", i) if {
	some i in git.by_sub.daemon
}
