package main

import (
	"context"
	"flag"
	"fmt"
	"sort"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/policy"
)

func runTest(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		verbose     bool
		minCoverage float64
		noDefaults  bool
		noCoverage  bool
		policyDir   string
	)
	fs.BoolVar(&verbose, "v", false, "print every test, and coverage per file")
	fs.Float64Var(&minCoverage, "min-coverage", 0, "fail when the default policies' coverage is below `PERCENT`")
	fs.BoolVar(&noDefaults, "no-defaults", false, "leave out the embedded default rules and their tests")
	fs.BoolVar(&noCoverage, "no-coverage", false, "do not measure coverage (faster)")
	fs.StringVar(&policyDir, "policy-dir", "", "user policy `directory` (the same as giving DIR)")
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	dir := policyDir
	switch {
	case fs.NArg() > 1 || fs.NArg() == 1 && policyDir != "":
		return fmt.Errorf("%w: gatectl test [DIR] (or --policy-dir DIR)", errUsage)
	case fs.NArg() == 1:
		dir = fs.Arg(0)
	case dir == "":
		d, err := dirs.From(e.getenv)
		if err == nil {
			dir = d.Policies()
		}
	}
	rep, err := policy.Test(ctx, policy.Options{
		UserDir:    dir,
		NoDefaults: noDefaults,
		NoCoverage: noCoverage,
		Builtins:   judge.Builtins(),
	})
	if err != nil {
		return err
	}
	passed, failed := 0, 0
	for _, r := range rep.Results {
		switch {
		case r.Skip:
			if verbose {
				fmt.Fprintf(e.stdout, "SKIP  %s.%s (%s:%d)\n", r.Package, r.Name, r.File, r.Line)
			}
		case r.Pass:
			passed++
			if verbose {
				fmt.Fprintf(e.stdout, "PASS  %s.%s\n", r.Package, r.Name)
			}
		default:
			failed++
			fmt.Fprintf(e.stdout, "FAIL  %s.%s (%s:%d): %s\n", r.Package, r.Name, r.File, r.Line, r.Error)
		}
	}
	printCoverage := func(label string, c policy.Coverage) {
		if c.Covered+c.NotCovered == 0 {
			return
		}
		fmt.Fprintf(e.stdout, "coverage (%s): %.1f%% (%d of %d lines)\n", label, c.Percent, c.Covered, c.Covered+c.NotCovered)
		if verbose {
			names := make([]string, 0, len(c.Files))
			for f := range c.Files {
				names = append(names, f)
			}
			sort.Strings(names)
			for _, f := range names {
				fmt.Fprintf(e.stdout, "  %6.1f%%  %s\n", c.Files[f], f)
			}
		}
	}
	if !noCoverage {
		printCoverage("default policies", rep.Defaults)
		printCoverage("user policies "+dir, rep.User)
	}
	fmt.Fprintf(e.stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return exitError{1}
	}
	if minCoverage > 0 && rep.Defaults.Percent < minCoverage {
		fmt.Fprintf(e.stderr, "gatectl test: default policy coverage %.1f%% is below %.1f%%\n", rep.Defaults.Percent, minCoverage)
		return exitError{1}
	}
	return nil
}
