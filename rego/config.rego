# METADATA
# title: Settings
# description: >-
#   The default settings of the shipped policy and their merge with the user's
#   data.gatesh.settings (data.json or a Rego package gatesh.settings): a user value
#   replaces the default of the same key. Rules read the merged settings. It stays
#   loaded under --no-defaults.
package gatesh.config

import rego.v1

default_settings := {
	# Commits, merges, rebases and pushes on these branches are held.
	"protected_branches": ["main", "master"],
	# Extra workspace roots (when the cwd is not inside a git repository). Applied
	# by the engine when it computes the path facts (in_workspace, ...).
	"workspace_roots": [],
	# Programs whose output is shell code that sets up the environment, so that
	# `eval "$(brew shellenv)"` is not held as opaque code: the code comes from
	# the program, not from the agent's text.
	"env_generators": [
		"brew", "pyenv", "rbenv", "nodenv", "jenv", "goenv", "plenv", "direnv", "fnm", "mise", "rtx",
		"asdf", "conda", "micromamba", "zoxide", "starship", "ssh-agent", "opam", "luarocks", "rustup",
		"nvm", "volta", "pixi", "keychain", "dircolors", "gpgconf", "thefuck", "atuin", "fzf",
	],
	# Paths whose reading is a secret read. Globs use "/" as the separator, "**"
	# crosses directories, a leading "~" is the user's home. An entry starting with
	# "!" excludes what it matches (checked after the includes).
	"secret_globs": [
		"**/.env",
		"**/.env.*",
		"!**/.env.example",
		"!**/.env.sample",
		"!**/.env.template",
		"!**/.env.dist",
		"!**/.env.defaults",
		"!**/.env.*.example",
		"!**/.env.*.sample",
		"!**/.env.*.template",
		"~/.ssh/*",
		"!~/.ssh/*.pub",
		"!~/.ssh/known_hosts",
		"!~/.ssh/known_hosts.old",
		"!~/.ssh/config",
		"!~/.ssh/authorized_keys",
		"~/.aws/credentials",
		"~/.netrc",
		"~/.git-credentials",
		"~/.npmrc",
		"~/.pypirc",
		"~/.pgpass",
		"~/.docker/config.json",
		"~/.kube/config",
		"~/.config/gh/hosts.yml",
		"~/.config/gcloud/credentials.db",
		"~/.config/gcloud/application_default_credentials.json",
		"~/.azure/accessTokens.json",
		"~/.gnupg/**",
		"~/.password-store/**",
		"**/*.pem",
		"!**/*cert*.pem",
		"!**/*ca-bundle*.pem",
		"!**/*chain*.pem",
		"!**/ca.pem",
		"**/*.key",
		"**/*.p12",
		"**/*.pfx",
		"**/id_rsa*",
		"**/id_dsa*",
		"**/id_ecdsa*",
		"**/id_ed25519*",
		"!**/*.pub",
		"/etc/shadow",
		"/etc/gshadow",
		"/etc/master.passwd",
		"/etc/sudoers",
	],
	# Per-class override of the action of held reasons: {"external": "deny"},
	# {"opaque": "allow"}. A class override never weakens a deny (waive the rule
	# by id for that).
	"class_action": {},
	# Seconds a held command waits for a person (less for agents that kill a
	# command sooner: Codex 8, SWE-agent, OpenHands and Cline 25;
	# GATESH_HOLD_WAIT in the agent's environment overrides all).
	"hold_wait": 90,
	# The longest a grant (a remembered approval) may last, in hours.
	"grant_max_hours": 24,
	# true: every command sent to another host with ssh waits for a person
	# (network.ssh.command); false: remote commands are judged one by one.
	"hold_remote_commands": false,
	# Which gated interactive sessions are recorded (asciicast, under the
	# state directory): "agents" (those an agent drives), "always", "never".
	# GATESH_RECORD=1 or 0 in the session's environment overrides it.
	"record": "agents",
	# The layers beyond the line judge (docs/layers.md). true: gatesh installs
	# the exec gate (every program the line starts is judged at its execve) and
	# confinement (Landlock: writes only under the workspace, the temp
	# directories and writable_caches; confine_secrets unreadable; no signals
	# to processes outside the tree) where the kernel offers them; a layer the
	# kernel lacks is left off (gatectl doctor says which). false: the line
	# judge alone.
	"exec_gate": true,
	# true: a layer that cannot be put in place (the kernel lacks it, or
	# exec_gate is false) makes gatesh refuse to run the command (exit 126,
	# with a gatesh: line saying which layer is missing) instead of running it
	# under the line judge alone.
	"require_exec_gate": false,
	# Tool caches a gated command may write to besides the workspace and the
	# temp directories: paths relative to the home directory, or absolute.
	# Downloads and build outputs a tool can fetch or compute again; left out
	# on purpose because they hold code or credentials run or trusted later:
	# ~/.cargo/bin, ~/go/bin, ~/.local/bin, ~/.cargo/config.toml,
	# ~/.m2/settings.xml, ~/.gradle/gradle.properties, ~/.gradle/init.d,
	# ~/.rustup, ~/.local/share/virtualenvs. The same list as
	# confine.DefaultCaches (a Go test keeps the two equal).
	"writable_caches": [
		".cache",
		".npm",
		".yarn/berry/cache",
		".local/share/pnpm/store",
		".bun/install/cache",
		".cargo/registry",
		".cargo/git",
		"go/pkg/mod",
		".m2/repository",
		".gradle/caches",
		".gradle/wrapper/dists",
		".gradle/daemon",
		".gradle/native",
		".ivy2/cache",
		".nuget/packages",
	],
	# Entries of the home directory a gated command may not read (relative to
	# the home directory, or absolute): keys, cloud and cluster credentials,
	# forge and registry tokens, password stores, browser profiles. Confinement
	# refuses the reads whatever program makes them; secret_globs is what the
	# line judge holds. The same list as confine.DefaultSecrets (a Go test
	# keeps the two equal).
	"confine_secrets": [
		".ssh",
		".gnupg",
		".aws",
		".azure",
		".config/gcloud",
		".kube",
		".docker/config.json",
		".config/gh",
		".config/hub",
		".config/glab-cli",
		".netrc",
		".git-credentials",
		".config/git/credentials",
		".npmrc",
		".pypirc",
		".cargo/credentials",
		".cargo/credentials.toml",
		".m2/settings.xml",
		".m2/settings-security.xml",
		".gradle/gradle.properties",
		".terraform.d/credentials.tfrc.json",
		".vault-token",
		".password-store",
		".local/share/keyrings",
		".config/op",
		".mozilla",
		".config/google-chrome",
		".config/chromium",
	],
}

# What the user set under data.gatesh.settings ({} when nothing).
default user_settings := {}

user_settings := data.gatesh.settings

settings := object.union(default_settings, user_settings)
