# METADATA
# title: Path helpers
# description: >-
#   Helpers over the path facts of the input (commands[i].paths[j],
#   redirects[k].file) and over bare absolute paths: workspace, home, system and
#   catastrophic targets, block devices.
package gatesh.lib.paths

import rego.v1

import data.gatesh.lib.secretglobs

ws := object.get(input, ["workspace", "root"], "")

gate_paths := object.get(input, ["gate", "paths"], [])

home := object.get(input, ["workspace", "home"], "")

tmps := object.get(input, ["workspace", "tmp"], ["/tmp", "/var/tmp"])

# Top-level system directories: a recursive delete of one is catastrophic.
system_top := {
	"/etc", "/usr", "/bin", "/sbin", "/var", "/home", "/boot", "/lib", "/lib32", "/lib64",
	"/libx32", "/opt", "/root", "/System", "/Users", "/Library", "/Applications", "/private",
	"/dev", "/proc", "/sys", "/srv", "/snap", "/mnt", "/media", "/run", "/nix", "/Volumes",
	"/c", "/c/Users", "/c/Windows", "/cygdrive", "/usr/local", "/usr/bin", "/usr/lib",
	"/private/etc", "/private/var",
}

# Directories whose content is system configuration or software: writes there are
# privileged.
system_prefixes := [
	"/etc/", "/usr/", "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/", "/boot/",
	"/opt/", "/System/", "/Library/", "/root/", "/private/etc/", "/var/lib/", "/var/log/",
	"/var/spool/", "/var/db/", "/var/www/", "/srv/", "/snap/", "/nix/", "/proc/", "/sys/",
	"/Applications/",
]

# system_target(p): the path fact p names a system location. The workspace, the
# temporary directories and the user's own home are never system locations, even
# when they sit under one (a workspace in /opt/src, root's home in /root).
system_target(p) if {
	not p.in_workspace
	not p.in_tmp
	not p.in_home
	system_path(p.abs)
}

# harmless_target(abs): writing there changes nothing on disk.
harmless_target(abs) if abs in {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/full"}

harmless_target(abs) if startswith(abs, "/dev/fd/")

harmless_target(abs) if startswith(abs, "/dev/pts/")

harmless_target(abs) if startswith(abs, "/proc/self/fd/")

# block_device(abs): a disk or partition.
block_device(abs) if regex.match(`^/dev/(r?disk[0-9]|sd[a-z]|nvme[0-9]|hd[a-z]|vd[a-z]|xvd[a-z]|mmcblk[0-9]|loop[0-9]|md[0-9]|dm-[0-9]|mapper/|sr[0-9])`, abs)

# system_path(abs): inside a system directory.
system_path(abs) if {
	some p in system_prefixes
	startswith(abs, p)
}

system_path(abs) if abs in system_top

system_path(abs) if {
	startswith(abs, "/dev/")
	not harmless_target(abs)
}

# user_home(abs): a home directory (this user's or another's).
user_home(abs) if regex.match(`^(/home|/Users|/c/Users|/mnt/c/Users|/cygdrive/c/Users)/[^/]+$`, abs)

user_home(abs) if abs == "/root"

user_home(abs) if {
	home != ""
	abs == home
}

# wipe_glob_word(v): a glob that names every entry of its directory ("*", "./*",
# ".*", "dir/*").
wipe_glob_word(v) if regex.match(`(^|/)(\*|\.\*|\.\[!.\]\*|\*\.\*|\{\*,\.\*\}|\.\?\*)$`, v)

# catastrophic(p): deleting p recursively destroys the machine or the user's data.
catastrophic(p) if p.is_root

catastrophic(p) if p.is_home

# a directory that holds the home (/tmp/a when the home is /tmp/a/h)
catastrophic(p) if "home" in object.get(p, "holds", [])

catastrophic(p) if {
	not p.dynamic
	_catastrophic_abs(p.abs, object.get(p, "glob", false), p.value)
}

_catastrophic_abs(abs, _, _) if abs == "/"

_catastrophic_abs(abs, _, _) if abs in system_top

_catastrophic_abs(abs, _, _) if user_home(abs)

# a wiping glob directly in /, ~ or a system directory: /etc/*, ~/*
_catastrophic_abs(abs, true, v) if {
	wipe_glob_word(v)
	_catastrophic_dir(dirname(abs))
}

_catastrophic_dir(d) if d == "/"

_catastrophic_dir(d) if d in system_top

_catastrophic_dir(d) if user_home(d)

dirname(abs) := "/" if regex.match(`^/[^/]*$`, abs)

dirname(abs) := d if {
	not regex.match(`^/[^/]*$`, abs)
	parts := split(abs, "/")
	d := concat("/", array.slice(parts, 0, count(parts) - 1))
}

basename(abs) := b if {
	parts := split(abs, "/")
	b := parts[count(parts) - 1]
}

# local(p): the path is a known, local file outside nothing: in the workspace or
# a temporary directory.
local(p) if p.in_workspace

local(p) if p.in_tmp

# outside(p): a known path outside the workspace and the temporary directories,
# not a harmless device.
outside(p) if {
	not p.dynamic
	p.abs != ""
	not p.in_workspace
	not p.in_tmp
	not harmless_target(p.abs)
}

# fact(abs): the path facts of a bare absolute path (for code paths, dd of=...).
fact(abs) := {
	"value": abs,
	"abs": abs,
	"dynamic": false,
	"glob": false,
	"in_workspace": _under_or_eq(abs, ws),
	"is_workspace_root": _eq_nonempty(abs, ws),
	"in_tmp": scratch(abs),
	"is_tmp_root": abs in tmps,
	"in_home": _under_or_eq(abs, home),
	"is_home": _eq_nonempty(abs, home),
	"is_root": abs == "/",
	"in_git_dir": _under_or_eq(abs, concat("", [ws, "/.git"])),
	"exists": false,
	"secret": _secret(abs),
	"zone": zone(abs),
	"holds": holds(abs),
}

# --- zones: the precedence of path classes ---------------------------------------
#
# The fact builder (internal/facts, classify) decides each path fact's zone, the
# most protected place that claims it: the gate's own files, secrets, the home
# itself and its startup files, the workspace, the rest of the home, then scratch
# (a temporary directory), else "other"; in_tmp is true only for scratch. These
# functions do the same for bare absolute paths (fact above), without globs.

# zone(abs): the zone of the bare absolute path abs
zone(abs) := zone_of(abs, _secret(abs), {"home": home, "ws": ws, "gate": gate_paths, "tmp": tmps})

# holds(abs): the zones of protected places strictly below abs
holds(abs) := holds_of(abs, {"home": home, "ws": ws, "gate": gate_paths})

# scratch(abs): abs is below a temporary directory and nothing more protected
# claims it or lies below it
scratch(abs) := true if {
	zone(abs) == "tmp"
	count(holds(abs)) == 0
} else := false

# zone_of(abs, secret, world): zone for a world {"home", "ws", "gate", "tmp"}
# given whether abs is a secret (the unit tests' constructors call it directly)
zone_of(abs, secret, world) := "gate" if {
	some g in world.gate
	_under_or_eq(abs, g)
} else := "secret" if {
	secret
} else := "home" if {
	_eq_nonempty(abs, world.home)
} else := "home" if {
	world.home != ""
	dirname(abs) == world.home
	basename(abs) in startup_names
} else := "workspace" if {
	_under_or_eq(abs, world.ws)
} else := "home" if {
	_under_or_eq(abs, world.home)
} else := "tmp" if {
	some t in world.tmp
	startswith(abs, concat("", [trim_right(t, "/"), "/"]))
} else := "other"

holds_of(abs, world) := [z |
	some z, dirs in {"gate": world.gate, "home": [world.home], "workspace": [world.ws]}
	some d in dirs
	_strictly_under(d, abs)
]

_secret(abs) := true if {
	secretglobs.match(abs)
} else := false

# startup_names: the home's shell startup files (keep in step with
# internal/facts startupNames and tamper.rego's _rc_names)
startup_names := {".bashrc", ".bash_profile", ".profile", ".bash_login", ".bash_logout", ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".inputrc"}

_strictly_under(d, abs) if {
	d != ""
	d != abs
	startswith(d, concat("", [trim_right(abs, "/"), "/"]))
}

_under_or_eq(abs, root) := true if {
	root != ""
	abs == root
} else := true if {
	root != ""
	startswith(abs, concat("", [trim_right(root, "/"), "/"]))
} else := false

_eq_nonempty(abs, root) := true if {
	root != ""
	abs == root
} else := false

_in_tmp(abs) := true if {
	some t in tmps
	startswith(abs, concat("", [trim_right(t, "/"), "/"]))
} else := false

# resolve(value, cwd): absolute cleaned path of a word (for option values that the
# parser does not turn into path facts, such as dd's of=FILE).
resolve(value, _) := clean(value) if startswith(value, "/")

resolve(value, _) := clean(concat("", [home, substring(value, 1, -1)])) if {
	not startswith(value, "/")
	_tilde(value)
}

resolve(value, cwd) := clean(concat("/", [cwd, value])) if {
	not startswith(value, "/")
	not _tilde(value)
}

_tilde(v) if v == "~"

_tilde(v) if startswith(v, "~/")

# clean(p): fold "//", "/./" and "x/.." (a few levels deep).
clean(p) := r if {
	s0 := regex.replace(concat("", [p, "/"]), `/+`, "/")
	s1 := regex.replace(regex.replace(s0, `/\./`, "/"), `/\./`, "/")
	s2 := _fold(_fold(_fold(_fold(s1))))
	s3 := regex.replace(s2, `^(/\.\.)+/`, "/")
	r := _strip(s3)
}

_fold(s) := regex.replace(s, `/([^/.][^/]*|\.[^/.][^/]*|\.\.[^/]+)/\.\./`, "/")

_strip(s) := "/" if s == "/"

_strip(s) := trim_right(s, "/") if s != "/"

# expand(pattern): a settings glob with "~" replaced by the home directory.
expand(pattern) := concat("", [home, substring(pattern, 1, -1)]) if startswith(pattern, "~/")

expand(pattern) := pattern if not startswith(pattern, "~/")
