# METADATA
# title: Network
# description: >-
#   Judges HTTP clients, raw sockets, copies to other hosts, remote shells and mail.
#   Requests that send data or change state (POST, PUT, DELETE, uploads), raw
#   connections, uploads with scp/rsync/sftp, commands run on another host, tunnels
#   and mail are held as external: they act outside this machine. GET downloads and
#   requests to this machine (localhost) are allowed; an interactive ssh session is
#   opaque, since what will be typed into it is not known.
# custom:
#   class: [external, opaque]
#   rules:
#     - network.http.write
#     - network.raw
#     - network.copy.upload
#     - network.ssh.command
#     - network.ssh.session
#     - network.ssh.tunnel
#     - network.ssh.copy_id
#     - network.mail
package gatesh.rules.network

import rego.v1

import data.gatesh.config

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.reason
import data.gatesh.lib.writes

# names: the command names this package's rules look at; the combiner evaluates the
# package only for lines that run one of them (keep it in step with the rules).
names := {"curl", "wget", "http", "https", "xh", "xhs", "httpie", "nc", "ncat", "netcat", "telnet", "ftp", "tftp", "sftp", "lftp", "socat", "scp", "rsync", "ssh", "ssh-copy-id", "mail", "mailx", "sendmail", "mutt", "msmtp", "ssmtp", "swaks", "neomutt"}

_wait := "Wait for the user to approve it."

# hosts of this machine: requests there do not leave it
local_url(u) if regex.match(`^(?i)(https?://)?(localhost|127\.[0-9.]+|0\.0\.0\.0|\[::1\]|::1)([:/?#]|$)`, u)

_urls(c) := [w | some j, w in c.argv; j > 0; regex.match(`^(?i)([a-z][a-z0-9+.-]*://|localhost|127\.|0\.0\.0\.0|\[::1\])`, w)]

_all_local(c) if {
	us := _urls(c)
	count(us) > 0
	every u in us {
		local_url(u)
	}
}

_target(c) := concat(" ", _urls(c)) if count(_urls(c)) > 0

_target(c) := "a URL" if count(_urls(c)) == 0

# --- curl -------------------------------------------------------------------------

_curl_body := {"-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "--json", "-F", "--form", "--form-string", "-T", "--upload-file"}

_curl_method(c) := upper(m) if {
	some m in argv.values(cmds.args(c), {"-X", "--request"})
}

_curl_write(c) if {
	some m in {_curl_method(c)}
	not m in {"GET", "HEAD", "OPTIONS"}
}

_curl_write(c) if {
	some w in cmds.args(c)
	some f in _curl_body
	_opt_is(w, f)
}

# the option word w is f ("-d", "-dfoo", "--data", "--data=foo")
_opt_is(w, f) if w == f

_opt_is(w, f) if {
	startswith(f, "--")
	startswith(w, concat("", [f, "="]))
}

_opt_is(w, f) if {
	not startswith(f, "--")
	startswith(w, f)
	not startswith(w, "--")
}

hold contains reason.of("network.http.write", sprintf("%s sends data or a %s request to %s, changing state outside this machine. %s Use a GET to read.", [c.name, _method_name(c), _target(c), _wait]), "external", i) if {
	some i in cmds.by_name.curl
	c := input.commands[i]
	_curl_write(c)
	not _all_local(c)
}

_method_name(c) := m if m := _curl_method(c)

_method_name(c) := "POST/upload" if not _curl_method(c)

# --- wget ----------------------------------------------------------------------

# curl -K FILE reads more options (data, uploads, methods) from a file; -Q sends raw
# FTP/SFTP commands (DELE, RMD, …)
hold contains reason.of("network.http.write", sprintf("curl %s: what it sends is not on the command line. %s", [f, _wait]), "external", i) if {
	some i in cmds.by_name.curl
	c := input.commands[i]
	some f in {"-K", "--config", "-Q", "--quote"}
	argv.has_flag(cmds.args(c), f)
}

hold contains reason.of("network.http.write", sprintf("wget sends data or a %s request to %s. %s", [_wget_method(c), _target(c), _wait]), "external", i) if {
	some i in cmds.by_name.wget
	c := input.commands[i]
	_wget_write(c)
	not _all_local(c)
}

_wget_write(c) if {
	some w in cmds.args(c)
	some f in {"--post-data", "--post-file", "--body-data", "--body-file"}
	_opt_is(w, f)
}

_wget_write(c) if {
	some m in argv.values(cmds.args(c), {"--method"})
	not upper(m) in {"GET", "HEAD", "OPTIONS"}
}

_wget_method(c) := upper(m) if some m in argv.values(cmds.args(c), {"--method"})

_wget_method(c) := "POST" if count(argv.values(cmds.args(c), {"--method"})) == 0

# --- httpie / xh ---------------------------------------------------------------------

hold contains reason.of("network.http.write", sprintf("%s sends a %s request with data to %s. %s", [c.name, _http_method(c), _target(c), _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"http", "https", "xh", "xhs", "httpie"}
	c := input.commands[i]
	_httpie_write(c)
	not _all_local(c)
}

_http_pos(c) := argv.positionals(cmds.args(c), set())

_httpie_write(c) if upper(_http_pos(c)[0]) in {"POST", "PUT", "PATCH", "DELETE"}

_httpie_write(c) if {
	some w in _http_pos(c)
	regex.match(`^[^=:@/]+(=|:=|@|=@|:=@)`, w)
	not regex.match(`^[^=:@/]+==`, w)
}

_http_method(c) := upper(_http_pos(c)[0]) if upper(_http_pos(c)[0]) in {"POST", "PUT", "PATCH", "DELETE"}

_http_method(c) := "POST" if not upper(_http_pos(c)[0]) in {"POST", "PUT", "PATCH", "DELETE"}

# --- raw sockets -------------------------------------------------------------------------

hold contains reason.of("network.raw", sprintf("%s opens a raw network connection that can send anything. %s", [c.name, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"nc", "ncat", "netcat", "telnet", "ftp", "tftp", "sftp", "lftp"}
	c := input.commands[i]
	not _nc_harmless(c)
}

_nc_harmless(c) if {
	c.name in {"nc", "ncat", "netcat"}
	argv.has_any(cmds.args(c), {"-z", "-U"})
}

_nc_harmless(c) if {
	c.name in {"nc", "ncat", "netcat"}
	ps := argv.positionals(cmds.args(c), {"-p", "-s", "-w", "-i", "-q", "-x", "-X"})
	count(ps) > 0
	local_url(ps[0])
}

hold contains reason.of("network.raw", sprintf("socat connects to the network and can send anything. %s", [_wait]), "external", i) if {
	some i in cmds.by_name.socat
	c := input.commands[i]
	some w in cmds.args(c)
	regex.match(`^(?i)(tcp|udp|openssl|ssl|sctp|socks|proxy|ip|dccp|udp-sendto|tcp-connect)[46]?[-:]`, w)
	not regex.match(`(?i):(localhost|127\.[0-9.]+):`, w)
}

# --- copies to other hosts ------------------------------------------------------------

hold contains reason.of("network.copy.upload", sprintf("%s copies files to another host (%s). %s", [c.name, d, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"scp", "rsync"}
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), writes.valopts_for(n))
	count(ps) >= 2
	d := ps[count(ps) - 1]
	writes.remote_spec(d)
}

# --- remote shells -----------------------------------------------------------------------

_ssh_valopts := {"-o", "-p", "-i", "-l", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-e", "-E", "-I", "-m", "-O", "-Q", "-S", "-W", "-w", "-B"}

hold contains reason.of("network.ssh.session", sprintf("ssh %s without a command opens a remote shell whose commands cannot be judged. %s Pass the command to run: ssh host 'cmd'.", [ps[0], _wait]), "opaque", i) if {
	some i in cmds.by_name.ssh
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), _ssh_valopts)
	count(ps) == 1
	not _ssh_query(c)
	not _stdin_fed(c)
}

# By default a command run on another host (ssh host 'cmd') is judged command by
# command, like a local one (its deletes, writes, pushes… are held), because
# agents drive remote build machines all day. settings.hold_remote_commands makes
# every remote command wait for a person instead.
hold contains reason.of("network.ssh.command", sprintf("ssh %s runs commands on another machine, and this policy holds every remote command. %s", [ps[0], _wait]), "external", i) if {
	config.settings.hold_remote_commands
	some i in cmds.by_name.ssh
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), _ssh_valopts)
	count(ps) > 1
}

hold contains reason.of("network.ssh.tunnel", sprintf("ssh port forwarding (-L/-R/-D) opens a tunnel to another network. %s", [_wait]), "external", i) if {
	some i in cmds.by_name.ssh
	c := input.commands[i]
	some w in cmds.args(c)
	regex.match(`^-[a-zA-Z]*[LRD]`, w)
}

_ssh_query(c) if argv.has_any(cmds.args(c), {"-V", "-G", "-O"})

# ssh host < file / <<EOF feeds a script: the parser judges literal ones
_stdin_fed(c) if {
	some r in c.redirects
	r.op in {"<", "<<", "<<-", "<<<"}
}

_stdin_fed(c) if count(c.pipe_from) > 0

hold contains reason.of("network.ssh.copy_id", sprintf("ssh-copy-id installs a key on another host. %s", [_wait]), "external", i) if {
	some i in cmds.by_name["ssh-copy-id"]
}

# --- mail ---------------------------------------------------------------------------------

hold contains reason.of("network.mail", sprintf("%s sends mail. %s", [c.name, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"mail", "mailx", "sendmail", "mutt", "msmtp", "ssmtp", "swaks", "neomutt"}
	c := input.commands[i]
}
