# Hold every terraform/tofu/terragrunt command that works on a production
# configuration: a directory with a path component named "prod" (envs/prod,
# prod/network, ...). Even `plan` and `init` there read production state with
# production credentials, and `init -migrate-state` or a stuck lock can hurt it.
# The shipped rule infra.terraform already holds apply/destroy/import/... anywhere;
# this adds the rest of the commands, in prod only.
package gatesh.rules.prod_terraform

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.paths

_tools := {"terraform", "tofu", "terragrunt"}

# the guard: the combiner evaluates this package only for lines that run one of
# these commands
names := _tools

# subcommands that never touch state, the backend or a provider
_offline := {"", "fmt", "validate", "version", "-version", "--version", "-help", "--help", "-h"}

hold contains {
	"id": "team.terraform.prod",
	"msg": sprintf("%s %s runs against the production configuration in %s, with production state and credentials. Wait for the user to approve it, or try the change in a non-production environment (envs/staging) first.", [c.name, sub, dir]),
	"class": "external",
	"cmd": i,
} if {
	some name in _tools
	some i in cmds.by_name[name] # index lookup, not a scan of input.commands
	c := input.commands[i]
	dir := _dir(c)
	"prod" in split(dir, "/")
	sub := _sub(c)
	not sub in _offline
}

# the directory terraform works in: -chdir=DIR (relative to the cwd), else the cwd
_dir(c) := paths.resolve(substring(w, count("-chdir="), -1), c.cwd) if {
	some w in cmds.args(c)
	startswith(w, "-chdir=")
} else := c.cwd

# the subcommand: the first word that is not an option ("" for a bare `terraform`,
# which only prints help)
_sub(c) := ps[0] if {
	ps := argv.positionals(cmds.args(c), set())
	count(ps) > 0
} else := ""
