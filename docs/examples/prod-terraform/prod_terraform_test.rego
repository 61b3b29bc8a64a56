# Outside data.gatesh.rules on purpose: the combiner evaluates every package under
# gatesh.rules, so a test package there that asks for data.gatesh.decision would
# be part of its own decision (a recursion error).
package prod_terraform_test

import rego.v1

# the shipped test helpers build inputs in the shape of docs/policy-input.md:
# workspace /ws on branch feature/x, home /home/u
import data.gatesh.lib.testing as t
import data.gatesh.rules.prod_terraform

_holds(argv, cwd) := ids if {
	ids := t.ids(prod_terraform.hold) with input as t.line([t.cmd_in(argv, cwd)])
}

test_plan_in_prod_held if "team.terraform.prod" in _holds(["terraform", "plan"], "/ws/envs/prod")

test_init_below_prod_held if "team.terraform.prod" in _holds(["tofu", "init"], "/ws/prod/network")

test_chdir_into_prod_held if "team.terraform.prod" in _holds(["terraform", "-chdir=envs/prod", "plan"], "/ws")

test_chdir_out_of_prod_allowed if count(_holds(["terraform", "-chdir=../staging", "plan"], "/ws/envs/prod")) == 0

test_staging_allowed if count(_holds(["terraform", "plan"], "/ws/envs/staging")) == 0

# "prod" must be a whole path component
test_product_dir_allowed if count(_holds(["terraform", "plan"], "/ws/products")) == 0

test_fmt_in_prod_allowed if count(_holds(["terraform", "fmt", "-recursive"], "/ws/envs/prod")) == 0

test_bare_in_prod_allowed if count(_holds(["terraform"], "/ws/envs/prod")) == 0

test_validate_in_prod_allowed if count(_holds(["terraform", "validate"], "/ws/envs/prod")) == 0

test_message_names_dir if {
	some r in prod_terraform.hold with input as t.line([t.cmd_in(["terraform", "plan"], "/ws/envs/prod")])
	contains(r.msg, "terraform plan runs against the production configuration in /ws/envs/prod")
	r.cmd == 0
	r.class == "external"
}

# through the whole policy (defaults + this rule): a held line of class external
test_decision_hold if {
	d := data.gatesh.decision with input as t.line([t.cmd_in(["terraform", "plan"], "/ws/envs/prod")])
	d.action == "hold"
	d.class == "external"
	"team.terraform.prod" in {r.id | some r in d.reasons}
}

test_decision_staging_allow if {
	d := data.gatesh.decision with input as t.line([t.cmd_in(["terraform", "plan"], "/ws/envs/staging")])
	d.action == "allow"
}
