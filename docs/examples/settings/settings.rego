# Settings for a team repository, as a Rego package (the same keys can be set in
# a data.json: {"gatesh": {"settings": {...}}}). A key set here replaces the
# shipped default of that key as a whole, so a list that should keep the
# defaults is built from data.gatesh.config.default_settings.
package gatesh.settings

import rego.v1

import data.gatesh.config

# Exact branch names (no globs): commits, merges, rebases and pushes there are held.
protected_branches := ["main", "master", "develop"]

# The shipped secret globs, plus the team's decrypted SOPS files; the encrypted
# ones (*.enc.yaml) may be read. "!" entries exclude what they match.
secret_globs := array.concat(config.default_settings.secret_globs, [
	"**/secrets/*.yaml",
	"!**/secrets/*.enc.yaml",
])

# Nothing that changes state outside this machine (push, publish, deploy, cloud,
# database and network writes, mail) may run from the agent's shell, not even
# with the user's approval: such holds become denies.
class_action := {"external": "deny"}
