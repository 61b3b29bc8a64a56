# METADATA
# title: Costly facts
# description: >-
#   The only place that calls gatesh's custom built-in functions (facts that cost a
#   process: git refs, tracked, ignored and dirty files). Tests replace them with
#   `with gatesh.git_ref_exists as mock`.
package gatesh.lib.facts

import rego.v1

ref_exists(dir, name) := gatesh.git_ref_exists(dir, name)

tracked(abs) := gatesh.git_tracked(abs)

ignored(abs) := gatesh.git_ignored(abs)

dirty(dir) := gatesh.git_dirty(dir)
