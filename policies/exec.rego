# METADATA
# title: Programs at exec
# description: >-
#   Judges what only the exec gate sees (input.mode == "exec"): a program a gated
#   process tree is about to start that cannot be named (an exec of a memfd or a
#   descriptor, fexecve, or an argument list too large to read) is held as opaque
#   code, since what would run cannot be checked. Every other exec is judged by the
#   line's rules, as the one-command line its argv makes. The package has no guard:
#   such an exec may have no command name and no line feature to be guarded by.
# custom:
#   class: opaque
#   rules:
#     - opaque.exec-unnamed
package gatesh.rules.exec

import rego.v1

hold contains {"id": "opaque.exec-unnamed", "msg": sprintf("Held: a program that cannot be named is about to start (%s), so what would run cannot be checked. Wait for the user to approve it, or run the program from a file on disk with a shorter argument list.", [_what]), "class": "opaque"} if {
	input.mode == "exec"
	input.exec.opaque == true
}

_what := sprintf("under `%s`: an exec of an in-memory file or a descriptor, or an argument list too large to read", [substring(input.exec.line, 0, 120)]) if input.exec.line != ""

_what := "an exec of an in-memory file or a descriptor, or an argument list too large to read" if input.exec.line == ""
