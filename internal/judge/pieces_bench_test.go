package judge

import (
	"context"
	"testing"

	"github.com/gatesh/gatesh/internal/policy"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// BenchmarkValueOf measures converting input documents into Rego values.
func BenchmarkValueOf(b *testing.B) {
	te := newTestEnv(b)
	lines := benchLines(b)
	var docs []any
	for _, l := range lines[:2000] {
		doc, _ := inputLine(te.judge, l, te.ws, te.env)
		docs = append(docs, doc)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		policy.ValueOf(docs[i%2000])
	}
}

// BenchmarkTrivialEval measures OPA evaluating a one-rule policy over real input
// documents: the floor any policy pays per decision.
func BenchmarkTrivialEval(b *testing.B) {
	te := newTestEnv(b)
	lines := benchLines(b)
	var vals []ast.Value
	for _, l := range lines[:2000] {
		doc, _ := inputLine(te.judge, l, te.ws, te.env)
		v, _ := policy.ValueOf(doc)
		vals = append(vals, v)
	}
	pq, err := rego.New(rego.Query("data.x.decision"), rego.Module("x.rego", `package x
decision := {"action": "allow", "class": "x", "reasons": []} if { count(input.commands) >= 0 }
`)).PrepareForEval(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pq.Eval(context.Background(), rego.EvalParsedInput(vals[i%2000]))
	}
}

// BenchmarkDecideSimple measures the everyday case, one plain command, evaluated
// each time (cache off).
func BenchmarkDecideSimple(b *testing.B) {
	te := newTestEnv(b)
	te.judge = uncached(b, te)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := checkLine(ctx, te.judge, "python reproduce_issue.py", te.ws, te.env); err != nil {
			b.Fatal(err)
		}
	}
}
