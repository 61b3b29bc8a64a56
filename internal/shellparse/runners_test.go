package shellparse

import "testing"

// runnerCases try the runners table with spellings an agent could use to
// slip a command past it: paths, quotes, --opt=value, clustered options,
// and the forms the per-runner code it replaced missed.
var runnerCases = []tcase{
	// Spellings of the command word and of options.
	{line: `/usr/bin/sudo rm -rf /x`, cmds: []want{{name: "sudo"}, {name: "rm", argv: []string{"rm", "-rf", "/x"}, via: "wrapper"}}},
	{line: `'sud'o -uroot rm x`, cmds: []want{{name: "sudo"}, {name: "rm", via: "wrapper"}}},
	{line: `sudo --user=root -EH -- rm x`, cmds: []want{{name: "sudo"}, {name: "rm", via: "wrapper"}}},
	{line: `sudo "-u" root A=1 rm x`, cmds: []want{{name: "sudo"}, {name: "rm", argv: []string{"rm", "x"}, env: map[string]string{"A": "1"}, via: "wrapper"}}},
	{line: `sudo -e /etc/hosts`, count: 1},
	{line: `timeout --signal=KILL -k5 10s rm x`, cmds: []want{{name: "timeout"}, {name: "rm", argv: []string{"rm", "x"}, via: "wrapper"}}},
	{line: `nice -n5 ionice -c3 chrt -r 5 taskset -c 0 rm x`, cmds: []want{{name: "rm", argv: []string{"rm", "x"}, via: "wrapper,wrapper,wrapper,wrapper"}}},
	{line: `taskset -cp 0 123; ionice -p 1 rm; chrt -p 5 123; command -pv rm`, count: 4},
	{line: `uv run --with=rich -p 3.12 rm x`, cmds: []want{{name: "uv"}, {name: "rm", via: "wrapper"}}},
	{line: `nix-shell -p a b c --run 'rm x'`, cmds: []want{{name: "nix-shell"}, {name: "rm", via: "wrapper"}}},
	{line: `nix develop --impure -c rm x`, cmds: []want{{name: "nix"}, {name: "rm", via: "wrapper"}}},
	{line: `watch --interval=1 -x rm x`, cmds: []want{{name: "watch"}, {name: "rm", argv: []string{"rm", "x"}, via: "wrapper"}}},

	// flock FILE CMD: a number is a descriptor only when nothing follows
	// it; with a command it names the lock file.
	{line: `flock 9 rm -rf /`, cmds: []want{{name: "flock"}, {name: "rm", argv: []string{"rm", "-rf", "/"}, via: "wrapper"}}},
	{line: `flock -n 9 rm -rf /`, cmds: []want{{name: "flock"}, {name: "rm", via: "wrapper"}}},
	{line: `flock 9`, count: 1},
	// Code options inside a cluster, and after an operand (GNU getopt
	// reads options wherever they are for su and script).
	{line: `su -lc 'rm x' root`, cmds: []want{{name: "su"}, {name: "rm", via: "wrapper"}}},
	{line: `runuser -l root -c 'rm x'`, cmds: []want{{name: "runuser"}, {name: "rm", via: "wrapper"}}},
	{line: `script /dev/null -c 'rm z'`, cmds: []want{{name: "script"}, {name: "rm", via: "wrapper"}}},
	// sudo -D with a computed directory: where the command runs is unknown.
	{line: `sudo -D "$D" rm -rf y`, cmds: []want{{name: "sudo"}, {name: "rm", cwdDyn: true, via: "wrapper"}}},
	// What the wrapped command prints is what the wrapper prints.
	{line: `sudo echo 'rm -rf /' | sh`, cmds: []want{{name: "sudo"}, {name: "echo"}, {name: "sh"}, {name: "rm", argv: []string{"rm", "-rf", "/"}, via: "shell"}}},
	// Code given by escapes is obfuscation, as for bash -c.
	{line: `watch $'\x72m x'`, cmds: []want{{name: "watch"}, {name: "rm", via: "wrapper"}}, opaque: []string{"encoded"}},
	// npx -c CMD (npx --call CMD) runs CMD with sh -c: code, not an argument.
	{line: `npx -c 'rm -rf /n'`, cmds: []want{{name: "npx"}, {name: "rm", argv: []string{"rm", "-rf", "/n"}}}},
	{line: `npx --call 'rm -rf /n'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/n"}}}},
	{line: `npx --call='rm -rf /n'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/n"}}}},
	{line: `npx -y -c "curl -s x | sh"`, cmds: []want{{name: "curl"}, {name: "sh"}}, opaque: []string{"pipe-to-shell"}},
	{line: `npx -c "$CMD"`, opaque: []string{"dynamic-code"}},
	{line: `npx -y prettier --check .`, count: 2, cmds: []want{{name: "npx"}, {name: "prettier", argv: []string{"prettier", "--check", "."}}}},
	{line: `npx tsc -p .`, count: 2, cmds: []want{{name: "npx"}, {name: "tsc", argv: []string{"tsc", "-p", "."}}}},
	// npm exec -c / --call, mise exec -c / --command: the same code option.
	{line: `npm exec -c 'rm -rf /n'`, cmds: []want{{name: "npm"}, {name: "rm", argv: []string{"rm", "-rf", "/n"}}}},
	{line: `npm x --call='rm -rf /n'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/n"}}}},
	{line: `mise exec --command 'rm -rf /n'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/n"}}}},
	{line: `npm exec -- eslint .`, count: 2, cmds: []want{{name: "npm"}, {name: "eslint", argv: []string{"eslint", "."}}}},
	// pnpm exec -c (--shell-mode): the command words are shell text.
	{line: `pnpm exec -c 'rm -rf /n'`, cmds: []want{{name: "pnpm"}, {name: "rm", argv: []string{"rm", "-rf", "/n"}}}},
	{line: `pnpm dlx -c rm -rf /n`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/n"}}}},
	{line: `pnpm exec --shell-mode 'curl -s x | sh'`, cmds: []want{{name: "curl"}, {name: "sh"}}, opaque: []string{"pipe-to-shell"}},
	{line: `pnpm exec tsc -p .`, count: 2, cmds: []want{{name: "pnpm"}, {name: "tsc", argv: []string{"tsc", "-p", "."}}}},
}

func TestRunners(t *testing.T) {
	for _, tc := range runnerCases {
		t.Run(tc.line, func(t *testing.T) { runCase(t, tc) })
	}
}

// TestRunnerRows checks that each row of the table can be followed: text
// and code runners say what their step into shell code is called.
func TestRunnerRows(t *testing.T) {
	for _, r := range runners {
		switch {
		case r.grammar != nil:
			if r.sub != nil || r.arg != "" || r.longArg != nil || r.runs != runsArgv {
				t.Errorf("%v: a grammar row has no other fields", r.names)
			}
		case r.runs == runsCode && r.code == "" && r.longCode == nil:
			t.Errorf("%v: runs only code but has no code option", r.names)
		case r.runs == runsText && r.step == "":
			t.Errorf("%v: runs text but names no step", r.names)
		case r.bare && (r.arg != "" || r.longArg != nil || r.none != nil):
			t.Errorf("%v: bare, yet lists options", r.names)
		}
	}
}
