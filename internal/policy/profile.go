package policy

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
)

// ExprCost is the time the policy spent in one expression over a profiled run.
type ExprCost struct {
	Location string `json:"location"`
	TotalNs  int64  `json:"total_ns"`
	Evals    int    `json:"evals"`
}

// Profile evaluates the decision for every input with OPA's profiler attached and
// returns the n most expensive expressions, for policy authors who need to know
// which rule makes decisions slow (gatectl check --profile).
func (e *Engine) Profile(ctx context.Context, inputs []ast.Value, n int) ([]ExprCost, error) {
	prof := profiler.New()
	regoOpts := append([]func(*rego.Rego){
		rego.Query(DecisionQuery),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
	}, builtinFuncs(e.opts.Builtins)...)
	pq, err := rego.New(regoOpts...).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	for _, in := range inputs {
		if _, err := pq.Eval(ctx, rego.EvalParsedInput(in), rego.EvalQueryTracer(prof)); err != nil {
			return nil, err
		}
	}
	var out []ExprCost
	for _, s := range prof.ReportTopNResults(n, []string{"total_time_ns"}) {
		out = append(out, ExprCost{Location: fmt.Sprintf("%s:%d", s.Location.File, s.Location.Row), TotalNs: s.ExprTimeNs, Evals: s.NumEval})
	}
	return out, nil
}
