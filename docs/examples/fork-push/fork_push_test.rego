# Outside data.gatesh.rules and data.gatesh.waivers on purpose: the combiner reads
# every package there, so a test package that asks for data.gatesh.decision must
# live elsewhere.
package fork_push_test

import rego.v1

import data.gatesh.lib.testing as t

# the decision of the whole policy (the shipped rules + this waiver) for one git
# command run in the test workspace /ws (branch feature/x; main and master are
# protected)
_dec(argv) := d if {
	d := data.gatesh.decision with input as t.line([t.cmd(argv)])
		with gatesh.git_ref_exists as t.ref_exists
}

_ids(d) := {r.id | some r in d.reasons}

test_feature_branch_allowed if {
	d := _dec(["git", "push", "origin", "feature/x"])
	d.action == "allow"
	d.reasons == []
}

test_set_upstream_allowed if _dec(["git", "push", "-u", "origin", "HEAD:feature/x"]).action == "allow"

test_implicit_branch_allowed if _dec(["git", "push", "origin"]).action == "allow"

test_force_still_held if {
	d := _dec(["git", "push", "-f", "origin", "feature/x"])
	d.action == "hold"
	"git.push.force" in _ids(d)
	"git.push" in _ids(d)
}

test_plus_refspec_still_held if "git.push.force" in _ids(_dec(["git", "push", "origin", "+feature/x"]))

test_lease_still_held if _dec(["git", "push", "--force-with-lease", "origin", "feature/x"]).action == "hold"

test_protected_still_held if {
	d := _dec(["git", "push", "origin", "main"])
	d.action == "hold"
	"git.push.protected" in _ids(d)
}

test_other_remote_held if _ids(_dec(["git", "push", "upstream", "feature/x"])) == {"git.push"}

test_implicit_remote_held if _dec(["git", "push"]).action == "hold"

test_delete_held if "git.push.delete" in _ids(_dec(["git", "push", "origin", ":feature/x"]))

test_tags_held if _dec(["git", "push", "origin", "--tags"]).action == "hold"

test_receive_pack_held if _dec(["git", "push", "--receive-pack=/tmp/x", "origin", "feature/x"]).action == "hold"

test_config_held if _dec(["git", "-c", "remote.origin.url=https://example.com/x.git", "push", "origin", "feature/x"]).action == "hold"

# the waiver names the command: a second push in the same line is judged alone
test_only_matching_command_waived if {
	d := data.gatesh.decision with input as t.line([
		t.cmd(["git", "push", "origin", "feature/x"]),
		t.cmd(["git", "push", "upstream", "feature/x"]),
	])
		with gatesh.git_ref_exists as t.ref_exists
	d.action == "hold"
	[r.cmd | some r in d.reasons] == [1]
}
