package gatesh.rules.system_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.system

_h(cmds) := x if x := t.ids(system.hold) with input as t.line(cmds)

_d(cmds) := x if x := t.ids(system.deny) with input as t.line(cmds)

_c(argv) := _h([t.cmd(argv)])

test_sudo if {
	"system.sudo" in _c(["sudo", "ls", "-la"])
	"system.sudo" in _c(["doas", "x"])
	"system.sudo" in _h([t.ext(t.cmd(["sudo", "--"]), {"via": [t.via("xargs", "xargs")]})])
}

test_services if {
	"system.service" in _c(["systemctl", "stop", "nginx"])
	"system.service" in _c(["systemctl", "enable", "malware.service"])
	"system.service" in _c(["service", "nginx", "restart"])
	"system.service" in _c(["launchctl", "load", "x.plist"])
	count(_c(["systemctl", "status", "nginx"])) == 0
	count(_c(["service", "nginx", "status"])) == 0
	count(_c(["launchctl", "list"])) == 0
}

test_packages if {
	"system.package" in _c(["apt-get", "install", "-y", "nginx"])
	"system.package" in _c(["apk", "add", "curl"])
	"system.package" in _c(["pacman", "-S", "python-pyqt6"])
	"system.package" in _c(["pacman", "-Syu"])
	"system.package" in _c(["dpkg", "-i", "x.deb"])
	"system.package" in _c(["emerge", "vim"])
	count(_c(["apt-get", "update"])) == 0
	count(_c(["pacman", "-Ss", "vim"])) == 0
	count(_c(["pip", "install", "-e", "."])) == 0
	count(_c(["brew", "install", "creduce"])) == 0
}

test_persistence if {
	"system.crontab" in _c(["crontab", "-e"])
	count(_c(["crontab", "-l"])) == 0
	"system.scheduler" in _c(["at", "now"])
	"system.firewall" in _c(["iptables", "-F"])
	"system.firewall" in _c(["iptables", "-L", "-F"])
	count(_c(["iptables", "-L", "-n"])) == 0
	count(_c(["nft", "list", "ruleset"])) == 0
	count(_c(["ufw", "status"])) == 0
	count(_c(["firewall-cmd", "--list-all"])) == 0
	count(_c(["pfctl", "-sr"])) == 0
	"system.mount" in _c(["mount", "/dev/sdb1", "/mnt"])
	count(_c(["mount"])) == 0
	count(_c(["swapon", "--show"])) == 0
	count(_c(["hdiutil", "info"])) == 0
	"system.sysctl" in _c(["sysctl", "-w", "a=1"])
	"system.sysctl" in _c(["sysctl", "vm.x=1"])
	count(_c(["sysctl", "-a"])) == 0
	"system.kernel" in _c(["modprobe", "x"])
	count(_c(["hostnamectl"])) == 0
	count(_c(["timedatectl", "status"])) == 0
	count(_c(["nvram", "boot-args"])) == 0
	"system.users" in _c(["useradd", "bob"])
	"system.users" in _c(["dscl", ".", "-create", "/Users/bob"])
	"system.power" in _c(["shutdown", "-h", "now"])
	"system.power" in _c(["init", "0"])
}

test_disks if {
	"system.disk.format" in _d([t.cmd(["mkfs.ext4", "/dev/sda1"])])
	"system.disk.format" in _d([t.cmd(["wipefs", "-a", "/dev/sda"])])
	"system.disk.format" in _d([t.cmd(["zpool", "destroy", "tank"])])
	"system.disk.format" in _d([t.cmd(["diskutil", "eraseDisk", "APFS", "x", "disk2"])])
	"system.disk.format" in _d([t.cmd(["fdisk", "/dev/sda"])])
	count(_d([t.cmd(["fdisk", "-l"])])) == 0
	count(_d([t.cmd(["parted", "/dev/sda", "print"])])) == 0
	count(_d([t.cmd(["diskutil", "list"])])) == 0
}

test_kill if {
	"system.kill_all" in _d([t.cmd(["kill", "-9", "-1"])])
	"system.kill_all" in _d([t.cmd(["kill", "-1"])])
	"system.kill_all" in _d([t.cmd(["kill", "-s", "KILL", "-1"])])
	count(_d([t.cmd(["kill", "-1", "1234"])])) == 0
	count(_d([t.cmd(["kill", "60782"])])) == 0
	"system.kill_all" in _c(["pkill", "-9", "."])
	"system.kill_all" in _c(["pkill", "-u", "bob"])
	"system.kill_all" in _c(["killall5"])
	count(_c(["pkill", "-f", "uvicorn ies_backend"])) == 0
}


test_kill_init_denied if {
	d := t.ids(system.deny) with input as t.line([t.cmd(["kill", "-9", "1"])])
	"system.kill_all" in d
}

test_kill_pid_allowed if {
	d := t.ids(system.deny) with input as t.line([t.cmd(["kill", "-s", "1", "4242"])])
	count(d) == 0
}

test_brew_install_allowed if {
	h := t.ids(system.hold) with input as t.line([t.cmd(["brew", "install", "jq"])])
	count(h) == 0
}

test_brew_uninstall_held if {
	h := t.ids(system.hold) with input as t.line([t.cmd(["brew", "uninstall", "node"])])
	"system.package" in h
}

test_nsenter_held if "system.namespace" in _c(["nsenter", "-t", "1", "-m", "sh"])

test_chroot_held if "system.namespace" in _c(["chroot", "/", "sh"])

test_systemd_run_held if "system.scheduler" in _c(["systemd-run", "--user", "true"])
