package gatesh.rules.publish_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.publish

_h(argv) := x if x := t.ids(publish.hold) with input as t.line([t.cmd(argv)])

test_publishers if {
	"publish.package" in _h(["npm", "publish"])
	"publish.package" in _h(["cargo", "publish"])
	"publish.package" in _h(["twine", "upload", "dist/*"])
	"publish.package" in _h(["yarn", "npm", "publish"])
	"publish.package" in _h(["npm", "dist-tag", "add", "x@1", "latest"])
	"publish.package" in _h(["npm", "owner", "add", "u", "x"])
	"publish.package" in _h(["semantic-release"])
	"publish.package" in _h(["dotnet", "nuget", "push", "x.nupkg"])
	"publish.package" in _h(["mvn", "clean", "deploy"])
	"publish.package" in _h(["./gradlew", "publish"])
	"publish.package" in _h(["gradle", ":lib:publishAllPublicationsToMavenRepository"])
}

test_publish_dry_allowed if {
	count(_h(["npm", "publish", "--dry-run"])) == 0
	count(_h(["gradle", "publishToMavenLocal"])) == 0
	count(_h(["npm", "install"])) == 0
	count(_h(["cargo", "build"])) == 0
}

test_images if {
	"publish.image" in _h(["docker", "push", "me/app"])
	"publish.image" in _h(["podman", "image", "push", "x"])
	"publish.image" in _h(["docker", "buildx", "build", "--push", "."])
	"publish.image" in _h(["docker", "buildx", "build", "--output=type=image,push=true", "."])
	"publish.image" in _h(["crane", "push", "x", "y"])
	count(_h(["docker", "build", "-t", "myapp:dev", "."])) == 0
}

test_releases if {
	"publish.release" in _h(["goreleaser", "release"])
	"publish.release" in _h(["goreleaser"])
	count(_h(["goreleaser", "release", "--snapshot"])) == 0
	count(_h(["goreleaser", "release", "--skip=publish"])) == 0
	"publish.gh_release" in _h(["gh", "release", "create", "v1"])
	count(_h(["gh", "release", "view", "v1"])) == 0
}

test_gh_writes if {
	"gh.write" in _h(["gh", "pr", "create", "--fill"])
	"gh.write" in _h(["gh", "pr", "merge", "15"])
	"gh.write" in _h(["gh", "issue", "comment", "3", "-b", "hi"])
	"gh.write" in _h(["gh", "repo", "delete", "x"])
	"gh.api.write" in _h(["gh", "api", "-X", "DELETE", "/repos/owner/repo"])
	"gh.api.write" in _h(["gh", "api", "repos/o/r/issues", "-f", "title=x"])
	"gh.auth.token" in _h(["gh", "auth", "token"])
}

test_gh_reads_allowed if {
	count(_h(["gh", "pr", "view", "15"])) == 0
	count(_h(["gh", "pr", "diff", "15", "--color=never"])) == 0
	count(_h(["gh", "pr", "checks", "15"])) == 0
	count(_h(["gh", "pr", "list", "--head", "x"])) == 0
	count(_h(["gh", "run", "watch"])) == 0
	count(_h(["gh", "api", "repos/o/r"])) == 0
	count(_h(["gh", "api", "-X", "GET", "repos/o/r"])) == 0
	count(_h(["gh", "pr", "create", "--help"])) == 0
	count(_h(["gh", "--version"])) == 0
}

test_npm_abbreviated_publish_held if {
	h := t.ids(publish.hold) with input as t.line([t.cmd(["npm", "pub"])])
	"publish.package" in h
}

test_cargo_toolchain_publish_held if {
	h := t.ids(publish.hold) with input as t.line([t.cmd(["cargo", "+nightly", "publish"])])
	"publish.package" in h
}

test_compose_push_held if {
	h := t.ids(publish.hold) with input as t.line([t.cmd(["docker", "compose", "push"])])
	"publish.image" in h
}

test_docker_compose_push_held if {
	h := t.ids(publish.hold) with input as t.line([t.cmd(["docker-compose", "push", "api"])])
	"publish.image" in h
}

test_compose_up_allowed if {
	h := t.ids(publish.hold) with input as t.line([t.cmd(["docker", "compose", "up", "-d"])])
	count(h) == 0
}
