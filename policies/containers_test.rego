package gatesh.rules.containers_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.containers

_c(argv) := x if x := t.ids(containers.hold) with input as t.line([t.cmd(argv)])

test_privileged if {
	h := _c(["docker", "run", "--privileged", "-v", "/:/host", "evil/image"])
	"containers.privileged" in h
	"containers.host_mount" in h
	"containers.privileged" in _c(["docker", "run", "--pid=host", "x"])
	"containers.privileged" in _c(["podman", "run", "--pid", "host", "x"])
	"containers.privileged" in _c(["docker", "run", "--cap-add", "SYS_ADMIN", "x"])
	"containers.privileged" in _c(["docker", "run", "--cap-add=ALL", "x"])
	"containers.privileged" in _c(["docker", "run", "--security-opt", "seccomp=unconfined", "x"])
	"containers.privileged" in _c(["docker", "run", "--security-opt=apparmor=unconfined", "x"])
	"containers.privileged" in _c(["docker", "run", "--device", "/dev/sda", "x"])
	"containers.privileged" in _c(["docker", "container", "run", "--device=/dev/sda", "x"])
}

test_mounts if {
	"containers.host_mount" in _c(["docker", "run", "-v", "~:/h", "x"])
	"containers.host_mount" in _c(["docker", "run", "-v", "/var/run/docker.sock:/s", "x"])
	"containers.host_mount" in _c(["docker", "run", "--mount", "type=bind,source=/etc,target=/e", "x"])
	count(_c(["docker", "run", "--rm", "-v", "$PWD:/src", "-w", "/src", "golang:1.23", "go", "test", "./..."])) == 0
	count(_c(["docker", "run", "--rm", "-v", "/ws/data:/d", "x"])) == 0
	count(_c(["docker", "compose", "up", "-d"])) == 0
}

test_prune if {
	"containers.prune" in _c(["docker", "system", "prune", "-af"])
	"containers.prune" in _c(["docker", "volume", "rm", "v"])
	"containers.prune" in _c(["docker", "compose", "down", "-v"])
	count(_c(["docker", "compose", "down"])) == 0
	count(_c(["docker", "container", "rm", "x"])) == 0
	count(_c(["docker", "ps"])) == 0
}
