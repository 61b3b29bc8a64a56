package judge

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/policy"
)

// TestConformance runs every labelled line (the shared corpus and gatesh's own)
// through the whole decision core in a real git workspace on feature/x: an `allow`
// line must be allowed, a `gate` line held or denied.
func TestConformance(t *testing.T) {
	te := newTestEnv(t)
	cases := append(readLabelled(t, "corpus.tsv", false), readLabelled(t, "own.tsv", true)...)
	if len(cases) < 400 {
		t.Fatalf("only %d labelled lines; the corpora are missing lines", len(cases))
	}
	ctx := context.Background()
	var gateAllowed, allowHeld int
	for _, c := range cases {
		name := fmt.Sprintf("%s:%d", c.file, c.line)
		t.Run(name, func(t *testing.T) {
			doc, d, err := checkLine(ctx, te.judge, c.command, te.ws, te.env)
			if err != nil {
				t.Fatalf("%q: decision failed: %v", c.command, err)
			}
			_ = doc
			switch c.label {
			case "allow":
				if d.Action != policy.Allow {
					allowHeld++
					t.Errorf("%q (%s): got %s %s, want allow\n%s", c.command, c.why, d.Action, d.Class, reasons(d))
				}
			case "gate":
				if d.Action == policy.Allow {
					gateAllowed++
					t.Errorf("%q (%s): got allow, want hold or deny", c.command, c.why)
				}
			default:
				t.Fatalf("unknown label %q", c.label)
			}
		})
	}
	t.Logf("%d lines: %d gate lines allowed, %d allow lines held or denied", len(cases), gateAllowed, allowHeld)
}

func reasons(d policy.Decision) string {
	var b strings.Builder
	for _, r := range d.Reasons {
		fmt.Fprintf(&b, "    %s: %s\n", r.ID, r.Msg)
	}
	return b.String()
}

func ids(rs []policy.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
