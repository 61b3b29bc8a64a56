package decide

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gatesh/gatesh/internal/policy"
	"github.com/open-policy-agent/opa/v1/ast"
)

func TestProfileOne(t *testing.T) {
	line := os.Getenv("GATESH_PROFILE_LINE")
	if line == "" {
		t.Skip()
	}
	te := newTestEnv(t)
	doc, _ := te.dec.Input(line, te.ws, te.env)
	v, _ := policy.ValueOf(doc)
	var inputs []ast.Value
	for i := 0; i < 200; i++ {
		inputs = append(inputs, v)
	}
	costs, _ := te.dec.Engine().Profile(context.Background(), inputs, 30)
	tot := 0
	for _, c := range costs {
		tot += c.Evals
		fmt.Printf("%8.2fms %6d %s\n", float64(c.TotalNs)/1e6, c.Evals/200, c.Location)
	}
}
