package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs gatectl in-process with a private GATESH_HOME and the given stdin,
// in the working directory cwd (a fresh temporary directory when "").
type cli struct {
	t    *testing.T
	home string
	cwd  string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, home: t.TempDir(), cwd: t.TempDir()}
}

type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	vars := map[string]string{"GATESH_HOME": c.home, "HOME": c.home, "PATH": os.Getenv("PATH")}
	e := env{
		args:    args,
		stdin:   strings.NewReader(stdin),
		stdout:  &out,
		stderr:  &errb,
		getenv:  func(k string) string { return vars[k] },
		environ: []string{"GATESH_HOME=" + c.home, "HOME=" + c.home, "PATH=" + os.Getenv("PATH")},
		getwd:   func() (string, error) { return c.cwd, nil },
	}
	code := run(context.Background(), e)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// checkJSON is what `gatectl check --json` prints per line.
type checkJSON struct {
	Command string `json:"command"`
	Cwd     string `json:"cwd"`
	Action  string `json:"action"`
	Class   string `json:"class"`
	Reasons []struct {
		ID    string `json:"id"`
		Msg   string `json:"msg"`
		Class string `json:"class"`
		Cmd   *int   `json:"cmd"`
	} `json:"reasons"`
}

func decodeCheck(t *testing.T, line string) checkJSON {
	t.Helper()
	var r checkJSON
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, line)
	}
	return r
}

func (r checkJSON) ids() map[string]bool {
	m := map[string]bool{}
	for _, x := range r.Reasons {
		m[x.ID] = true
	}
	return m
}

func TestCheckJSONAllow(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "check", "--json", "--", "ls -la")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one JSON line, got %d:\n%s", len(lines), res.stdout)
	}
	r := decodeCheck(t, lines[0])
	if r.Action != "allow" || r.Class != "read-only" || r.Command != "ls -la" || r.Cwd != c.cwd {
		t.Errorf("got %+v, want allow read-only for %q in %s", r, "ls -la", c.cwd)
	}
	if r.Reasons == nil || len(r.Reasons) != 0 {
		t.Errorf("an allowed line prints reasons as []: %s", lines[0])
	}
	if !strings.Contains(lines[0], `"reasons":[]`) {
		t.Errorf("reasons must be an empty array, not null: %s", lines[0])
	}
}

func TestCheckJSONHold(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "check", "--json", "--", "git push -f origin HEAD:main")
	if res.code != 0 {
		t.Fatalf("check exits 0 whatever the action; got %d, stderr: %s", res.code, res.stderr)
	}
	r := decodeCheck(t, strings.TrimSpace(res.stdout))
	if r.Action != "hold" || r.Class != "external" {
		t.Errorf("action/class = %s/%s, want hold/external", r.Action, r.Class)
	}
	ids := r.ids()
	for _, id := range []string{"git.push", "git.push.force", "git.push.protected"} {
		if !ids[id] {
			t.Errorf("reason %s missing from %v", id, ids)
		}
	}
	for _, x := range r.Reasons {
		if x.Msg == "" || x.Class == "" || x.Cmd == nil || *x.Cmd != 0 {
			t.Errorf("reason %+v: want msg, class and cmd 0", x)
		}
	}
}

func TestCheckDeny(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "check", "--json", "--", "rm -rf ~")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	r := decodeCheck(t, strings.TrimSpace(res.stdout))
	if r.Action != "deny" || !r.ids()["files.rm.catastrophic"] {
		t.Errorf("rm -rf ~: got %+v, want deny by files.rm.catastrophic", r)
	}
}

func TestCheckHuman(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "check", "--", "git push origin main")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	if f := strings.Fields(lines[0]); len(f) < 3 || f[0] != "hold" || f[1] != "external" || strings.Join(f[2:], " ") != "git push origin main" {
		t.Errorf("first line %q, want `hold  external  git push origin main`", lines[0])
	}
	if len(lines) < 2 || !strings.Contains(res.stdout, "git.push: ") || !strings.Contains(res.stdout, "git.push.protected: ") {
		t.Errorf("want one indented `id: msg` line per reason:\n%s", res.stdout)
	}
	if strings.HasPrefix(strings.TrimSpace(res.stdout), "{") {
		t.Errorf("human output must not be JSON:\n%s", res.stdout)
	}

	res = c.run("", "check", "--", "echo hello")
	if got := strings.Fields(res.stdout); len(got) < 2 || got[0] != "allow" || got[1] != "read-only" {
		t.Errorf("echo hello: %q", res.stdout)
	}
	if strings.Count(res.stdout, "\n") != 1 {
		t.Errorf("an allowed line has no reason lines:\n%s", res.stdout)
	}
}

// Several words after -- are joined as the shell would see them.
func TestCheckJoinsWords(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "check", "--json", "--", "git", "push", "origin", "main")
	r := decodeCheck(t, strings.TrimSpace(res.stdout))
	if r.Command != "git push origin main" || r.Action != "hold" {
		t.Errorf("got %+v", r)
	}
}

func TestCheckBatchStdin(t *testing.T) {
	c := newCLI(t)
	in := "ls -la\nnpm publish\ngit status\n"
	res := c.run(in, "check", "--json", "--batch", "-")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 JSON lines, got %d:\n%s", len(lines), res.stdout)
	}
	want := []struct{ cmd, action string }{{"ls -la", "allow"}, {"npm publish", "hold"}, {"git status", "allow"}}
	for i, w := range want {
		r := decodeCheck(t, lines[i])
		if r.Command != w.cmd || r.Action != w.action {
			t.Errorf("line %d: got %q %s, want %q %s", i, r.Command, r.Action, w.cmd, w.action)
		}
	}
}

func TestCheckBatchFile(t *testing.T) {
	c := newCLI(t)
	f := filepath.Join(t.TempDir(), "lines.txt")
	if err := os.WriteFile(f, []byte("git push\r\ncat README.md\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := c.run("", "check", "--json", "--batch", f)
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	if res.code != 0 || len(lines) != 2 {
		t.Fatalf("exit %d, %d lines:\n%s%s", res.code, len(lines), res.stdout, res.stderr)
	}
	if r := decodeCheck(t, lines[0]); r.Command != "git push" || r.Action != "hold" {
		t.Errorf("CRLF line: got %+v", r)
	}
	if r := decodeCheck(t, lines[1]); r.Command != "cat README.md" || r.Action != "allow" {
		t.Errorf("line 2: got %+v", r)
	}
}

func TestCheckExplain(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "check", "--explain", "--", "git push origin main")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	out := res.stdout
	for _, want := range []string{"# input", `"commands"`, `"subcommand": "push"`, "rules that fired", "data.gatesh.rules.git.hold:", `"git.push.protected"`, "# decision"} {
		if !strings.Contains(out, want) {
			t.Errorf("--explain output lacks %q:\n%s", want, out)
		}
	}
	// the verdict comes after the explanation
	if i, j := strings.Index(out, "rules that fired"), strings.LastIndex(out, "hold"); i < 0 || j < i {
		t.Errorf("verdict should follow the fired rules:\n%s", out)
	}
}

func TestCheckExplainNone(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "check", "--explain", "--", "pwd")
	if !strings.Contains(res.stdout, "(none)") {
		t.Errorf("no rule fired, want (none):\n%s", res.stdout)
	}
}

func TestInput(t *testing.T) {
	c := newCLI(t)
	res := c.run("", "input", "--", "cd src && git push -f origin HEAD:main")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var doc struct {
		Text     string `json:"text"`
		Cwd      string `json:"cwd"`
		Commands []struct {
			Name string   `json:"name"`
			Argv []string `json:"argv"`
			Cwd  string   `json:"cwd"`
			Git  *struct {
				Subcommand string `json:"subcommand"`
				Push       struct {
					Remote   string   `json:"remote"`
					Force    bool     `json:"force"`
					Branches []string `json:"branches"`
				} `json:"push"`
			} `json:"git"`
		} `json:"commands"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("input is not JSON: %v\n%s", err, res.stdout)
	}
	if !strings.Contains(res.stdout, `"commands"`) {
		t.Errorf("no commands key")
	}
	if doc.Text != "cd src && git push -f origin HEAD:main" || doc.Cwd != c.cwd {
		t.Errorf("text %q cwd %q", doc.Text, doc.Cwd)
	}
	if len(doc.Commands) != 2 || doc.Commands[0].Name != "cd" || doc.Commands[1].Name != "git" {
		t.Fatalf("commands: %+v", doc.Commands)
	}
	g := doc.Commands[1]
	if g.Cwd != filepath.Join(c.cwd, "src") {
		t.Errorf("git runs in %q, want the cd target %q", g.Cwd, filepath.Join(c.cwd, "src"))
	}
	if g.Git == nil || g.Git.Subcommand != "push" || !g.Git.Push.Force || g.Git.Push.Remote != "origin" || len(g.Git.Push.Branches) != 1 || g.Git.Push.Branches[0] != "main" {
		t.Errorf("git facts: %+v", g.Git)
	}
}

func TestInputCwdFlag(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	res := c.run("", "input", "--cwd", dir, "--", "ls")
	var doc struct {
		Cwd string `json:"cwd"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil || doc.Cwd != dir {
		t.Errorf("--cwd %s: cwd %q (err %v)", dir, doc.Cwd, err)
	}
}

func TestUsageErrors(t *testing.T) {
	c := newCLI(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "usage: gatectl"},
		{"unknown subcommand", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"check without a command", []string{"check"}, "give the command line"},
		{"check --json without a command", []string{"check", "--json"}, "give the command line"},
		{"input without a command", []string{"input"}, "give the command line"},
		{"unknown flag", []string{"check", "--frob", "--", "ls"}, "frob"},
		{"batch and a command", []string{"check", "--batch", "-", "--", "ls"}, "--batch takes no command"},
		{"test with two dirs", []string{"test", "a", "b"}, "gatectl test [DIR]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.run("", tc.args...)
			if res.code != 2 {
				t.Errorf("exit %d, want 2 (stdout %q)", res.code, res.stdout)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.want)
			}
			if res.stdout != "" {
				t.Errorf("a usage error prints nothing on stdout: %q", res.stdout)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	c := newCLI(t)
	if res := c.run("", "help"); res.code != 0 || !strings.Contains(res.stdout, "usage: gatectl") {
		t.Errorf("help: %d %q", res.code, res.stdout)
	}
	if res := c.run("", "version"); res.code != 0 || !strings.HasPrefix(res.stdout, "gatectl ") {
		t.Errorf("version: %d %q", res.code, res.stdout)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBrokenUserPolicy(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "broken.rego", "package gatesh.rules.broken\n\nimport rego.v1\n\nhold contains x if {\n")
	for _, args := range [][]string{
		{"check", "--policy-dir", dir, "--", "ls"},
		{"check", "--json", "--policy-dir", dir, "--", "ls"},
		{"input", "--policy-dir", dir, "--", "ls"},
		{"test", "--no-coverage", dir},
	} {
		res := c.run("", args...)
		if res.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, res.code)
		}
		if !strings.Contains(res.stderr, "broken.rego") {
			t.Errorf("%v: stderr does not name the file: %q", args, res.stderr)
		}
		if strings.Contains(res.stdout, "allow") {
			t.Errorf("%v: a broken policy must not print a verdict: %q", args, res.stdout)
		}
	}
}

// The user's policy directory under GATESH_HOME is loaded without --policy-dir.
func TestDefaultPolicyDir(t *testing.T) {
	c := newCLI(t)
	dir := filepath.Join(c.home, "config", "policies")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "make.rego", `package gatesh.rules.make_deploy

import rego.v1

hold contains {"id": "team.make.deploy", "msg": "make deploy ships to production. Wait for the user to approve it.", "class": "external", "cmd": i} if {
	some i, c in input.commands
	c.name == "make"
	"deploy" in c.argv
}
`)
	res := c.run("", "check", "--json", "--", "make deploy")
	r := decodeCheck(t, strings.TrimSpace(res.stdout))
	if res.code != 0 || r.Action != "hold" || !r.ids()["team.make.deploy"] {
		t.Errorf("exit %d, %+v; stderr %s", res.code, r, res.stderr)
	}
	res = c.run("", "check", "--json", "--", "make test")
	if r := decodeCheck(t, strings.TrimSpace(res.stdout)); r.Action != "allow" {
		t.Errorf("make test: %+v", r)
	}
}

// A rule that fails at evaluation time is a deny, and check exits 2.
func TestEvalErrorIsDeny(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "boom.rego", `package gatesh.rules.boom

import rego.v1

hold contains {"id": "boom", "msg": "m", "class": "external"} if {
	to_number("not a number") > 0
}
`)
	res := c.run("", "check", "--json", "--policy-dir", dir, "--", "ls")
	if res.code != 2 {
		t.Errorf("exit %d, want 2", res.code)
	}
	r := decodeCheck(t, strings.TrimSpace(res.stdout))
	if r.Action != "deny" {
		t.Errorf("an evaluation error must be a deny, got %+v", r)
	}
	if !strings.Contains(res.stderr, "fail") {
		t.Errorf("stderr should say the policy failed: %q", res.stderr)
	}
}

func TestWaiverAndSettingsFromPolicyDir(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "data.json", `{"gatesh": {"settings": {"class_action": {"external": "deny"}}}}`)
	res := c.run("", "check", "--json", "--policy-dir", dir, "--", "npm publish")
	if r := decodeCheck(t, strings.TrimSpace(res.stdout)); r.Action != "deny" || r.Class != "external" {
		t.Errorf("class_action external=deny: %+v", r)
	}

	dir2 := t.TempDir()
	writeFile(t, dir2, "w.rego", "package gatesh.waivers.mine\n\nimport rego.v1\n\nwaive contains {\"id\": \"git.push\"}\n")
	res = c.run("", "check", "--json", "--policy-dir", dir2, "--", "git push origin feature")
	if r := decodeCheck(t, strings.TrimSpace(res.stdout)); r.Action != "allow" {
		t.Errorf("waived git.push: %+v", r)
	}
	res = c.run("", "check", "--json", "--policy-dir", dir2, "--", "git push -f origin feature")
	if r := decodeCheck(t, strings.TrimSpace(res.stdout)); r.Action != "hold" || !r.ids()["git.push.force"] || r.ids()["git.push"] {
		t.Errorf("force push with git.push waived: %+v", r)
	}
}

func TestTestExamplePasses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every Rego test")
	}
	c := newCLI(t)
	// --no-defaults: the shipped suite is make test-rego's job; this checks the
	// command's handling of a user directory.
	res := c.run("", "test", "--no-coverage", "--no-defaults", filepath.Join("..", "..", "docs", "examples", "prod-terraform"))
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "passed, 0 failed") {
		t.Errorf("output lacks the summary:\n%s", res.stdout)
	}
	if strings.Contains(res.stdout, "FAIL") {
		t.Errorf("a test failed:\n%s", res.stdout)
	}
}

func TestTestFailing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every Rego test")
	}
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "mine.rego", `package gatesh.rules.mine

import rego.v1

hold contains {"id": "mine.curl", "msg": "m", "class": "external", "cmd": i} if {
	some i in data.gatesh.lib.cmds.by_name.curl
}
`)
	writeFile(t, dir, "mine_test.rego", `package gatesh.rules.mine_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.mine

test_curl_held if {
	"mine.curl" in t.ids(mine.hold) with input as t.line([t.cmd(["curl", "https://example.com"])])
}

test_wrong if {
	"mine.curl" in t.ids(mine.hold) with input as t.line([t.cmd(["wget", "https://example.com"])])
}
`)
	res := c.run("", "test", "--no-coverage", "--no-defaults", dir)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "FAIL  gatesh.rules.mine_test.test_wrong") {
		t.Errorf("the failing test is not named:\n%s", res.stdout)
	}
	if strings.Contains(res.stdout, "FAIL  gatesh.rules.mine_test.test_curl_held") {
		t.Errorf("the passing test is reported as failed:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, " 1 failed") {
		t.Errorf("summary:\n%s", res.stdout)
	}
}
