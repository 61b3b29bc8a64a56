package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/daemon"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/wire"
	"github.com/gatesh/gatesh/internal/workload"
)

// A harness wrapper must change no decision, and gatectl check must say what
// the daemon says. Every sampled real agent line is sent to a real daemon
// bare and inside each wrapper form: Claude Code's eval wrapper, its
// __CLAUDE_CC_COMMAND_TEXT variant, Gemini CLI's subshell wrapper, Codex's
// outer call and the real Codex 0.169.0 outer call (testdata/harness, every
// override and proxy block). Each wrapped call must get the bare line's action
// and rules (for a line that does not parse, the same action), and gatectl
// check on the same wrapped text, with the same environment, must give the
// daemon's action and rules exactly. Every tenth workload line by default;
// GATESH_HARNESS_FULL=1 runs all 26,821; under the race detector every sixtieth.
func TestWrappersChangeNoDecision(t *testing.T) {
	lines, err := workload.Read("../../testdata/workload.tsv")
	if err != nil {
		t.Fatal(err)
	}
	step := 10
	if raceEnabled {
		// The race detector makes the policy many times slower; a sparser
		// sample still sends every wrapper form through both paths.
		step = 60
	}
	if os.Getenv("GATESH_HARNESS_FULL") != "" {
		step = 1
	}
	home := t.TempDir()
	repo := filepath.Join(home, "repo")
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "feature/x", repo)
	git("-C", repo, "commit", "-q", "--allow-empty", "-m", "init")
	gh := filepath.Join(home, "gatesh")
	d, err := dirs.From(func(k string) string {
		if k == "GATESH_HOME" {
			return gh
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv, err := daemon.Listen(ctx, daemon.Config{Dirs: d, Idle: -1, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	snap := filepath.Join(home, ".claude", "shell-snapshots", "snapshot-bash-1764000000000-ab12cd.sh")
	codexSnap := filepath.Join(home, ".codex", "shell_snapshots", "t1.n1.sh")
	baseEnv := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "TMPDIR=/tmp", "GATESH_HOME=" + gh}
	codex0169 := codex0169Wrapper(t, home)
	type verdict struct{ action, rules string }
	summary := func(action string, reasons []wire.Reason) verdict {
		var ids []string
		for _, r := range reasons {
			ids = append(ids, r.ID)
		}
		sort.Strings(ids)
		return verdict{action, strings.Join(ids, ",")}
	}
	ask := func(text string, env []string, flags []string) verdict {
		resp := srv.Answer(ctx, wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeCommand, Text: text, Cwd: repo, Env: env, Flags: flags}, os.Getuid())
		if resp.Error != "" {
			return verdict{"error: " + resp.Error, ""}
		}
		return summary(resp.Action, resp.Reasons)
	}
	// check runs gatectl check --json on texts (NUL-separated) with env.
	check := func(texts []string, environ []string) []verdict {
		t.Helper()
		batch := filepath.Join(t.TempDir(), "batch")
		if err := os.WriteFile(batch, []byte(strings.Join(texts, "\x00")), 0o600); err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{}
		for _, kv := range environ {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		var out, errb bytes.Buffer
		code := run(ctx, env{args: []string{"check", "--json", "-z", "--batch", batch, "--cwd", repo}, stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return vars[k] }, environ: environ, getwd: func() (string, error) { return repo, nil }})
		if code != 0 {
			t.Fatalf("gatectl check: exit %d: %s", code, errb.String())
		}
		var got []verdict
		for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			var r checkResult
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("gatectl check printed %q: %v", l, err)
			}
			got = append(got, summary(r.Action, r.Reasons))
		}
		if len(got) != len(texts) {
			t.Fatalf("gatectl check judged %d texts of %d", len(got), len(texts))
		}
		return got
	}
	type form struct {
		name  string
		wrap  func(line string) string
		env   func(line string) []string
		flags []string
		// every: gatectl check runs once per environment, so a form whose
		// environment carries the line is checked on every nth line only.
		every int
	}
	with := func(extra string) func(string) []string {
		env := append(append([]string{}, baseEnv...), extra)
		return func(string) []string { return env }
	}
	forms := []form{
		{"claude", func(l string) string { return claudeWrapped(snap, l) }, func(string) []string { return baseEnv }, []string{"-c", "-l"}, 1},
		{"claude-env-text", func(string) string { return claudeEnvText(snap) }, func(l string) []string {
			return append(append([]string{}, baseEnv...), "__CLAUDE_CC_COMMAND_TEXT="+claudeQuoted(l))
		}, []string{"-c", "-l"}, 200},
		{"gemini", geminiWrapped, with("GEMINI_CLI=1"), []string{"-c"}, 1},
		{"codex", func(l string) string {
			return "if . " + shq(codexSnap) + " >/dev/null 2>&1; then :; fi\n\nexec '/usr/bin/bash' -c " + shq(l)
		}, with("CODEX_CI=1"), []string{"-lc"}, 1},
		{"codex-0.169.0", codex0169, with("CODEX_CI=1"), []string{"-lc"}, 1},
	}
	var sample []string
	for i := 0; i < len(lines); i += step {
		if !strings.Contains(lines[i].Command, "\x00") {
			sample = append(sample, lines[i].Command)
		}
	}
	bare := make([]verdict, len(sample))
	for i, line := range sample {
		bare[i] = ask(line, baseEnv, []string{"-c"})
	}
	n, diffs, checked, checkDiffs := 0, 0, 0, 0
	for _, f := range forms {
		var texts []string
		var daemonSaid []verdict
		for i, line := range sample {
			want := bare[i]
			text, env := f.wrap(line), f.env(line)
			got := ask(text, env, f.flags)
			n++
			// A line that does not parse cannot be taken out of its wrapper: the
			// whole text is judged, held for the parse error like the bare line,
			// with other rules depending on where each parse stopped.
			bothBroken := strings.Contains(want.rules, "parse.error") && strings.Contains(got.rules, "parse.error")
			if got.action != want.action || (got.rules != want.rules && !bothBroken) {
				diffs++
				if diffs <= 20 {
					t.Errorf("%s wrapper changed the decision of %q: bare %s [%s], wrapped %s [%s]", f.name, line, want.action, want.rules, got.action, got.rules)
				}
			}
			if f.every > 1 {
				if i%f.every == 0 {
					checked++
					if c := check([]string{text}, env)[0]; c != got {
						checkDiffs++
						t.Errorf("%s wrapper around %q: the daemon says %s [%s], gatectl check %s [%s]", f.name, line, got.action, got.rules, c.action, c.rules)
					}
				}
				continue
			}
			texts, daemonSaid = append(texts, text), append(daemonSaid, got)
		}
		if len(texts) == 0 {
			continue
		}
		for i, c := range check(texts, f.env("")) {
			checked++
			if c != daemonSaid[i] {
				checkDiffs++
				if checkDiffs <= 20 {
					t.Errorf("%s wrapper around %q: the daemon says %s [%s], gatectl check %s [%s]", f.name, sample[i], daemonSaid[i].action, daemonSaid[i].rules, c.action, c.rules)
				}
			}
		}
	}
	t.Logf("%d wrapped decisions compared over %d workload lines; %d differ from the bare line's", n, len(sample), diffs)
	t.Logf("%d wrapped texts given to gatectl check; %d differ from the daemon's answer", checked, checkDiffs)
}

// codex0169Wrapper returns a builder of the real Codex 0.169.0 outer call
// (captured byte for byte, home /home/u) moved into home, around a command.
func codex0169Wrapper(t *testing.T, home string) func(cmd string) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/harness/codex-0.169.0-outer.sh")
	if err != nil {
		t.Fatal(err)
	}
	const exec = "exec '/bin/bash' -c 'echo cx-ok-$((6*7)) && git rev-parse --abbrev-ref HEAD'"
	text := strings.ReplaceAll(string(b), "/home/u/", home+"/")
	if !strings.Contains(text, exec) {
		t.Fatalf("the captured call has no %q", exec)
	}
	return func(cmd string) string { return strings.Replace(text, exec, "exec '/bin/bash' -c "+shq(cmd), 1) }
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// claudeQuoted is how Claude Code hands a command to eval: single-quoted, with
// stdin from /dev/null unless the command carries a heredoc or spans lines.
func claudeQuoted(cmd string) string {
	q := shq(cmd)
	if !strings.Contains(cmd, "<<") && !strings.Contains(cmd, "\n") {
		q += " < /dev/null"
	}
	return q
}

func claudeParts(snap string) string {
	return "source " + snap + " 2>/dev/null || true && \\builtin shopt -u extglob 2>/dev/null || true && { \\builtin unalias -- 'unsetenv'; \\builtin unset -f -- 'unsetenv'; } >/dev/null 2>&1 || true"
}

func claudeWrapped(snap, cmd string) string {
	return claudeParts(snap) + " && eval " + claudeQuoted(cmd) + " && pwd -P >| /tmp/claude-3f9a-cwd"
}

func claudeEnvText(snap string) string {
	return claudeParts(snap) + ` && 'eval' "\builtin 'unset' -v '__CLAUDE_CC_COMMAND_TEXT'; 'eval' $__CLAUDE_CC_COMMAND_TEXT" && pwd -P >| /tmp/claude-3f9a-cwd`
}

func geminiWrapped(cmd string) string {
	return "shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file='/tmp/shell_pgrep_x.tmp'\n(\n  trap 'jobs -p > \"$_bgpids_file\"' EXIT\n" + cmd + "\n)\n__code=$?\nexit $__code"
}
