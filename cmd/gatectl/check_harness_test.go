package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestCheckSeesHarness: gatectl check judges what gatesh -c would: the real
// Codex 0.169.0 outer call (moved into the test's home) by the agent's command
// inside it, named in "judged"; the same call with anything smuggled into its
// plumbing is judged whole, and held with a message that says why in words.
func TestCheckSeesHarness(t *testing.T) {
	c := newCLI(t)
	b, err := os.ReadFile("../../testdata/harness/codex-0.169.0-outer.sh")
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "echo cx-ok-$((6*7)) && git rev-parse --abbrev-ref HEAD"
	outer := strings.ReplaceAll(string(b), "/home/u/", c.home+"/")
	type out struct {
		Command, Judged, Action string
		Reasons                 []struct{ ID, Msg string }
	}
	check := func(text string) out {
		t.Helper()
		res := c.run("", "check", "--json", "--", text)
		var o out
		if res.code != 0 || json.Unmarshal([]byte(res.stdout), &o) != nil {
			t.Fatalf("exit %d: %s%s", res.code, res.stdout, res.stderr)
		}
		return o
	}
	if o := check(outer); o.Action != "allow" || o.Judged != cmd || o.Command != outer {
		t.Errorf("the wrapper: %s judged %q", o.Action, o.Judged)
	}
	push := strings.Replace(outer, "'"+cmd+"'", "'git push origin HEAD:main'", 1)
	if o := check(push); o.Action != "hold" || o.Judged != "git push origin HEAD:main" {
		t.Errorf("a push in the wrapper: %s judged %q", o.Action, o.Judged)
	}
	smuggled := strings.Replace(outer, "else export CODEX_VERSION; fi", "else export CODEX_VERSION; rm -rf ./x; fi", 1)
	o := check(smuggled)
	if o.Action != "hold" || o.Judged != "" || len(o.Reasons) == 0 {
		t.Fatalf("smuggled: %+v", o)
	}
	if o.Reasons[0].ID != "opaque.too-many-commands" || !strings.Contains(o.Reasons[0].Msg, "too long to check (more than 512 commands)") {
		t.Errorf("smuggled: %+v", o.Reasons)
	}
	// not seen through in a session line: a person typing it means it whole
	res := c.run("", "check", "--json", "--session", "--", outer)
	if strings.Contains(res.stdout, `"judged"`) {
		t.Errorf("a session line was seen through: %s", res.stdout)
	}
}
