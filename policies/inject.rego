# METADATA
# title: Library injection
# description: >-
#   Judges variables of the dynamic loader (LD_PRELOAD, LD_LIBRARY_PATH,
#   DYLD_INSERT_LIBRARIES, ...) set on a command or exported: they load other code
#   into every program started after them, so they are held as privileged. Any
#   command can carry them, so the package is guarded by the line feature env, not
#   by command names.
# custom:
#   class: privileged
#   rules:
#     - system.lib_injection
package gatesh.rules.inject

import rego.v1

import data.gatesh.lib.reason

_wait := "Wait for the user to approve it, or ask them to run it themselves."

_inject_var(k) if regex.match(`^(LD_PRELOAD|LD_AUDIT|LD_LIBRARY_PATH|DYLD_(INSERT_LIBRARIES|LIBRARY_PATH|FALLBACK_LIBRARY_PATH|FRAMEWORK_PATH|FALLBACK_FRAMEWORK_PATH|ROOT_PATH|IMAGE_SUFFIX|VERSIONED_LIBRARY_PATH|VERSIONED_FRAMEWORK_PATH|SHARED_REGION))$`, k)

hold contains reason.of("system.lib_injection", sprintf("%s=%s loads other code into every program the command starts. %s", [k, v, _wait]), "privileged", i) if {
	some i, c in input.commands
	some k, v in c.env
	_inject_var(k)
}

hold contains reason.of("system.lib_injection", sprintf("setting %s loads other code into every later program. %s", [a.name, _wait]), "privileged", i) if {
	some i, c in input.commands
	some a in c.assigns
	_inject_var(a.name)
	a.export
}

# Guard: evaluated only for lines with an environment assignment or an export.
features := {"env"}
