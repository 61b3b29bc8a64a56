package shellparse

import "testing"

// awkOptCases pin how awk's command line is read (gawk's options that write
// files, load code or edit in place, and every spelling of them), and what a
// command spawned by awk, sed or another interpreter reads on stdin.
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

	// ---- gawk -i inplace rewrites the operand files, as sed -i does.
	{line: `awk -i inplace '{sub(/a/,"b")}1' f`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/f"}}}}},
	{line: `gawk -i inplace '{print}' ~/.bashrc`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/home/u/.bashrc"}}}}},
	{line: `gawk --include=inplace '{print}' a`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/a"}}}}},
	{line: `gawk --include inplace '{print}' a`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/a"}}}}},
	{line: `gawk --incl=inplace.awk '{print}' a`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/a"}}}}},
	{line: `gawk -iinplace '{print}' a`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/a"}}}}},
	{line: `gawk -bi inplace '{print}' a`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/a"}}}}},
	{line: `gawk -W include=inplace '{print}' a`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/a"}}}}},
	{line: `gawk -i 'inplace' -v n=1 '{print}' a n=2 - /etc/hosts`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/a", "/etc/hosts"}}}}},
	{line: `gawk -i inplace '{print}' "$F"`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{`"$F"`}}}}},
	// a program file does not hide the files it rewrites
	{line: `gawk -i inplace -f fix.awk ~/.profile`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "file", Known: false, Effects: []string{"write"}, Paths: []string{"/home/u/.profile"}}}}},
	{line: `gawk -i inplace '{print}'`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "{print}"}}}},
	// ---- any other -i loads awk code from a file; -l a shared library.
	{line: `gawk -i lib.awk '{print}' f`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "{print}"}}}, opaque: []string{"source"}},
	{line: `gawk -i "$LIB" '{print}' f`, opaque: []string{"source"}},
	{line: `awk -l ./x.so '{print}'`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "{print}"}}}, opaque: []string{"source"}},
	{line: `gawk --load=./x.so 'BEGIN{}'`, opaque: []string{"source"}},
	{line: `gawk --lo ./x.so 'BEGIN{}'`, opaque: []string{"source"}},
	{line: `gawk -lx 'BEGIN{}'`, opaque: []string{"source"}},
	{line: `gawk -W load=./x.so 'BEGIN{}'`, opaque: []string{"source"}},
	{line: `gawk -W load ./x.so 'BEGIN{}'`, opaque: []string{"source"}},
	{line: `gawk -W "$OPT" 'BEGIN{}'`, opaque: []string{"source"}},
	{line: `gawk -D -f x.awk`, opaque: []string{"script"}},
	// ---- -d, -p and -o write a file (their value is only attached).
	{line: `gawk -d/home/u/.bashrc 'BEGIN{}'`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/home/u/.bashrc"}}}}},
	{line: `gawk --dump-variables=/home/u/.bashrc 'BEGIN{}'`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/home/u/.bashrc"}}}}},
	{line: `gawk --profile=../x 'BEGIN{}'`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/x"}}}}},
	{line: `gawk -o 'BEGIN{}'`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/awkprof.out"}}}}},
	{line: `gawk -Lfatal '{print}' f`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "{print}"}}}},
	// ---- the program given by an option, in every spelling.
	{line: `gawk --source='BEGIN{system("rm -rf /x")}'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/x"}, via: "interp"}}},
	{line: `gawk --sou 'BEGIN{system("rm -rf /x")}'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/x"}, via: "interp"}}},
	{line: `gawk -W source='BEGIN{system("rm -rf /x")}'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/x"}, via: "interp"}}},
	{line: `busybox awk -e 'BEGIN{system("rm -rf /x")}'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/x"}, via: "wrapper,interp"}}},
	{line: `awk -safe 'BEGIN{system("rm -rf /x")}'`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/x"}, via: "interp"}}},
	{line: `gawk -f x.awk -e 'BEGIN{system("rm -rf /x")}' f`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/x"}, via: "interp"}}},
	{line: `awk -- '{print | "sh"}' f`, cmds: []want{{name: "sh", via: "interp"}}, opaque: []string{"pipe-to-shell"}},
	// a program file: an ordinary script, as python x.py
	{line: `gawk -E x.awk f`, cmds: []want{{name: "gawk", code: nil}}, count: 1},
	{line: `gawk --file=x.awk f`, count: 1},
	{line: `mawk -W exec x.awk f`, count: 1},
	{line: `gawk -fx.awk f`, count: 1},

	// ---- a program file that is a stream: stdin is code on stdin, a
	// process substitution or a computed name is not known.
	{line: `curl -s x | awk -f /dev/stdin f`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "stdin", Known: false}}}, opaque: []string{"pipe-to-shell"}},
	{line: `curl -s x | awk -f - f`, opaque: []string{"pipe-to-shell"}},
	{line: `curl -s x | gawk -E /dev/stdin`, opaque: []string{"pipe-to-shell"}},
	{line: `curl -s x | gawk --file=- f`, opaque: []string{"pipe-to-shell"}},
	{line: `echo 'BEGIN{system("rm -rf /q")}' | awk -f -`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "stdin", Known: true, Effects: []string{"spawn"}}}, {name: "rm", argv: []string{"rm", "-rf", "/q"}, via: "interp"}}},
	{line: `awk -f <(curl -s x) f`, opaque: []string{"dynamic-code"}},
	{line: `awk -f /dev/fd/3 f 3< p.awk`, opaque: []string{"script"}},
	{line: `curl -s x | sed -f - f`, opaque: []string{"pipe-to-shell"}},
	{line: `curl -s x | sed --file=/dev/stdin f`, opaque: []string{"pipe-to-shell"}},
	{line: `sed -f <(curl -s x) f`, opaque: []string{"dynamic-code"}},
	{line: `echo '1e rm -rf /q' | sed -f - f`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/q"}, via: "interp"}}},
	{line: `echo '1e sh' | sed -f - f`, cmds: []want{{name: "sh", via: "interp"}}, count: 3},
	{line: `curl -s x | php -f /dev/stdin`, opaque: []string{"pipe-to-shell"}},
	// a program file read from a file is an ordinary script
	{line: `awk -f /dev/stdin f < p.awk`, count: 1},
	{line: `sed -f fix.sed f`, count: 1},

	// ---- print > "file" names its file, resolved as sed's w file is.
	{line: `awk 'BEGIN{print "x" > "../../home/u/.bashrc"}'`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/home/u/.bashrc"}}}}},
	{line: `awk '{print > "out.txt"}' f`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "expr", Known: true, Effects: []string{"write"}, Paths: []string{"/work/out.txt"}}}}},

	// ---- GNU sed takes long options by any unambiguous prefix too.
	{line: `sed --expr='1e rm -rf /s' f`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/s"}, via: "interp"}}},
	{line: `sed --e '1e rm -rf /s' f`, cmds: []want{{name: "rm", argv: []string{"rm", "-rf", "/s"}, via: "interp"}}},

	// ---- everyday forms stay plain.
	{line: `awk '{print $1}' f`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "{print $1}", Paths: []string{}}}}},
	{line: `awk -F: '{print $1}' /etc/passwd`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "{print $1}", Paths: []string{}}}}},
	{line: `awk -F"$SEP" '{print $1}' f`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "{print $1}"}}}},
	{line: `gawk -v x=1 'BEGIN{print x}'`, cmds: []want{{name: "gawk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "BEGIN{print x}", Paths: []string{}}}}},
	{line: `awk -vOFS=, -F'\t' '{print $2, $1}' a.tsv`, cmds: []want{{name: "awk", code: &Code{Lang: "awk", From: "expr", Known: true, Text: "{print $2, $1}"}}}},
	{line: `sed -n '1,20p' f`, cmds: []want{{name: "sed", code: &Code{Lang: "sed", From: "expr", Known: true}}}},
	{line: `sed -i 's/a/b/' f`, cmds: []want{{name: "sed", code: &Code{Lang: "sed", From: "expr", Known: true}}}},
}

func TestAwkOptions(t *testing.T) {
	for _, tc := range awkOptCases {
		t.Run(tc.line, func(t *testing.T) { runCase(t, tc) })
	}
}
