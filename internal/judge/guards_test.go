package judge

import (
	"context"
	"os"
	"testing"
)

// TestGuardsChangeNoDecision checks the combiner's package guards (a package that
// declares `names` is evaluated only for lines running one of them): deciding the
// labelled corpora and a slice of the real workload with and without the guards
// must give the same action and the same reasons. A rule that looks at a command
// its package's `names` forgot would show up here.
func TestGuardsChangeNoDecision(t *testing.T) {
	te := newTestEnv(t)
	unguarded := te.variant(t, func(c *Config) { c.NoGuards = true })
	var lines []string
	for _, c := range append(readLabelled(t, "corpus.tsv", false), readLabelled(t, "own.tsv", true)...) {
		lines = append(lines, c.command)
	}
	// Under the race detector OPA is many times slower: keep to the labelled
	// corpora and the irreversible lines there.
	every := 25
	if raceEnabled {
		every = 0
	}
	if os.Getenv("GATESH_GUARDS_FULL") != "" { // every workload line (about a minute)
		every = 1
	}
	for i, w := range readWorkload(t) {
		if w.Class == "irreversible" || every > 0 && i%every == 0 {
			lines = append(lines, w.Command)
		}
	}
	ctx := context.Background()
	for _, l := range lines {
		_, a, err := checkLine(ctx, te.judge, l, te.ws, te.env)
		if err != nil {
			t.Fatal(err)
		}
		_, b, err := checkLine(ctx, unguarded, l, te.ws, te.env)
		if err != nil {
			t.Fatal(err)
		}
		if a.Action != b.Action || len(a.Reasons) != len(b.Reasons) {
			t.Errorf("%q: guarded %s %v, unguarded %s %v", l, a.Action, ids(a.Reasons), b.Action, ids(b.Reasons))
			continue
		}
		for i := range a.Reasons {
			if a.Reasons[i].ID != b.Reasons[i].ID {
				t.Errorf("%q: guarded reasons %v, unguarded %v", l, ids(a.Reasons), ids(b.Reasons))
				break
			}
		}
	}
	t.Logf("%d lines decided alike with and without guards", len(lines))
}
