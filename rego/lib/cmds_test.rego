package gatesh.lib.cmds_test

import rego.v1

import data.gatesh.lib.cmds
import data.gatesh.lib.testing as t

# sed's w and e commands (and s///w, s///e) write files and run commands
# without -i: the parser lists them in code.effects, and such a sed is not
# read-only (sed -n 'w ~/.bashrc' f, sed '1e ls' f).
test_sed_code_effects_not_read_only if {
	not cmds.read_only(t.code(t.cmd(["sed", "-n", "w /home/u/.bashrc", "f"]), "sed", ["write"], ["/home/u/.bashrc"]))
	not cmds.read_only(t.code(t.cmd(["sed", "1e ls", "f"]), "sed", ["spawn"], []))
	not cmds.read_only(t.code(t.cmd(["sed", "s/x/y/w out", "f"]), "sed", ["write"], []))
}

test_sed_plain_read_only if {
	cmds.read_only(t.code(t.cmd(["sed", "-n", "1,20p", "f"]), "sed", [], []))
	cmds.read_only(t.cmd(["sed", "-n", "1,20p", "f"]))
	not cmds.read_only(t.code(t.cmd(["sed", "-i", "s/a/b/", "f"]), "sed", [], []))
	not cmds.read_only(t.code(t.cmd(["sed", "--in-pl", "s/a/b/", "f"]), "sed", [], []))
	not cmds.read_only(t.code(t.cmd(["sed", "--i", "s/a/b/", "f"]), "sed", [], []))
}

# awk -i inplace, print > file, system(): effects, so not read-only
test_awk_code_effects if {
	not cmds.read_only(t.code(t.cmd(["awk", "-i", "inplace", "{print}", "f"]), "awk", ["write"], ["/ws/f"]))
	not cmds.read_only(t.code(t.cmd(["awk", "BEGIN{system(\"ls\")}"]), "awk", ["spawn"], []))
	cmds.read_only(t.code(t.cmd(["awk", "{print $1}", "f"]), "awk", [], []))
	cmds.read_only(t.cmd(["awk", "{print}", "f"]))
}
