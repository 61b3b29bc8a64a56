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

// Test runs the Rego unit tests (rules named test_*) with the gatesh built-ins
// registered, and measures coverage. The embedded bundle's own tests run against
// the bundle alone, so that a user's waivers and settings cannot make them fail;
// the tests in opts.UserDir run against the bundle plus that directory, as the
// engine would load them. With NoDefaults only the user's tests run (against the
// library and the user's directory).
func Test(ctx context.Context, opts Options) (TestReport, error) {
	var rep TestReport
	// The user's directory is loaded first, so that a broken one is reported
	// before anything runs.
	var userMods map[string]*ast.Module
	var userDocs map[string]any
	if opts.UserDir != "" {
		var err error
		userMods, userDocs, _, err = loadSources(opts, true)
		if err != nil {
			return TestReport{}, err
		}
		// The embedded tests run in their own pass: compile them out of this one.
		for name := range userMods {
			if strings.HasPrefix(name, "embedded:") && strings.HasSuffix(name, "_test.rego") {
				delete(userMods, name)
			}
		}
	}
	if !opts.NoDefaults {
		mods, docs, _, err := loadSources(Options{}, true)
		if err != nil {
			return TestReport{}, err
		}
		results, cov, err := runTests(ctx, opts, mods, docs, func(file string) bool { return true })
		if err != nil {
			return TestReport{}, err
		}
		rep.Results = append(rep.Results, results...)
		rep.Defaults = coverageOf(cov, func(f string) bool { return strings.HasPrefix(f, "embedded:") })
	}
	if hasUserFiles(userMods) {
		results, cov, err := runTests(ctx, opts, userMods, userDocs, func(file string) bool { return !strings.HasPrefix(file, "embedded:") })
		if err != nil {
			return TestReport{}, err
		}
		rep.Results = append(rep.Results, results...)
		rep.User = coverageOf(cov, func(f string) bool { return !strings.HasPrefix(f, "embedded:") })
	}
	sort.Slice(rep.Results, func(i, j int) bool {
		a, b := rep.Results[i], rep.Results[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return rep, nil
}

// hasUserFiles reports whether mods holds any module from the user's directory
// (a missing directory contributes none).
func hasUserFiles(mods map[string]*ast.Module) bool {
	for name := range mods {
		if !strings.HasPrefix(name, "embedded:") {
			return true
		}
	}
	return false
}

// runTests runs the test rules of mods whose file keep accepts.
func runTests(ctx context.Context, opts Options, mods map[string]*ast.Module, docs map[string]any, keep func(file string) bool) ([]TestResult, cover.Report, error) {
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
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout * 30
	}
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(inmem.NewFromObject(docs)).
		AddCustomBuiltins(custom).
		SetModules(mods).
		SetTimeout(timeout)
	if !opts.NoCoverage {
		runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil, cover.Report{}, fmt.Errorf("run policy tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Package: strings.TrimPrefix(r.Package, "data."), Name: r.Name, Pass: r.Pass(), Skip: r.Skip}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		if !keep(tr.File) {
			continue
		}
		if r.Error != nil {
			tr.Error = r.Error.Error()
		} else if r.Fail {
			tr.Error = "test failed"
		}
		out = append(out, tr)
	}
	return out, cov.Report(mods), nil
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
