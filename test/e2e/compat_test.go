package e2e

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// compatCase is one allowed invocation, run through the real bash and through
// gatesh in two identical fresh worlds: stdout, stderr, exit status and the world
// afterwards (files, git state) must be the same.
type compatCase struct {
	name string
	// setup adds to the fresh world (it must do the same every time).
	setup func(e *Env)
	// call builds the call; it is built anew for each run (after setup).
	call func(e *Env) Call
	// check, when set, asserts what the real bash did, so that a case cannot
	// pass by failing alike on both sides.
	check func(t *testing.T, e *Env, r Result)
}

// wantStatus checks the status and that stdout holds want.
func wantStatus(status int, stdout string) func(t *testing.T, e *Env, r Result) {
	return func(t *testing.T, e *Env, r Result) {
		t.Helper()
		if r.Status != status || !strings.Contains(r.Stdout, stdout) {
			t.Fatalf("the real bash run is not what the case means (want status %d and %q in stdout):\n%s", status, stdout, r)
		}
	}
}

// runCompat runs c through the real bash, then through gatesh, each in a fresh
// world, and compares.
func runCompat(t *testing.T, e *Env, c compatCase) {
	t.Helper()
	prev := e.TB
	e.TB = t
	defer func() { e.TB = prev }()
	run := func(sh Shell) (Result, map[string]string) {
		e.Fresh()
		if c.setup != nil {
			c.setup(e)
		}
		r := e.Run(sh, c.call(e))
		return r, e.Snapshot()
	}
	want, wantWorld := run(RealBash)
	if c.check != nil {
		c.check(t, e, want)
	}
	got, gotWorld := run(Gatesh)
	// Both sides: a bash that finds itself on PATH names the shim too.
	want, got = want.Normalized(), got.Normalized()
	if got.Status != want.Status {
		t.Errorf("exit status: gatesh %d, bash %d", got.Status, want.Status)
	}
	if d := cmp.Diff(want.Stdout, got.Stdout); d != "" {
		t.Errorf("stdout differs (-bash +gatesh):\n%s", d)
	}
	if d := cmp.Diff(want.Stderr, got.Stderr); d != "" {
		t.Errorf("stderr differs (-bash +gatesh):\n%s", d)
	}
	if d := cmp.Diff(wantWorld, gotWorld); d != "" {
		t.Errorf("side effects differ (-bash +gatesh):\n%s", d)
	}
	if t.Failed() {
		t.Logf("bash:   %s\ngatesh: %s", want, got)
	}
}

// cmd is a call of `bash ARGS…` with argv0 the shell's path.
func cmdCall(args ...string) func(e *Env) Call {
	return func(e *Env) Call { return Call{Args: args} }
}

func compatCases() []compatCase {
	claude := func(cmd string) func(e *Env) Call {
		return func(e *Env) Call {
			return Call{Args: ClaudeArgs(ClaudeWrapper(e.ClaudeSnapshotPath(), e.ClaudeCwdFile, cmd)), Env: ClaudeEnv(), Stdin: openStdin(e), Merged: true}
		}
	}
	claudeSetup := func(e *Env) { e.WriteClaudeSnapshot() }
	claudeText := func(cmd string) func(e *Env) Call {
		return func(e *Env) Call {
			return Call{Args: ClaudeArgs(ClaudeEnvTextWrapper(e.ClaudeSnapshotPath(), e.ClaudeCwdFile)),
				Env: append(ClaudeEnv(), ClaudeEnvTextVar(cmd)), Stdin: openStdin(e), Merged: true}
		}
	}
	codex := func(script string, overrides ...string) func(e *Env) Call {
		return func(e *Env) Call {
			return Call{Args: []string{"-lc", CodexOuter(e.CodexSnapshotPath(), ShellToken, script, overrides...)}, Env: CodexEnv()}
		}
	}
	codexSetup := func(e *Env) { e.WriteCodexSnapshot() }
	codex0169 := func(cmd string) func(e *Env) Call {
		return func(e *Env) Call { return Call{Args: []string{"-lc", e.Codex0169Outer(cmd)}, Env: CodexEnv()} }
	}
	codex0169Setup := func(e *Env) { e.WriteCodex0169Snapshot() }
	onBranch := func(e *Env) { e.Git(e.Work, "checkout", "-q", "-b", "feature/e2e") }

	return []compatCase{
		// Claude Code.
		{name: "claude/wrapper-snapshot-function", setup: claudeSetup, call: claude("greet world | tr a-z A-Z && shout quiet && echo $SNAPSHOT_VAR"),
			check: wantStatus(0, "HELLO, WORLD\nQUIET\nfrom-snapshot\n")},
		{name: "claude/wrapper-alias-from-snapshot", setup: claudeSetup, call: claude("gs; ll README.md | wc -l"), check: wantStatus(0, "1")},
		{name: "claude/wrapper-bare-word", setup: claudeSetup, call: claude("ls"), check: wantStatus(0, "README.md")},
		{name: "claude/wrapper-quotes", setup: claudeSetup, call: claude(`echo 'it'"'"'s' "a  b" && printf '%s\n' "$HOME" | wc -l`), check: wantStatus(0, "it's a  b\n1\n")},
		{name: "claude/wrapper-git-read", setup: claudeSetup, call: claude("git status --short && git log --oneline -1 && git rev-parse --abbrev-ref HEAD"),
			check: wantStatus(0, "initial commit")},
		{name: "claude/wrapper-heredoc", setup: claudeSetup, call: claude("cat > notes.txt <<'EOF'\nline one $HOME\nline two\nEOF\nwc -l < notes.txt"),
			check: wantStatus(0, "2")},
		{name: "claude/wrapper-commit-on-branch", setup: func(e *Env) { claudeSetup(e); onBranch(e) },
			call:  claude("echo change >> README.md && git add README.md && git commit -q -m 'edit readme' && git log --oneline | wc -l"),
			check: wantStatus(0, "2")},
		{name: "claude/wrapper-failing-command", setup: claudeSetup, call: claude("ls does-not-exist"), check: wantStatus(2, "does-not-exist")},
		{name: "claude/wrapper-cd", setup: func(e *Env) { claudeSetup(e); os.Mkdir(filepath.Join(e.Work, "sub"), 0o755) }, call: claude("cd sub && pwd")},
		{name: "claude/wrapper-no-snapshot", call: func(e *Env) Call {
			return Call{Args: ClaudeArgs(ClaudeWrapper("", e.ClaudeCwdFile, "echo $FROM_BASHRC; type -t greet || echo none")), Env: ClaudeEnv(), Stdin: openStdin(e), Merged: true}
		}, check: wantStatus(0, "none")},
		{name: "claude/env-text", setup: claudeSetup, call: claudeText("git log --oneline -1 && greet env-text"), check: wantStatus(0, "hello, env-text")},
		{name: "claude/env-text-bare", setup: claudeSetup, call: claudeText("pwd"), check: wantStatus(0, "/work\n")},
		{name: "claude/env-text-quotes", setup: claudeSetup, call: claudeText(`echo "a 'b' c" | tr a-c x-z`), check: wantStatus(0, "x 'y' z")},
		{name: "claude/env-probe", call: func(e *Env) Call { return Call{Args: []string{"-c", "env"}, Env: ClaudeEnv(), Stdin: openStdin(e)} },
			check: wantStatus(0, "CLAUDECODE=1")},
		{name: "claude/snapshot-capture", setup: func(e *Env) { os.MkdirAll(filepath.Dir(e.ClaudeSnapshotPath()), 0o700) }, call: func(e *Env) Call {
			return Call{Args: ClaudeArgs(CaptureScript(e.Home, e.ClaudeSnapshotPath())), Env: ClaudeEnv(), Stdin: openStdin(e)}
		}, check: func(t *testing.T, e *Env, r Result) {
			snap := e.ReadFile(e.ClaudeSnapshotPath())
			if r.Status != 0 || r.Stdout != "" || !strings.Contains(snap, "export FROM_BASHRC=1") || !strings.Contains(snap, "alias -- ll=") ||
				!strings.Contains(snap, "base64 -d") || !strings.Contains(snap, "shopt -s expand_aliases") {
				t.Fatalf("the capture did not capture with the real bash: %s\nsnapshot:\n%s", r, snap)
			}
		}},
		{name: "claude/snapshot-then-wrapper", setup: func(e *Env) {
			// The capture's own snapshot (written by the real bash), sourced by
			// the wrapper: functions come back through base64 and eval.
			os.MkdirAll(filepath.Dir(e.ClaudeSnapshotPath()), 0o700)
			r := e.Bash(Call{Args: ClaudeArgs(CaptureScript(e.Home, e.ClaudeSnapshotPath())), Env: ClaudeEnv()})
			if r.Status != 0 {
				e.TB.Fatalf("capture: %s", r)
			}
		}, call: claude("greet captured; alias ll"), check: wantStatus(0, "hello, captured\nalias ll='ls -l'\n")},

		// Codex CLI.
		{name: "codex/outer", setup: codexSetup, call: codex("git status --short --branch"), check: wantStatus(0, "## main...origin/main")},
		{name: "codex/outer-overrides", setup: codexSetup, call: codex(`echo "$CODEX_THREAD_ID $SNAPSHOT_VAR"; type -t greet || echo "functions stay behind exec"`, "CODEX_THREAD_ID"),
			check: wantStatus(0, "019a0b1c-2d3e-7f40-8a5b-6c7d8e9f0a1b from-codex-snapshot\nfunctions stay behind exec\n")},
		{name: "codex/outer-commit-on-branch", setup: func(e *Env) { codexSetup(e); onBranch(e) },
			call:  codex("printf 'x\\n' > new.txt && git add new.txt && git commit -q -m 'add new' && git show --stat --oneline HEAD"),
			check: wantStatus(0, "new.txt")},
		// Codex CLI 0.169.0, the outer call captured from the real client: the
		// inner call (exec of the shim) is judged again on its own.
		{name: "codex-0.169.0/outer", setup: codex0169Setup, call: codex0169(Codex0169Cmd), check: wantStatus(0, "cx-ok-42\nmain\n")},
		{name: "codex-0.169.0/outer-snapshot", setup: codex0169Setup,
			call:  codex0169(`echo "$SNAPSHOT_VAR $CODEX_THREAD_ID"; case ":$PATH:" in *"/.codex/packages/"*) echo tools-first;; esac`),
			check: wantStatus(0, "from-codex-snapshot 019a0b1c-2d3e-7f40-8a5b-6c7d8e9f0a1b\ntools-first\n")},
		{name: "codex-0.169.0/outer-commit-on-branch", setup: func(e *Env) { codex0169Setup(e); onBranch(e) },
			call:  codex0169("printf 'x\\n' > new.txt && git add new.txt && git commit -q -m 'add new' && git show --stat --oneline HEAD"),
			check: wantStatus(0, "new.txt")},
		{name: "codex-0.169.0/snapshot-capture", call: func(e *Env) Call {
			b, err := os.ReadFile(codex0169CaptureFile)
			if err != nil {
				e.TB.Fatal(err)
			}
			return Call{Args: []string{"-lc", string(b)}, Env: CodexEnv()}
		}, check: func(t *testing.T, e *Env, r Result) {
			if r.Status != 0 || !strings.HasPrefix(r.Stdout, "# Snapshot file\n") || !strings.Contains(r.Stdout, "greet ()") ||
				!strings.Contains(r.Stdout, "alias ll='ls -l'") || !strings.Contains(r.Stdout, "declare -x FROM_BASHRC=\"1\"") {
				t.Fatalf("the capture did not capture with the real bash: %s", r)
			}
		}},
		{name: "codex/inner", call: func(e *Env) Call { return Call{Args: []string{"-c", "git status"}, Env: CodexEnv()} }, check: wantStatus(0, "On branch main")},
		{name: "codex/lc", call: func(e *Env) Call {
			return Call{Args: []string{"-lc", "echo $0; git branch --show-current"}, Env: CodexEnv()}
		}, check: wantStatus(0, "main")},
		{name: "codex/snapshot-check", setup: codexSetup, call: func(e *Env) Call {
			return Call{Args: []string{"-c", CodexCheck(e.CodexSnapshotPath())}, Env: CodexEnv()}
		}, check: wantStatus(0, "")},

		// Gemini CLI.
		{name: "gemini/tool", call: func(e *Env) Call {
			return Call{Argv0: "bash", Args: []string{"-c", GeminiTool(filepath.Join(e.GeminiTmp, "pids.tmp"), "git log --oneline -3\nls")}, Env: GeminiEnv()}
		}, setup: func(e *Env) { os.Mkdir(e.GeminiTmp, 0o700) }, check: wantStatus(0, "initial commit\nREADME.md\n")},
		{name: "gemini/tool-failing", call: func(e *Env) Call {
			return Call{Argv0: "bash", Args: []string{"-c", GeminiTool(filepath.Join(e.GeminiTmp, "pids.tmp"), "git log --oneline -3\ngrep -q nothing README.md")}, Env: GeminiEnv()}
		}, setup: func(e *Env) { os.Mkdir(e.GeminiTmp, 0o700) }, check: wantStatus(1, "initial commit")},
		{name: "gemini/user-shell", call: func(e *Env) Call {
			return Call{Argv0: "bash", Args: []string{"-c", GeminiUserShell(filepath.Join(e.GeminiTmp, "pwd.tmp"), "echo hi && git rev-parse --is-inside-work-tree")}, Env: GeminiEnv()}
		}, setup: func(e *Env) { os.Mkdir(e.GeminiTmp, 0o700) }, check: wantStatus(0, "hi\ntrue\n")},

		// Other harnesses and probes.
		{name: "goose/path-probe", call: func(e *Env) Call { return Call{Args: []string{"-l", "-i", "-c", "echo $PATH"}} }, check: wantStatus(0, "/bin")},
		{name: "aider/interactive-c", call: func(e *Env) Call {
			return Call{Args: []string{"-i", "-c", "echo $FROM_BASHRC; greet aider; ls"}, Env: []string{"SHELL=" + ShellToken}}
		}, check: wantStatus(0, "hello, aider")},
		{name: "swe-agent/n-valid", call: func(e *Env) Call {
			return Call{Argv0: "bash", Args: []string{"-n"}, Stdin: strings.NewReader("if true; then\n  echo never-run > ran.txt\nfi\n")}
		}, check: wantStatus(0, "")},
		{name: "swe-agent/n-invalid", call: func(e *Env) Call {
			return Call{Argv0: "bash", Args: []string{"-n"}, Stdin: strings.NewReader("echo start > ran.txt\nif true; then\n  echo x\n")}
		}, check: func(t *testing.T, e *Env, r Result) {
			if r.Status != 2 || !strings.Contains(r.Stderr, "syntax error") {
				t.Fatalf("want status 2 and a syntax error from bash -n: %s", r)
			}
		}},
		{name: "argv/operands", call: cmdCall("-c", `echo "0=$0 1=$1 2=$2 #=$#"; printf '[%s]' "$@"; echo`, "zero", "one", "two words"),
			check: wantStatus(0, "0=zero 1=one 2=two words #=2\n[one][two words]\n")},
		{name: "argv/login-flag-after-c", call: cmdCall("-c", "-l", "shopt -q login_shell && echo login"), check: wantStatus(0, "login")},
		{name: "argv/login-long", call: cmdCall("--login", "-c", "shopt -q login_shell && echo login"), check: wantStatus(0, "login")},
		{name: "argv/noprofile-norc", call: cmdCall("--noprofile", "--norc", "-c", "echo ${FROM_BASHRC:-unset}"), check: wantStatus(0, "unset")},
		{name: "argv/rcfile-interactive", setup: func(e *Env) { e.WriteFile(filepath.Join(e.Home, "alt.rc"), "ALT_RC=yes\n") },
			call: func(e *Env) Call {
				return Call{Args: []string{"--rcfile", filepath.Join(e.Home, "alt.rc"), "-i", "-c", "echo $ALT_RC"}}
			}, check: wantStatus(0, "yes")},
		{name: "argv/errexit", call: cmdCall("-e", "-c", "echo before; false; echo after"), check: wantStatus(1, "before\n")},
		{name: "argv/xtrace", call: cmdCall("-x", "-c", "echo traced"), check: wantStatus(0, "traced")},
		{name: "argv/o-pipefail", call: cmdCall("-o", "pipefail", "-c", "false | true"), check: wantStatus(1, "")},
		{name: "argv/options-after-c", call: cmdCall("-c", "-o", "pipefail", "-e", "false | true; echo unreachable"), check: wantStatus(1, "")},
		{name: "argv/c-dashdash", call: cmdCall("-c", "--", "echo dd $0 $1", "zero", "one"), check: wantStatus(0, "dd zero one")},
		{name: "argv/shopt-O", call: cmdCall("-O", "extglob", "-c", "shopt -q extglob && echo ext"), check: wantStatus(0, "ext")},
		{name: "argv/dashdash-script", setup: func(e *Env) { e.WriteFile(filepath.Join(e.Work, "s.sh"), "echo \"s $1\"\n") },
			call: cmdCall("--", "s.sh", "A"), check: wantStatus(0, "s A")},
		{name: "argv/bash-variable", call: func(e *Env) Call { return Call{Argv0: "bash", Args: []string{"-c", `echo "$BASH $0"`}} }},
		{name: "argv/bash-variable-path", call: cmdCall("-c", `echo "$BASH $0"`)},
		{name: "argv/s-stdin-args", call: func(e *Env) Call {
			return Call{Args: []string{"-s", "a", "b"}, Stdin: strings.NewReader("echo \"$1-$2\" > s.txt; cat s.txt\n")}
		}, check: wantStatus(0, "a-b")},
		{name: "argv/stdin-script", call: func(e *Env) Call {
			return Call{Argv0: "bash", Stdin: strings.NewReader("x=$(git rev-parse --abbrev-ref HEAD)\necho \"branch $x\"\n")}
		}, check: wantStatus(0, "branch main")},
		{name: "argv/dash-bash-login", call: func(e *Env) Call {
			return Call{Argv0: "-bash", Args: []string{"-c", `shopt -q login_shell && echo "login $0"`}}
		}, check: wantStatus(0, "login -bash")},
		{name: "argv/bash-versinfo", call: cmdCall("-c", `echo "${BASH_VERSINFO[0]}"; [[ ${BASH_VERSINFO[0]} -ge 5 ]] && echo bash5-or-later`),
			check: wantStatus(0, "bash5-or-later")},
		{name: "argv/script-file-args", setup: func(e *Env) {
			e.WriteFile(filepath.Join(e.Work, "script.sh"), "echo \"script $0 args $# [$1] [$2]\"\ntouch from-script.txt\nexit 3\n")
		}, call: cmdCall("script.sh", "one", "two words"), check: wantStatus(3, "script script.sh args 2 [one] [two words]")},
		{name: "argv/version", call: cmdCall("--version"), check: wantStatus(0, "GNU bash")},
		{name: "argv/sh-shim", call: func(e *Env) Call {
			return Call{Argv0: "sh", Path: filepath.Join(ShimDir, "sh"), Args: []string{"-c", `echo "posix=$(set -o | grep -c 'posix *on')"`}}
		}},

		// Descriptors, stdin and exit status.
		{name: "fd/3-to-file", call: func(e *Env) Call {
			f, err := os.Create(filepath.Join(e.Root, "fd3.out"))
			if err != nil {
				e.TB.Fatal(err)
			}
			e.TB.Cleanup(func() { f.Close() })
			return Call{Args: []string{"-c", "echo to-fd3 >&3; echo to-stdout"}, ExtraFiles: []*os.File{f}}
		}, check: func(t *testing.T, e *Env, r Result) {
			if got := e.ReadFile(filepath.Join(e.Root, "fd3.out")); got != "to-fd3\n" {
				t.Fatalf("fd 3 got %q", got)
			}
		}},
		{name: "stdin/never-closed-pipe", call: func(e *Env) Call {
			return Call{Args: []string{"-c", "echo ok"}, Stdin: openStdin(e), Timeout: 20e9}
		}, check: wantStatus(0, "ok\n")},
		{name: "stdin/unclosed-pipe-with-data", call: func(e *Env) Call {
			r, w := e.Pipe()
			fmt.Fprintln(w, "first line for the command")
			return Call{Args: []string{"-c", "head -n 1"}, Stdin: r, Timeout: 20e9}
		}, check: wantStatus(0, "first line for the command\n")},
		{name: "status/kill-term-self", call: cmdCall("-c", "echo before; kill -TERM $$; echo after"), check: wantStatus(143, "before\n")},
		{name: "status/exit-7", call: cmdCall("-c", "exit 7"), check: wantStatus(7, "")},
		{name: "status/command-not-found", call: cmdCall("-c", "no-such-command-e2e"), check: func(t *testing.T, e *Env, r Result) {
			if r.Status != 127 {
				t.Fatalf("want 127: %s", r)
			}
		}},
	}
}

// openStdin returns the read end of a pipe that nobody writes or closes while the
// call runs: Claude Code's stdin.
func openStdin(e *Env) *os.File {
	r, _ := e.Pipe()
	return r
}

func TestCompat(t *testing.T) {
	e := NewEnv(t)
	for _, c := range compatCases() {
		t.Run(c.name, func(t *testing.T) { runCompat(t, e, c) })
	}
}

// wrapperForm builds one harness's call around the agent's command.
type wrapperForm struct {
	name string
	// call builds the call around cmd.
	call func(e *Env, cmd string) Call
	// setup prepares what the harness has in place (its snapshot).
	setup func(e *Env)
	// marks are pieces of the wrapper that the refusal message must not quote:
	// it names the agent's command, not the harness's plumbing.
	marks []string
}

func wrapperForms() []wrapperForm {
	return []wrapperForm{
		{name: "claude", setup: func(e *Env) { e.WriteClaudeSnapshot() },
			call: func(e *Env, cmd string) Call {
				return Call{Args: ClaudeArgs(ClaudeWrapper(e.ClaudeSnapshotPath(), e.ClaudeCwdFile, cmd)), Env: ClaudeEnv(), Stdin: openStdin(e)}
			},
			marks: []string{"source ", "shell-snapshots", "shopt", "unalias", "eval", "pwd -P", "claude-"}},
		{name: "claude-env-text", setup: func(e *Env) { e.WriteClaudeSnapshot() },
			call: func(e *Env, cmd string) Call {
				return Call{Args: ClaudeArgs(ClaudeEnvTextWrapper(e.ClaudeSnapshotPath(), e.ClaudeCwdFile)), Env: append(ClaudeEnv(), ClaudeEnvTextVar(cmd)), Stdin: openStdin(e)}
			},
			marks: []string{"source ", "shell-snapshots", "shopt", "__CLAUDE_CC_COMMAND_TEXT", "pwd -P", "claude-"}},
		{name: "codex-outer", setup: func(e *Env) { e.WriteCodexSnapshot() },
			call: func(e *Env, cmd string) Call {
				return Call{Args: []string{"-lc", CodexOuter(e.CodexSnapshotPath(), ShellToken, cmd, "CODEX_THREAD_ID")}, Env: CodexEnv()}
			},
			marks: []string{"shell_snapshots", "__CODEX_SNAPSHOT", "exec ", "then :"}},
		{name: "codex-0.169.0", setup: func(e *Env) { e.WriteCodex0169Snapshot() },
			call: func(e *Env, cmd string) Call {
				return Call{Args: []string{"-lc", e.Codex0169Outer(cmd)}, Env: CodexEnv()}
			},
			marks: []string{"shell_snapshots", "__CODEX_SNAPSHOT", "exec ", "then :", "codex-path", "unset"}},
		{name: "gemini-tool", setup: func(e *Env) { os.Mkdir(e.GeminiTmp, 0o700) },
			call: func(e *Env, cmd string) Call {
				return Call{Argv0: "bash", Args: []string{"-c", GeminiTool(filepath.Join(e.GeminiTmp, "pids.tmp"), cmd)}, Env: GeminiEnv()}
			},
			marks: []string{"shopt", "_bgpids_file", "trap", "__code"}},
		{name: "gemini-user-shell", setup: func(e *Env) { os.Mkdir(e.GeminiTmp, 0o700) },
			call: func(e *Env, cmd string) Call {
				return Call{Argv0: "bash", Args: []string{"-c", GeminiUserShell(filepath.Join(e.GeminiTmp, "pwd.tmp"), cmd)}, Env: GeminiEnv()}
			},
			marks: []string{"shopt", "pwd >", "__code"}},
	}
}

// refusedCase is an irreversible command the gate must hold or deny.
type refusedCase struct {
	name string
	cmd  string
	// setup makes the command matter (a commit to push, uncommitted work).
	setup func(e *Env)
	// done reports whether the command's effect happened.
	done func(e *Env) bool
	// sane says whether the real bash may be run with it to show that the case
	// would change the world.
	sane bool
}

func refusedCases() []refusedCase {
	return []refusedCase{
		{name: "push", cmd: "git push origin HEAD:main", sane: true,
			setup: func(e *Env) { e.Commit(e.Work, "pushed.txt", "local work\n", "local commit") },
			done:  func(e *Env) bool { return e.RemoteRef("main") == e.Git(e.Work, "rev-parse", "HEAD") }},
		{name: "rm-home", cmd: `rm -rf "$HOME"`,
			setup: func(e *Env) { e.WriteFile(filepath.Join(e.Home, "canary.txt"), "still here\n") },
			done:  func(e *Env) bool { return !Exists(filepath.Join(e.Home, "canary.txt")) }},
		{name: "reset-hard", cmd: "git reset --hard", sane: true,
			setup: func(e *Env) { e.WriteFile(filepath.Join(e.Work, "README.md"), "# e2e\nuncommitted work\n") },
			done: func(e *Env) bool {
				return !strings.Contains(e.ReadFile(filepath.Join(e.Work, "README.md")), "uncommitted work")
			}},
	}
}

// TestWrappedRefused runs held and denied commands inside each harness's wrapper:
// gatesh exits 126 with one gatesh: line on stderr that names the agent's command
// (not the wrapper), prints nothing on stdout, and nothing runs: the world is
// exactly as it was (not even the wrapper's own pieces ran).
func TestWrappedRefused(t *testing.T) {
	e := NewEnv(t)
	for _, w := range wrapperForms() {
		for _, c := range refusedCases() {
			t.Run(w.name+"/"+c.name, func(t *testing.T) {
				prev := e.TB
				e.TB = t
				defer func() { e.TB = prev }()
				prepare := func() {
					e.Fresh()
					w.setup(e)
					c.setup(e)
				}
				if c.sane {
					prepare()
					if r := e.Bash(w.call(e, c.cmd)); !c.done(e) {
						t.Fatalf("with the real bash the command did not have its effect, so the case proves nothing: %s", r)
					}
				}
				prepare()
				before := e.Snapshot()
				r := e.Gatesh(w.call(e, c.cmd))
				assertRefused(t, r, c.cmd, w.marks)
				if c.done(e) {
					t.Errorf("the refused command ran")
				}
				if d := cmp.Diff(before, e.Snapshot()); d != "" {
					t.Errorf("the world changed although nothing should have run (-before +after):\n%s", d)
				}
			})
		}
	}
}

// assertRefused checks a refusal: exit 126, nothing on stdout, exactly one
// `gatesh:` line on stderr that names cmd and quotes none of marks.
func assertRefused(t *testing.T, r Result, cmd string, marks []string) {
	t.Helper()
	if r.Status != 126 {
		t.Errorf("exit status %d, want 126", r.Status)
	}
	if r.Stdout != "" {
		t.Errorf("stdout %q, want nothing", r.Stdout)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "gatesh: ") || !strings.HasSuffix(r.Stderr, "\n") {
		t.Errorf("stderr is not one gatesh: line: %q", r.Stderr)
	}
	if !strings.Contains(r.Stderr, cmd) {
		t.Errorf("the message does not name the agent's command %q: %q", cmd, r.Stderr)
	}
	for _, m := range marks {
		if strings.Contains(r.Stderr, m) {
			t.Errorf("the message quotes the harness wrapper (%q): %q", m, r.Stderr)
		}
	}
}

// TestDescriptorsOnDaemonStart passes a pipe as descriptor 3 (and pipes as stdout
// and stderr) to the call that starts the daemon: bash still gets descriptor 3,
// and the daemon keeps none of them, so the harness reading them sees end-of-file
// as soon as the command ends (a daemon holding the harness's pipe would keep it
// waiting forever).
func TestDescriptorsOnDaemonStart(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	if pids := e.DaemonPIDs(); len(pids) != 0 {
		t.Fatalf("a daemon already runs: %v", pids)
	}
	r3, w3 := e.Pipe()
	// Run fails the test if stdout or stderr stay open after the shell exits.
	r := e.Gatesh(Call{Args: []string{"-c", "echo via-fd3 >&3; echo out"}, ExtraFiles: []*os.File{w3}})
	w3.Close()
	if r.Status != 0 || r.Stdout != "out\n" || r.Stderr != "" {
		t.Errorf("the call did not run as bash would: %s", r)
	}
	e.WaitDaemon() // this call started it
	if err := r3.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r3)
	if err != nil {
		t.Errorf("descriptor 3 did not reach end-of-file after the command ended (%v): the daemon holds it", err)
	}
	if string(got) != "via-fd3\n" {
		t.Errorf("descriptor 3 got %q, want %q", got, "via-fd3\n")
	}
}

// TestOwnName runs gatesh by its own name, as a setup that points SHELL straight
// at it does: bash must still be told it is bash, in its messages, in $0, and to
// startup files that pick their functions by the shell's name, exactly as the
// real bash called bash (or -bash for a login shell) behaves.
func TestOwnName(t *testing.T) {
	e := NewEnv(t)
	profile := "case \"${0##*/}\" in\n  bash|-bash) by_name_a() { :; }; by_name_b() { :; } ;;\nesac\nalways() { :; }\n"
	for _, c := range []struct {
		name, argv0, bashArgv0 string
		args                   []string
		want                   string
	}{
		{"dollar-zero", GateshBin, "bash", []string{"-c", `echo "$0"`}, "bash\n"},
		{"message", GateshBin, "bash", []string{"-c", "no_such_command_xyz"}, ""},
		{"interactive-flag", GateshBin, "bash", []string{"-i", "-c", `echo "$0"`}, "bash\n"},
		{"login", "-gatesh", "-bash", []string{"-c", `shopt -q login_shell && echo "login $0"`}, "login -bash\n"},
		{"login-files", GateshBin, "bash", []string{"-c", "-l", "declare -F | wc -l"}, "3\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.TB = t
			run := func(path, argv0 string) Result {
				e.Fresh()
				e.WriteFile(filepath.Join(e.Home, ".bash_profile"), profile)
				return e.Run(Gatesh, Call{Path: path, Argv0: argv0, Args: c.args})
			}
			want := run(RealBashPath, c.bashArgv0)
			got := run(GateshBin, c.argv0)
			if c.want != "" && want.Stdout != c.want {
				t.Fatalf("the real bash does not do what the case means (want %q):\n%s", c.want, want)
			}
			if got.Status != want.Status || got.Stdout != want.Stdout || got.Stderr != want.Stderr {
				t.Errorf("gatesh run as %q is not bash run as %q:\ngatesh: %s\nbash:   %s", c.argv0, c.bashArgv0, got, want)
			}
		})
	}
}

// `bash NAME` with no NAME in the current directory runs the NAME that bash
// finds on PATH: gatesh judges that file, so a script there that pushes is
// held, while a harmless one runs as in bash.
func TestScriptFoundOnPath(t *testing.T) {
	e := NewEnv(t)
	freshWithLocalCommit(e)
	bin := filepath.Join(e.Root, "pathbin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	e.WriteFile(filepath.Join(bin, "ship-it"), pushCmd+"\n")
	e.WriteFile(filepath.Join(bin, "say-hi"), "echo hi from path\n")
	path := "PATH=" + bin
	for _, v := range e.Vars() {
		if strings.HasPrefix(v, "PATH=") {
			path = "PATH=" + bin + ":" + strings.TrimPrefix(v, "PATH=")
		}
	}
	r := e.Gatesh(Call{Args: []string{"ship-it"}, Env: []string{path}})
	if r.Status != 126 || !strings.Contains(r.Stderr, "gatesh: held") {
		t.Errorf("bash ship-it (found on PATH) was not held: %s", r)
	}
	if pushed(e) {
		t.Fatal("the push in the script found on PATH reached origin")
	}
	want := e.Bash(Call{Args: []string{"say-hi"}, Env: []string{path}})
	got := e.Gatesh(Call{Args: []string{"say-hi"}, Env: []string{path}})
	if want.Stdout != "hi from path\n" || got.Stdout != want.Stdout || got.Status != want.Status {
		t.Errorf("bash say-hi: gatesh %s, bash %s", got, want)
	}
}
