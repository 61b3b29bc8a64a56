package gatesh.rules.exec_test

import rego.v1

import data.gatesh.lib.testing
import data.gatesh.rules.exec

_exec(e) := {"mode": "exec", "text": "''", "cwd": "/w", "commands": [], "opaque": [], "exec": object.union({"path": "", "resolved": "", "argv": [], "identity": "", "chain": ["python3"], "line": "python3 x.py", "opaque": false}, e)}

test_unnamed_exec_held if {
	"opaque.exec-unnamed" in testing.ids(exec.hold) with input as _exec({"opaque": true})
}

test_unnamed_exec_message_names_the_line if {
	some r in exec.hold with input as _exec({"opaque": true})
	contains(r.msg, "python3 x.py")
	r.class == "opaque"
}

test_unnamed_exec_without_line if {
	some r in exec.hold with input as _exec({"opaque": true, "line": ""})
	contains(r.msg, "in-memory")
}

test_named_exec_not_held if {
	count(exec.hold) == 0 with input as _exec({"path": "/bin/true", "resolved": "/usr/bin/true", "argv": ["true"]})
}

test_line_not_held if {
	count(exec.hold) == 0 with input as {"mode": "command", "text": "ls", "exec": null, "commands": [], "opaque": []}
}

test_opaque_flag_outside_exec_mode_ignored if {
	count(exec.hold) == 0 with input as object.union(_exec({"opaque": true}), {"mode": "command"})
}
