package gatesh.rules.infra_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.infra

_h(argv) := x if x := t.ids(infra.hold) with input as t.line([t.cmd(argv)])

test_kubectl if {
	"infra.kubectl" in _h(["kubectl", "apply", "-f", "k8s/"])
	"infra.kubectl" in _h(["kubectl", "-n", "prod", "delete", "deployment", "--all"])
	"infra.kubectl" in _h(["kubectl", "rollout", "restart", "deploy/x"])
	"infra.kubectl.exec" in _h(["kubectl", "exec", "-it", "pod", "--", "/bin/bash"])
	"infra.kubectl.config" in _h(["kubectl", "config", "delete-context", "x"])
	count(_h(["kubectl", "get", "pods", "-n", "staging"])) == 0
	count(_h(["kubectl", "apply", "--dry-run=client", "-f", "-"])) == 0
	count(_h(["kubectl", "diff", "-f", "k8s/"])) == 0
	count(_h(["kubectl", "rollout", "status", "deploy/x"])) == 0
	count(_h(["kubectl", "logs", "deploy/api", "--tail=200"])) == 0
}

test_helm if {
	"infra.helm" in _h(["helm", "upgrade", "--install", "x", "./chart"])
	count(_h(["helm", "template", "./chart"])) == 0
	count(_h(["helm", "install", "x", "./c", "--dry-run"])) == 0
}

test_terraform if {
	"infra.terraform" in _h(["terraform", "apply", "-auto-approve"])
	"infra.terraform" in _h(["tofu", "state", "rm", "x"])
	"infra.terraform" in _h(["terraform", "workspace", "delete", "x"])
	"infra.terraform" in _h(["terragrunt", "run-all", "apply"])
	count(_h(["terraform", "plan", "-out=tfplan"])) == 0
	count(_h(["terraform", "init"])) == 0
}

test_pulumi if {
	"infra.pulumi" in _h(["pulumi", "up", "-y"])
	"infra.pulumi" in _h(["pulumi", "stack", "rm", "dev"])
	"infra.pulumi" in _h(["pulumi", "state", "delete", "urn"])
	count(_h(["pulumi", "preview"])) == 0
}

test_cloud if {
	"infra.cloud" in _h(["gcloud", "compute", "instances", "delete", "instance-1"])
	"infra.cloud" in _h(["aws", "ec2", "terminate-instances", "--instance-ids", "i-1"])
	"infra.cloud" in _h(["aws", "s3", "cp", "f", "s3://b/f"])
	"infra.cloud" in _h(["vercel", "--prod"])
	"infra.cloud" in _h(["vault", "kv", "delete", "secret/myapp/config"])
	"infra.cloud" in _h(["gcloud", "config", "set", "project", "x"])
	"infra.cloud" in _h(["fly", "deploy"])
	"infra.cloud.secret" in _h(["aws", "secretsmanager", "get-secret-value", "--secret-id", "x"])
	"infra.cloud.secret" in _h(["vault", "kv", "get", "secret/x"])
	"infra.cloud.secret" in _h(["vault", "read", "secret/x"])
	"infra.cloud.secret" in _h(["vercel", "env", "pull"])
	"infra.cloud.secret" in _h(["heroku", "config", "-a", "x"])
	count(_h(["aws", "sts", "get-caller-identity"])) == 0
	count(_h(["aws", "ec2", "describe-instances"])) == 0
	count(_h(["aws", "s3", "cp", "s3://b/f", "./f"])) == 0
	count(_h(["gsutil", "cp", "gs://b/f", "."])) == 0
	count(_h(["gcloud", "compute", "instances", "list"])) == 0
	count(_h(["firebase", "emulators:start"])) == 0
	count(_h(["aws"])) == 0
	count(_h(["ansible-playbook", "site.yml", "--check"])) == 0
}
