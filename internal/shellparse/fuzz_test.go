package shellparse

import (
	"encoding/json"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.line)
	}
	for _, tc := range aliasCases {
		f.Add(tc.line)
	}
	for _, s := range []string{"", "$(", "((((", "a\x00b", "\xff\xfe", "echo 'x", ":(){ :|:& };:",
		"for a in 1 2; do for b in 3 4; do f() { g; }; done; done", "x=${y:-$(rm z)}"} {
		f.Add(s)
	}
	debugPanics = true
	f.Fuzz(func(t *testing.T, line string) {
		l := Parse(line, Options{Cwd: "/w", Home: "/home/u", MaxCommands: 64,
			Aliases: map[string]string{"ll": "ls -la", "s": "sudo ", "a": "a; b ", "b": "a | sh"}})
		if l == nil {
			t.Fatal("nil line")
		}
		if l.ParseError != nil && l.ParseError.Msg == "internal error while parsing" {
			t.Fatalf("internal error (recovered panic) on %q", line)
		}
		checkInvariants(t, l)
		if t.Failed() {
			t.FailNow()
		}
		if len(l.Commands) > 64 {
			t.Fatalf("%d commands above MaxCommands", len(l.Commands))
		}
		if _, err := json.Marshal(l); err != nil {
			t.Fatal(err)
		}
	})
}

var benchLines = []string{
	`git status`,
	`cd src && cargo build && cargo test`,
	`find . -name '*.py' -not -path './.venv/*' | xargs wc -l`,
	`for f in docs/*.md; do echo "$f"; head -3 "$f"; done`,
	`python3 -c 'import sys; print(sys.version)'`,
	`git commit -m "fix: handle empty input" && git push origin feature/x`,
	`npm test -- --watch=false 2>&1 | tail -50`,
	`bash -lc 'rm -rf "$TARGET" >/dev/null'`,
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	opts := Options{Cwd: "/work", Home: "/home/u"}
	for i := 0; i < b.N; i++ {
		Parse(benchLines[i%len(benchLines)], opts)
	}
}
