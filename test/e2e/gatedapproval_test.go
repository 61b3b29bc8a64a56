package e2e

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// A process that carries no_new_privs, as every process in a gated tree does
// for life, cannot approve or deny, even when nothing ties it to a command the
// gate let run: here gatectl runs under setpriv --no-new-privs and script (a
// terminal of its own, as a detached `script` from the agent's tree would
// have), started by the test rather than by gatesh, so the daemon's ancestry
// check has nothing to find and only the process's own marks tell. The same
// approval from a plain process at a terminal passes.
func TestApprovalNotFromGatedProcess(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("no setpriv")
	}
	if !haveScript() {
		t.Skip("no script")
	}
	e := NewEnv(t)
	freshWithLocalCommit(e)
	id := runHeld(t, e, pushCmd)
	n := strconv.FormatInt(id, 10)
	for _, op := range []string{"approve", "deny"} {
		cmd := GatectlBin + " " + op + " " + n
		r := e.Run(Gatesh, Call{Path: setpriv, Argv0: "setpriv", Args: []string{"--no-new-privs", "script", "-qec", cmd, "/dev/null"}, Stdin: ttyFor(t)})
		out := r.Stdout + r.Stderr
		if r.Status == 0 || !strings.Contains(out, "runs inside a gated command") {
			t.Errorf("%s under no_new_privs was not refused as gated: %s", op, r)
		}
		if got, _ := findRequest(t, e, id); got.Status != "pending" {
			t.Fatalf("after %s under no_new_privs the request is %+v", op, got)
		}
	}
	if pushed(e) {
		t.Fatal("the push reached origin")
	}
	ctlOK(t, e, ttyFor(t), "approve", n)
	if got, _ := findRequest(t, e, id); got.Status != "approved" {
		t.Fatalf("a plain approval at a terminal left the request %+v", got)
	}
}
