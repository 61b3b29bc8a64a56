package gatesh.rules.tamper_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.tamper

_h(cmds) := x if x := t.ids(tamper.hold) with input as t.line(cmds)

_d(cmds) := x if x := t.ids(tamper.deny) with input as t.line(cmds)

test_gate_writes if {
	"tamper.gate_write" in _d([t.redir(t.cmd(["echo", "x"]), ">", "~/.config/gatesh/policy.rego")])
	"tamper.gate_write" in _d([t.cmd(["rm", "-rf", "/home/u/.local/state/gatesh"])])
	"tamper.gate_write" in _d([t.cmd(["ln", "-s", "/home/u/.config/gatesh", "/tmp/g"])])
	"tamper.gate_write" in _d([t.cmd(["sed", "-i", "s/a/b/", "/home/u/.config/gatesh/x.rego"])])
	count(_d([t.cmd(["cat", "/home/u/.config/gatesh/x.rego"])])) == 0
}

test_gatectl if {
	"tamper.gatectl" in _d([t.cmd(["gatectl", "approve", "3"])])
	"tamper.gatectl" in _d([t.cmd(["/usr/local/bin/gatectl", "serve"])])
	"tamper.gatectl" in _d([t.cmd(["gatectl"])])
	count(_d([t.cmd(["gatectl", "check", "--", "ls"])])) == 0
	count(_d([t.cmd(["gatectl", "--help"])])) == 0
}

test_env if {
	"tamper.env" in _d([t.env(t.cmd(["ls"]), {"GATESH_HOME": "/tmp/x"})])
	"tamper.env" in _d([t.ext(t.cmd(["export", "BASH_ENV=/tmp/x"]), {"assigns": [{"name": "BASH_ENV", "value": "/tmp/x", "dynamic": false, "export": true}]})])
	"tamper.env" in _d([t.cmd(["unset", "GATESH_SOCKET"])])
	count(_d([t.env(t.cmd(["ls"]), {"FOO": "1"})])) == 0
}

test_kill if {
	"tamper.kill" in _d([t.cmd(["pkill", "-f", "gatectl serve"])])
	"tamper.kill" in _d([t.cmd(["killall", "gatectl"])])
	count(_d([t.cmd(["pkill", "-f", "next dev"])])) == 0
}

test_holds if {
	"tamper.bind" in _h([t.cmd(["bind", "-x", "x"])])
	count(_h([t.cmd(["bind", "-p"])])) == 0
	"tamper.shell_startup" in _h([t.redir(t.cmd(["echo", "x"]), ">>", "~/.bashrc")])
	"tamper.shell_startup" in _h([t.cmd(["tee", "-a", "/etc/profile.d/x.sh"])])
	"tamper.harness" in _h([t.redir(t.cmd(["echo"]), ">", "~/.claude/shell-snapshots/s.sh")])
	"tamper.git_hooks" in _h([t.redir(t.cmd(["echo", "x"]), ">", ".git/hooks/pre-commit")])
	"tamper.ssh_keys" in _h([t.redir(t.cmd(["echo", "ssh-ed25519 AAA"]), ">>", "~/.ssh/authorized_keys")])
	count(_h([t.redir(t.cmd(["echo", "x"]), ">", "notes.md")])) == 0
}

test_removing_a_parent_of_the_gate_denied if {
	d := t.ids(tamper.deny) with input as t.line([t.cmd(["rm", "-rf", "/home/u/.config"])])
	"tamper.gate_write" in d
}

test_env_unset_gate_var_denied if {
	d := t.ids(tamper.deny) with input as t.line([t.cmd(["env", "-u", "GATESH_HOME", "bash"])])
	"tamper.env" in d
}

test_env_unset_other_var_allowed if {
	d := t.ids(tamper.deny) with input as t.line([t.cmd(["env", "-u", "PAGER", "git", "log"])])
	count(d) == 0
}

test_tar_extract_into_gate_denied if {
	d := t.ids(tamper.deny) with input as t.line([t.cmd(["tar", "-xzf", "p.tgz", "-C", "/home/u/.config/gatesh/policies"])])
	"tamper.gate_write" in d
}

test_unzip_into_gate_denied if {
	d := t.ids(tamper.deny) with input as t.line([t.cmd(["unzip", "-o", "p.zip", "-d", "/home/u/.config/gatesh"])])
	"tamper.gate_write" in d
}

test_tar_create_listing_gate_allowed if {
	d := t.ids(tamper.deny) with input as t.line([t.cmd(["tar", "-czf", "/tmp/b.tgz", "-C", "/home/u/.config/gatesh", "."])])
	count(d) == 0
}

# --- a harness's own snapshot capture may write its snapshot --------------------------

_snap := "/home/u/.claude/shell-snapshots/snapshot-bash-1764000000000-ab12cd.sh"

_capture(form, snapshot) := {"name": "claude-code", "form": form, "snapshot": snapshot, "sourced": ["/home/u/.bashrc"], "wrapper": ""}

_hh(cmds, harness) := x if x := t.ids(tamper.hold) with input as t.line_with(cmds, {"harness": harness})

test_capture_writes_its_snapshot if {
	count(_hh([t.redir(t.cmd(["echo", "# Snapshot file"]), ">|", _snap)], _capture("snapshot-capture", _snap))) == 0
	count(_hh([t.redir(t.cmd(["shopt", "-p"]), ">>", _snap)], _capture("snapshot-capture", _snap))) == 0
}

test_capture_other_path_held if {
	other := "/home/u/.claude/shell-snapshots/snapshot-bash-1764000000001-zz99zz.sh"
	"tamper.harness" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", other)], _capture("snapshot-capture", _snap))
	"tamper.harness" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", "/home/u/.claude/settings.json")], _capture("snapshot-capture", _snap))
	"tamper.shell_startup" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", "~/.bashrc")], _capture("snapshot-capture", _snap))

	# the snapshot itself is allowed, the other write in the same line is not
	ids := _hh(
		[t.redir(t.cmd(["echo", "x"]), ">>", _snap), t.redir(t.cmd(["echo", "y"]), ">", other)],
		_capture("snapshot-capture", _snap),
	)
	"tamper.harness" in ids

	# only writes: deleting or moving the snapshot is not part of a capture
	"tamper.harness" in _hh([t.cmd(["rm", _snap])], _capture("snapshot-capture", _snap))
}

test_capture_needs_the_form if {
	"tamper.harness" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", _snap)], _capture("", _snap))
	"tamper.harness" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", _snap)], _capture("claude-wrapper", _snap))
	"tamper.harness" in _h([t.redir(t.cmd(["echo", "x"]), ">>", _snap)])

	# an empty snapshot never matches a write whose path is unknown
	"tamper.harness" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", _snap)], _capture("snapshot-capture", ""))
}

_pc_assign := t.ext(t.cmd([]), {"assigns": [{"name": "PROMPT_COMMAND", "value": "export PS1=x", "dynamic": false, "export": false}]})

test_session_prompt_command_scalar_allowed if {
	not "tamper.env" in _ds("PROMPT_COMMAND='export PS1=x'", true)
	"tamper.env" in _ds("PROMPT_COMMAND[1]='export PS1=x'", true)
	"tamper.env" in _ds("PROMPT_COMMAND=('export PS1=x')", true)
	"tamper.env" in _ds("PROMPT_COMMAND+=('x')", true)
	"tamper.env" in _ds("PROMPT_COMMAND='export PS1=x'", false)
}

_ds(text, session) := x if {
	c := t.ext(t.cmd(["export", "PROMPT_COMMAND=export PS1=x"]), {"assigns": [{"name": "PROMPT_COMMAND", "value": "export PS1=x", "dynamic": false, "export": true}]})
	x := t.ids(tamper.deny) with input as object.union(t.line([c]), {"session": session, "text": text})
}

# --- the gate's directory under /tmp (make run's GATESH_HOME=/tmp/gatesh-run.X) ---
# Path facts come from the fact builder, which judges a glob by what it could
# match (internal/facts: zone, holds); these pin what the rules do with them.

_tmp_gate := {"paths": ["/tmp/gatesh-run.Ab12/config", "/tmp/gatesh-run.Ab12/state", "/tmp/gatesh-run.Ab12/run"]}

_glob_fact(v, zone, holds) := {
	"arg": 2, "value": v, "abs": v, "dynamic": false, "glob": true, "in_workspace": false,
	"is_workspace_root": false, "in_tmp": false, "is_tmp_root": false, "in_home": false,
	"is_home": false, "is_root": false, "in_git_dir": false, "exists": true, "secret": false,
	"secret_dir": false, "zone": zone, "holds": holds,
}

_d_gate(c) := x if x := t.ids(tamper.deny) with input as t.line_with([c], {"gate": _tmp_gate})

test_glob_into_gate_state if {
	c := t.ext(t.cmd(["rm", "-rf", "/tmp/gatesh-run.*/state"]), {"paths": [_glob_fact("/tmp/gatesh-run.*/state", "gate", [])]})
	"tamper.gate_write" in _d_gate(c)
}

test_glob_above_gate if {
	c := t.ext(t.cmd(["rm", "-rf", "/tmp/gatesh-run.*"]), {"paths": [_glob_fact("/tmp/gatesh-run.*", "tmp", ["gate"])]})
	"tamper.gate_write" in _d_gate(c)
}

test_literal_gate_under_tmp if {
	"tamper.gate_write" in _d_gate(t.cmd(["rm", "-rf", "/tmp/gatesh-run.Ab12"]))
	"tamper.gate_write" in _d_gate(t.cmd(["rm", "-rf", "/tmp/gatesh-run.Ab12/state/log.jsonl"]))
}

test_scratch_glob_not_gate if {
	c := t.ext(t.cmd(["rm", "-rf", "/tmp/build-*"]), {"paths": [object.union(_glob_fact("/tmp/build-*", "tmp", []), {"in_tmp": true})]})
	count(_d_gate(c)) == 0
}
