package decide

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/open-policy-agent/opa/v1/ast"
)

func TestProfilePolicy(t *testing.T) {
	if os.Getenv("GATESH_PROFILE") == "" {
		t.Skip("set GATESH_PROFILE=1")
	}
	te := newTestEnv(t)
	if os.Getenv("GATESH_PROFILE") == "noguards" {
		d, _ := dirs.From(func(k string) string {
			if k == "GATESH_HOME" {
				return t.TempDir()
			}
			return ""
		})
		dec, err := New(context.Background(), Config{Dirs: d, NoGuards: true})
		if err != nil {
			t.Fatal(err)
		}
		te.dec = dec
	}
	lines := benchLines(t)[:600]
	var inputs []ast.Value
	for _, l := range lines {
		doc, err := te.dec.Input(l, te.ws, te.env)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := policy.ValueOf(doc)
		inputs = append(inputs, v)
	}
	costs, err := te.dec.Engine().Profile(context.Background(), inputs, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range costs {
		fmt.Printf("%8.1fms %7d %s\n", float64(c.TotalNs)/1e6, c.Evals, c.Location)
	}
}
