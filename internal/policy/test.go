package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego unit test.
type TestResult struct {
	File    string `json:"file"`
	Package string `json:"package"`
	Name    string `json:"name"`
	Pass    bool   `json:"pass"`
	Skip    bool   `json:"skip,omitempty"`
	Error   string `json:"error,omitempty"`
	Line    int    `json:"line"`
}

// Coverage is line coverage of a set of policy files.
type Coverage struct {
	Covered    int                `json:"covered_lines"`
	NotCovered int                `json:"not_covered_lines"`
	Percent    float64            `json:"coverage"`
	Files      map[string]float64 `json:"files"`
}

// TestReport is what Test found.
type TestReport struct {
	Results []TestResult `json:"results"`
	// Defaults is the coverage of the embedded default policies and library
	// (test files excluded); User that of the user directory's policies.
	Defaults Coverage `json:"defaults"`
	User     Coverage `json:"user"`
}

// Passed reports whether every test passed.
func (r TestReport) Passed() bool {
	for _, t := range r.Results {
		if !t.Pass && !t.Skip {
			return false
		}
	}
	return true
}

// Test runs the Rego unit tests (rules named test_*) of the embedded bundle and of
// opts.UserDir with the gatesh built-ins registered, and measures coverage.
func Test(ctx context.Context, opts Options) (TestReport, error) {
	mods, docs, _, err := loadSources(opts, true)
	if err != nil {
		return TestReport{}, err
	}
	caps := Capabilities()
	var custom []*tester.Builtin
	funcs := builtinFuncs(opts.Builtins)
	names := []string{fnGitRefExists, fnGitTracked, fnGitIgnored, fnGitDirty}
	decls := builtinDecls()
	for i, name := range names {
		caps.Builtins = append(caps.Builtins, decls[name])
		custom = append(custom, &tester.Builtin{Decl: decls[name], Func: funcs[i]})
	}
	compiler := ast.NewCompiler().WithCapabilities(caps).WithUseTypeCheckAnnotations(true)
	cov := cover.New()
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(inmem.NewFromObject(docs)).
		AddCustomBuiltins(custom).
		SetModules(mods).
		SetTimeout(opts.Timeout)
	if opts.Timeout == 0 {
		runner.SetTimeout(DefaultTimeout * 10)
	}
	if !opts.NoCoverage {
		runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return TestReport{}, fmt.Errorf("run policy tests: %w", err)
	}
	var rep TestReport
	for r := range ch {
		tr := TestResult{Package: strings.TrimPrefix(r.Package, "data."), Name: r.Name, Pass: r.Pass(), Skip: r.Skip}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		if r.Error != nil {
			tr.Error = r.Error.Error()
		} else if r.Fail {
			tr.Error = "test failed"
		}
		rep.Results = append(rep.Results, tr)
	}
	sort.Slice(rep.Results, func(i, j int) bool {
		a, b := rep.Results[i], rep.Results[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	report := cov.Report(mods)
	rep.Defaults = coverageOf(report, func(f string) bool { return strings.HasPrefix(f, "embedded:") })
	rep.User = coverageOf(report, func(f string) bool { return !strings.HasPrefix(f, "embedded:") })
	return rep, nil
}

func coverageOf(r cover.Report, keep func(string) bool) Coverage {
	c := Coverage{Files: map[string]float64{}}
	for name, f := range r.Files {
		if !keep(name) || strings.HasSuffix(name, "_test.rego") {
			continue
		}
		c.Covered += f.CoveredLines
		c.NotCovered += f.NotCoveredLines
		c.Files[name] = f.Coverage
	}
	if total := c.Covered + c.NotCovered; total > 0 {
		c.Percent = 100 * float64(c.Covered) / float64(total)
	}
	return c
}
