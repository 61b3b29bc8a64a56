package gatesh.rules.git_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.git

_h(argv) := x if {
	x := t.ids(git.hold) with input as t.line([t.cmd(argv)])
		with gatesh.git_ref_exists as t.ref_exists
}

_hl(cmds) := x if {
	x := t.ids(git.hold) with input as t.line(cmds)
		with gatesh.git_ref_exists as t.ref_exists
}

test_push_any if "git.push" in _h(["git", "push", "origin", "feature-branch"])

test_push_implicit if "git.push" in _h(["git", "push"])

test_push_dry_run_allowed if count(_h(["git", "push", "--dry-run"])) == 0

test_push_force_eq_true if {
	h := _h(["git", "push", "--force=true", "origin", "main"])
	"git.push.force" in h
	"git.push.protected" in h
}

test_push_plus_refspec if "git.push.force" in _h(["git", "push", "origin", "+feature/x"])

test_push_lease if "git.push.force" in _h(["git", "push", "--force-with-lease", "origin", "main"])

test_push_delete_colon if {
	h := _h(["git", "push", "origin", ":main"])
	"git.push.delete" in h
	"git.push.protected" in h
}

test_push_delete_flag if "git.push.delete" in _h(["git", "push", "-d", "origin", "feature"])

test_push_mirror if {
	h := _h(["git", "push", "--mirror"])
	"git.push.mirror" in h
	"git.push.protected" in h
}

test_push_all if "git.push.protected" in _h(["git", "push", "--all"])

test_push_tags if "git.push" in _h(["git", "push", "--tags"])

test_push_full_refspec if "git.push.protected" in _h(["git", "push", "origin", "HEAD:refs/heads/main"])

test_push_abs_path if "git.push.force" in _h(["/usr/bin/git", "-C", "/some/repo", "push", "-f"])

test_push_via_wrapper if "git.push" in _hl([t.cmd(["timeout", "5", "git", "push"]), t.ext(t.cmd(["git", "push"]), {"via": [t.wrapper("timeout")]})])

test_reset_hard if "git.reset.hard" in _h(["git", "reset", "--hard"])

test_reset_merge if "git.reset.hard" in _h(["git", "-c", "foo=bar", "reset", "--merge"])

test_reset_mixed_allowed if count(_h(["git", "reset", "HEAD~1"])) == 0

test_reset_bare_allowed if count(_h(["git", "reset"])) == 0

test_checkout_new_branch_allowed if count(_h(["git", "checkout", "-b", "feature/one"])) == 0

test_checkout_branch_allowed if count(_h(["git", "checkout", "main"])) == 0

test_checkout_prev_allowed if count(_h(["git", "checkout", "-"])) == 0

test_checkout_file if "git.checkout.paths" in _h(["git", "checkout", "setup.py", "tox.ini"])

test_checkout_dashdash if "git.checkout.paths" in _h(["git", "checkout", "--", "."])

test_checkout_dashdash_f if "git.checkout.paths" in _h(["git", "checkout", "--", "-f"])

test_checkout_head_file if "git.checkout.paths" in _h(["git", "checkout", "HEAD", "file.txt"])

test_checkout_sha_file if "git.checkout.paths" in _h(["git", "checkout", "abc1234", "--", "x.py"])

test_checkout_force_with_b if "git.checkout.force" in _h(["git", "checkout", "-f", "-b", "new-branch"])

test_checkout_force_long if "git.checkout.force" in _h(["git", "checkout", "--force", "main"])

test_checkout_origin_dwim_allowed if count(_h(["git", "checkout", "main"])) == 0

test_switch_force if "git.switch.force" in _h(["git", "-C", "repo", "switch", "-f", "main"])

test_switch_discard if "git.switch.force" in _h(["git", "switch", "--discard-changes", "main"])

test_switch_create_allowed if count(_h(["git", "switch", "-c", "new"])) == 0

test_restore if "git.restore" in _h(["git", "restore", "file.txt"])

test_restore_staged_allowed if count(_h(["git", "restore", "--staged", "file.txt"])) == 0

test_restore_staged_worktree if "git.restore" in _h(["git", "restore", "--staged", "--worktree", "f"])

test_clean_fd if "git.clean" in _h(["git", "clean", "-fd"])

test_clean_fdx if "git.clean" in _h(["git", "clean", "-xdf"])

test_clean_force_long if "git.clean" in _h(["git", "clean", "--force"])

test_clean_dry_allowed if count(_h(["git", "clean", "-ndx"])) == 0

test_clean_n_allowed if count(_h(["git", "clean", "-n"])) == 0

test_stash_drop if "git.stash.drop" in _h(["git", "stash", "drop"])

test_stash_clear if "git.stash.drop" in _h(["git", "stash", "clear"])

test_stash_pop_allowed if count(_h(["git", "stash", "pop"])) == 0

test_stash_push_allowed if count(_h(["git", "stash", "push", "-m", "wip"])) == 0

test_branch_D if "git.branch.force_delete" in _h(["git", "branch", "-D", "feature-branch"])

test_branch_delete_force if "git.branch.force_delete" in _h(["git", "branch", "--delete", "--force", "x"])

test_branch_d_allowed if count(_h(["git", "branch", "-d", "merged"])) == 0

test_worktree_force if "git.worktree.force_remove" in _h(["git", "worktree", "remove", "test-worktree", "--force"])

test_worktree_f if "git.worktree.force_remove" in _h(["git", "worktree", "remove", "-f", "wt"])

test_filter_branch if "git.history.rewrite" in _h(["git", "filter-branch", "--tree-filter", "rm -f x", "HEAD"])

test_reflog_expire if "git.reflog.expire" in _h(["git", "reflog", "expire", "--expire=now", "--all"])

test_update_ref_delete if "git.update_ref.delete" in _h(["git", "update-ref", "-d", "refs/heads/x"])

test_update_ref_delete_long if "git.update_ref.delete" in _h(["git", "update-ref", "--delete", "refs/heads/x"])

test_gc_prune if "git.gc.prune" in _h(["git", "gc", "--prune=now"])

test_commit_feature_allowed if count(_h(["git", "commit", "-m", "fix rm -rf detection"])) == 0

test_commit_protected if {
	h := t.ids(git.hold) with input as t.line_on([t.ext(t.cmd(["git", "commit", "-m", "x"]), {"git": {"branch": "main"}})], "main")
	"git.protected_branch" in h
}

test_commit_after_checkout_main if "git.protected_branch" in _hl([t.cmd(["git", "checkout", "main"]), t.cmd(["git", "merge", "feature/x"])])

test_commit_after_checkout_b_allowed if count(_hl([t.cmd(["git", "checkout", "-b", "topic"]), t.cmd(["git", "commit", "-m", "x"])])) == 0

test_rebase_abort_on_main_allowed if count(_hl([t.cmd(["git", "checkout", "main"]), t.cmd(["git", "rebase", "--abort"])])) == 0

test_reset_paths_on_main_allowed if count(_hl([t.cmd(["git", "checkout", "main"]), t.cmd(["git", "reset", "--", "f"])])) == 0

test_reset_bare_on_main_allowed if count(_hl([t.cmd(["git", "checkout", "main"]), t.cmd(["git", "reset"])])) == 0

test_no_verify if "git.no_verify" in _h(["git", "commit", "--no-verify", "-m", "test"])

test_commit_n if "git.no_verify" in _h(["git", "commit", "-n", "-m", "skip hooks"])

test_hooks_path_c if "git.no_verify" in _h(["git", "-c", "core.hooksPath=/dev/null", "commit", "-m", "x"])

test_config_hooks if "git.config.exec" in _h(["git", "config", "core.hooksPath", "/dev/null"])

test_config_alias_bang if "git.config.exec" in _h(["git", "config", "alias.x", "!rm -rf ~"])

test_config_filter if "git.config.exec" in _h(["git", "config", "filter.x.clean", "sh"])

test_config_user_allowed if count(_h(["git", "config", "user.name", "Bot"])) == 0

test_read_only_allowed if {
	count(_h(["git", "status"])) == 0
	count(_h(["git", "log", "--oneline", "-10"])) == 0
	count(_h(["git", "diff", "--stat", "HEAD~3..HEAD"])) == 0
	count(_h(["git", "add", "reset", "--hard"])) == 0
	count(_h(["git", "fetch", "--all"])) == 0
	count(_h(["git", "pull", "origin", "main"])) == 0
	count(_h(["git", "tag", "v1.0.0"])) == 0
	count(_h(["git", "commit", "--amend", "--no-edit"])) == 0
	count(_h(["git", "help", "reset"])) == 0
}

# a first operand that is neither a ref nor file-like switches branches (or fails)
test_checkout_unknown_branch_name_allowed if count(_h(["git", "checkout", "task#011"])) == 0

test_checkout_detach_allowed if count(_h(["git", "checkout", "--detach", "origin/main"])) == 0

test_checkout_file_like_held if "git.checkout.paths" in _h(["git", "checkout", "setup.py"])

test_checkout_dir_slash_held if "git.checkout.paths" in _h(["git", "checkout", "src/"])

test_checkout_dot_held if "git.checkout.paths" in _h(["git", "checkout", "."])

test_checkout_branch_created_in_line_allowed if {
	h := _hl([t.cmd(["git", "branch", "t2"]), t.cmd(["git", "checkout", "t2"])])
	count(h) == 0
}

test_checkout_tree_ish_then_path_held if "git.checkout.paths" in _h(["git", "checkout", "feat", "notes"])

test_checkout_ours_resolves_conflict_allowed if count(_h(["git", "checkout", "--ours", "package.json"])) == 0

test_checkout_theirs_resolves_conflict_allowed if count(_h(["git", "checkout", "--theirs", "--", "src/a.ts"])) == 0

test_push_receive_pack_held if "git.push.exec" in _h(["git", "push", "--receive-pack=/tmp/x", "origin", "feature/x"])

test_send_pack_held if "git.push" in _h(["git", "send-pack", "../other", "main"])

test_subtree_push_held if "git.push" in _h(["git", "subtree", "push", "--prefix=docs", "origin", "gh-pages"])

test_hub_push_held if {
	h := t.ids(git.hold) with input as t.line([t.cmd(["hub", "push"])])
	"git.push" in h
}

test_dynamic_subcommand_held if "git.dynamic" in _h(["git", "$SUB", "origin"])

test_branch_force_protected_held if "git.protected_ref" in _h(["git", "branch", "-f", "main", "HEAD~3"])

test_checkout_force_create_protected_held if "git.protected_ref" in _h(["git", "checkout", "-B", "main", "origin/main"])

test_update_ref_protected_held if "git.protected_ref" in _h(["git", "update-ref", "refs/heads/main", "HEAD~3"])

test_branch_force_feature_allowed if not "git.protected_ref" in _h(["git", "branch", "-f", "feature/y", "HEAD~1"])

test_clone_into_gate_denied if {
	d := t.ids(git.deny) with input as t.line([t.cmd(["git", "clone", "https://x.example/p", "/home/u/.config/gatesh/policies/r"])])
	"tamper.gate_write" in d
}

test_clone_into_workspace_allowed if {
	d := t.ids(git.deny) with input as t.line([t.cmd(["git", "clone", "https://x.example/p", "vendor/p"])])
	count(d) == 0
}

test_git_daemon_held if "git.daemon" in _h(["git", "daemon", "--export-all", "--base-path=."])

# An implicit push where the current branch is unknown (outside a repository, a
# detached HEAD) names the current branch, not the tags.
_push_msg(c) := m if {
	some r in git.hold with input as t.line([c])
		with gatesh.git_ref_exists as t.ref_exists
	r.id == "git.push"
	m := r.msg
}

test_push_implicit_names_current_branch if {
	c := object.union(t.cmd(["git", "push", "x"]), {"git": {"push": {"branches": []}}})
	contains(_push_msg(c), "(the current branch)")
}

test_push_tags_names_tags if {
	c := object.union(t.cmd(["git", "push", "--tags", "x"]), {"git": {"push": {"branches": []}}})
	contains(_push_msg(c), "(the tags)")
}
