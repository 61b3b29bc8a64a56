# METADATA
# title: Publishing
# description: >-
#   Judges package managers, image builders, release tools and the code forges' CLIs
#   (gh, glab, hub, tea). Publishing a package, pushing an image, making a release
#   and writing to a forge (issues, pull requests, API calls that change something)
#   are held as external: they cannot be taken back. Printing a forge's auth token
#   is held as secret.
# custom:
#   class: [external, secret]
#   rules:
#     - publish.package
#     - publish.image
#     - publish.release
#     - publish.gh_release
#     - gh.write
#     - gh.api.write
#     - gh.auth.token
package gatesh.rules.publish

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.reason

# names: the command names this package's rules look at; the combiner evaluates the
# package only for lines that run one of them (keep it in step with the rules).
names := object.keys(_publishers) | {"docker-compose", "yarn", "npm", "pnpm", "semantic-release", "dotnet", "mvn", "mvnw", "./mvnw", "gradle", "gradlew", "docker", "podman", "buildah", "nerdctl", "skopeo", "crane", "ko", "goreleaser", "gh", "glab", "hub", "tea"}

_wait := "Publishing cannot be taken back; wait for the user to approve it."

# the positional words, without a cargo/rustup toolchain selector (+nightly)
_pos(c) := [w | some w in _pos_all(c); not startswith(w, "+")]

_pos_all(c) := argv.positionals(cmds.args(c), {"--registry", "--tag", "--otp", "--access", "-C", "--cwd", "--filter", "-F", "--workspace", "-w", "--repo", "-R", "--jq", "-q", "--template", "-t", "--json", "--dir", "--prefix"})

# [tool, positional words that make it publish]
_publishers := {
	"npm": {"publish", "unpublish", "deprecate"},
	"pnpm": {"publish"},
	"yarn": {"publish"},
	"bun": {"publish"},
	"cargo": {"publish", "yank", "owner"},
	"twine": {"upload", "register"},
	"poetry": {"publish"},
	"flit": {"publish"},
	"hatch": {"publish"},
	"uv": {"publish"},
	"gem": {"push", "yank", "owner"},
	"lerna": {"publish"},
	"changeset": {"publish"},
	"vsce": {"publish", "unpublish"},
	"ovsx": {"publish"},
	"nuget": {"push", "delete"},
	"helm": {"push"},
	"pod": {"trunk"},
	"jf": {"rt"},
	"semantic-release": set(),
}

# npm accepts any unambiguous prefix of a command: npm pub, npm publ, npm unpub
hold contains reason.of("publish.package", sprintf("npm %s publishes outside this machine. %s", [w, _wait]), "external", i) if {
	some i in cmds.by_name.npm
	c := input.commands[i]
	ps := _pos(c)
	count(ps) > 0
	w := ps[0]
	regex.match(`^(pub|publ|publi|unpub|unpubl|unpubli|unpublis)$`, w)
	not _dry(c)
}

hold contains reason.of("publish.package", sprintf("%s %s publishes outside this machine. %s", [c.name, w, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	verbs := _publishers[n]
	c := input.commands[i]
	ps := _pos(c)
	count(ps) > 0
	w := ps[0]
	w in verbs
	not _dry(c)
}

# yarn npm publish, pnpm -r publish, npm dist-tag add
hold contains reason.of("publish.package", sprintf("%s %s publishes outside this machine. %s", [c.name, concat(" ", array.slice(ps, 0, 2)), _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"yarn", "npm", "pnpm"}
	c := input.commands[i]
	ps := _pos(c)
	count(ps) > 1
	_two_word_publish(ps[0], ps[1])
	not _dry(c)
}

_two_word_publish("npm", "publish")

_two_word_publish("dist-tag", v) if v in {"add", "rm", "remove"}

_two_word_publish("owner", v) if v in {"add", "rm", "remove"}

hold contains reason.of("publish.package", sprintf("semantic-release publishes a release. %s", [_wait]), "external", i) if {
	some i in cmds.by_name["semantic-release"]
	not _dry(input.commands[i])
}

hold contains reason.of("publish.package", sprintf("dotnet nuget push publishes a package. %s", [_wait]), "external", i) if {
	some i in cmds.by_name.dotnet
	ps := _pos(input.commands[i])
	ps[0] == "nuget"
	ps[1] in {"push", "delete"}
}

hold contains reason.of("publish.package", sprintf("mvn %s publishes artifacts. %s", [w, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"mvn", "mvnw", "./mvnw"}
	some w in _pos(input.commands[i])
	regex.match(`^(deploy|release:perform|deploy:deploy.*|site-deploy)$`, w)
}

hold contains reason.of("publish.package", sprintf("gradle %s publishes artifacts. %s", [w, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"gradle", "gradlew"}
	some w in _pos(input.commands[i])
	regex.match(`^(:?[A-Za-z0-9_-]+:)*(publish[A-Za-z]*|uploadArchives|bintrayUpload|closeAndReleaseRepository)$`, w)
	not regex.match(`ToMavenLocal$`, w)
}

_dry(c) if argv.has_any(cmds.args(c), {"--dry-run", "-n", "--dryrun"})

# --- images -----------------------------------------------------------------------

hold contains reason.of("publish.image", sprintf("%s push uploads an image to a registry. %s", [c.name, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"docker", "podman", "buildah", "nerdctl", "docker-compose"}
	c := input.commands[i]
	ps := _compose_pos(n, _pos(c))
	_image_push(ps)
}

_image_push(ps) if ps[0] == "push"

# docker compose push, docker-compose push
_image_push(ps) if {
	ps[0] == "compose"
	"push" in ps
}

_image_push(ps) if {
	ps[0] in {"image", "manifest"}
	ps[1] == "push"
}

hold contains reason.of("publish.image", sprintf("%s build --push uploads the image to a registry. %s", [c.name, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"docker", "podman"}
	c := input.commands[i]
	ps := _pos(c)
	"build" in ps
	_build_pushes(c)
}

_build_pushes(c) if "--push" in c.argv

_build_pushes(c) if {
	some w in c.argv
	regex.match(`^--output=.*push=true`, w)
}

hold contains reason.of("publish.image", sprintf("%s uploads an image to a registry. %s", [c.name, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"skopeo", "crane", "ko"}
	c := input.commands[i]
	_pos(c)[0] in {"copy", "push", "cp", "build", "apply", "resolve", "delete", "tag"}
	not "--push=false" in c.argv
}

# --- releases -------------------------------------------------------------------------

hold contains reason.of("publish.release", sprintf("goreleaser release publishes a release. %s Use --snapshot for a local build.", [_wait]), "external", i) if {
	some i in cmds.by_name.goreleaser
	c := input.commands[i]
	ps := _pos(c)
	_goreleaser_publishes(ps)
	not "--snapshot" in c.argv
	not _skips_publish(c)
}

_goreleaser_publishes(ps) if count(ps) == 0

_goreleaser_publishes(ps) if ps[0] == "release"

_skips_publish(c) if {
	some w in c.argv
	regex.match(`^--skip(-publish|=.*publish)`, w)
}

# --- forges ---------------------------------------------------------------------------------

_gh_reads := {
	"pr": {"view", "list", "diff", "checks", "status", "checkout"},
	"issue": {"view", "list", "status"},
	"run": {"view", "list", "watch", "download"},
	"release": {"view", "list", "download"},
	"repo": {"view", "list", "clone", "set-default"},
	"workflow": {"view", "list"},
	"label": {"list"},
	"gist": {"view", "list", "clone"},
	"secret": {"list"},
	"variable": {"list", "get"},
	"search": {"repos", "issues", "prs", "code", "commits"},
	"cache": {"list"},
	"ruleset": {"view", "list", "check"},
	"project": {"view", "list", "field-list", "item-list"},
	"codespace": {"list", "view", "logs", "ssh", "code", "cp", "ports"},
	"extension": {"list", "search", "browse", "exec"},
	"org": {"list"},
	"status": set(),
	"browse": set(),
	"auth": {"status"},
	"alias": {"list"},
	"config": {"get", "list"},
	"attestation": {"verify", "download"},
}

_gh_pos(c) := argv.positionals(cmds.args(c), {"-R", "--repo", "--jq", "-q", "--template", "-t", "--json", "-L", "--limit", "-b", "--body", "-B", "--base", "-H", "--head", "--title", "-X", "--method", "-f", "-F", "--field", "--raw-field", "-H", "--header", "--input", "-s", "--state", "-a", "--author", "--label", "-l", "-w", "--web", "-A", "--assignee", "--hostname", "-m", "--milestone", "--search", "-S", "-e", "--env", "-o", "--output", "-O", "-p", "--pattern", "-D", "--dir", "-c", "--comments"})

hold contains reason.of("publish.gh_release", sprintf("gh release %s changes a published release. %s", [v, _wait]), "external", i) if {
	some i in cmds.by_name.gh
	ps := _gh_pos(input.commands[i])
	ps[0] == "release"
	v := ps[1]
	not v in _gh_reads.release
}

hold contains reason.of("gh.write", sprintf("gh %s %s changes state on GitHub (visible to others). %s", [g, v, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"gh", "glab", "hub", "tea"}
	c := input.commands[i]
	ps := _gh_pos(c)
	count(ps) >= 2
	g := ps[0]
	v := ps[1]
	not g in {"release", "api", "auth", "alias", "config", "extension", "help", "completion", "codespace"}
	not v in object.get(_gh_reads, g, set())
	not object.get(_gh_reads, g, null) == set()
	not _gh_help(c)
}

_gh_help(c) if argv.has_any(cmds.args(c), {"--help", "-h"})

hold contains reason.of("gh.api.write", sprintf("gh api %s sends a write request to GitHub. %s", [_gh_api_what(c), _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"gh", "glab"}
	c := input.commands[i]
	ps := _gh_pos(c)
	ps[0] == "api"
	_gh_api_write(c)
}

_gh_api_write(c) if {
	some m in argv.values(cmds.args(c), {"-X", "--method"})
	upper(m) != "GET"
}

_gh_api_write(c) if {
	count(argv.values(cmds.args(c), {"-X", "--method"})) == 0
	some w in cmds.args(c)
	regex.match(`^(-f|-F|--field|--raw-field|--input)`, w)
}

_gh_api_what(c) := concat(" ", [upper(m) | some m in argv.values(cmds.args(c), {"-X", "--method"})])

hold contains reason.of("gh.auth.token", sprintf("gh auth %s prints or changes GitHub credentials. %s", [ps[1], _wait]), "secret", i) if {
	some i in cmds.by_name.gh
	ps := _gh_pos(input.commands[i])
	ps[0] == "auth"
	ps[1] in {"token", "refresh", "setup-git"}
}

# docker-compose push reads like docker compose push
_compose_pos(n, ps) := array.concat(["compose"], ps) if n == "docker-compose"

_compose_pos(n, ps) := ps if n != "docker-compose"
