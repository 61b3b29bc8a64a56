# METADATA
# title: System
# description: >-
#   Judges privilege escalation (sudo, su, doas), services, system package managers,
#   scheduled jobs, the firewall, mounts, kernel settings, user accounts, power,
#   disks and namespaces. These change the machine for every user rather than the
#   workspace, so they are held as privileged. Formatting a disk and kill -1 are
#   denied, and killing every process by pattern (killall5, pkill -f .) is held, as
#   destructive.
# custom:
#   class: [privileged, destructive]
#   rules:
#     - system.sudo
#     - system.package
#     - system.service
#     - system.scheduler
#     - system.crontab
#     - system.firewall
#     - system.mount
#     - system.kernel
#     - system.sysctl
#     - system.users
#     - system.power
#     - system.disk.format
#     - system.kill_all
#     - system.namespace
package gatesh.rules.system

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.reason

# names, name_prefixes: the commands this package's rules judge; the combiner
# evaluates the package only for lines that run one (keep in step with the rules).
names := {
	"nsenter", "unshare", "chroot", "systemd-run",
	"addgroup", "adduser", "apk", "apt", "apt-get", "aptitude", "at", "atrm", "batch", "bless",
	"blkdiscard", "brew", "cfdisk", "chfn", "chpasswd", "chsh", "crontab", "csrutil", "delgroup",
	"deluser", "diskutil", "dnf", "doas", "dpkg", "dscl", "ebtables", "efibootmgr", "emerge",
	"fdisk", "firewall-cmd", "flatpak", "gdisk", "gpasswd", "groupadd", "groupdel", "groupmod",
	"grub-install", "halt", "hdiutil", "hostnamectl", "init", "insmod", "ip6tables",
	"ip6tables-restore", "iptables", "iptables-restore", "kexec", "kextload", "kextunload",
	"kill", "killall", "killall5", "launchctl", "losetup", "microdnf", "mkdosfs", "mke2fs",
	"mkswap", "modprobe", "mount", "mount.nfs", "newfs", "newfs_apfs", "newfs_hfs", "nft",
	"nvram", "pacman", "parted", "passwd", "pfctl", "pkexec", "pkg", "pkill", "port", "poweroff",
	"pwpolicy", "reboot", "rmmod", "run0", "runuser", "scutil", "service", "setenforce",
	"sfdisk", "sgdisk", "shutdown", "snap", "spctl", "su", "sudo", "sudoedit", "swapoff",
	"swapon", "sysadminctl", "sysctl", "systemctl", "systemd-halt", "telinit", "timedatectl",
	"ufw", "umount", "update-grub", "useradd", "userdel", "usermod", "vipw", "visudo", "wipefs",
	"xbps-install", "yum", "zpool", "zypper"
}

name_prefixes := {"mkfs"}

_wait := "Wait for the user to approve it, or ask them to run it themselves."

_pos(c) := argv.positionals(cmds.args(c), set())

hold contains reason.of("system.sudo", sprintf("%s runs a command as another user (usually root). %s Most work does not need it: install into the workspace instead.", [c.name, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"sudo", "doas", "su", "pkexec", "run0", "sudoedit", "runuser"}
	c := input.commands[i]
}

# --- services -----------------------------------------------------------------------

hold contains reason.of("system.service", sprintf("systemctl %s changes system services. %s", [v, _wait]), "privileged", i) if {
	some i in cmds.by_name.systemctl
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"-H", "--host", "-M", "--machine", "-t", "--type", "--state", "-p", "--property", "-n", "--lines", "-o", "--output"})
	count(ps) > 0
	v := ps[0]
	not v in {"status", "show", "cat", "help", "is-active", "is-enabled", "is-failed", "is-system-running", "get-default", "show-environment", "list-units", "list-unit-files", "list-sockets", "list-timers", "list-jobs", "list-dependencies", "list-machines"}
}

hold contains reason.of("system.service", sprintf("service %s changes a system service. %s", [concat(" ", ps), _wait]), "privileged", i) if {
	some i in cmds.by_name.service
	ps := _pos(input.commands[i])
	count(ps) >= 2
	not ps[1] in {"status"}
}

hold contains reason.of("system.service", sprintf("launchctl %s changes system or user services. %s", [ps[0], _wait]), "privileged", i) if {
	some i in cmds.by_name.launchctl
	ps := _pos(input.commands[i])
	count(ps) > 0
	not ps[0] in {"list", "print", "print-disabled", "blame", "help", "version", "getenv", "managername", "manageruid", "hostinfo", "resolveport", "examine", "dumpstate"}
}

# --- system package managers ----------------------------------------------------------

_pkg_verbs := {
	"apt": {"install", "remove", "purge", "upgrade", "full-upgrade", "dist-upgrade", "autoremove", "reinstall", "build-dep"},
	"apt-get": {"install", "remove", "purge", "upgrade", "dist-upgrade", "autoremove", "reinstall", "build-dep", "dselect-upgrade"},
	"aptitude": {"install", "remove", "purge", "upgrade", "full-upgrade", "safe-upgrade", "reinstall"},
	"yum": {"install", "remove", "erase", "update", "upgrade", "downgrade", "reinstall", "groupinstall", "groupremove", "localinstall", "autoremove", "swap"},
	"dnf": {"install", "remove", "erase", "update", "upgrade", "downgrade", "reinstall", "groupinstall", "autoremove", "swap", "distro-sync"},
	"microdnf": {"install", "remove", "update", "upgrade", "reinstall"},
	"apk": {"add", "del", "upgrade", "fix"},
	"zypper": {"in", "install", "rm", "remove", "up", "update", "dup", "dist-upgrade", "patch"},
	"snap": {"install", "remove", "refresh", "revert"},
	"flatpak": {"install", "uninstall", "update"},
	"port": {"install", "uninstall", "upgrade", "selfupdate"},
	"emerge": set(),
	"xbps-install": set(),
	"pkg": {"install", "delete", "remove", "upgrade"},
	# Homebrew installs per user and `brew install` is undone by `brew uninstall`;
	# removing software others may rely on is what is held.
	"brew": {"uninstall", "remove", "rm", "untap", "autoremove"},
}

hold contains reason.of("system.package", sprintf("%s %s changes system-wide software. %s Install into the workspace instead (venv, node_modules, go.mod).", [c.name, v, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	verbs := _pkg_verbs[n]
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"-o", "-c", "-t", "--target-release", "--root", "--installroot", "-X", "--repo", "--enablerepo", "--disablerepo"})
	count(ps) > 0
	v := ps[0]
	v in verbs
}

hold contains reason.of("system.package", sprintf("%s changes system-wide software. %s", [c.name, _wait]), "privileged", i) if {
	some i in cmds.by_name.pacman
	c := input.commands[i]
	some w in cmds.args(c)
	regex.match(`^(-[A-Za-z]*[SRU]|--sync|--remove|--upgrade)`, w)
	not _pacman_query(c)
}

_pacman_query(c) if {
	some w in cmds.args(c)
	regex.match(`^-S[a-z]*[sigpl]`, w)
	not regex.match(`^-S[a-z]*[yu]`, w)
}

hold contains reason.of("system.package", sprintf("dpkg %s changes system-wide software. %s", [w, _wait]), "privileged", i) if {
	some i in cmds.by_name.dpkg
	some w in cmds.args(input.commands[i])
	regex.match(`^(-i|-r|-P|--install|--remove|--purge|--unpack|--configure|-[a-zA-Z]*[irP])$`, w)
}

hold contains reason.of("system.package", sprintf("emerge/xbps-install changes system-wide software. %s", [_wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"emerge", "xbps-install"}
	c := input.commands[i]
	count(_pos(c)) > 0
}

# --- persistence, firewall, mounts, kernel, users, power --------------------------------------

hold contains reason.of("system.crontab", sprintf("crontab changes scheduled jobs that keep running after this session. %s", [_wait]), "privileged", i) if {
	some i in cmds.by_name.crontab
	c := input.commands[i]
	not _crontab_list(c)
}

_crontab_list(c) if {
	argv.has_flag(cmds.args(c), "-l")
	not argv.has_flag(cmds.args(c), "-r")
	not argv.has_flag(cmds.args(c), "-e")
}

hold contains reason.of("system.scheduler", sprintf("%s schedules a job that runs later, outside this session. %s", [c.name, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"at", "batch", "atrm"}
	c := input.commands[i]
	not argv.has_flag(cmds.args(c), "-l")
}

hold contains reason.of("system.firewall", sprintf("%s changes the firewall. %s", [c.name, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"iptables", "ip6tables", "nft", "ufw", "firewall-cmd", "pfctl", "iptables-restore", "ip6tables-restore", "ebtables"}
	c := input.commands[i]
	not _firewall_read(c)
}

_firewall_read(c) if {
	c.name in {"iptables", "ip6tables", "ebtables"}
	args := cmds.args(c)
	some w in args
	regex.match(`^(-L|-S|--list|--list-rules|-[a-zA-Z]*[LS][a-zA-Z]*)$`, w)
	not _iptables_change(args)
}

_iptables_change(args) if {
	some w in args
	regex.match(`^(-[AIDRFXZNPE]|--(append|insert|delete|replace|flush|delete-chain|zero|new-chain|policy|rename-chain))$`, w)
}

_firewall_read(c) if {
	c.name == "nft"
	ps := _pos(c)
	ps[0] in {"list", "describe", "monitor"}
}

_firewall_read(c) if {
	c.name == "ufw"
	ps := _pos(c)
	ps[0] in {"status", "show", "app"}
}

_firewall_read(c) if {
	c.name == "firewall-cmd"
	every w in cmds.args(c) {
		regex.match(`^--(list|get|query|state|info)`, w)
	}
}

_firewall_read(c) if {
	c.name == "pfctl"
	every w in cmds.args(c) {
		regex.match(`^-(s|sr|sa|si|sn|ss|v|vs)`, w)
	}
}

hold contains reason.of("system.mount", sprintf("%s changes mounted filesystems. %s", [c.name, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"mount", "umount", "losetup", "swapon", "swapoff", "mount.nfs", "hdiutil"}
	c := input.commands[i]
	not _mount_list(c)
}

_mount_list(c) if {
	c.name == "mount"
	count(cmds.args(c)) == 0
}

_mount_list(c) if {
	c.name in {"mount", "swapon", "losetup"}
	every w in cmds.args(c) {
		w in {"-l", "--show", "-a", "--list", "-s", "--summary"}
		not w == "-a"
	}
}

_mount_list(c) if {
	c.name == "hdiutil"
	_pos(c)[0] in {"info", "imageinfo", "verify", "help"}
}

hold contains reason.of("system.sysctl", sprintf("sysctl changes kernel settings. %s", [_wait]), "privileged", i) if {
	some i in cmds.by_name.sysctl
	c := input.commands[i]
	_sysctl_write(c)
}

_sysctl_write(c) if argv.has_any(cmds.args(c), {"-w", "--write", "-p", "--load", "--system"})

_sysctl_write(c) if {
	some w in _pos(c)
	contains(w, "=")
}

hold contains reason.of("system.kernel", sprintf("%s changes the running kernel or security settings. %s", [c.name, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"modprobe", "insmod", "rmmod", "kextload", "kextunload", "setenforce", "csrutil", "spctl", "nvram", "bless", "efibootmgr", "grub-install", "update-grub", "hostnamectl", "timedatectl", "scutil"}
	c := input.commands[i]
	not _kernel_read(c)
}

_kernel_read(c) if {
	c.name in {"hostnamectl", "timedatectl", "csrutil", "spctl"}
	ps := _pos(c)
	_read_first(ps)
}

_read_first(ps) if count(ps) == 0

_read_first(ps) if ps[0] in {"status", "show", "list-timezones", "--status", "--assess"}

_kernel_read(c) if {
	c.name in {"nvram", "scutil", "efibootmgr"}
	every w in cmds.args(c) {
		not contains(w, "=")
		not w in {"-d", "-c", "--set", "-b", "-B", "-o", "-n", "-a"}
	}
	count(_pos(c)) <= 1
}

hold contains reason.of("system.users", sprintf("%s changes user accounts or passwords. %s", [c.name, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"useradd", "userdel", "usermod", "groupadd", "groupdel", "groupmod", "passwd", "chpasswd", "adduser", "deluser", "addgroup", "delgroup", "visudo", "vipw", "chsh", "chfn", "gpasswd", "sysadminctl", "pwpolicy"}
	c := input.commands[i]
}

hold contains reason.of("system.users", sprintf("dscl %s changes the directory service (users, groups). %s", [concat(" ", _pos(c)), _wait]), "privileged", i) if {
	some i in cmds.by_name.dscl
	c := input.commands[i]
	some w in cmds.args(c)
	regex.match(`^-(create|delete|append|merge|passwd|change)`, w)
}

hold contains reason.of("system.power", sprintf("%s shuts down or restarts the machine. %s", [c.name, _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"shutdown", "reboot", "halt", "poweroff", "systemd-halt", "kexec"}
	c := input.commands[i]
	not argv.has_any(cmds.args(c), {"--help", "-c"})
}

hold contains reason.of("system.power", sprintf("%s %s changes the machine's run level. %s", [c.name, concat(" ", _pos(c)), _wait]), "privileged", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"init", "telinit"}
	c := input.commands[i]
	count(_pos(c)) > 0
}

# --- disks (deny) -----------------------------------------------------------------------------------

deny contains reason.of("system.disk.format", sprintf("%s formats or erases a disk or partition: everything on it is destroyed. This is never run from an agent's shell.", [c.name]), "destructive", i) if {
	some i, c in input.commands
	_formats(c)
}

_formats(c) if startswith(c.name, "mkfs")

_formats(c) if c.name in {"wipefs", "mke2fs", "mkswap", "mkdosfs", "newfs", "newfs_hfs", "newfs_apfs", "blkdiscard", "sgdisk"}

_formats(c) if {
	c.name == "zpool"
	_pos(c)[0] in {"destroy", "create", "labelclear"}
}

_formats(c) if {
	c.name == "diskutil"
	some w in _pos(c)
	regex.match(`^(?i)(erase\w*|partitionDisk|zeroDisk|secureErase|randomDisk|reformat|apfs)$`, w)
}

_formats(c) if {
	c.name in {"fdisk", "sfdisk", "parted", "gdisk", "cfdisk"}
	not _partition_read(c)
}

_partition_read(c) if argv.has_any(cmds.args(c), {"-l", "--list", "-s", "--show-size", "-V", "--version", "-h", "--help", "-d", "--dump"})

_partition_read(c) if {
	c.name == "parted"
	some w in c.argv
	w in {"print", "-l", "--list"}
}

# --- killing everything ------------------------------------------------------------------------------

deny contains reason.of("system.kill_all", "kill -1 sends a signal to every process you own, ending the session and everything else. This is never run from an agent's shell; kill specific process ids instead.", "destructive", i) if {
	some i in cmds.by_name.kill
	c := input.commands[i]
	_kills_all(cmds.args(c))
}

_kills_all(args) if args == ["-1"]

# pid 1 is init: signalling it (as root) brings the machine down
_kills_all(args) if {
	some j, w in args
	w == "1"
	not _signal_value(args, j)
}

_signal_value(args, j) if {
	j > 0
	args[j - 1] in {"-s", "-n", "--signal"}
}

_kills_all(args) if {
	count(args) >= 2
	some j, w in args
	j > 0
	w == "-1"
	not args[j - 1] in {"-s", "-n", "--signal"}
}

hold contains reason.of("system.kill_all", sprintf("%s kills every process matching everything or all users' processes. %s", [c.name, _wait]), "destructive", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"killall5", "pkill", "killall"}
	c := input.commands[i]
	_kills_everything(c)
}

_kills_everything(c) if c.name == "killall5"

_kills_everything(c) if {
	c.name == "pkill"
	ps := argv.positionals(cmds.args(c), {"-u", "-U", "-g", "-G", "-P", "-s", "-t", "--signal"})
	some p in ps
	p in {".", ".*", "", "^", ".+"}
}

_kills_everything(c) if {
	c.name == "pkill"
	ps := argv.positionals(cmds.args(c), {"-u", "-U", "-g", "-G", "-P", "-s", "-t", "--signal"})
	count(ps) == 0
	argv.has_any(cmds.args(c), {"-u", "-U"})
}

# --- library injection -----------------------------------------------------------------------------------

# --- namespaces, roots and detached units -----------------------------------------------------

hold contains reason.of("system.namespace", sprintf("%s enters or creates namespaces or a new root, which needs privileges and escapes the shell's view of the system. %s", [c.name, _wait]), "privileged", i) if {
	some i, cx in input.commands
	cx.name in {"nsenter", "unshare", "chroot"}
	c := input.commands[i]
	not argv.has_any(cmds.args(c), {"--help", "-h", "--version", "-V"})
}

hold contains reason.of("system.scheduler", sprintf("systemd-run starts a command as a separate service unit that outlives this shell. %s", [_wait]), "privileged", i) if {
	some i in cmds.by_name["systemd-run"]
	c := input.commands[i]
	not argv.has_any(cmds.args(c), {"--help", "-h", "--version"})
}
