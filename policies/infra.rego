# METADATA
# title: Deploys and infrastructure
# description: >-
#   Judges kubectl (and oc), helm, terraform/tofu/terragrunt, pulumi and the cloud
#   CLIs (aws, gcloud, az, vercel, fly, ...). Commands that change live
#   infrastructure or deploy are held as external; reading secrets through a cloud
#   CLI is held as secret. Read verbs (get, describe, list), dry runs, plans and
#   local dev servers are allowed.
# custom:
#   class: [external, secret]
#   rules:
#     - infra.kubectl
#     - infra.kubectl.exec
#     - infra.kubectl.config
#     - infra.helm
#     - infra.terraform
#     - infra.pulumi
#     - infra.cloud
#     - infra.cloud.secret
package gatesh.rules.infra

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.reason

# names: the command names this package's rules look at; the combiner evaluates the
# package only for lines that run one of them (keep it in step with the rules).
names := _clouds | {"kubectl", "oc", "k", "helm", "terraform", "tofu", "terragrunt", "pulumi"}

_wait := "It changes live infrastructure; wait for the user to approve it."

# --- kubectl ---------------------------------------------------------------------

_kube_valopts := {"-n", "--namespace", "--context", "--cluster", "--kubeconfig", "--user", "-s", "--server", "--token", "-l", "--selector", "-o", "--output", "-f", "--filename", "-c", "--container", "--type", "-p", "--patch", "--replicas", "--image", "--field-selector", "--as", "--as-group", "--tail", "--since", "-L", "--label-columns", "--sort-by", "--request-timeout", "-k", "--kustomize", "--timeout", "--for"}

_kube_reads := {"get", "describe", "logs", "diff", "explain", "top", "version", "api-resources", "api-versions", "cluster-info", "auth", "wait", "events", "port-forward", "proxy", "completion", "plugin", "kustomize", "convert", "options", "help", "config", "whoami"}

_kube_pos(c) := argv.positionals(cmds.args(c), _kube_valopts)

hold contains reason.of("infra.kubectl", sprintf("kubectl %s changes the cluster. %s Use --dry-run=client or kubectl diff to preview.", [v, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"kubectl", "oc", "k"}
	c := input.commands[i]
	ps := _kube_pos(c)
	count(ps) > 0
	v := ps[0]
	not v in _kube_reads
	not v in {"exec", "cp", "attach", "debug", "run"}
	not _kube_read_sub(v, ps)
	not _dry_run(c)
}

_kube_read_sub("rollout", ps) if ps[1] in {"status", "history"}

hold contains reason.of("infra.kubectl.config", sprintf("kubectl config %s changes which cluster every later command talks to. %s", [ps[1], _wait]), "external", i) if {
	some i in cmds.by_name.kubectl
	ps := _kube_pos(input.commands[i])
	ps[0] == "config"
	ps[1] in {"set-cluster", "set-credentials", "delete-cluster", "delete-context", "delete-user", "set"}
}

_dry_run(c) if {
	some w in c.argv
	regex.match(`^--dry-run(=(client|server|true|none-false)?)?$`, w)
	w != "--dry-run=none"
}

hold contains reason.of("infra.kubectl.exec", sprintf("kubectl %s runs commands or copies files inside a cluster workload. %s", [v, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"kubectl", "oc", "k"}
	c := input.commands[i]
	ps := _kube_pos(c)
	v := ps[0]
	v in {"exec", "cp", "attach", "debug", "run"}
	not _dry_run(c)
}

# --- helm ------------------------------------------------------------------------------

_helm_writes := {"install", "upgrade", "uninstall", "delete", "del", "un", "rollback", "test"}

hold contains reason.of("infra.helm", sprintf("helm %s changes releases in the cluster. %s Use helm template or helm diff to preview.", [v, _wait]), "external", i) if {
	some i in cmds.by_name.helm
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"-n", "--namespace", "--kube-context", "--kubeconfig", "-f", "--values", "--set", "--version", "--set-string", "--set-file", "-o", "--output", "--timeout", "--repo"})
	v := ps[0]
	v in _helm_writes
	not _dry_run(c)
}

# --- terraform / tofu / terragrunt ----------------------------------------------------

_tf_writes := {"apply", "destroy", "import", "taint", "untaint", "force-unlock", "refresh", "run-all"}

hold contains reason.of("infra.terraform", sprintf("%s %s changes real infrastructure or its state. %s Run `%s plan` to preview.", [c.name, v, _wait, c.name]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"terraform", "tofu", "terragrunt"}
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"-var", "-var-file", "-target", "-chdir", "-state", "-out", "-lock-timeout", "-parallelism", "-replace"})
	_tf_write(ps)
	v := concat(" ", array.slice(ps, 0, 2))
}

_tf_write(ps) if ps[0] in {"apply", "destroy", "import", "taint", "untaint", "force-unlock", "refresh"}

_tf_write(ps) if {
	ps[0] == "state"
	ps[1] in {"rm", "mv", "push", "replace-provider"}
}

_tf_write(ps) if {
	ps[0] == "workspace"
	ps[1] == "delete"
}

_tf_write(ps) if {
	ps[0] == "run-all"
	ps[1] in {"apply", "destroy", "import", "refresh"}
}

# --- pulumi -----------------------------------------------------------------------------

hold contains reason.of("infra.pulumi", sprintf("pulumi %s changes real infrastructure or its state. %s Run `pulumi preview` first.", [concat(" ", array.slice(ps, 0, 2)), _wait]), "external", i) if {
	some i in cmds.by_name.pulumi
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"-s", "--stack", "-C", "--cwd", "-m", "--message", "--target", "-t"})
	_pulumi_write(ps)
}

_pulumi_write(ps) if ps[0] in {"up", "update", "destroy", "import", "refresh", "cancel", "watch"}

_pulumi_write(ps) if {
	ps[0] == "stack"
	ps[1] in {"rm", "import"}
}

_pulumi_write(ps) if {
	ps[0] == "state"
	ps[1] in {"delete", "unprotect", "move", "rename"}
}

# --- cloud CLIs ---------------------------------------------------------------------------

_clouds := {
	"aws", "gcloud", "gsutil", "az", "doctl", "fly", "flyctl", "vercel", "netlify", "heroku",
	"firebase", "cdk", "serverless", "sls", "vault", "consul", "nomad", "eksctl", "hcloud",
	"linode-cli", "oci", "ibmcloud", "railway", "wrangler", "supabase", "render", "cf",
	"scw", "exoscale", "upcloud", "vultr-cli", "ansible", "ansible-playbook", "s3cmd",
	"rclone", "az", "bq", "amplify", "sam", "copilot", "doppler", "kamal", "dokku",
}

# words that only read or that work locally
_read_verb(v) if v in {
	"describe", "list", "ls", "get", "show", "info", "whoami", "view", "status", "version",
	"help", "logs", "log", "tail", "inspect", "search", "cat", "plan", "preview", "diff",
	"synth", "validate", "lookup", "explain", "dev", "serve", "offline", "login", "logout",
	"doctor", "open", "completion", "members", "monitor", "watch", "local", "emulators:start",
	"emulators:exec", "metadata", "check", "lint", "test", "invoke", "build", "pull", "link",
	"init", "--version", "-v", "--help", "-h", "whoami", "me", "account", "regions", "sizes",
	"find", "history", "ps", "releases", "top", "output", "outputs", "current", "print",
	"size", "du", "stat", "config", "configure", "auth", "sts", "list-buckets", "read-only",
	"ping", "tree", "lsd", "lsf", "lsl", "md5sum", "sha1sum", "check",
}

_read_verb(v) if regex.match(`^(describe|list|get|show|head|view|lookup|search|query|scan|batch-get|filter|select|test|validate|estimate|simulate|preview|check|verify|wait|download|print-)`, v)

# reads that hand out credentials
_secret_verb(v) if regex.match(`^(get-secret-value|get-login-password|get-session-token|get-authorization-token|print-access-token|print-identity-token|get-credentials|decrypt|get-parameters?|access)$`, v)

_cloud_valopts := {
	"--region", "--profile", "--project", "--output", "-o", "--query", "--format", "--zone",
	"-g", "--resource-group", "--subscription", "--account", "--app", "-a", "--scope",
	"--token", "-t", "--team", "--site", "--config", "-c", "--stage", "-s", "--namespace",
	"-n", "-i", "--inventory", "-e", "--extra-vars", "-l", "--limit", "-u", "--user",
	"--cwd", "--endpoint-url", "--address", "-address", "-m", "-C", "--color",
}

_cloud_pos(c) := argv.positionals(cmds.args(c), _cloud_valopts)

_cloud_is_read(c) if {
	some w in array.slice(_cloud_pos(c), 0, 4)
	_read_verb(w)
	not _cloud_write_word(c)
}

_cloud_is_read(c) if argv.has_any(cmds.args(c), {"--help", "-h", "--version", "--dry-run", "--check", "--syntax-check", "--list-hosts", "--list-tasks", "--list-tags"})

# a write verb in the first words overrides a read word elsewhere ("config set", "env pull")
_cloud_write_word(c) if {
	some w in array.slice(_cloud_pos(c), 0, 4)
	w in {"set", "unset", "delete", "rm", "remove", "create", "put", "pull", "push", "deploy", "destroy", "apply", "import", "sync", "cp", "mv"}
	not c.name in {"aws", "gsutil", "rclone", "s3cmd"}
}

# aws s3 cp/sync/mv: writes only when the destination is remote
_cloud_is_read(c) if {
	c.name in {"aws", "gsutil", "rclone", "s3cmd"}
	ps := _cloud_pos(c)
	_copy_word(c, ps)
	d := ps[count(ps) - 1]
	not regex.match(`^(s3|gs|az|r2)://|^[A-Za-z0-9_-]+:`, d)
}

_copy_word(c, ps) if {
	some w in array.slice(ps, 0, 2)
	w in {"cp", "sync", "mv", "copy", "rsync", "copyto"}
	not c.name == "aws"
}

_copy_word(c, ps) if {
	c.name == "aws"
	ps[0] == "s3"
	ps[1] in {"cp", "sync"}
}

hold contains reason.of("infra.cloud", sprintf("%s %s changes cloud resources or deploys. %s Use a read command (describe, list, get) to inspect.", [c.name, concat(" ", array.slice(_cloud_pos(c), 0, 3)), _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in _clouds
	c := input.commands[i]
	not _cloud_is_read(c)
	not _cloud_secret(c)
	not _bare_help(c)
}

# `vercel` or `netlify` alone; a bare `aws` prints help
_bare_help(c) if {
	count(_cloud_pos(c)) == 0
	not c.name in {"vercel", "serverless", "sls", "ansible-playbook", "kamal"}
	not argv.has_any(cmds.args(c), {"--prod", "--production"})
}

hold contains reason.of("infra.cloud.secret", sprintf("%s %s reads credentials or secrets. %s", [c.name, concat(" ", array.slice(_cloud_pos(c), 0, 3)), "Wait for the user to approve it."]), "secret", i) if {
	some i, cx in input.commands
	n := cx.name
	n in _clouds
	c := input.commands[i]
	_cloud_secret(c)
}

_cloud_secret(c) if {
	some w in array.slice(_cloud_pos(c), 0, 4)
	_secret_verb(w)
}

_cloud_secret(c) if {
	c.name == "vault"
	ps := _cloud_pos(c)
	_vault_secret_read(ps)
}

_vault_secret_read(ps) if ps[0] == "read"

_vault_secret_read(ps) if {
	ps[0] == "kv"
	ps[1] == "get"
}

_cloud_secret(c) if {
	c.name in {"vercel", "netlify", "railway", "doppler", "heroku"}
	ps := _cloud_pos(c)
	"env" in ps
	"pull" in ps
}

_cloud_secret(c) if {
	c.name == "heroku"
	ps := _cloud_pos(c)
	ps[0] in {"config", "config:get"}
	count(ps) >= 1
	not "set" in ps
	not ps[0] == "config:set"
}
