# Every place a line writes, creates, deletes or re-links a file, extracted once
# per query. Rules (files, tamper, secrets) filter `targets` instead of knowing the
# argument conventions of every writing command.
#
# A target is {"cmd": i, "op": op, "p": pathfact, "how": text, "remote": bool}
# with op one of: "write" (content replaced or appended), "create" (touch, mkdir),
# "delete" (rm, rmdir, unlink, shred, find -delete start dirs are not here),
# "move" (a mv source: it leaves its place), "meta" (chmod, chown), "link" (ln).

# METADATA
# title: Writes
# description: >-
#   Every place a line writes, creates, deletes or re-links a file, extracted once
#   per query, so that rules (files, tamper, secrets) filter targets instead of
#   knowing the argument conventions of every writing command.
package gatesh.lib.writes

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.paths

_t(i, c, op, p, how) := {"cmd": i, "op": op, "p": p, "how": how, "remote": _remote(c)}

_remote(c) := true if {
	cmds.remote(c)
} else := false

# redirects that open a file for writing
targets contains _t(i, c, "write", p, "redirect") if {
	some i, c in input.commands
	some r in c.redirects
	r.write
	p := _redirect_fact(r)
}

_redirect_fact(r) := r.file if is_object(r.file)

_redirect_fact(r) := paths.fact(r.path) if {
	not is_object(r.file)
	r.path != ""
	not r.dynamic
}

_redirect_fact(r) := {"value": r.target, "abs": "", "dynamic": true} if {
	not is_object(r.file)
	r.dynamic
}

# positional path facts of c: not option values of the options in valopts
pos_facts(c, valopts) := [p |
	some p in c.paths
	p.arg > 0
	not _optval(c, p.arg, valopts)
]

_optval(c, j, valopts) if {
	j > 1
	c.argv[j - 1] in valopts
}

_cp_valopts := {"-t", "--target-directory", "-S", "--suffix", "-m", "--mode", "-o", "--owner", "-g", "--group", "--context"}

_scp_valopts := {"-P", "-i", "-o", "-F", "-c", "-l", "-S", "-J", "-D", "-X"}

valopts_for(n) := _rsync_valopts if n == "rsync"

valopts_for(n) := _scp_valopts if n == "scp"

valopts_for(n) := _cp_valopts if not n in {"rsync", "scp"}

# destination of cp, mv, install, ln, rsync, scp: -t DIR, or the last positional
_dest(i, c) := p if {
	some p in c.paths
	p.arg > 1
	c.argv[p.arg - 1] in {"-t", "--target-directory"}
}

_dest(i, c) := paths.fact(paths.resolve(v, c.cwd)) if {
	not _has_t(c)
	some w in c.argv
	startswith(w, "--target-directory=")
	v := substring(w, count("--target-directory="), -1)
}

_dest(i, c) := p if {
	not _has_t(c)
	not _has_tdir_eq(c)
	ps := pos_facts(c, valopts_for(c.name))
	count(ps) >= 2
	p := ps[count(ps) - 1]
}

_has_t(c) if {
	some w in c.argv
	w in {"-t", "--target-directory"}
}

_has_tdir_eq(c) if {
	some w in c.argv
	startswith(w, "--target-directory=")
}

targets contains _t(i, c, "write", p, concat("", [n, " destination"])) if {
	some i, cx in input.commands
	n := cx.name
	n in {"cp", "install", "mv", "ln", "rsync", "scp", "ditto"}
	c := input.commands[i]
	p := _dest(i, c)
	not _remote_spec(p.value)
}

# mv sources leave their place
targets contains _t(i, c, "move", p, "mv source") if {
	some i in cmds.by_name.mv
	c := input.commands[i]
	d := _dest(i, c)
	some p in pos_facts(c, _cp_valopts)
	p.arg != d.arg
}

# every argument of ln (a link to a place can be written through)
targets contains _t(i, c, "link", p, "ln") if {
	some i in cmds.by_name.ln
	c := input.commands[i]
	some p in pos_facts(c, _cp_valopts)
}

targets contains _t(i, c, "write", p, "tee") if {
	some i in cmds.by_name.tee
	c := input.commands[i]
	some p in c.paths
}

targets contains _t(i, c, "create", p, n) if {
	some i, cx in input.commands
	n := cx.name
	n in {"touch", "mkdir"}
	c := input.commands[i]
	some p in pos_facts(c, {"-d", "-t", "-r", "--date", "--reference", "-m", "--mode"})
}

targets contains _t(i, c, "write", p, "truncate") if {
	some i in cmds.by_name.truncate
	c := input.commands[i]
	some p in pos_facts(c, {"-s", "--size", "-r", "--reference"})
}

# chmod MODE FILES, chown OWNER FILES (the first positional is not a file)
targets contains _t(i, c, "meta", p, n) if {
	some i, cx in input.commands
	n := cx.name
	n in {"chmod", "chown", "chgrp"}
	c := input.commands[i]
	ps := pos_facts(c, set())
	not _has_reference(c)
	some k, p in ps
	k > 0
}

targets contains _t(i, c, "meta", p, n) if {
	some i, cx in input.commands
	n := cx.name
	n in {"chmod", "chown", "chgrp"}
	c := input.commands[i]
	_has_reference(c)
	some p in pos_facts(c, set())
}

_has_reference(c) if {
	some w in c.argv
	startswith(w, "--reference")
}

# sed -i / perl -i edit files in place
targets contains _t(i, c, "write", p, "sed -i") if {
	some i in cmds.by_name.sed
	c := input.commands[i]
	in_place(c)
	some p in _sed_files(c)
}

targets contains _t(i, c, "write", p, "perl -i") if {
	some i in cmds.by_name.perl
	c := input.commands[i]
	in_place(c)
	some p in pos_facts(c, {"-e", "-E", "-I", "-M", "-m"})
}

# GNU sed, as getopt_long, takes a long option by any unambiguous prefix:
# --i, --in-pl and --in-place=.bak are all --in-place (and --e, --expr are
# --expression, --fi is --file).
in_place(c) if {
	some j, w in c.argv
	j > 0
	regex.match(`^(-[a-zA-Z]*i|--i(n(-(p(l(a(ce?)?)?)?)?)?)?(=|$))`, w)
}

_sed_valopts := {"-e", "-f", "--expression", "--file", "-l", "--line-length"}

_sed_files(c) := pos_facts(c, _sed_valopts) if _sed_has_script_opt(c)

_sed_files(c) := array.slice(ps, 1, count(ps)) if {
	not _sed_has_script_opt(c)
	ps := pos_facts(c, _sed_valopts)
}

_sed_has_script_opt(c) if {
	some w in c.argv
	regex.match(`^(-e|-f|--e|--fi)`, w)
}

# rsync --delete removes files at the destination
targets contains _t(i, c, "delete", p, "rsync --delete") if {
	some i in cmds.by_name.rsync
	c := input.commands[i]
	some w in c.argv
	startswith(w, "--delete")
	p := _dest(i, c)
	not _remote_spec(p.value)
}

_rsync_valopts := {
	"-e", "--rsh", "--exclude", "--include", "--filter", "-f", "--exclude-from", "--include-from",
	"--files-from", "--password-file", "--log-file", "--chmod", "--chown", "--rsync-path",
	"--partial-dir", "-T", "--temp-dir", "--compare-dest", "--link-dest", "--copy-dest",
	"--backup-dir", "--timeout", "--port", "--bwlimit", "--out-format", "--max-size",
	"--min-size", "-M", "--remote-option",
}

# remote_spec(v): host:path, user@host:path, rsync://...
_remote_spec(v) := remote_spec(v)

remote_spec(v) if regex.match(`^([A-Za-z0-9._-]+@)?[A-Za-z0-9._-]+:`, v)

remote_spec(v) if startswith(v, "rsync://")

remote_spec(v) if regex.match(`^([A-Za-z0-9._-]+@)?\[[0-9a-fA-F:]+\]:`, v)

# dd of=FILE
targets contains _t(i, c, "write", paths.fact(paths.resolve(v, c.cwd)), "dd of=") if {
	some i in cmds.by_name.dd
	c := input.commands[i]
	some w in c.argv
	startswith(w, "of=")
	v := substring(w, 3, -1)
	v != ""
}

# downloads written to a named file
targets contains _t(i, c, "write", p, "curl -o") if {
	some i in cmds.by_name.curl
	c := input.commands[i]
	some p in c.paths
	p.arg > 1
	c.argv[p.arg - 1] in {"-o", "--output"}
}

targets contains _t(i, c, "write", paths.fact(paths.resolve(v, c.cwd)), "curl -o") if {
	some i in cmds.by_name.curl
	c := input.commands[i]
	some w in c.argv
	startswith(w, "--output=")
	v := substring(w, 9, -1)
}

targets contains _t(i, c, "write", p, "wget -O") if {
	some i in cmds.by_name.wget
	c := input.commands[i]
	some p in c.paths
	p.arg > 1
	c.argv[p.arg - 1] in {"-O", "--output-document", "-P", "--directory-prefix"}
}

# tar -x … -C DIR and unzip … -d DIR create files in DIR (judged like mkdir: held
# in system directories and in the gate's own)
targets contains _t(i, c, "create", p, "tar -C") if {
	some i in cmds.by_name.tar
	c := input.commands[i]
	_tar_extracts(c)
	some p in c.paths
	p.arg > 1
	c.argv[p.arg - 1] in {"-C", "--directory"}
}

targets contains _t(i, c, "create", p, "unzip -d") if {
	some i in cmds.by_name.unzip
	c := input.commands[i]
	some p in c.paths
	p.arg > 1
	c.argv[p.arg - 1] == "-d"
}

_tar_extracts(c) if {
	some j, w in c.argv
	j > 0
	regex.match(`^(-?[A-Za-z]*x[A-Za-z]*|--extract|--get)$`, w)
}

# find -fprint FILE writes FILE
targets contains _t(i, c, "write", p, "find -fprint") if {
	some i in cmds.by_name.find
	c := input.commands[i]
	some p in c.paths
	p.arg > 1
	c.argv[p.arg - 1] in {"-fprint", "-fprint0", "-fprintf", "-fls"}
}

# deletes
targets contains _t(i, c, "delete", p, n) if {
	some i, cx in input.commands
	n := cx.name
	n in {"rm", "rmdir", "unlink", "shred", "srm"}
	c := input.commands[i]
	some p in c.paths
}

# interpreter code that writes or deletes the absolute paths it names
targets contains _t(i, c, op, paths.fact(abs), concat("", [c.code.lang, " code"])) if {
	some i, c in input.commands
	is_object(c.code)
	some eff in c.code.effects
	op := {"write": "write", "delete": "delete"}[eff]
	some abs in c.code.paths
}

# delete_cmd(c): the command deletes its arguments.
delete_names := {"rm", "rmdir", "unlink", "shred", "srm"}
