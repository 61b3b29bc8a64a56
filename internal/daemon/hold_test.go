package daemon

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/wire"
)

func TestHoldWait(t *testing.T) {
	srv, _ := start(t, testDirs(t), nil)
	for _, tt := range []struct {
		env   map[string]string
		agent string
		want  int
	}{
		{nil, "claude-code", 90}, // the hold_wait setting
		{nil, "codex", 8},        // Codex kills a command after 10 s
		{nil, "swe-agent", 25},
		{map[string]string{"GATESH_HOLD_WAIT": "3"}, "codex", 3},
		{map[string]string{"GATESH_HOLD_WAIT": "0"}, "claude-code", 0},
		{map[string]string{"GATESH_HOLD_WAIT": "soon"}, "unknown", 90},
	} {
		if got := srv.holdWait(tt.env, tt.agent); got != tt.want {
			t.Errorf("holdWait(%v, %s) = %d, want %d", tt.env, tt.agent, got, tt.want)
		}
	}
	if got := srv.maxGrant().Hours(); got != 24 {
		t.Errorf("maxGrant = %vh, want the grant_max_hours setting, 24", got)
	}
}

func TestCovers(t *testing.T) {
	push := []wire.Reason{{ID: "git.push"}, {ID: "git.push.protected"}}
	for _, tt := range []struct {
		rules []string
		want  bool
	}{
		{[]string{"git.push", "git.push.protected"}, true},
		{[]string{"git.push.protected", "git.push", "files.write.outside"}, true},
		{[]string{"git.push"}, false}, // a grant never covers a rule it was not given
		{nil, false},
	} {
		if got := covers(tt.rules, push); got != tt.want {
			t.Errorf("covers(%v) = %v, want %v", tt.rules, got, tt.want)
		}
	}
	if covers([]string{"git.push"}, nil) {
		t.Error("a grant covered a line with no hold reasons")
	}
}

// The same command in the same directory is the same request; anything else
// is not.
func TestRequestKey(t *testing.T) {
	k := requestKey("git push origin main", "/w")
	if requestKey(" git push origin main\n", "/w") != k {
		t.Error("surrounding whitespace made another request")
	}
	for _, other := range [][2]string{{"git push origin  main", "/w"}, {"git push origin main", "/x"}, {"git push origin mai", "n/w"}} {
		if requestKey(other[0], other[1]) == k {
			t.Errorf("%q in %s has the same key", other[0], other[1])
		}
	}
}

// Only the gatesh that asked may wait on a request: another process waiting on
// it would take the approval, and the approved process tree, for itself.
func TestOnlyTheAskerWaitsOn(t *testing.T) {
	d := testDirs(t)
	start(t, d, nil)
	req := decideReq("git push origin main", t.TempDir())
	req.Env = []string{"HOME=/root", "GATESH_HOLD_WAIT=0"}
	var held wire.Response
	json.Unmarshal([]byte(dialOnce(wire.Socket(d.Runtime), req)), &held)
	if held.Action != "hold" || held.RequestID == 0 {
		t.Fatalf("the push was not held as a request: %+v", held)
	}
	self, _ := os.Executable()
	wait, _ := json.Marshal(wire.Request{V: wire.Version, Op: wire.OpWait, ID: held.RequestID, Wait: 1})
	cmd := exec.Command(self)
	cmd.Env = []string{"GATESH_TEST_DIAL=" + wire.Socket(d.Runtime), "GATESH_TEST_REQ=" + string(wait)}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "was asked by pid") {
		t.Fatalf("another process waited on the request: %s", out)
	}
}

func TestTouchesGate(t *testing.T) {
	if touchesGate([]wire.Reason{{ID: "git.push", Class: "external"}}) {
		t.Error("a push counted as touching the gate")
	}
	if !touchesGate([]wire.Reason{{ID: "files.write.outside", Class: "destructive"}, {ID: "tamper.shell_startup", Class: "tamper"}}) {
		t.Error("a write to an rc file inside an approved command would run without asking")
	}
}
