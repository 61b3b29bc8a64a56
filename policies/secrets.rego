# METADATA
# title: Secrets
# description: >-
#   Judges reading credential files (the paths matching settings.secret_globs: .env
#   files, SSH keys, cloud credentials, ...) and sending secrets over the network. A
#   read is held so that a person sees which secret the agent asks for; uploading a
#   credentials file, or piping the output of a secret read or of env/printenv into
#   curl, ssh, gh and the like, is held too.
# custom:
#   class: secret
#   rules:
#     - secret.read
#     - secret.exfil
package gatesh.rules.secrets

import rego.v1

import data.gatesh.config
import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.paths
import data.gatesh.lib.reason
import data.gatesh.lib.secretglobs

# secret_path(abs): abs matches settings.secret_globs (for strings such as
# interpreter code paths; path facts carry the same answer in p.secret)
secret_path(abs) if secretglobs.match(abs)

# directories that hold secrets (~/.ssh, ~/.aws, ...): reading them whole reads secrets
secret_dirs := {d |
	some g in config.settings.secret_globs
	startswith(g, "~/.")
	parts := split(g, "/")
	count(parts) >= 3
	d := paths.expand(concat("/", array.slice(parts, 0, 2)))
}

_recursive_readers := {"tar", "zip", "7z", "rsync", "scp", "cp", "grep", "rg", "ag", "ack", "find", "gpg", "base64", "xxd", "cat", "ln"}

# commands that name paths without revealing their content
_non_readers := {
	"echo", "printf", "ls", "stat", "test", "[", "[[", "du", "chmod", "chown", "chgrp", "touch",
	"mkdir", "rm", "rmdir", "unlink", "shred", "mv", "realpath", "readlink", "basename",
	"dirname", "which", "type", "command", "export", "cd", "pushd", "popd", "wc", "md5sum",
	"sha1sum", "sha256sum", "shasum", "md5", "cksum", "file", "find", "fd", "tee", "ssh-keygen",
	"ssh-add", "ssh", "git", "exa", "eza", "tree", "lsof", "source", ".", "touch", "truncate",
	"diff3", "sleep", "docker", "kubectl",
}

# git subcommands that print file contents
_git_readers := {"show", "diff", "blame", "cat-file", "grep", "add", "stash"}

_reads_paths(c) if not c.name in _non_readers

_reads_paths(c) if {
	c.name == "git"
	c.git.subcommand in _git_readers
}

# the positional that is a pattern or a program, not a file
_program_arg(c) := j if {
	c.name in {"grep", "egrep", "fgrep", "rg", "ag", "ack", "sed", "awk", "gawk", "mawk", "jq", "yq"}
	not _has_program_opt(c)
	idx := argv.positional_idx(cmds.args(c), {"-e", "-f", "-A", "-B", "-C", "-m", "-g", "--glob", "-t", "--type", "-T", "--max-count", "--context", "-F", "-v"})
	count(idx) > 0
	j := idx[0] + 1
}

_has_program_opt(c) if {
	some w in cmds.args(c)
	regex.match(`^(-e|-f|--regexp|--file|--expression)`, w)
	not c.name in {"jq", "yq"}
}

# the destination of a copy is written, not read
_dest_arg(c) := j if {
	c.name in {"cp", "install", "rsync", "scp", "mv", "ditto", "tee"}
	ps := [p.arg | some p in c.paths]
	count(ps) >= 2
	j := max(ps)
}

_is_program_arg(c, j) if j == _program_arg(c)

_is_dest_arg(c, j) if j == _dest_arg(c)

# read_at(i, p): command i reads the secret path fact p
reads contains [i, p.abs] if {
	some i, c in input.commands
	_reads_paths(c)
	some p in c.paths
	not p.dynamic
	not _is_program_arg(c, p.arg)
	not _is_dest_arg(c, p.arg)
	p.secret
}

reads contains [i, p.abs] if {
	some i, cx in input.commands
	n := cx.name
	n in _recursive_readers
	c := input.commands[i]
	some p in c.paths
	not p.dynamic
	p.secret_dir
	not _is_dest_arg(c, p.arg)
}

reads contains [i, r.file.abs] if {
	some i, c in input.commands
	some r in c.redirects
	not r.write
	is_object(r.file)
	r.file.secret
}

reads contains [i, abs] if {
	some i, c in input.commands
	is_object(c.code)
	some abs in c.code.paths
	secret_path(abs)
}

hold contains reason.of("secret.read", sprintf("%s reads %s, which holds credentials. Wait for the user to approve it; do not copy secrets into files, commands or messages.", [input.commands[i].name, abs]), "secret", i) if {
	some x in reads
	i := x[0]
	abs := x[1]
}

# --- exfiltration --------------------------------------------------------------------------

_senders := {"curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "scp", "rsync", "ssh", "sftp", "ftp", "http", "https", "xh", "mail", "mailx", "sendmail", "mutt", "gh", "aws", "gsutil", "rclone", "s3cmd", "openssl"}

_readers_of_env := {"env", "printenv", "set", "declare", "export", "compgen"}

_secret_source(j) if {
	some x in reads
	x[0] == j
}

_secret_source(j) if {
	c := input.commands[j]
	c.name in _readers_of_env
	count(argv.positionals(cmds.args(c), set())) == 0
}

hold contains reason.of("secret.exfil", sprintf("%s would send the output of `%s`, which holds credentials, off this machine. Wait for the user; never send secrets anywhere.", [c.name, input.commands[j].name]), "secret", i) if {
	some i, cx in input.commands
	n := cx.name
	n in _senders
	c := input.commands[i]
	some j in c.pipe_from
	_secret_source(j)
}

# curl -d @FILE / -F x=@FILE / -T FILE, wget --post-file FILE
hold contains reason.of("secret.exfil", sprintf("%s uploads %s, which holds credentials. Wait for the user; never send secrets anywhere.", [c.name, abs]), "secret", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"curl", "wget", "http", "xh"}
	c := input.commands[i]
	some v in argv.values(cmds.args(c), {"-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form", "-T", "--upload-file", "--post-file", "--body-file", "--json"})
	f := _upload_file(v)
	abs := paths.resolve(f, c.cwd)
	_secret_or_dir(abs)
}

_upload_file(v) := substring(v, 1, -1) if startswith(v, "@")

_upload_file(v) := f if {
	not startswith(v, "@")
	regex.match(`^[^=]*=[@<]`, v)
	parts := split(v, "=")
	f := trim_left(split(parts[1], ";")[0], "@<")
}

_upload_file(v) := v if {
	not startswith(v, "@")
	not contains(v, "=")
	v != "-"
}

_secret_or_dir(abs) if secret_path(abs)

_secret_or_dir(abs) if abs in secret_dirs

# Guards: the combiner evaluates this package only for lines that run one of
# these commands or have one of these features (keep them in step with the rules).
names := _senders | _readers_of_env

features := {"secret", "code"}
