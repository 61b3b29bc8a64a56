# METADATA
# title: Secret globs
# description: >-
#   Matches paths against settings.secret_globs in Rego. The fact builder marks path
#   facts with the same answer (paths[j].secret); this is for other strings
#   (interpreter code paths) and for the unit tests' input constructors.
package gatesh.lib.secretglobs

import rego.v1

import data.gatesh.config
import data.gatesh.lib.paths

_includes := [paths.expand(g) | some g in config.settings.secret_globs; not startswith(g, "!")]

_excludes := [paths.expand(substring(g, 1, -1)) | some g in config.settings.secret_globs; startswith(g, "!")]

# match(abs): abs matches a secret glob and no exclusion
match(abs) if {
	abs != ""
	some g in _includes
	glob.match(g, ["/"], abs)
	not _excluded(abs)
}

_excluded(abs) if {
	some g in _excludes
	glob.match(g, ["/"], abs)
}
