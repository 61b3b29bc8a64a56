package settings_test

import rego.v1

import data.gatesh.config
import data.gatesh.lib.testing as t

_dec(cmds) := d if {
	d := data.gatesh.decision with input as t.line(cmds)
		with gatesh.git_ref_exists as t.ref_exists
}

_ids(d) := {r.id | some r in d.reasons}

test_merged_settings if {
	config.settings.protected_branches == ["main", "master", "develop"]
	"**/.env" in config.settings.secret_globs # the defaults are kept
	"**/secrets/*.yaml" in config.settings.secret_globs
	config.settings.hold_wait == 90 # keys not set keep their default
}

# git.protected_branch is of class external, so class_action turns it into a deny
test_commit_on_develop_denied if {
	# t.cmd says the repository is on feature/x: set the command's git.branch too
	commit := t.ext(t.cmd(["git", "commit", "-m", "wip"]), {"git": {"branch": "develop"}})
	d := _dec([commit]) with input.workspace.branch as "develop"
	d.action == "deny"
	"git.protected_branch" in _ids(d)
}

test_commit_on_feature_allowed if _dec([t.cmd(["git", "commit", "-m", "wip"])]).action == "allow"

test_decrypted_secret_held if {
	d := _dec([t.cmd(["cat", "deploy/secrets/prod.yaml"])])
	d.action == "hold"
	d.class == "secret"
}

test_encrypted_secret_allowed if _dec([t.cmd(["cat", "deploy/secrets/prod.enc.yaml"])]).action == "allow"

test_default_secret_still_held if _dec([t.cmd(["cat", ".env"])]).action == "hold"

test_push_denied if {
	d := _dec([t.cmd(["git", "push", "origin", "feature/x"])])
	d.action == "deny"
	d.class == "external"
}

# other classes keep their action
test_destructive_still_held if _dec([t.cmd(["git", "reset", "--hard"])]).action == "hold"
