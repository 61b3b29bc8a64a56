package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The command lines real agent harnesses give their shell, as
// docs/harnesses.md records them (Claude Code 2.1.332, Codex CLI 0.169.0,
// Gemini CLI 0.61.0). Each builder takes the agent's own command and returns the
// text the harness passes to `bash -c`.

// ClaudeSnapshotName is the file name Claude Code gives a shell snapshot.
const ClaudeSnapshotName = "snapshot-bash-1764000000000-ab12cd.sh"

// ClaudeSnapshotPath is where Claude Code keeps the snapshot for this Env.
func (e *Env) ClaudeSnapshotPath() string {
	return filepath.Join(e.Home, ".claude", "shell-snapshots", ClaudeSnapshotName)
}

// CodexSnapshotPath is where Codex keeps the snapshot for this Env.
func (e *Env) CodexSnapshotPath() string {
	return filepath.Join(e.Home, ".codex", "shell_snapshots", "019a0b1c-2d3e-7f40-8a5b-6c7d8e9f0a1b.1764000000.sh")
}

// ClaudeSnapshot is a snapshot file like the ones Claude Code's capture script
// writes and its wrapper sources: aliases cleared, functions, shell options,
// aliases, exports.
const ClaudeSnapshot = `# Snapshot file
# Unset all aliases to avoid conflicts with functions
unalias -a 2>/dev/null || true
# Functions
eval "$(echo 'Z3JlZXQgKCkgCnsgCiAgICBlY2hvICJoZWxsbywgJHsxOi15b3V9Igp9Cg==' | base64 -d)" > /dev/null 2>&1
shout () { echo "$*" | tr '[:lower:]' '[:upper:]'; }
# Shell Options
shopt -u autocd
shopt -s checkwinsize
shopt -s cmdhist
shopt -u extglob
shopt -s expand_aliases
set -o braceexpand
set -o hashall
set -o interactive-comments
# Aliases
alias -- ll='ls -l'
alias -- gs='git status --short'
# Exports
export SNAPSHOT_VAR=from-snapshot
# Check for rg availability
if ! command -v rg >/dev/null 2>&1; then
  alias rg='grep -r'
fi
export PATH=/usr/local/bin:/usr/bin:/bin
`

// CodexSnapshot is a snapshot file like the ones Codex sources.
const CodexSnapshot = `# Snapshot file
unalias -a 2>/dev/null || true
greet () { echo "hello, ${1:-you}"; }
shopt -s expand_aliases
alias -- ll='ls -l'
export CODEX_THREAD_ID=stale-thread-from-snapshot
export SNAPSHOT_VAR=from-codex-snapshot
`

// WriteClaudeSnapshot writes ClaudeSnapshot to ClaudeSnapshotPath and returns the
// path.
func (e *Env) WriteClaudeSnapshot() string {
	e.WriteFile(e.ClaudeSnapshotPath(), ClaudeSnapshot)
	return e.ClaudeSnapshotPath()
}

// WriteCodexSnapshot writes CodexSnapshot to CodexSnapshotPath and returns the
// path.
func (e *Env) WriteCodexSnapshot() string {
	e.WriteFile(e.CodexSnapshotPath(), CodexSnapshot)
	return e.CodexSnapshotPath()
}

// ClaudeEnv is the environment Claude Code gives its shell (SHELL is the shell
// the call runs).
func ClaudeEnv() []string {
	return []string{"SHELL=" + ShellToken, "CLAUDE_CODE_SHELL=" + ShellToken, "CLAUDECODE=1", "GIT_EDITOR=true",
		"CLAUDE_CODE_SESSION_ID=5f0c2a8e-1b7d-4c3e-9a6f-0d2e4b8c1a73", "AI_AGENT=claude-code", "CLAUDE_CODE_ENTRYPOINT=cli"}
}

// CodexEnv is the environment Codex gives its shell.
func CodexEnv() []string {
	return []string{"SHELL=" + ShellToken, "CODEX_THREAD_ID=019a0b1c-2d3e-7f40-8a5b-6c7d8e9f0a1b", "CODEX_CI=1", "TERM=dumb", "PAGER=cat"}
}

// GeminiEnv is the environment Gemini CLI gives its shell.
func GeminiEnv() []string {
	return []string{"GEMINI_CLI=1", "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=core.pager", "GIT_CONFIG_VALUE_0=cat", "PAGER=cat"}
}

var claudeBare = regexp.MustCompile(`^[A-Za-z0-9_./=:,+@%-]+$`)

// ClaudeQuote quotes the agent's command as Claude Code's wrapper does: a single
// word stays bare, anything else is single-quoted with '"'"' for a quote.
func ClaudeQuote(cmd string) string {
	if claudeBare.MatchString(cmd) {
		return cmd
	}
	return "'" + strings.ReplaceAll(cmd, "'", `'"'"'`) + "'"
}

// claudeEval is the eval part for cmd: `< /dev/null` unless cmd holds a heredoc
// (or several lines).
func claudeEval(cmd string) string {
	if strings.Contains(cmd, "<<") || strings.Contains(cmd, "\n") {
		return "eval " + ClaudeQuote(cmd)
	}
	return "eval " + ClaudeQuote(cmd) + " < /dev/null"
}

// claudeParts are the pieces before the eval part.
func claudeParts(snapshot string) []string {
	var parts []string
	if snapshot != "" {
		parts = append(parts, "source "+snapshot+" 2>/dev/null || true")
	}
	return append(parts,
		`\builtin shopt -u extglob 2>/dev/null || true`,
		`{ \builtin unalias -- 'which'; \builtin unset -f -- 'which'; } >/dev/null 2>&1 || true`,
		`{ \builtin unalias -- 'unsetenv'; \builtin unset -f -- 'unsetenv'; } >/dev/null 2>&1 || true`)
}

// ClaudeWrapper is Claude Code's Bash tool wrapper around cmd (run with
// `-c -l TEXT`... by argv ClaudeArgs): source the snapshot (when snapshot is not
// empty), quiet option and alias resets, eval the command, write the final
// directory to cwdFile.
func ClaudeWrapper(snapshot, cwdFile, cmd string) string {
	return strings.Join(append(claudeParts(snapshot), claudeEval(cmd), "pwd -P >| "+cwdFile), " && ")
}

// ClaudeEnvTextWrapper is the variant that carries the command in the
// environment: pass ClaudeEnvTextVar(cmd) in the call's environment.
func ClaudeEnvTextWrapper(snapshot, cwdFile string) string {
	return strings.Join(append(claudeParts(snapshot),
		`'eval' "\builtin 'unset' -v '__CLAUDE_CC_COMMAND_TEXT'; 'eval' $__CLAUDE_CC_COMMAND_TEXT"`,
		"pwd -P >| "+cwdFile), " && ")
}

// ClaudeEnvTextVar is the __CLAUDE_CC_COMMAND_TEXT entry for cmd: the command
// quoted as in the eval form.
func ClaudeEnvTextVar(cmd string) string {
	q := ClaudeQuote(cmd)
	if !strings.Contains(cmd, "<<") && !strings.Contains(cmd, "\n") {
		q += " < /dev/null"
	}
	return "__CLAUDE_CC_COMMAND_TEXT=" + q
}

// ClaudeArgs is the argv Claude Code gives its shell for text: -c -l TEXT (the
// login flag comes after -c).
func ClaudeArgs(text string) []string { return []string{"-c", "-l", text} }

// SingleQuote quotes s for bash as one word.
func SingleQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// CodexOuter is Codex's outer call (argv -lc TEXT): source the snapshot quietly,
// then exec shell -c script. With overrides, each named variable is captured
// before the snapshot and restored after it, as Codex does for variables the
// snapshot must not change.
func CodexOuter(snapshot, shell, script string, overrides ...string) string {
	var b strings.Builder
	for i, v := range overrides {
		n := itoa(i)
		b.WriteString("__CODEX_SNAPSHOT_OVERRIDE_SET_" + n + `="${` + v + `+x}"` + "\n")
		b.WriteString("__CODEX_SNAPSHOT_OVERRIDE_" + n + `="${` + v + `-}"` + "\n")
	}
	if len(overrides) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("if . " + SingleQuote(snapshot) + " >/dev/null 2>&1; then :; fi\n\n")
	for i, v := range overrides {
		n := itoa(i)
		b.WriteString(`if [ -n "${__CODEX_SNAPSHOT_OVERRIDE_SET_` + n + `}" ]; then export ` + v + `="${__CODEX_SNAPSHOT_OVERRIDE_` + n + `}"; else unset ` + v + "; fi\n")
	}
	if len(overrides) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("exec " + SingleQuote(shell) + " -c " + SingleQuote(script))
	return b.String()
}

func itoa(i int) string { return string(rune('0' + i)) }

// Codex 0.169.0's outer call, captured byte for byte from the real client
// (testdata/harness/README.md), and what it holds.
const (
	codex0169File        = "../../testdata/harness/codex-0.169.0-outer.sh"
	codex0169CaptureFile = "../../testdata/harness/codex-0.169.0-snapshot-capture.sh"
	// Codex0169Cmd is the user command the captured call carries.
	Codex0169Cmd   = "echo cx-ok-$((6*7)) && git rev-parse --abbrev-ref HEAD"
	codex0169Home  = "/home/u"
	codex0169Snap  = "/home/u/.codex/shell_snapshots/01a248c8-0218-7572-a399-d3810ba620b9.1796517403160299614.sh"
	codex0169Shell = "exec '/bin/bash' -c "
)

// Codex0169SnapshotPath is where the captured call, moved into this Env's home,
// sources its snapshot.
func (e *Env) Codex0169SnapshotPath() string {
	return e.Home + strings.TrimPrefix(codex0169Snap, codex0169Home)
}

// Codex0169Outer is the real Codex 0.169.0 outer call moved into this Env: its
// home directory, its exec naming ShellToken (the login shell, which is gatesh
// once installed) and, in place of the captured command, cmd quoted as Codex
// quotes it. Run it with -lc; write the snapshot first (WriteCodex0169Snapshot).
func (e *Env) Codex0169Outer(cmd string) string {
	e.TB.Helper()
	b, err := os.ReadFile(codex0169File)
	if err != nil {
		e.TB.Fatal(err)
	}
	text := string(b)
	old := codex0169Shell + CodexQuote(Codex0169Cmd)
	if !strings.Contains(text, old) {
		e.TB.Fatalf("%s does not end with %s", codex0169File, old)
	}
	text = strings.Replace(text, old, "exec "+CodexQuote(ShellToken)+" -c "+CodexQuote(cmd), 1)
	return strings.ReplaceAll(text, codex0169Home+"/", e.Home+"/")
}

// WriteCodex0169Snapshot writes CodexSnapshot where Codex0169Outer sources it.
func (e *Env) WriteCodex0169Snapshot() {
	e.WriteFile(e.Codex0169SnapshotPath(), CodexSnapshot)
}

// CodexQuote quotes s as Codex quotes the exec'd script: '…' with '"'"' for a
// quote.
func CodexQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// CodexCheck is Codex's snapshot check.
func CodexCheck(snapshot string) string { return `set -e; . "` + snapshot + `"` }

// GeminiTool is Gemini CLI's shell tool wrapper around cmd; pidsFile receives the
// background pids.
func GeminiTool(pidsFile, cmd string) string {
	return "shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=" + SingleQuote(pidsFile) + "\n" +
		"(\n" +
		"  trap 'jobs -p > \"$_bgpids_file\"' EXIT\n" +
		cmd + "\n" +
		")\n" +
		"__code=$?\n" +
		"exit $__code"
}

// GeminiUserShell is Gemini CLI's `!cmd` user shell wrapper; pwdFile receives
// the final directory.
func GeminiUserShell(pwdFile, cmd string) string {
	return "shopt -u promptvars nullglob extglob nocaseglob dotglob; {\n" +
		cmd + "\n" +
		"}\n" +
		"__code=$?; pwd > " + pwdFile + "; exit $__code"
}

// CaptureScript is a snapshot capture script of the shape Claude Code runs with
// `-c -l SCRIPT`: it sources the user's rc file and writes the snapshot file
// (first with >|, then appending) using declare -F/-f, shopt -p, set -o,
// alias -p, compgen -e, printf '%q', ${!#}, ${@:1:n}, IFS=$'\037', trap - DEBUG
// and a quoted heredoc. It prints nothing.
func CaptureScript(home, snapshot string) string {
	return strings.NewReplacer("@SNAP@", snapshot, "@HOME@", home).Replace(captureScript)
}

const captureScript = `SNAPSHOT_FILE=@SNAP@
source "@HOME@/.bashrc" < /dev/null
# First, create/clear the snapshot file
echo "# Snapshot file" >| "$SNAPSHOT_FILE"
# When this file is sourced, we first unalias to avoid conflicts
echo "# Unset all aliases to avoid conflicts with functions" >> "$SNAPSHOT_FILE"
echo "unalias -a 2>/dev/null || true" >> "$SNAPSHOT_FILE"
echo "# Functions" >> "$SNAPSHOT_FILE"
# Force autoload all functions first
declare -f > /dev/null 2>&1
# Now get user function names - filter system ones and write directly to file
declare -F | cut -d' ' -f3 | grep -vE '^(_|__)' | while read func; do
  # Encode the function to base64, preserving all special characters
  encoded_func=$(declare -f "$func" | base64 )
  # Write the function definition to the snapshot
  echo "eval \"\$(echo '$encoded_func' | base64 -d)\" > /dev/null 2>&1" >> "$SNAPSHOT_FILE"
done
echo "# Shell Options" >> "$SNAPSHOT_FILE"
shopt -p | head -n 1000 >> "$SNAPSHOT_FILE"
set -o | grep "on" | awk '{print "set -o " $1}' | head -n 1000 >> "$SNAPSHOT_FILE"
echo "shopt -s expand_aliases" >> "$SNAPSHOT_FILE"
echo "# Aliases" >> "$SNAPSHOT_FILE"
alias -p | sed 's/^alias //g' | sed 's/^/alias -- /' | head -n 1000 >> "$SNAPSHOT_FILE"
trap - DEBUG
echo "# Exports" >> "$SNAPSHOT_FILE"
IFS=$'\037' read -r -a __names <<< "$(compgen -e | grep -v '^_' | sort | tr '\n' $'\037')"
set -- "${__names[@]}"
echo "# $# exported; first ${@:1:1}, last ${!#}" >> "$SNAPSHOT_FILE"
for __name in "${@:1:200}"; do
  printf 'export %s=%q\n' "$__name" "${!__name}" >> "$SNAPSHOT_FILE"
done
# Check for rg availability
cat >> "$SNAPSHOT_FILE" << 'SNAPSHOT_EOF'
if ! command -v rg >/dev/null 2>&1; then
  alias rg='grep -r'
fi
SNAPSHOT_EOF
# Add PATH to the file
echo "export PATH=$(printf '%q' "$PATH")" >> "$SNAPSHOT_FILE"
if [ ! -f "$SNAPSHOT_FILE" ]; then
  echo "Error: Snapshot file was not created at $SNAPSHOT_FILE" >&2
  exit 1
fi
`
