# METADATA
# title: Containers
# description: >-
#   Judges docker, podman and nerdctl. A privileged container or a mount of the
#   host's system or home directories gives what runs inside the container the run
#   of this machine, so it is held; a prune deletes containers, images and volumes
#   (volume data is gone for good), so it is held too.
# custom:
#   class: [privileged, destructive]
#   rules:
#     - containers.privileged
#     - containers.host_mount
#     - containers.prune
package gatesh.rules.containers

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.paths
import data.gatesh.lib.reason

# names: the command names this package's rules look at; the combiner evaluates the
# package only for lines that run one of them (keep it in step with the rules).
names := _engines

_wait := "Wait for the user to approve it."

_engines := {"docker", "podman", "nerdctl"}

_valopts := {"-v", "--volume", "--mount", "-e", "--env", "-p", "--publish", "--name", "-w", "--workdir", "-u", "--user", "--network", "--net", "--entrypoint", "-f", "--file", "-t", "--tag", "--label", "-l", "--platform", "--env-file", "-h", "--hostname", "--cap-add", "--cap-drop", "--device", "--security-opt", "--pid", "--ipc", "--userns", "--uts", "--add-host", "--memory", "-m", "--cpus", "--restart", "--gpus", "--shm-size", "--ulimit", "--log-driver", "--context", "-c", "--project-name", "-H", "--host", "--filter"}

_pos(c) := argv.positionals(cmds.args(c), _valopts)

# docker run / create / container run, compose run
_runs(c) if _pos(c)[0] in {"run", "create"}

_runs(c) if {
	_pos(c)[0] in {"container", "compose"}
	_pos(c)[1] in {"run", "create"}
}

hold contains reason.of("containers.privileged", sprintf("%s run %s gives the container control of this machine. %s Drop the option, or mount only workspace directories.", [c.name, what, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in _engines
	c := input.commands[i]
	_runs(c)
	some what in _escape_opts(c)
}

_escape_opts(c) := {w |
	some w in cmds.args(c)
	_escape_word(w)
} | {concat("", [o, " ", v]) |
	some o in {"--pid", "--ipc", "--userns", "--uts", "--cap-add", "--security-opt", "--device", "--net", "--network"}
	some v in argv.values(cmds.args(c), {o})
	_escape_value(o, v)
}

_escape_word(w) if w == "--privileged"

_escape_word(w) if regex.match(`^--(pid|ipc|userns|uts)=host$`, w)

_escape_word(w) if regex.match(`^--cap-add=(?i)(all|sys_admin|sys_module|sys_ptrace|sys_rawio|dac_read_search)$`, w)

_escape_word(w) if regex.match(`^--security-opt=.*unconfined`, w)

_escape_word(w) if startswith(w, "--device=")

_escape_value(o, "host") if o in {"--pid", "--ipc", "--userns", "--uts"}

_escape_value("--cap-add", v) if regex.match(`^(?i)(all|sys_admin|sys_module|sys_ptrace|sys_rawio|dac_read_search)$`, v)

_escape_value("--security-opt", v) if contains(v, "unconfined")

_escape_value("--device", _)

# host paths mounted into the container
hold contains reason.of("containers.host_mount", sprintf("%s run mounts %s from this machine into the container, where it can be changed or read freely. %s Mount a workspace directory instead.", [c.name, src, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in _engines
	c := input.commands[i]
	_runs(c)
	some src in _mount_sources(c)
	_dangerous_source(src, c.cwd)
}

_mount_sources(c) := {s |
	some v in argv.values(cmds.args(c), {"-v", "--volume"})
	s := split(v, ":")[0]
} | {s |
	some v in argv.values(cmds.args(c), {"--mount"})
	some kv in split(v, ",")
	parts := split(kv, "=")
	parts[0] in {"source", "src"}
	s := parts[1]
}

_dangerous_source(src, cwd) if {
	regex.match(`^(/|~)`, src)
	abs := paths.resolve(src, cwd)
	_bad_host_path(abs)
}

_bad_host_path(abs) if abs == "/"

_bad_host_path(abs) if paths.user_home(abs)

_bad_host_path(abs) if abs in paths.system_top

_bad_host_path(abs) if regex.match(`(^|/)docker\.sock$|^/var/run|^/run/|^/etc(/|$)|/\.ssh(/|$)|/\.aws(/|$)|/\.kube(/|$)|/\.gnupg(/|$)|/\.config(/|$)`, abs)

# prunes and volume deletion
hold contains reason.of("containers.prune", sprintf("%s %s deletes containers, images or volumes (volume data is gone for good). %s", [c.name, concat(" ", array.slice(ps, 0, 2)), _wait]), "destructive", i) if {
	some i, cx in input.commands
	n := cx.name
	n in _engines
	c := input.commands[i]
	ps := _pos(c)
	_prunes(ps, c)
}

_prunes(ps, _) if {
	ps[0] in {"system", "volume", "image", "container", "network", "builder", "buildx"}
	ps[1] in {"prune", "rm"}
	not _harmless_rm(ps)
}

_harmless_rm(ps) if {
	ps[0] in {"container", "network", "image"}
	ps[1] == "rm"
}

_prunes(ps, c) if {
	ps[0] == "compose"
	ps[1] == "down"
	argv.has_any(cmds.args(c), {"-v", "--volumes"})
}
