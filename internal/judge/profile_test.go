package judge

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gatesh/gatesh/internal/policy"
	"github.com/open-policy-agent/opa/v1/ast"
)

// TestProfilePolicy prints the policy expressions that cost most over 600 mixed
// lines (GATESH_PROFILE=1; =noguards to evaluate every package), or over one line
// given in GATESH_PROFILE_LINE. A tool for policy authors, not a pass/fail test.
func TestProfilePolicy(t *testing.T) {
	if os.Getenv("GATESH_PROFILE") == "" {
		t.Skip("set GATESH_PROFILE=1")
	}
	te := newTestEnv(t)
	if os.Getenv("GATESH_PROFILE") == "noguards" {
		te.judge = te.variant(t, func(c *Config) { c.NoGuards = true })
	}
	lines := benchLines(t)[:600]
	if one := os.Getenv("GATESH_PROFILE_LINE"); one != "" {
		lines = make([]string, 200)
		for i := range lines {
			lines[i] = one
		}
	}
	var inputs []ast.Value
	for _, l := range lines {
		doc, err := inputLine(te.judge, l, te.ws, te.env)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := policy.ValueOf(doc)
		inputs = append(inputs, v)
	}
	costs, err := te.judge.Engine().Profile(context.Background(), inputs, 60)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range costs {
		fmt.Printf("%8.1fms %7d evals %s\n", float64(c.TotalNs)/1e6, c.Evals, c.Location)
	}
}
