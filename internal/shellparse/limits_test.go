package shellparse

import (
	"strings"
	"testing"
)

// TestLimitsSayWhich: a line stopped at a size bound says which bound, in words
// the held message can show a person (the policy quotes them), and a line not
// parsed for its size or nesting is marked as such rather than as a syntax
// error.
func TestLimitsSayWhich(t *testing.T) {
	tooMany := func(line string, opts Options) string {
		t.Helper()
		l := Parse(line, opts)
		for _, o := range l.Opaque {
			if o.Reason == "too-many-commands" {
				return o.Text
			}
		}
		t.Fatalf("no too-many-commands entry: %+v", l.Opaque)
		return ""
	}
	if got := tooMany(strings.Repeat("true; ", DefaultMaxCommands+1), testOpts); got != "more than 512 commands" {
		t.Errorf("commands: %q", got)
	}
	small := testOpts
	small.MaxCommands = 3
	if got := tooMany("a; b; c; d", small); got != "more than 3 commands" {
		t.Errorf("MaxCommands 3: %q", got)
	}
	many := testOpts
	many.MaxCommands = 1 << 30
	if got := tooMany("f() { :; :; :; }; "+strings.Repeat("f >/dev/null; ", 8000), many); got != "more than 20000 statements to follow, counting loop passes and function calls" {
		t.Errorf("statements: %q", got)
	}
	alias := "alias a='echo " + strings.Repeat("x", 50<<10) + "'; " + strings.Repeat("a; ", 25)
	if got := tooMany(alias, many); got != "more than 1024 KiB of alias expansions" {
		t.Errorf("aliases: %q", got)
	}

	for _, c := range []struct {
		name, line, limit, msg string
	}{
		{"size", "echo " + strings.Repeat("a", DefaultMaxBytes), LimitSize, "more than the 262144 gatesh judges"},
		{"nesting", strings.Repeat("(", 2000) + "x" + strings.Repeat(")", 2000), LimitNesting, "more than 1000 levels"},
		{"syntax", "echo 'abc", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pe := Parse(c.line, testOpts).ParseError
			if pe == nil {
				t.Fatal("no parse error")
			}
			if pe.Limit != c.limit || !strings.Contains(pe.Msg, c.msg) {
				t.Errorf("got %+v", pe)
			}
		})
	}
}
