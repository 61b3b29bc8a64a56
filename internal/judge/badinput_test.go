package judge

import (
	"context"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/policy"
)

// TestBadInput feeds the whole decision core lines no agent should send: each must
// come back as a clear decision (a hold or deny whose reason says the line could
// not be parsed), never a crash, and never an allow of something unjudged.
func TestBadInput(t *testing.T) {
	te := newTestEnv(t)
	tests := []struct {
		name string
		text string
	}{
		{"1 MB line", "echo " + strings.Repeat("a", 1<<20)},
		{"1 MB of commands", strings.Repeat("true; ", 1<<20/6)},
		{"10000 nested substitutions", strings.Repeat("$(", 10000) + "ls" + strings.Repeat(")", 10000)},
		{"10000 nested subshells", strings.Repeat("(", 10000) + "ls" + strings.Repeat(")", 10000)},
		{"10000 nested groups", strings.Repeat("{ ", 10000) + "ls" + strings.Repeat("; }", 10000)},
		{"bash -c nested past the depth bound", nestedBashC(10000)},
		{"NUL byte", "ls\x00; rm -rf ~"},
		{"invalid UTF-8", "rm -rf \xff\xfe/"},
		{"unterminated single quote", "rm -rf /some/path 'unterminated"},
		{"unterminated double quote", `echo "abc`},
		{"unterminated substitution", "echo $(ls"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, d, err := checkLine(ctx, te.judge, tt.text, te.ws, te.env)
			if err != nil {
				t.Fatalf("decision failed: %v", err)
			}
			if d.Action == policy.Allow {
				t.Fatalf("allowed; commands %d, parse error %v", len(doc.Commands), doc.ParseError)
			}
			if len(d.Reasons) == 0 {
				t.Fatalf("%s without a reason", d.Action)
			}
		})
	}
	t.Run("empty line", func(t *testing.T) {
		for _, text := range []string{"", "   ", "\n\n", "# just a comment"} {
			doc, d, err := checkLine(ctx, te.judge, text, te.ws, te.env)
			if err != nil {
				t.Fatal(err)
			}
			if d.Action != policy.Allow || len(doc.Commands) != 0 {
				t.Errorf("%q: got %s with %d commands, want allow with none (nothing runs)", text, d.Action, len(doc.Commands))
			}
		}
	})
}

// nestedBashC is bash -c 'bash -c '\”…ls…'\”' nested n deep, each level quoted
// for the one around it.
func nestedBashC(n int) string {
	s := "ls"
	for i := 0; i < n && len(s) < 1<<20; i++ {
		s = "bash -c '" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
