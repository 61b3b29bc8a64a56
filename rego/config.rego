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
	# Paths whose reading is a secret read. Globs use "/" as the separator, "**"
	# crosses directories, a leading "~" is the user's home. An entry starting with
	# "!" excludes what it matches (checked after the includes).
	# Programs whose output is shell code that sets up the environment, so that
	# `eval "$(brew shellenv)"` is not held as opaque code: the code comes from
	# the program, not from the agent's text.
	"env_generators": [
		"brew", "pyenv", "rbenv", "nodenv", "jenv", "goenv", "plenv", "direnv", "fnm", "mise", "rtx",
		"asdf", "conda", "micromamba", "zoxide", "starship", "ssh-agent", "opam", "luarocks", "rustup",
		"nvm", "volta", "pixi", "keychain", "dircolors", "gpgconf", "thefuck", "atuin", "fzf",
	],
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
}

# What the user set under data.gatesh.settings ({} when nothing).
default user_settings := {}

user_settings := data.gatesh.settings

settings := object.union(default_settings, user_settings)
