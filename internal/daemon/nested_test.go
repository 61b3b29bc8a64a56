package daemon

import (
	"bufio"
	"os/exec"
	"testing"
)

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
