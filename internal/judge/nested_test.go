package judge

import (
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
