package judge

import (
	"os/exec"
	"testing"
)

// TestWorkspaceFollowsCheckout: the decider caches workspace discovery, but a
// checkout in between two lines must be seen (the protected-branch rules depend on
// the current branch).
func TestWorkspaceFollowsCheckout(t *testing.T) {
	te := newTestEnv(t)
	doc, err := inputLine(te.judge, "git status", te.ws, te.env)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Workspace.Branch != "feature/x" || doc.Workspace.Root != te.ws {
		t.Fatalf("workspace %+v", doc.Workspace)
	}
	for _, branch := range []string{"main", "feature/x", "main"} {
		cmd := exec.Command("git", "checkout", "-q", branch)
		cmd.Dir = te.ws
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git checkout: %v\n%s", err, out)
		}
		doc, err = inputLine(te.judge, "git status", te.ws, te.env)
		if err != nil {
			t.Fatal(err)
		}
		if doc.Workspace.Branch != branch {
			t.Fatalf("after checkout of %s the workspace says branch %q", branch, doc.Workspace.Branch)
		}
	}
}
