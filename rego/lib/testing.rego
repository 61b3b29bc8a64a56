# Constructors of policy inputs for the Rego unit tests, in the exact shape of
# docs/policy-input.md. They imitate the parser and the facts for a fixed world:
# workspace /ws (git, branch feature/x), home /home/u, tmp /tmp and /var/tmp.
#
#   t.line([t.cmd(["git", "push"])])               one command
#   t.cmd_in(["rm", "x"], "/tmp")                  with another cwd
#   t.ext(t.cmd([...]), {"via": [t.wrapper("sudo")]})
#   t.redir(t.cmd(["echo", "x"]), ">", "out.txt")  add a redirect
#   t.code(t.cmd(["python3", "-c", "…"]), "python", ["delete"], ["/etc/x"])

# METADATA
# title: Test inputs
# description: >-
#   Constructors of policy inputs for the Rego unit tests, in the exact shape of
#   docs/policy-input.md, for a fixed world: workspace /ws (git, branch feature/x),
#   home /home/u, tmp /tmp and /var/tmp.
package gatesh.lib.testing

import rego.v1

import data.gatesh.lib.paths

ws := "/ws"

home := "/home/u"

tmps := ["/tmp", "/var/tmp"]

workspace := {"root": ws, "git": true, "branch": "feature/x", "detached": false, "home": home, "tmp": tmps}

gate := {"paths": ["/home/u/.config/gatesh", "/home/u/.local/state/gatesh", "/run/user/1000/gatesh"], "home": "/home/u/.config/gatesh"}

line(cmds) := {
	"text": "",
	"cwd": ws,
	"agent": {"name": "claude-code", "session": "s1"},
	"workspace": workspace,
	"gate": gate,
	"commands": cmds,
	"opaque": [],
	"parse_error": null,
	"functions": [],
}

# line_on(cmds, branch): the workspace is on another branch
line_on(cmds, branch) := object.union(line(cmds), {"workspace": {"branch": branch}})

# line_with(cmds, extra): any top-level override (opaque, parse_error, ...)
line_with(cmds, extra) := object.union(line(cmds), extra)

cmd(argv) := cmd_in(argv, ws)

cmd_in(argv, cwd) := c if {
	base := _base(argv, cwd)
	c := _with_git(base)
}

ext(c, extra) := object.union(c, extra)

wrapper(name) := {"kind": "wrapper", "name": name}

via(kind, name) := {"kind": kind, "name": name}

# pipe(c, froms): c reads the output of the commands at indexes froms
pipe(c, froms) := object.union(c, {"pipe_from": froms})

env(c, e) := object.union(c, {"env": e})

redir(c, op, target) := object.union(c, {"redirects": array.concat(c.redirects, [_redirect(op, target, c.cwd)])})

code(c, lang, effects, cpaths) := object.union(c, {"code": {"lang": lang, "from": "arg", "text": "", "known": true, "effects": effects, "paths": cpaths}})

_redirect(op, target, cwd) := r if {
	op in {">", ">>", ">|", "&>", "&>>", "<>", "<"}
	not startswith(target, "$")
	abs := _abs(target, cwd)
	r := {
		"op": op, "fd": _fd(op), "target": target, "path": abs, "dynamic": false,
		"write": op != "<", "file": _fact(target, abs, false),
	}
}

_redirect(op, target, _) := {"op": op, "fd": _fd(op), "target": target, "path": "", "dynamic": true, "write": op != "<", "file": _dyn_fact(target)} if {
	startswith(target, "$")
}

_redirect(op, target, _) := {"op": op, "fd": 0, "target": target, "path": "", "dynamic": false, "write": false, "file": null} if {
	op in {"<<", "<<-", "<<<"}
}

_fd(op) := 0 if op in {"<", "<>"}

_fd(op) := 1 if not op in {"<", "<>"}

_base(argv, cwd) := {
	"name": _name(argv[0]),
	"word": argv[0],
	"path": _cmdpath(argv[0], cwd),
	"argv": argv,
	"dynamic": [j | some j, w in argv; _dyn(w)],
	"globs": [j | some j, w in argv; j > 0; _globby(w)],
	"env": {},
	"env_dynamic": [],
	"assigns": [],
	"redirects": [],
	"cwd": cwd,
	"cwd_dynamic": false,
	"via": [],
	"background": false,
	"pipe_from": [],
	"lookalike": false,
	"code": null,
	"paths": [_pathfact(j, w, cwd) | some j, w in argv; _is_pathword(argv, j, w)],
}

_name(w) := "" if _dyn(w)

_name(w) := lower(b) if {
	not _dyn(w)
	parts := split(w, "/")
	b := parts[count(parts) - 1]
}

_cmdpath(w, cwd) := _abs(w, cwd) if contains(w, "/")

_cmdpath(w, _) := "" if not contains(w, "/")

_dyn(w) if startswith(w, "$")

_dyn(w) if startswith(w, "`")

_globby(w) if regex.match(`[*?\[]`, w)

_globb(w) := true if {
	_globby(w)
} else := false

_dd(argv) := min([j | some j, w in argv; w == "--"]) if "--" in argv

_dd(argv) := count(argv) if not "--" in argv

_is_pathword(argv, j, w) if {
	j > 0
	j < _dd(argv)
	not startswith(w, "-")
}

_is_pathword(argv, j, _) if j > _dd(argv)

_pathfact(j, w, _) := object.union(_dyn_fact(w), {"arg": j}) if _dyn(w)

_pathfact(j, w, cwd) := object.union(_fact(w, _abs(w, cwd), _globb(w)), {"arg": j, "secret_dir": _secret_dir(_abs(w, cwd))}) if not _dyn(w)

_secret_dir(abs) := true if {
	abs in data.gatesh.rules.secrets.secret_dirs with input as {"workspace": workspace}
} else := false

# the fact builder marks secret paths with the settings' globs; imitate it
_secret(abs) := true if {
	data.gatesh.lib.secretglobs.match(abs) with input as {"workspace": workspace}
} else := false

_dyn_fact(w) := {
	"value": w, "abs": "", "dynamic": true, "glob": false, "in_workspace": false,
	"is_workspace_root": false, "in_tmp": false, "is_tmp_root": false, "in_home": false,
	"is_home": false, "is_root": false, "in_git_dir": false, "exists": false, "secret": false,
	"secret_dir": false, "zone": "", "holds": [],
}

_abs(w, cwd) := paths.clean(w) if startswith(w, "/")

_abs(w, _) := paths.clean(concat("", [home, substring(w, 1, -1)])) if {
	not startswith(w, "/")
	_tilde(w)
}

_abs(w, cwd) := paths.clean(concat("/", [cwd, w])) if {
	not startswith(w, "/")
	not _tilde(w)
}

_tilde(w) if w == "~"

_tilde(w) if startswith(w, "~/")

_fact(w, abs, glob) := _fact_s(w, abs, glob, _secret(abs))

_fact_s(w, abs, glob, secret) := {
	"value": w,
	"abs": abs,
	"dynamic": false,
	"glob": glob,
	"in_workspace": _under(abs, ws),
	"is_workspace_root": _root_of(abs, ws, glob),
	"in_tmp": _scratch(abs, secret),
	"is_tmp_root": abs in tmps,
	"in_home": _under(abs, home),
	"is_home": _root_of(abs, home, glob),
	"is_root": _root_of(abs, "/", glob),
	"in_git_dir": _under(abs, "/ws/.git"),
	"exists": false,
	"secret": secret,
	"zone": paths.zone_of(abs, secret, _world),
	"holds": _holds(abs),
}

_under(abs, root) := true if {
	abs == root
} else := true if {
	startswith(abs, concat("", [trim_right(root, "/"), "/"]))
} else := false

_root_of(abs, root, _) := true if {
	abs == root
} else := true if {
	paths.wipe_glob_word(abs)
	paths.dirname(abs) == root
} else := false

# zones as the fact builder decides them (paths.zone_of mirrors internal/facts)
_world := {"home": home, "ws": ws, "gate": gate.paths, "tmp": tmps}

_scratch(abs, secret) := true if {
	paths.zone_of(abs, secret, _world) == "tmp"
	count(_holds(abs)) == 0
} else := false

_holds(abs) := paths.holds_of(abs, _world)

# --- git decoding (imitates the parser) ---

_git_valopts := {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"}

_with_git(c) := c if c.name != "git"

_with_git(c) := object.union(c, {"git": _git(c)}) if c.name == "git"

_git(c) := g if {
	argv := c.argv
	subs := [j | some j, w in argv; j > 0; not startswith(w, "-"); not argv[j - 1] in _git_valopts]
	g := _git_from(c, argv, subs)
}

_git_from(c, argv, subs) := {
	"subcommand": "", "alias": "", "args": [], "flags": [], "positionals": [], "pathspecs": [],
	"config": _git_config(argv), "dir": _git_dir(c), "git_dir": "", "work_tree": "",
	"in_workspace": true, "branch": "feature/x", "no_verify": false,
} if count(subs) == 0

_git_from(c, argv, subs) := g if {
	count(subs) > 0
	s := subs[0]
	sub := argv[s]
	args := array.slice(argv, s + 1, count(argv))
	e := _dd(args)
	flags := [w | some j, w in args; j < e; startswith(w, "-"); w != "-"]
	pos := [w | some j, w in args; j < e; not _gflag(w)]
	pspecs := [w | some j, w in args; j > e]
	dir := _git_dir(c)
	base := {
		"subcommand": sub, "alias": "", "args": args, "flags": flags, "positionals": pos,
		"pathspecs": pspecs, "config": _git_config(argv), "dir": dir, "git_dir": "",
		"work_tree": "", "in_workspace": _under(dir, ws), "branch": "feature/x",
		"no_verify": _no_verify(sub, flags),
	}
	g := _with_push(base, sub)
}

_gflag(w) if {
	startswith(w, "-")
	w != "-"
}

_git_dir(c) := d if {
	some j, w in c.argv
	w == "-C"
	d := _abs(c.argv[j + 1], c.cwd)
} else := d if {
	some w in c.argv
	startswith(w, "--work-tree=")
	d := _abs(substring(w, 12, -1), c.cwd)
} else := c.cwd

_git_config(argv) := {lower(kv[0]): concat("=", array.slice(kv, 1, count(kv))) |
	some j, w in argv
	j > 0
	argv[j - 1] == "-c"
	kv := split(w, "=")
}

_no_verify(_, flags) if "--no-verify" in flags

_no_verify(sub, flags) if {
	sub == "commit"
	some f in flags
	regex.match(`^-[a-zA-Z]*n`, f)
}

_no_verify(sub, flags) := false if {
	not "--no-verify" in flags
	not _commit_n(sub, flags)
}

_commit_n(sub, flags) if {
	sub == "commit"
	some f in flags
	regex.match(`^-[a-zA-Z]*n`, f)
}

_with_push(g, sub) := g if sub != "push"

_with_push(g, "push") := object.union(g, {"push": _push(g)})

_push(g) := p if {
	flags := g.flags
	pos := g.positionals
	remote := _first(pos)
	specs := array.slice(pos, 1, count(pos))
	del_flag := _has_any(flags, {"-d", "--delete"})
	explicit := [_refspec(s, del_flag) | some s in specs]
	refspecs := _implicit(explicit, flags, g.branch)
	force_flag := _force_flag(flags)
	plus := [r | some r in refspecs; r.force]
	dels := [r | some r in refspecs; r.delete]
	p := {
		"remote": remote,
		"refspecs": refspecs,
		"force": _or(force_flag, count(plus) > 0),
		"force_with_lease": _has_prefix(flags, {"--force-with-lease", "--force-if-includes"}),
		"delete": _or(del_flag, count(dels) > 0),
		"mirror": "--mirror" in flags,
		"all": _has_any(flags, {"--all", "--branches"}),
		"tags": "--tags" in flags,
		"prune": "--prune" in flags,
		"dry_run": _has_any(flags, {"-n", "--dry-run"}),
		"branches": [r.dst | some r in refspecs; r.dst != ""],
	}
}

_first(a) := a[0] if count(a) > 0

_first(a) := "" if count(a) == 0

_or(a, b) := true if {
	a == true
} else := true if {
	b == true
} else := false

_has_any(flags, names) := true if {
	some f in flags
	f in names
} else := false

_has_prefix(flags, names) := true if {
	some f in flags
	some n in names
	startswith(f, n)
} else := false

_force_flag(flags) := true if {
	some f in flags
	f in {"-f", "--force"}
} else := true if {
	some f in flags
	startswith(f, "--force=")
} else := false

_implicit(explicit, flags, branch) := explicit if count(explicit) > 0

_implicit(explicit, flags, branch) := [] if {
	count(explicit) == 0
	_has_any(flags, {"--mirror", "--all", "--branches", "--tags"})
}

_implicit(explicit, flags, branch) := [{"src": branch, "dst": branch, "force": false, "delete": false}] if {
	count(explicit) == 0
	not _has_any(flags, {"--mirror", "--all", "--branches", "--tags"})
}

_refspec(s, true) := {"src": "", "dst": _strip_heads(s), "force": false, "delete": true}

_refspec(s, false) := r if {
	force := startswith(s, "+")
	body := trim_prefix(s, "+")
	r := _split_spec(body, force)
}

_split_spec(body, force) := {"src": parts[0], "dst": _strip_heads(parts[1]), "force": force, "delete": parts[0] == ""} if {
	contains(body, ":")
	parts := split(body, ":")
}

_split_spec(body, force) := {"src": body, "dst": _strip_heads(body), "force": force, "delete": false} if {
	not contains(body, ":")
}

_strip_heads(s) := trim_prefix(s, "refs/heads/")
