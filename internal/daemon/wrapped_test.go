package daemon

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/wire"
	"github.com/gatesh/gatesh/internal/workload"
)

// A harness wrapper must change no decision: every real agent line, sent inside
// Claude Code's eval wrapper, its __CLAUDE_CC_COMMAND_TEXT variant, Gemini
// CLI's subshell wrapper, Codex's outer call or the real Codex 0.169.0 outer
// call (testdata/harness, every override and proxy block), gets the same action and the same
// rules as the line sent bare (for a line that does not parse, the same action). Every tenth workload line by default;
// GATESH_HARNESS_FULL=1 runs all 26,821.
func TestWrappersChangeNoDecision(t *testing.T) {
	lines, err := workload.Read("../../testdata/workload.tsv")
	if err != nil {
		t.Fatal(err)
	}
	step := 10
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
	j, err := judge.New(context.Background(), judge.Config{Dirs: testDirs(t)})
	if err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(home, ".claude", "shell-snapshots", "snapshot-bash-1764000000000-ab12cd.sh")
	codexSnap := filepath.Join(home, ".codex", "shell_snapshots", "t1.n1.sh")
	baseEnv := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "TMPDIR=/tmp"}
	codex0169 := codex0169Wrapper(t, home)
	verdict := func(text string, env []string, flags []string) (string, string) {
		req := wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeCommand, Text: text, Cwd: repo, Env: env, Flags: flags}
		resp, _, _ := answer(context.Background(), j, nil, req, nil)
		var ids []string
		for _, r := range resp.Reasons {
			ids = append(ids, r.ID)
		}
		sort.Strings(ids)
		if resp.Error != "" {
			return "error: " + resp.Error, ""
		}
		return resp.Action, strings.Join(ids, ",")
	}
	n, diffs := 0, 0
	for i := 0; i < len(lines); i += step {
		line := lines[i].Command
		wantA, wantR := verdict(line, baseEnv, []string{"-c"})
		forms := []struct {
			name  string
			text  string
			env   []string
			flags []string
		}{
			{"claude", claudeWrapped(snap, line), baseEnv, []string{"-c", "-l"}},
			{"claude-env-text", claudeEnvText(snap), append(append([]string{}, baseEnv...), "__CLAUDE_CC_COMMAND_TEXT="+claudeQuoted(line)), []string{"-c", "-l"}},
			{"gemini", geminiWrapped(line), append(append([]string{}, baseEnv...), "GEMINI_CLI=1"), []string{"-c"}},
			{"codex", "if . " + shq(codexSnap) + " >/dev/null 2>&1; then :; fi\n\nexec '/usr/bin/bash' -c " + shq(line), append(append([]string{}, baseEnv...), "CODEX_CI=1"), []string{"-lc"}},
			{"codex-0.169.0", codex0169(line), append(append([]string{}, baseEnv...), "CODEX_CI=1"), []string{"-lc"}},
		}
		for _, f := range forms {
			n++
			gotA, gotR := verdict(f.text, f.env, f.flags)
			// A line that does not parse cannot be taken out of its wrapper: the
			// whole text is judged, held for the parse error like the bare line,
			// with other rules depending on where each parse stopped.
			bothBroken := strings.Contains(wantR, "parse.error") && strings.Contains(gotR, "parse.error")
			if gotA != wantA || (gotR != wantR && !bothBroken) {
				diffs++
				if diffs <= 20 {
					t.Errorf("%s wrapper changed the decision of %q: bare %s [%s], wrapped %s [%s]", f.name, line, wantA, wantR, gotA, gotR)
				}
			}
		}
	}
	t.Logf("%d wrapped decisions compared over %d workload lines; %d differ from the bare line's", n, (len(lines)+step-1)/step, diffs)
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
