package daemon

import (
	"bufio"
	"os/exec"
	"testing"

	"github.com/gatesh/gatesh/internal/policy"
)

func TestInvocation(t *testing.T) {
	got := invocation("/home/u/.pyenv/libexec/pyenv", []string{"exec", "git", "push", "it's"})
	want := `'pyenv' 'exec' 'git' 'push' 'it'\''s'`
	if got != want {
		t.Errorf("invocation = %s, want %s", got, want)
	}
}

func TestScriptArgs(t *testing.T) {
	// A shell that stays itself (not exec'ing its last command) with the
	// argv shape of bash SCRIPT ARGS.
	cmd := exec.Command("sh", "-c", "echo up; read x; :", "/opt/tool", "a b", "")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	// Up and running its script, as a gatesh that asks the daemon is.
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if got := scriptArgs(cmd.Process.Pid, "/opt/tool"); len(got) != 2 || got[0] != "a b" || got[1] != "" {
		t.Errorf("scriptArgs = %q, want [a b, \"\"]", got)
	}
	if got := scriptArgs(cmd.Process.Pid, "/opt/other"); got != nil {
		t.Errorf("a script not in argv: want nil (unknown), got %q", got)
	}
	if got := scriptArgs(1<<30, "30"); got != nil {
		t.Errorf("no such process: want nil (unknown), got %q", got)
	}
}

func TestStricter(t *testing.T) {
	allow := policy.Decision{Action: policy.Allow, Class: "reversible"}
	hold := policy.Decision{Action: policy.Hold, Class: "external", Reasons: []policy.Reason{{ID: "git.push"}}}
	hold2 := policy.Decision{Action: policy.Hold, Class: "opaque", Reasons: []policy.Reason{{ID: "opaque.dynamic-command"}}}
	deny := policy.Decision{Action: policy.Deny, Class: "destructive", Reasons: []policy.Reason{{ID: "files.rm.catastrophic"}}}
	for _, tc := range []struct {
		a, b   policy.Decision
		action string
		ids    int
	}{
		{allow, allow, policy.Allow, 0},
		{allow, hold, policy.Hold, 1},
		{hold, allow, policy.Hold, 1},
		{hold2, hold, policy.Hold, 2},
		{hold, deny, policy.Deny, 1},
		{policy.Decision{Action: "maybe"}, allow, "maybe", 0},
	} {
		got := stricter(tc.a, tc.b)
		if got.Action != tc.action || len(got.Reasons) != tc.ids {
			t.Errorf("stricter(%s, %s) = %s with %d reasons, want %s with %d", tc.a.Action, tc.b.Action, got.Action, len(got.Reasons), tc.action, tc.ids)
		}
	}
}
