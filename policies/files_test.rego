package gatesh.rules.files_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.files

_h(cmds) := x if x := t.ids(files.hold) with input as t.line(cmds)

_d(cmds) := x if x := t.ids(files.deny) with input as t.line(cmds)

_ok(cmds) if {
	count(_h(cmds)) == 0
	count(_d(cmds)) == 0
}

test_rm_root_denied if "files.rm.catastrophic" in _d([t.cmd(["rm", "-rf", "/"])])

test_rm_home_split_flags if "files.rm.catastrophic" in _d([t.cmd(["rm", "-r", "-f", "~"])])

test_rm_fr_home_glob if "files.rm.catastrophic" in _d([t.cmd(["rm", "-fr", "~/*"])])

test_rm_root_glob if "files.rm.catastrophic" in _d([t.cmd(["rm", "-rf", "/*"])])

test_rm_etc if "files.rm.catastrophic" in _d([t.cmd(["/usr/bin/rm", "--recursive", "--force", "/etc"])])

test_rm_dotdot_escape if "files.rm.catastrophic" in _d([t.cmd(["rm", "-rf", "/tmp/../etc"])])

test_rm_other_home if "files.rm.catastrophic" in _d([t.cmd(["rm", "-rf", "/c/Users/harih"])])

test_rm_etc_glob if "files.rm.catastrophic" in _d([t.cmd(["rm", "-rf", "/etc/*"])])

test_rm_via_sudo if "files.rm.catastrophic" in _d([t.cmd(["sudo", "rm", "-rf", "/"]), t.ext(t.cmd(["rm", "-rf", "/"]), {"via": [t.wrapper("sudo")]})])

test_rm_outside if "files.rm.outside" in _h([t.cmd(["rm", "-rf", "/some/path"])])

test_rm_ssh_key if "files.rm.outside" in _h([t.cmd(["rm", "~/.ssh/id_rsa"])])

test_rm_nonrecursive_etc if "files.rm.outside" in _h([t.cmd(["rm", "/etc/passwd"])])

test_mv_out_of_etc if "files.rm.outside" in _h([t.cmd(["mv", "/etc/hosts", "./hosts"])])

test_rm_dynamic if "files.rm.dynamic" in _h([t.cmd(["rm", "-rf", "$TARGET"])])

test_rm_xargs if "files.rm.dynamic" in _h([t.cmd(["echo", "/"]), t.ext(t.cmd(["rm", "-rf"]), {"via": [t.via("xargs", "xargs")], "pipe_from": [0]})])

test_rm_xargs_plain_allowed if _ok([t.ext(t.cmd(["rm", "-f", "/tmp/test"]), {"via": [t.via("xargs", "xargs")]})])

test_rm_find_exec_braces_allowed if _ok([t.ext(t.cmd(["rm", "$X"]), {"via": [t.via("find", "find")]})])

test_rm_star if "files.rm.workspace_root" in _h([t.cmd(["rm", "-rf", "*"])])

test_rm_dot if "files.rm.workspace_root" in _h([t.cmd(["rm", "-rf", "."])])

test_rm_star_o_allowed if _ok([t.cmd(["rm", "-f", "*.o"])])

test_rm_git_dir if "files.rm.git_dir" in _h([t.cmd(["rm", "-rf", ".git"])])

test_rm_tmp_root if "files.rm.tmp_root" in _h([t.cmd(["rm", "-rf", "/tmp"])])

test_rm_everyday_allowed if {
	_ok([t.cmd(["rm", "-rf", "node_modules"])])
	_ok([t.cmd(["rm", "-rf", "build/"])])
	_ok([t.cmd(["rm", "-rf", "src"])])
	_ok([t.cmd(["rm", "file.txt"])])
	_ok([t.cmd(["rmdir", "empty_folder"])])
	_ok([t.cmd(["/bin/rm", "-rf", "/tmp/test-dir"])])
	_ok([t.cmd(["rm", "-r", "directory"])])
}

test_remote_relative_rm_allowed if _ok([t.ext(t.cmd_in(["rm", "-f", "config.mak"], "/home/u/proj"), {"via": [t.via("remote", "ssh")]})])

test_remote_abs_rm_held if "files.rm.outside" in _h([t.ext(t.cmd(["rm", "-rf", "/opt/janet"]), {"via": [t.via("remote", "ssh")]})])

test_find_delete_all if "files.find.delete_all" in _h([t.cmd(["find", ".", "-delete", "-name", "file.txt"])])

test_find_delete_pyc_allowed if _ok([t.cmd(["find", ".", "-name", "*.pyc", "-delete"])])

test_find_delete_outside if "files.find.delete_outside" in _h([t.cmd(["find", "/var/data", "-name", "*.log", "-delete"])])

test_find_exec_rm_outside if "files.find.delete_outside" in _h([t.cmd(["find", "-L", "/srv", "-type", "f", "-exec", "rm", "{}", ";"])])

test_find_fprint if "files.write.outside" in _h([t.cmd(["find", ".", "-fprint", "/etc/passwd"])])

test_write_device if "files.write.device" in _d([t.cmd(["dd", "if=/dev/zero", "of=/dev/sda", "bs=1M"])])

test_redirect_device if "files.write.device" in _d([t.redir(t.cmd(["echo", "x"]), ">", "/dev/nvme0n1")])

test_redirect_etc if "files.write.outside" in _h([t.redir(t.cmd(["echo", "malicious"]), ">", "/etc/passwd")])

test_redirect_syslog if "files.write.outside" in _h([t.redir(t.cmd([":"]), ">", "/var/log/syslog")])

test_cp_usr_bin if "files.write.outside" in _h([t.cmd(["cp", "malware", "/usr/bin/"])])

test_cp_dist_home if "files.write.outside" in _h([t.cmd(["cp", "-r", "dist/*", "/home/chris/plugins/x/"])])

test_cp_t if "files.write.outside" in _h([t.cmd(["cp", "-t", "/opt/x", "a", "b"])])

test_cp_t_eq if "files.write.outside" in _h([t.cmd(["cp", "--target-directory=/opt/x", "a"])])

test_sed_outside if "files.write.outside" in _h([t.cmd_in(["sed", "-i", "s/a/b/", "x.py"], "/testbed")])

test_sed_workspace_allowed if _ok([t.cmd(["sed", "-i", "/DEBUG:/d", "pylint/lint.py"])])

test_sed_e_outside if "files.write.outside" in _h([t.cmd(["sed", "-i", "-e", "s/a/b/", "/etc/hosts"])])

# GNU sed takes --in-place by any unambiguous prefix (getopt_long)
test_sed_in_place_prefix_outside if {
	"files.write.outside" in _h([t.cmd(["sed", "--i", "s/a/b/", "/etc/hosts"])])
	"files.write.outside" in _h([t.cmd(["sed", "--in-pl", "s/a/b/", "/etc/hosts"])])
	"files.write.outside" in _h([t.cmd(["sed", "--in-place=.bak", "s/a/b/", "/etc/hosts"])])
	"files.write.outside" in _h([t.cmd(["sed", "--expr=s/a/b/", "--i", "/etc/hosts"])])
}

test_sed_other_long_not_in_place if _ok([t.cmd(["sed", "--quiet", "--ix", "1p", "/etc/hosts"])])

test_perl_i if "files.write.outside" in _h([t.cmd(["perl", "-pi", "-e", "s/a/b/", "/etc/hosts"])])

test_tee_outside if "files.write.outside" in _h([t.cmd(["tee", "-a", "/home/u/notes"])])

test_curl_o_outside if "files.write.outside" in _h([t.cmd(["curl", "-o", "/usr/local/bin/x", "https://x"])])

test_curl_output_eq if "files.write.outside" in _h([t.cmd(["curl", "--output=/opt/y", "https://x"])])

test_wget_O if "files.write.outside" in _h([t.cmd(["wget", "-O", "/opt/z", "https://x"])])

test_rsync_delete_outside if {
	h := _h([t.cmd(["rsync", "-a", "--delete", "/src/", "/dest/"])])
	"files.rm.outside" in h
}

test_write_dynamic if "files.write.dynamic" in _h([t.redir(t.cmd(["echo", "x"]), ">", "$OUT")])

test_touch_system if "files.write.system" in _h([t.cmd(["touch", "/etc/cron.d/x"])])

test_mkdir_home_allowed if _ok([t.cmd(["mkdir", "-p", "/home/u/other/dir"])])

test_chmod_R_outside if "files.chmod.outside" in _h([t.cmd(["chmod", "-R", "755", "/home/u/other"])])

test_chmod_setuid if "files.chmod.setuid" in _h([t.cmd(["chmod", "u+s", "tool"])])

test_chmod_4755 if "files.chmod.setuid" in _h([t.cmd(["chmod", "4755", "tool"])])

test_chmod_reference if "files.write.system" in _h([t.cmd(["chmod", "--reference=a", "/etc/x"])])

test_chown_root if "files.chown.root" in _h([t.cmd(["chown", "root:root", "tool"])])

test_ln_outside if "files.write.outside" in _h([t.cmd(["ln", "-sf", "x", "/usr/local/bin/x"])])

test_workspace_writes_allowed if {
	_ok([t.redir(t.cmd(["echo", "rm -rf ~ is blocked"]), ">>", "docs/notes.md")])
	_ok([t.redir(t.cmd(["cat"]), ">", "/tmp/x.py")])
	_ok([t.redir(t.cmd(["ls"]), ">", "/dev/null")])
	_ok([t.cmd(["chmod", "+x", "scripts/a.sh"])])
	_ok([t.cmd(["mv", "src/a.go", "src/b.go"])])
	_ok([t.cmd(["mkdir", "-p", "/tmp/scratch"]), t.cmd(["cp", "-r", "testdata", "/tmp/scratch/"])])
	_ok([t.cmd(["tee", "/tmp/file"])])
	_ok([t.cmd(["curl", "-sSL", "https://e.com/f.tgz", "-o", "/tmp/f.tgz"])])
	_ok([t.cmd(["wget", "https://e.com/m", "-O", "/tmp/m"])])
	_ok([t.cmd(["tar", "-xzf", "archive.tar.gz"])])
	_ok([t.cmd(["chown", "u", "x"])])
}

# a workspace that sits under a system directory (/root/src, /opt/src) is still
# the workspace: creating files there is ordinary work
test_create_in_workspace_under_system_dir_allowed if {
	c := t.ext(t.cmd(["touch", "src/x.py"]), {"paths": [{
		"arg": 1, "value": "src/x.py", "abs": "/root/ws/src/x.py", "dynamic": false, "glob": false,
		"in_workspace": true, "is_workspace_root": false, "in_tmp": false, "is_tmp_root": false,
		"in_home": false, "is_home": false, "is_root": false, "in_git_dir": false, "exists": false,
	}]})
	h := t.ids(files.hold) with input as t.line([c])
	count(h) == 0
}

test_create_in_system_dir_held if {
	h := t.ids(files.hold) with input as t.line([t.cmd(["touch", "/etc/cron.d/x"])])
	"files.write.system" in h
}

# find -exec rm -r with operands the parser placed below find's start path
test_find_exec_rm_r_below_workspace_allowed if {
	_ok([t.ext(t.cmd(["rm", "-rf", "/ws/**/{}"]), {"via": [t.via("find", "find")]})])
}

test_find_exec_rm_r_below_home_held if {
	"files.rm.outside" in _h([t.ext(t.cmd(["rm", "-rf", "/home/u/**/{}"]), {"via": [t.via("find", "find")]})])
}

test_xargs_rm_r_dynamic_held if {
	"files.rm.dynamic" in _h([t.ext(t.cmd(["rm", "-rf", "$x"]), {"via": [t.via("xargs", "xargs")]})])
}

# --- a harness's own snapshot capture may write its snapshot --------------------------

_snap := "/home/u/.claude/shell-snapshots/snapshot-bash-1764000000000-ab12cd.sh"

_capture(form, snapshot) := {"name": "claude-code", "form": form, "snapshot": snapshot, "sourced": [], "wrapper": ""}

_hh(cmds, harness) := x if x := t.ids(files.hold) with input as t.line_with(cmds, {"harness": harness})

test_capture_writes_its_snapshot if {
	count(_hh([t.redir(t.cmd(["echo", "# Snapshot file"]), ">|", _snap)], _capture("snapshot-capture", _snap))) == 0
	count(_hh([t.redir(t.cmd(["alias"]), ">>", _snap)], _capture("snapshot-capture", _snap))) == 0
}

test_capture_other_path_held if {
	"files.write.outside" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", "/home/u/.claude/shell-snapshots/other.sh")], _capture("snapshot-capture", _snap))
	"files.write.outside" in _hh([t.redir(t.cmd(["echo", "x"]), ">", "/etc/passwd")], _capture("snapshot-capture", _snap))
	"files.write.outside" in _hh([t.cmd(["cp", "x", _snap])], _capture("snapshot-capture", "/home/u/.claude/shell-snapshots/other.sh"))
}

test_capture_needs_the_form if {
	"files.write.outside" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", _snap)], _capture("", _snap))
	"files.write.outside" in _hh([t.redir(t.cmd(["echo", "x"]), ">>", _snap)], _capture("codex-outer", _snap))
	"files.write.outside" in _h([t.redir(t.cmd(["echo", "x"]), ">>", _snap)])
}

# --- a home under /tmp is still a home (CI runners, containers, sandboxes) ---

_tmp_home := {"root": "/tmp/h/ws", "git": true, "branch": "feature/x", "detached": false, "home": "/tmp/h", "tmp": ["/tmp", "/var/tmp"]}

_tmp_home_line(c) := object.union(t.line([c]), {"workspace": _tmp_home, "cwd": "/tmp/h/ws"})

_fact_at(c, j, fact) := object.union(c, {"paths": [object.union(fact, {"arg": j})]})

# the fact builder's answers for a path in the home under /tmp
_home_fact(v) := {
	"value": v, "abs": v, "dynamic": false, "glob": false, "in_workspace": false,
	"is_workspace_root": false, "in_tmp": false, "is_tmp_root": false, "in_home": true,
	"is_home": false, "is_root": false, "in_git_dir": false, "exists": true, "secret": false,
	"secret_dir": false, "zone": "home", "holds": [],
}

test_tmp_home_rm_dir_held if {
	c := _fact_at(t.cmd(["rm", "-rf", "/tmp/h/project"]), 2, _home_fact("/tmp/h/project"))
	h := t.ids(files.hold) with input as _tmp_home_line(c)
	"files.rm.outside" in h
}

test_above_tmp_home_denied if {
	f := object.union(_home_fact("/tmp/a"), {"in_home": false, "zone": "tmp", "holds": ["home"]})
	c := _fact_at(t.cmd(["rm", "-rf", "/tmp/a"]), 2, f)
	d := t.ids(files.deny) with input as _tmp_home_line(c)
	"files.rm.catastrophic" in d
}

# bare paths (dd of=, code paths) get the same zones from paths.fact
test_tmp_home_dd_held if {
	h := t.ids(files.hold) with input as _tmp_home_line(t.cmd(["dd", "if=x", "of=/tmp/h/.profile"]))
	"files.write.outside" in h
}

test_tmp_home_scratch_still_scratch if {
	d := t.ids(files.hold) with input as _tmp_home_line(t.cmd(["dd", "if=x", "of=/tmp/build-xyz/out"]))
	count(d) == 0
}

# the workspace is the home: its files are the workspace's, its secrets are not
_home_ws := {"root": "/home/u", "git": true, "branch": "feature/x", "detached": false, "home": "/home/u", "tmp": ["/tmp", "/var/tmp"]}

test_home_workspace_secret_held if {
	f := object.union(_home_fact("/home/u/.ssh/id_rsa"), {"in_workspace": true, "secret": true, "zone": "secret"})
	c := _fact_at(t.cmd_in(["rm", "/home/u/.ssh/id_rsa"], "/home/u"), 1, f)
	h := t.ids(files.hold) with input as object.union(t.line([c]), {"workspace": _home_ws, "cwd": "/home/u"})
	"files.secret.home" in h
}

test_workspace_env_not_held if {
	h := t.ids(files.hold) with input as t.line([t.cmd(["rm", ".env"])])
	not "files.secret.home" in h
}

test_tmp_home_message_says_home if {
	c := _fact_at(t.cmd(["rm", "-rf", "/tmp/h/project"]), 2, _home_fact("/tmp/h/project"))
	rs := files.hold with input as _tmp_home_line(c)
	some r in rs
	r.id == "files.rm.outside"
	contains(r.msg, "in the home directory")
}
