package gatesh.lib.testing

import rego.v1

# ids(set): the rule ids of a deny or hold set
ids(s) := {r.id | some r in s}

# mock for gatesh.git_ref_exists: these names are refs in every repository
refs := {"main", "master", "HEAD", "feature/x", "origin/main", "v1.0.0", "HEAD~1"}

ref_exists(_, name) if name in refs
