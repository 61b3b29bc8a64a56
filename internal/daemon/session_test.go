package daemon

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/store"
	"github.com/gatesh/gatesh/internal/wire"
)

func sessionReq(text, cwd string) wire.Request {
	r := decideReq(text, cwd)
	r.Mode, r.Session = wire.ModeSession, "s-test"
	return r
}

// Session lines: an unfinished command is "more" (and not logged), functions
// and aliases known from earlier lines are judged through, and a line that
// defines functions says so.
func TestSessionLines(t *testing.T) {
	d := testDirs(t)
	start(t, d, nil)
	cwd := t.TempDir()
	for _, tt := range []struct {
		text, functions string
		aliases         map[string]string
		action          string
		defines         bool
	}{
		{text: "for i in 1 2; do", action: wire.ActionMore},
		{text: "for i in 1 2; do\necho $i\ndone", action: "allow"},
		{text: "cat <<EOF\n$(git push origin main)", action: wire.ActionMore},
		{text: "f() { echo hi; }", action: "allow", defines: true},
		{text: "g", functions: "g() { git push origin main; }\n", action: "hold"},
		{text: "gp", aliases: map[string]string{"gp": "git push origin main"}, action: "hold"},
		{text: "gp", action: "allow"},
		{text: "PROMPT_COMMAND='export PS1=x'", action: "allow"},
		{text: "PROMPT_COMMAND='git push origin main'", action: "hold"},
	} {
		req := sessionReq(tt.text, cwd)
		req.Functions, req.Aliases = tt.functions, tt.aliases
		resp := ask(t, d, req)
		if resp.Error != "" || resp.Action != tt.action || resp.Defines != tt.defines {
			t.Errorf("%q: action %q defines %v error %q; want %q, %v", tt.text, resp.Action, resp.Defines, resp.Error, tt.action, tt.defines)
		}
	}
	time.Sleep(100 * time.Millisecond)
	b, _ := os.ReadFile(filepath.Join(d.State, "decisions.jsonl"))
	if strings.Contains(string(b), `"text":"for i in 1 2; do"`) {
		t.Errorf("an unfinished line was logged as a decision")
	}
	if !strings.Contains(string(b), `"session":"s-test"`) {
		t.Errorf("decisions do not name their session:\n%s", b)
	}
}

// Any line sent on a held connection withdraws the request.
func TestSessionWithdraw(t *testing.T) {
	d := testDirs(t)
	start(t, d, nil)
	req := sessionReq("git push origin main", t.TempDir())
	req.Env = []string{"HOME=/root", "PATH=/usr/bin:/bin", "GATESH_HOLD_WAIT=30"}
	conn, err := net.Dial("unix", wire.Socket(d.Runtime))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	wire.WriteLine(conn, req)
	r := bufio.NewReader(conn)
	var held, final wire.Response
	line, _ := r.ReadBytes('\n')
	json.Unmarshal(line, &held)
	if held.Action != "hold" || held.RequestID == 0 || held.Wait != 30 {
		t.Fatalf("not held: %s", line)
	}
	conn.Write([]byte("withdraw\n"))
	line, _ = r.ReadBytes('\n')
	json.Unmarshal(line, &final)
	if final.Outcome != wire.OutcomeWithdrawn || final.Action != "deny" {
		t.Fatalf("withdraw answered %s", line)
	}
	db, err := store.Open(filepath.Join(d.State, "requests.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Request(held.RequestID)
	if err != nil || got.Status != store.Withdrawn {
		t.Fatalf("request status %q, %v; want withdrawn", got.Status, err)
	}
}

// A session's start: the record setting applied to the agent driving it.
func TestSessionStart(t *testing.T) {
	d := testDirs(t)
	start(t, d, nil)
	for _, tt := range []struct {
		env    []string
		record bool
	}{
		{[]string{"HOME=/root"}, false},
		{[]string{"HOME=/root", "CLAUDECODE=1"}, true},
	} {
		resp := ask(t, d, wire.Request{V: wire.Version, Op: wire.OpSession, Env: tt.env, Session: "s1", Cwd: "/"})
		if resp.Error != "" || resp.Record != tt.record {
			t.Errorf("%v: record %v (agent %q) error %q; want %v", tt.env, resp.Record, resp.Agent, resp.Error, tt.record)
		}
	}
}
