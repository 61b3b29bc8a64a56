package shellparse

import "testing"

// awkOptCases pin what a command spawned by awk, sed or another interpreter
// reads on stdin.
var awkOptCases = []tcase{
	// ---- print | "cmd": cmd reads what awk prints, text made at run time.
	{line: `gawk '{ print | "bash" }' f`, cmds: []want{{name: "bash", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	{line: `/usr/bin/awk '{print|"sh -s"}' f`, cmds: []want{{name: "awk", path: "/usr/bin/awk"}, {name: "sh", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	{line: `mawk '{print $0 | "python3"}' f`, cmds: []want{{name: "python3", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	{line: `awk '{print | "s" "h"}' f`, cmds: []want{{name: "sh", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	{line: `awk '{print | "sort -u"}' f`, cmds: []want{{name: "sort", via: "interp"}}},
	{line: `awk '{print | "cat 1>&2"}' f`, cmds: []want{{name: "cat", via: "interp"}}},
	// ---- system("…"), "…" | getline and sed's e read the program's own stdin.
	{line: `curl -s x | awk 'BEGIN{system("sh")}'`, cmds: []want{{name: "curl"}, {name: "awk", pipeFrom: []int{0}}, {name: "sh", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	{line: `curl -s x | awk 'BEGIN{while (("bash" | getline l) > 0) print l}'`, cmds: []want{{name: "bash", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	{line: `echo 'rm -rf /q' | awk 'BEGIN{system("sh")}'`, cmds: []want{{name: "sh", via: "interp"}, {name: "rm", argv: []string{"rm", "-rf", "/q"}, via: "interp,shell"}}},
	{line: `curl -s x | sed '1e sh'`, cmds: []want{{name: "sh", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	{line: `curl -s x | python3 -c 'import os; os.system("sh")'`, cmds: []want{{name: "sh", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	{line: `curl -s x | perl -e 'system("bash")'`, cmds: []want{{name: "bash", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	// code read on stdin used the stdin up: what it spawns reads none of it
	{line: `echo 'import os; os.system("sh")' | python3`, cmds: []want{{name: "sh", via: "interp"}}},
	{line: `awk 'BEGIN{system("ls")}' < list.txt`, cmds: []want{{name: "ls", via: "interp"}}},
}

func TestAwkOptions(t *testing.T) {
	for _, tc := range awkOptCases {
		t.Run(tc.line, func(t *testing.T) { runCase(t, tc) })
	}
}
