package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ruleJSON is one package in `gatectl rules --json`.
type ruleJSON struct {
	Package     string   `json:"package"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Class       []string `json:"class"`
	Rules       []string `json:"rules"`
	Names       []string `json:"names"`
	Documented  bool     `json:"documented"`
}

func decodeRules(t *testing.T, out string) []ruleJSON {
	t.Helper()
	var docs []ruleJSON
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	return docs
}

func TestRulesListsTheDefaults(t *testing.T) {
	c := newCLI(t)
	r := c.run("", "rules", "--policy-dir", t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"gatesh.rules.git: Git (external, destructive, tamper, opaque)",
		"  rules:  git.push, git.push.force,",
		"  guards: names git, hub\n",
		"  Judges git (and hub).",
		"gatesh.rules.system: System (privileged, destructive)",
		"name prefixes mkfs",
		"gatesh.rules.inject: Library injection (privileged)",
		"  guards: features env\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\ngatesh.lib.") {
		t.Errorf("the library is listed without --all:\n%s", r.stdout)
	}
	// Every shipped rule package is listed: one per policies/*.rego file.
	files, _ := filepath.Glob("../../policies/*.rego")
	want := 0
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.rego") {
			want++
		}
	}
	if n := strings.Count(r.stdout, "\ngatesh.rules.") + 1; n != want || want == 0 {
		t.Errorf("%d packages listed, want %d (one per policies/*.rego)", n, want)
	}
}

func TestRulesJSONFilters(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	tests := []struct {
		args      []string
		wantPkgs  []string
		wantRules []string // of the first package; nil: not checked
	}{
		{[]string{"git.push.force"}, []string{"gatesh.rules.git"}, []string{"git.push.force"}},
		{[]string{"db"}, []string{"gatesh.rules.database"}, []string{"db.write", "db.script", "db.admin", "db.redis.write", "db.reset"}},
		{[]string{"network.ssh"}, []string{"gatesh.rules.network"}, []string{"network.ssh.command", "network.ssh.session", "network.ssh.tunnel", "network.ssh.copy_id"}},
		{[]string{"secrets", "gatesh.rules.tamper"}, []string{"gatesh.rules.secrets", "gatesh.rules.tamper"}, []string{"secret.read", "secret.exfil"}},
		// a rule id raised by two packages (git writes into the gate too)
		{[]string{"tamper.gate_write"}, []string{"gatesh.rules.git", "gatesh.rules.tamper"}, []string{"tamper.gate_write"}},
		{[]string{"--all", "cmds"}, []string{"gatesh.lib.cmds"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"rules", "--json", "--policy-dir", dir}, tt.args...)
			r := c.run("", args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			docs := decodeRules(t, r.stdout)
			var pkgs []string
			for _, d := range docs {
				pkgs = append(pkgs, d.Package)
			}
			if !slices.Equal(pkgs, tt.wantPkgs) {
				t.Fatalf("packages %v, want %v", pkgs, tt.wantPkgs)
			}
			if tt.wantRules != nil && !slices.Equal(docs[0].Rules, tt.wantRules) {
				t.Errorf("rules %v, want %v", docs[0].Rules, tt.wantRules)
			}
			if docs[0].Title == "" || docs[0].Description == "" {
				t.Errorf("no title or description: %+v", docs[0])
			}
		})
	}
}

func TestRulesNoMatch(t *testing.T) {
	c := newCLI(t)
	r := c.run("", "rules", "--policy-dir", t.TempDir(), "git", "nosuch.rule")
	if r.code != 1 || !strings.Contains(r.stderr, "no package or rule id matches nosuch.rule") {
		t.Fatalf("exit %d, stderr %q; want exit 1 naming nosuch.rule", r.code, r.stderr)
	}
}

// A user's package shows up with its METADATA, or marked undocumented.
func TestRulesUserPackages(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("prod.rego", `# METADATA
# title: Production
# description: Holds terraform in the production directories.
# custom:
#   class: external
#   rules: [team.prod]
package gatesh.rules.prod

import rego.v1

names := {"terraform"}

hold contains {"id": "team.prod", "msg": "production", "class": "external"} if {
	some c in input.commands
	c.name == "terraform"
	startswith(c.cwd, "/srv/prod")
}
`)
	write("bare.rego", `package gatesh.rules.bare

import rego.v1

deny contains {"id": "team.bare", "msg": "no", "class": "tamper"} if input.text == "bare"
`)
	r := c.run("", "rules", "--json", "--policy-dir", dir, "prod", "bare")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	docs := decodeRules(t, r.stdout)
	if len(docs) != 2 {
		t.Fatalf("got %d packages, want bare and prod:\n%s", len(docs), r.stdout)
	}
	bare, prod := docs[0], docs[1]
	if bare.Package != "gatesh.rules.bare" || bare.Documented {
		t.Errorf("bare: %+v, want an undocumented gatesh.rules.bare", bare)
	}
	want := ruleJSON{Package: "gatesh.rules.prod", Title: "Production", Description: "Holds terraform in the production directories.",
		Class: []string{"external"}, Rules: []string{"team.prod"}, Names: []string{"terraform"}, Documented: true}
	if !slices.Equal(prod.Class, want.Class) || !slices.Equal(prod.Rules, want.Rules) || !slices.Equal(prod.Names, want.Names) ||
		prod.Title != want.Title || prod.Description != want.Description || !prod.Documented {
		t.Errorf("prod: %+v, want %+v", prod, want)
	}
	r = c.run("", "rules", "--policy-dir", dir, "bare")
	if !strings.Contains(r.stdout, "guards: none (evaluated for every line)") || !strings.Contains(r.stdout, "no # METADATA block") {
		t.Errorf("bare package's text:\n%s", r.stdout)
	}
}
