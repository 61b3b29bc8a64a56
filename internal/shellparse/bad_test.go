package shellparse

import (
	"strings"
	"testing"
)

func TestBadInput(t *testing.T) {
	cases := []struct {
		name    string
		line    string
		wantErr bool
	}{
		{"empty", "", false},
		{"blank", "   \n\t ", false},
		{"comment", "# nothing", false},
		{"1MB words", strings.Repeat("echo aaaaaaaaaaaaaaa; ", 1<<20/20), true},
		{"1MB single word", "echo " + strings.Repeat("a", 1<<20), true},
		{"just under the size bound", "echo " + strings.Repeat("a", DefaultMaxBytes-10), false},
		{"nested $(", strings.Repeat("$(", 10000) + "x" + strings.Repeat(")", 10000), true},
		{"nested (", strings.Repeat("(", 10000) + "x" + strings.Repeat(")", 10000), true},
		{"nested {", strings.Repeat("{ ", 10000) + "x" + strings.Repeat("; }", 10000), true},
		{"nested backquote-ish", strings.Repeat("`", 10001), true},
		{"nested if", strings.Repeat("if true; then ", 10000) + "x" + strings.Repeat("; fi", 10000), false},
		{"nested arith", "echo $((" + strings.Repeat("-", 100000) + "1))", false},
		{"NUL", "echo a\x00b", true},
		{"invalid utf8", "echo \xff\xfe \x80abc", false},
		{"unterminated single", "echo 'abc", true},
		{"unterminated double", "echo \"abc", true},
		{"unterminated subst", "echo $(ls", true},
		{"unterminated heredoc", "cat <<EOF\nabc", false},
		{"lone operator", "&&", true},
		{"deep bash -c", strings.Repeat("bash -c '", 1) + "bash -c \"bash -c 'ls'\"'", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := Parse(tc.line, Options{Cwd: "/w", Home: "/home/u"})
			if l == nil {
				t.Fatal("nil line")
			}
			if tc.wantErr && l.ParseError == nil {
				t.Errorf("want a parse error, got none (%d commands)", len(l.Commands))
			}
			if !tc.wantErr && l.ParseError != nil && l.ParseError.Msg == "internal error while parsing" {
				t.Errorf("internal error")
			}
			checkInvariants(t, l)
		})
	}
}

func checkInvariants(t *testing.T, l *Line) {
	t.Helper()
	if l.Commands == nil || l.Opaque == nil || l.Functions == nil {
		t.Errorf("nil slices in Line")
	}
	for i, c := range l.Commands {
		if c.Name == "" && len(c.Argv) > 0 && (len(c.Dynamic) == 0 || c.Dynamic[0] != 0) {
			t.Errorf("command %d %q: empty name without dynamic word", i, c.Argv)
		}
		if c.Argv == nil || c.Dynamic == nil || c.Globs == nil || c.Via == nil || c.PipeFrom == nil || c.Redirects == nil || c.Env == nil {
			t.Errorf("command %d: nil slices", i)
		}
		for _, d := range c.Dynamic {
			if d < 0 || d >= len(c.Argv) {
				t.Errorf("command %d: dynamic index %d out of range", i, d)
			}
		}
		for _, p := range c.PipeFrom {
			if p < 0 || p >= i {
				t.Errorf("command %d: pipe_from %d not an earlier command", i, p)
			}
		}
	}
}
