package bashcli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// realBash is the bash 5.2 that the expectations below were checked against and
// that the probe tests run.
const realBash = "/bin/bash"

// scriptWord stands for a script path in the table; the probe tests replace it
// with a file that holds the probe.
const scriptWord = "SCRIPT"

type parseCase struct {
	argv  []string
	want  Invocation // Argv0 is filled in from argv[0]
	err   string     // the line bash prints, when it rejects the argv
	usage bool       // bash prints its usage after err
}

var parseCases = []parseCase{
	// The forms harnesses use (harnesses.md, "argv forms").
	{argv: []string{"bash", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-c"}}},
	{argv: []string{"bash", "-c", "-l", "CMD"},
		want: Invocation{Command: true, Login: true, Text: "CMD", Flags: []string{"-c", "-l"}}},
	{argv: []string{"bash", "-lc", "CMD"},
		want: Invocation{Command: true, Login: true, Text: "CMD", Flags: []string{"-lc"}}},
	{argv: []string{"bash", "-i", "-c", "CMD"},
		want: Invocation{Command: true, Interactive: true, Text: "CMD", Flags: []string{"-i", "-c"}}},
	{argv: []string{"bash", "-l", "-i", "-c", "echo $PATH"},
		want: Invocation{Command: true, Login: true, Interactive: true, Text: "echo $PATH", Flags: []string{"-l", "-i", "-c"}}},
	{argv: []string{"bash", "-c", "env"},
		want: Invocation{Command: true, Text: "env", Flags: []string{"-c"}}},
	{argv: []string{"bash", "-c", `set -e; . "/tmp/snapshot.sh"`},
		want: Invocation{Command: true, Text: `set -e; . "/tmp/snapshot.sh"`, Flags: []string{"-c"}}},
	{argv: []string{"bash", "-n"},
		want: Invocation{NoExec: true, Stdin: true, Flags: []string{"-n"}}},
	{argv: []string{"bash"},
		want: Invocation{Stdin: true}},
	{argv: []string{"bash", "-i"},
		want: Invocation{Interactive: true, Stdin: true, Flags: []string{"-i"}}},
	{argv: []string{"-bash"},
		want: Invocation{Login: true, Stdin: true}},
	{argv: []string{"bash", "--init-file", "/tmp/vscode.sh"},
		want: Invocation{RCFile: "/tmp/vscode.sh", Stdin: true, Flags: []string{"--init-file", "/tmp/vscode.sh"}}},
	{argv: []string{"bash", "--version"},
		want: Invocation{Version: true, Flags: []string{"--version"}}},
	{argv: []string{"bash", "-c", "CMD", "zero", "one", "two"},
		want: Invocation{Command: true, Text: "CMD", Operands: []string{"zero", "one", "two"}, Flags: []string{"-c"}}},
	{argv: []string{"/path/to/shim/bash", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-c"}}},

	// Clustered, reordered and repeated short options.
	{argv: []string{"bash", "-cl", "CMD"},
		want: Invocation{Command: true, Login: true, Text: "CMD", Flags: []string{"-cl"}}},
	{argv: []string{"bash", "-ec", "CMD", "zero"},
		want: Invocation{Command: true, Text: "CMD", Operands: []string{"zero"}, Flags: []string{"-ec"}}},
	{argv: []string{"bash", "-xc", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-xc"}}},
	{argv: []string{"bash", "-c", "-l", "CMD", "a", "b"},
		want: Invocation{Command: true, Login: true, Text: "CMD", Operands: []string{"a", "b"}, Flags: []string{"-c", "-l"}}},
	{argv: []string{"bash", "-ilc", "CMD"},
		want: Invocation{Command: true, Login: true, Interactive: true, Text: "CMD", Flags: []string{"-ilc"}}},
	{argv: []string{"bash", "-cc", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-cc"}}},
	{argv: []string{"bash", "-c", "CMD", "-l"},
		want: Invocation{Command: true, Text: "CMD", Operands: []string{"-l"}, Flags: []string{"-c"}}},
	{argv: []string{"bash", "-c", ""},
		want: Invocation{Command: true, Flags: []string{"-c"}}},

	// '+' undoes i, n and -o options, but c, l and s mean the same either way.
	{argv: []string{"bash", "+l", "-c", "CMD"},
		want: Invocation{Command: true, Login: true, Text: "CMD", Flags: []string{"+l", "-c"}}},
	{argv: []string{"bash", "+c", "CMD", "zero"},
		want: Invocation{Command: true, Text: "CMD", Operands: []string{"zero"}, Flags: []string{"+c"}}},
	{argv: []string{"bash", "+s", "a"},
		want: Invocation{Stdin: true, Operands: []string{"a"}, Flags: []string{"+s"}}},
	{argv: []string{"bash", "-i", "+i", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-i", "+i", "-c"}}},
	{argv: []string{"bash", "-n", "+n", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-n", "+n", "-c"}}},
	{argv: []string{"bash", "+x", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"+x", "-c"}}},

	// -o and -O take the next unused word.
	{argv: []string{"bash", "-o", "errexit", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-o", "errexit", "-c"}}},
	{argv: []string{"bash", "-oo", "errexit", "xtrace", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-oo", "errexit", "xtrace", "-c"}}},
	{argv: []string{"bash", "-co", "pipefail", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-co", "pipefail"}}},
	{argv: []string{"bash", "-o", "noexec", "-c", "CMD"},
		want: Invocation{Command: true, NoExec: true, Text: "CMD", Flags: []string{"-o", "noexec", "-c"}}},
	{argv: []string{"bash", "-n", "+o", "noexec", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-n", "+o", "noexec", "-c"}}},
	{argv: []string{"bash", "-o", "posix", "-c", "CMD"},
		want: Invocation{Command: true, Posix: true, Text: "CMD", Flags: []string{"-o", "posix", "-c"}}},
	{argv: []string{"bash", "--posix", "+o", "posix", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"--posix", "+o", "posix", "-c"}}},
	{argv: []string{"bash", "-O", "extglob", "+O", "nullglob", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-O", "extglob", "+O", "nullglob", "-c"}}},
	{argv: []string{"bash", "-o"},
		want: Invocation{ListOptions: true, Stdin: true, Flags: []string{"-o"}}},
	{argv: []string{"bash", "-s", "+O"},
		want: Invocation{ListOptions: true, Stdin: true, Flags: []string{"-s", "+O"}}},

	// "--" and a lone "-" end the options; the -c string may come after them.
	{argv: []string{"bash", "-c", "--", "CMD", "a"},
		want: Invocation{Command: true, Text: "CMD", Operands: []string{"a"}, Flags: []string{"-c", "--"}}},
	{argv: []string{"bash", "-c", "-", "CMD", "a"},
		want: Invocation{Command: true, Text: "CMD", Operands: []string{"a"}, Flags: []string{"-c", "-"}}},
	{argv: []string{"bash", "-", scriptWord, "a"},
		want: Invocation{Script: scriptWord, Operands: []string{"a"}, Flags: []string{"-"}}},
	{argv: []string{"bash", "-x", "--", scriptWord, "-c", "a"},
		want: Invocation{Script: scriptWord, Operands: []string{"-c", "a"}, Flags: []string{"-x", "--"}}},

	// Long options, with one dash or two, only ahead of the short ones.
	{argv: []string{"bash", "--login", "-c", "CMD"},
		want: Invocation{Command: true, Login: true, Text: "CMD", Flags: []string{"--login", "-c"}}},
	{argv: []string{"bash", "-login", "-c", "CMD"},
		want: Invocation{Command: true, Login: true, Text: "CMD", Flags: []string{"-login", "-c"}}},
	{argv: []string{"bash", "--noprofile", "--norc", "-c", "CMD"},
		want: Invocation{Command: true, NoProfile: true, NoRC: true, Text: "CMD", Flags: []string{"--noprofile", "--norc", "-c"}}},
	{argv: []string{"bash", "--restricted", "-c", "CMD"},
		want: Invocation{Command: true, Restricted: true, Text: "CMD", Flags: []string{"--restricted", "-c"}}},
	{argv: []string{"bash", "-rc", "CMD"},
		want: Invocation{Command: true, Restricted: true, Text: "CMD", Flags: []string{"-rc"}}},
	{argv: []string{"bash", "--posix", "-c", "CMD"},
		want: Invocation{Command: true, Posix: true, Text: "CMD", Flags: []string{"--posix", "-c"}}},
	{argv: []string{"bash", "--rcfile", "/tmp/rc", "--init-file", "/tmp/init", "-i"},
		want: Invocation{Interactive: true, Stdin: true, RCFile: "/tmp/init", Flags: []string{"--rcfile", "/tmp/rc", "--init-file", "/tmp/init", "-i"}}},
	{argv: []string{"bash", "--verbose", "--noediting", "--debug", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"--verbose", "--noediting", "--debug", "-c"}}},
	{argv: []string{"bash", "--debugger", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"--debugger", "-c"}}},
	{argv: []string{"bash", "--help"},
		want: Invocation{Help: true, Flags: []string{"--help"}}},
	{argv: []string{"bash", "-help", "-c", "CMD"},
		want: Invocation{Help: true, Flags: []string{"-help"}}},
	{argv: []string{"bash", "--version", "-z"},
		want: Invocation{Version: true, Flags: []string{"--version"}}},
	{argv: []string{"bash", "--dump-strings", "-c", "CMD"},
		want: Invocation{Command: true, Dump: true, Text: "CMD", Flags: []string{"--dump-strings", "-c"}}},
	{argv: []string{"bash", "-D", "-c", "CMD"},
		want: Invocation{Command: true, Dump: true, Text: "CMD", Flags: []string{"-D", "-c"}}},
	{argv: []string{"bash", "--dump-po-strings", scriptWord},
		want: Invocation{Dump: true, Script: scriptWord, Flags: []string{"--dump-po-strings"}}},
	{argv: []string{"bash", "--pretty-print", scriptWord},
		want: Invocation{PrettyPrint: true, Script: scriptWord, Flags: []string{"--pretty-print"}}},
	{argv: []string{"bash", "--pretty-print", "-c", "CMD"},
		want: Invocation{PrettyPrint: true, Command: true, Text: "CMD", Flags: []string{"--pretty-print", "-c"}}},

	// Scripts and stdin.
	{argv: []string{"bash", scriptWord, "a", "b"},
		want: Invocation{Script: scriptWord, Operands: []string{"a", "b"}}},
	{argv: []string{"bash", "-s", "a", "b"},
		want: Invocation{Stdin: true, Operands: []string{"a", "b"}, Flags: []string{"-s"}}},
	{argv: []string{"bash", "-l", "-s", "a"},
		want: Invocation{Login: true, Stdin: true, Operands: []string{"a"}, Flags: []string{"-l", "-s"}}},
	{argv: []string{"bash", "-i", "-n"},
		want: Invocation{Interactive: true, NoExec: true, Stdin: true, Flags: []string{"-i", "-n"}}},
	{argv: []string{"bash", "-n", "-i", "-c", "CMD"},
		want: Invocation{Command: true, Interactive: true, NoExec: true, Text: "CMD", Flags: []string{"-n", "-i", "-c"}}},
	{argv: []string{"bash", "-n", scriptWord},
		want: Invocation{NoExec: true, Script: scriptWord, Flags: []string{"-n"}}},
	{argv: []string{"bash", "-s", "-c", "CMD", "zero"},
		want: Invocation{Command: true, Text: "CMD", Operands: []string{"zero"}, Flags: []string{"-s", "-c"}}},

	// What argv0 decides.
	{argv: []string{"sh", "-c", "CMD"},
		want: Invocation{Command: true, Posix: true, Text: "CMD", Flags: []string{"-c"}}},
	{argv: []string{"-sh", "-c", "CMD"},
		want: Invocation{Command: true, Login: true, Posix: true, Text: "CMD", Flags: []string{"-c"}}},
	{argv: []string{"/x/-sh", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-c"}}},
	{argv: []string{"sh", "+o", "posix", "-c", "CMD"},
		want: Invocation{Command: true, Posix: true, Text: "CMD", Flags: []string{"+o", "posix", "-c"}}},
	{argv: []string{"/x/-rbash", "-c", "CMD"},
		want: Invocation{Command: true, Restricted: true, Text: "CMD", Flags: []string{"-c"}}},
	{argv: []string{"rbash", "+r", "-c", "CMD"},
		want: Invocation{Command: true, Restricted: true, Text: "CMD", Flags: []string{"+r", "-c"}}},
	{argv: []string{"/x/-bash", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-c"}}},
	{argv: []string{"-", "-c", "CMD"},
		want: Invocation{Command: true, Login: true, Text: "CMD", Flags: []string{"-c"}}},
	{argv: []string{"", "-c", "CMD"},
		want: Invocation{Command: true, Text: "CMD", Flags: []string{"-c"}}},

	// Mistakes, with what bash prints for them.
	{argv: []string{"bash", "-c"}, err: "bash: -c: option requires an argument"},
	{argv: []string{"/bin/bash", "-c"}, err: "/bin/bash: -c: option requires an argument"},
	{argv: []string{"bash", "--badopt"}, err: "bash: --badopt: invalid option", usage: true},
	{argv: []string{"-bash", "--badopt"}, err: "-bash: --badopt: invalid option", usage: true},
	{argv: []string{"", "--badopt"}, err: ": --badopt: invalid option", usage: true},
	{argv: []string{"bash", "--version", "--badopt"}, err: "bash: --badopt: invalid option", usage: true},
	{argv: []string{"bash", "-z"}, err: "bash: -z: invalid option", usage: true},
	{argv: []string{"bash", "+z"}, err: "bash: +z: invalid option", usage: true},
	{argv: []string{"bash", "+-x"}, err: "bash: +-: invalid option", usage: true},
	{argv: []string{"bash", "-l\xc3\xa9"}, err: "bash: -\xc3: invalid option", usage: true},
	{argv: []string{"bash", "-c", "--version"}, err: "bash: --: invalid option", usage: true},
	{argv: []string{"bash", "-l", "--login"}, err: "bash: --: invalid option", usage: true},
	{argv: []string{"bash", "---login"}, err: "bash: ---login: invalid option", usage: true},
	{argv: []string{"bash", "--rcfile=/tmp/rc"}, err: "bash: --rcfile=/tmp/rc: invalid option", usage: true},
	{argv: []string{"bash", "--wordexp"}, err: "bash: --wordexp: invalid option", usage: true},
	{argv: []string{"bash", "--rcfile"}, err: "bash: rcfile: option requires an argument"},
	{argv: []string{"bash", "--init-file"}, err: "bash: init-file: option requires an argument"},
	{argv: []string{"bash", "-o", "badname"}, err: "bash: line 0: bash: badname: invalid option name"},
	{argv: []string{"-", "-o", "badname"}, err: "-: line 0: bash: badname: invalid option name"},
	{argv: []string{"bash", "-o", "errexit", "-o", "-c", "CMD"}, err: "bash: line 0: bash: -c: invalid option name"},
	{argv: []string{"bash", "-login-", "-c", "CMD"}, err: "bash: line 0: bash: -c: invalid option name"},
	{argv: []string{"bash", "-O", "badname", "-c", "CMD"}, err: "bash: line 0: badname: invalid shell option name"},
	{argv: []string{"/bin/bash", "-i", "-O", "badname", "-c", "CMD"}, err: "bash: badname: invalid shell option name"},
	{argv: []string{"bash", "-O", "badname", "-c"}, err: "bash: -c: option requires an argument"},
	{argv: []string{"bash", "-O", "badname", "-z"}, err: "bash: -z: invalid option", usage: true},
	{argv: []string{"bash", "-r", "+r", "-c", "CMD"}, err: "bash: +r: invalid option", usage: true},
	{argv: []string{"bash", "--restricted", "+r", "-c", "CMD"}, err: "bash: +r: invalid option", usage: true},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			inv, err := Parse(tc.argv)
			if tc.err != "" {
				checkParseError(t, err, tc.err, tc.usage)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tc.want
			want.Argv0 = tc.argv[0]
			if !reflect.DeepEqual(inv, want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", inv, want)
			}
			if !inv.Version && !inv.Help {
				if got := rebuild(inv); !slices.Equal(got, tc.argv) {
					t.Errorf("Argv0+Flags+Text/Script+Operands = %q, want the argv back", got)
				}
			}
		})
	}
}

func checkParseError(t *testing.T, err error, msg string, usage bool) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse error = %v, want *Error %q", err, msg)
	}
	if e.Error() != msg || e.Usage != usage || e.Status() != 2 {
		t.Errorf("Parse error = %q (usage %v, status %d), want %q (usage %v, status 2)",
			e.Error(), e.Usage, e.Status(), msg, usage)
	}
}

// rebuild puts an argv back together from what Parse made of it.
func rebuild(inv Invocation) []string {
	argv := append([]string{inv.Argv0}, inv.Flags...)
	switch {
	case inv.Command:
		argv = append(argv, inv.Text)
	case !inv.Stdin:
		argv = append(argv, inv.Script)
	}
	return append(argv, inv.Operands...)
}

func TestParseEmptyArgv(t *testing.T) {
	inv, err := Parse(nil)
	if err != nil || !inv.Stdin || inv.Login {
		t.Errorf("Parse(nil) = %+v, %v; want a plain stdin shell", inv, err)
	}
}

func TestWouldBeInteractive(t *testing.T) {
	for _, tc := range []struct {
		argv          []string
		stdin, stderr bool
		want          bool
	}{
		{[]string{"bash"}, true, true, true},
		{[]string{"bash"}, true, false, false},
		{[]string{"bash"}, false, true, false},
		{[]string{"bash", "-s", "a"}, true, true, true},
		{[]string{"bash", "script", "a"}, true, true, false},
		{[]string{"bash", "-c", "CMD"}, true, true, false},
		{[]string{"bash", "-i", "-c", "CMD"}, false, false, true},
		{[]string{"bash", "-i", "script"}, false, false, true},
		{[]string{"bash", "-n"}, true, true, true},
		{[]string{"bash", "--version"}, true, true, false},
	} {
		inv, err := Parse(tc.argv)
		if err != nil {
			t.Fatal(err)
		}
		if got := inv.WouldBeInteractive(tc.stdin, tc.stderr); got != tc.want {
			t.Errorf("%q WouldBeInteractive(%v, %v) = %v, want %v", tc.argv, tc.stdin, tc.stderr, got, tc.want)
		}
	}
}

func TestReadsLines(t *testing.T) {
	for _, tc := range []struct {
		argv          []string
		stdin, stderr bool
		want          bool
	}{
		{[]string{"bash"}, true, true, true},
		{[]string{"bash"}, true, false, true}, // not interactive, but fed by a terminal
		{[]string{"bash"}, false, true, false},
		{[]string{"bash", "-s", "a"}, true, false, true},
		{[]string{"bash", "-i"}, false, false, true}, // gatesh refuses this one
		{[]string{"bash", "-i", "script"}, false, false, true},
		{[]string{"bash", "script"}, true, true, false},
		{[]string{"bash", "-c", "ls"}, true, true, false},
		{[]string{"bash", "-i", "-c", "ls"}, true, true, false},
		{[]string{"bash", "-c", "/bin/bash"}, true, true, true},
		{[]string{"bash", "-c", "exec bash -l"}, true, false, true},
		{[]string{"bash", "-c", "/bin/bash"}, false, true, false},
		{[]string{"bash", "-n"}, true, true, false},
		{[]string{"bash", "-i", "-n"}, false, false, false},
		{[]string{"bash", "--version"}, true, true, false},
		{[]string{"bash", "--pretty-print"}, true, true, true}, // interactive: bash ignores it
		{[]string{"bash", "--pretty-print"}, false, false, false},
	} {
		inv, err := Parse(tc.argv)
		if err != nil {
			t.Fatal(err)
		}
		if got := inv.ReadsLines(tc.stdin, tc.stderr); got != tc.want {
			t.Errorf("%q ReadsLines(%v, %v) = %v, want %v", tc.argv, tc.stdin, tc.stderr, got, tc.want)
		}
	}
}

// probe reports, one marked line each, what a running bash knows about itself.
const probe = `printf '\n@@args'; printf '|%s' "$0" "$@"; printf '\n@@flags|%s\n' "$-"
shopt -q login_shell && echo @@login
case :$SHELLOPTS: in *:posix:*) echo @@posix;; esac
shopt -q restricted_shell && echo @@restricted
:
`

// bashResult is what the real bash did with an argv.
type bashResult struct {
	status         int
	stdout, stderr string
	marks          map[string]string // probe line name → rest of the line
}

// runBash runs the real bash with argv exactly (argv[0] included), stdin as given,
// in a new session so that -i cannot take over the test's terminal, and with HOME
// in a temporary directory so that no user startup file runs.
func runBash(t *testing.T, argv []string, stdin string) bashResult {
	t.Helper()
	if _, err := os.Stat(realBash); err != nil {
		t.Skipf("no %s: %v", realBash, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, realBash)
	cmd.Args = argv
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C", "TERM=dumb"}
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %q: %v", argv, err)
	}
	r := bashResult{status: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), marks: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "@@"); ok {
			name, rest, _ := strings.Cut(name, "|")
			r.marks[name] = rest
		}
	}
	return r
}

// TestAgainstBash runs every accepted form of the table through the real bash with
// the command string (or script, or stdin) replaced by the probe, and checks that
// what bash reports about itself is what Parse said.
func TestAgainstBash(t *testing.T) {
	script := filepath.Join(t.TempDir(), "probe.sh")
	if err := os.WriteFile(script, []byte(probe), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range parseCases {
		if tc.err != "" {
			continue
		}
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			before, err := Parse(tc.argv)
			if err != nil {
				t.Fatal(err)
			}
			argv := slices.Clone(tc.argv)
			if before.Command {
				argv[1+len(before.Flags)] = probe
			}
			for i, w := range argv {
				if w == scriptWord {
					argv[i] = script
				}
			}
			inv, err := Parse(argv)
			if err != nil {
				t.Fatalf("Parse with the probe: %v", err)
			}
			// When the commands come from elsewhere, stdin holds a command that
			// tells if bash read it all the same.
			stdin := "echo @@stdin\n"
			if inv.Stdin {
				stdin = probe
			}
			checkAgainstBash(t, inv, runBash(t, argv, stdin))
		})
	}
}

func checkAgainstBash(t *testing.T, inv Invocation, r bashResult) {
	t.Helper()
	interactive := inv.WouldBeInteractive(false, false)
	if inv.Version || inv.Help {
		if r.status != 0 || !strings.HasPrefix(r.stdout, "GNU bash, version") {
			t.Errorf("bash: status %d, stdout %.40q; want 0 and its version", r.status, r.stdout)
		}
	}
	if _, read := r.marks["stdin"]; read {
		t.Errorf("bash ran a command from stdin; Parse said its commands come from elsewhere")
	}
	_, ran := r.marks["args"]
	if executes := inv.Executes(interactive); ran != executes {
		t.Fatalf("bash ran the probe: %v, Executes(%v) = %v\nstdout: %s\nstderr: %s",
			ran, interactive, executes, r.stdout, r.stderr)
	}
	if !ran {
		return
	}
	if got, want := r.marks["args"], strings.Join(wantDollars(inv), "|"); got != want {
		t.Errorf("bash's $0 and $@: %q, want %q", got, want)
	}
	flags := r.marks["flags"]
	if strings.Contains(flags, "i") != interactive {
		t.Errorf("bash's $- is %q; WouldBeInteractive(false, false) = %v", flags, interactive)
	}
	if strings.Contains(flags, "c") != inv.Command {
		t.Errorf("bash's $- is %q; Parse says Command: %v", flags, inv.Command)
	}
	// bash shows s in $- for -s even when -c wins over it, so only without a -c
	// string does s tell that bash reads its commands from stdin.
	if !inv.Command && strings.Contains(flags, "s") != inv.Stdin {
		t.Errorf("bash's $- is %q; Parse says Stdin: %v", flags, inv.Stdin)
	}
	for _, m := range []struct {
		mark string
		want bool
	}{{"login", inv.Login}, {"posix", inv.Posix}, {"restricted", inv.Restricted}} {
		if _, got := r.marks[m.mark]; got != m.want {
			t.Errorf("bash %s: %v, Parse: %v", m.mark, got, m.want)
		}
	}
}

// wantDollars is $0 followed by $@ as bash should set them.
func wantDollars(inv Invocation) []string {
	switch {
	case inv.Command && len(inv.Operands) > 0:
		return inv.Operands
	case inv.Command || inv.Stdin:
		return append([]string{inv.Argv0}, inv.Operands...)
	default:
		return append([]string{inv.Script}, inv.Operands...)
	}
}

// TestErrorsAgainstBash checks that bash rejects each mistake of the table with
// status 2 and the very line Parse gives.
func TestErrorsAgainstBash(t *testing.T) {
	for _, tc := range parseCases {
		if tc.err == "" {
			continue
		}
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			_, err := Parse(tc.argv)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error = %v", err)
			}
			checkErrorAgainstBash(t, tc.argv, e)
		})
	}
}

func checkErrorAgainstBash(t *testing.T, argv []string, e *Error) {
	t.Helper()
	r := runBash(t, argv, "")
	first, rest, _ := strings.Cut(r.stderr, "\n")
	if r.status != e.Status() || first != e.Msg {
		t.Errorf("bash: status %d, %q; Parse: status %d, %q", r.status, first, e.Status(), e.Msg)
	}
	if got := strings.HasPrefix(rest, "Usage:"); got != e.Usage {
		t.Errorf("bash printed its usage: %v, Error.Usage: %v", got, e.Usage)
	}
}

// TestOptionLettersAgainstBash tries every printable byte as a short option with
// either sign, and checks that Parse rejects exactly those bash rejects, in the
// same words.
func TestOptionLettersAgainstBash(t *testing.T) {
	for b := byte('!'); b <= '~'; b++ {
		for _, sign := range []byte{'-', '+'} {
			argv := []string{"bash", string([]byte{sign, b}), "-c", ":"}
			_, err := Parse(argv)
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Fatalf("%q: Parse error %v is not an *Error", argv, err)
			}
			if e != nil {
				checkErrorAgainstBash(t, argv, e)
				continue
			}
			if r := runBash(t, argv, ""); r.status == 2 {
				t.Errorf("%q: bash status 2 (%q), Parse accepted it", argv, r.stderr)
			}
		}
	}
}

// TestOptionNamesAgainstBash compares the -o and -O names Parse knows with the
// ones bash lists when -o or -O is given without a name.
func TestOptionNamesAgainstBash(t *testing.T) {
	for _, tc := range []struct {
		flag  string
		names []string
	}{{"-o", setOptionNames}, {"-O", shoptNames}} {
		inv, err := Parse([]string{"bash", tc.flag})
		if err != nil || !inv.ListOptions {
			t.Fatalf("Parse(bash %s) = %+v, %v; want ListOptions", tc.flag, inv, err)
		}
		r := runBash(t, []string{"bash", tc.flag}, "")
		var listed []string
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			listed = append(listed, strings.Fields(line)[0])
		}
		if got, want := sorted(listed), sorted(tc.names); !slices.Equal(got, want) {
			t.Errorf("bash %s lists %q\nParse knows %q", tc.flag, got, want)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestExecutes(t *testing.T) {
	for _, tc := range []struct {
		argv        []string
		interactive bool
		want        bool
	}{
		{[]string{"bash", "-c", "CMD"}, false, true},
		{[]string{"bash", "-n", "-c", "CMD"}, false, false},
		{[]string{"bash", "-n", "-i"}, true, false},
		{[]string{"bash", "--version"}, false, false},
		{[]string{"bash", "-D", "script"}, false, false},
		{[]string{"bash", "--pretty-print", "script"}, false, false},
		{[]string{"bash", "--pretty-print"}, true, true},
		{[]string{"bash", "--pretty-print", "-c", "CMD"}, false, true},
	} {
		inv, err := Parse(tc.argv)
		if err != nil {
			t.Fatal(err)
		}
		if got := inv.Executes(tc.interactive); got != tc.want {
			t.Errorf("%q Executes(%v) = %v, want %v", tc.argv, tc.interactive, got, tc.want)
		}
	}
}

func ExampleParse() {
	inv, _ := Parse([]string{"bash", "-c", "-l", "git status", "zero", "one"})
	fmt.Printf("%q login=%v $0=%q $1=%q\n", inv.Text, inv.Login, inv.Operands[0], inv.Operands[1])
	// Output: "git status" login=true $0="zero" $1="one"
}

func TestStartsShell(t *testing.T) {
	for text, want := range map[string]bool{
		"/bin/bash":           true,
		"bash":                true,
		"exec bash -l":        true,
		"/usr/bin/zsh -i":     true,
		"sh":                  true,
		"bash --login":        true,
		"bash -c ls":          false,
		"bash script.sh":      false,
		"bash -n":             false,
		"bash; rm -rf ~":      false,
		"ls":                  false,
		"python3":             false,
		"/bin/bash --version": false,
		"":                    false,
		"echo bash":           false,
	} {
		if got := StartsShell(text); got != want {
			t.Errorf("StartsShell(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestShellArgv0(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"gatesh", "bash"},
		{"/opt/gatesh/bin/gatesh", "bash"},
		{"-gatesh", "-bash"},
		{"-/opt/gatesh/bin/gatesh", "-bash"},
		{"", "bash"},
		{"bash", "bash"},
		{"-bash", "-bash"},
		{"/home/u/.local/share/gatesh/shim/bash", "/home/u/.local/share/gatesh/shim/bash"},
		{"sh", "sh"},
		{"-sh", "-sh"},
		{"/bin/sh", "/bin/sh"},
		{"rbash", "rbash"},
		// Not a login shell (bash decides that on the whole argv0), and not a name bash knows.
		{"/x/-bash", "bash"},
		{"zsh", "bash"},
	} {
		if got := ShellArgv0(c.in); got != c.want {
			t.Errorf("ShellArgv0(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
