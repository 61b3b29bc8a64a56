package gatesh.rules.inject_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.inject

_h(cmds) := x if x := t.ids(inject.hold) with input as t.line(cmds)

test_prefix_assignment_held if "system.lib_injection" in _h([t.env(t.cmd(["git", "status"]), {"LD_PRELOAD": "/tmp/libevil.so"})])

test_export_held if {
	c := t.ext(t.cmd(["export", "DYLD_INSERT_LIBRARIES=/x"]), {"assigns": [{"name": "DYLD_INSERT_LIBRARIES", "value": "/x", "dynamic": false, "export": true}]})
	"system.lib_injection" in _h([c])
}

test_unexported_assignment_allowed if {
	c := t.ext(t.cmd(["true"]), {"assigns": [{"name": "LD_PRELOAD", "value": "/x", "dynamic": false, "export": false}]})
	count(_h([c])) == 0
}

test_harmless_dyld_variable_allowed if count(_h([t.env(t.cmd(["/tmp/m"]), {"DYLD_PRINT_APIS": "1"})])) == 0
