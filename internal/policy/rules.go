package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// RulePrefix is the package path every rule package lives under: the combiner
// collects the deny and hold sets of the packages below it.
const RulePrefix = "gatesh.rules."

// RuleDoc is what a policy package says about itself in its package-scoped
// # METADATA block (OPA's annotations): a title, a description for policy
// authors, and the custom fields gatesh reads, class and rules.
type RuleDoc struct {
	// Package is the package path without "data." (gatesh.rules.git).
	Package string `json:"package"`
	// File is where the annotation is, or the package's first file when it has
	// none.
	File        string `json:"file,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Classes are the classes the package's reasons carry (custom.class: one
	// class or a list), the usual one first.
	Classes []string `json:"class,omitempty"`
	// Rules are the reason ids the package can raise (custom.rules).
	Rules []string `json:"rules,omitempty"`
	// Names, Prefixes and Features are the package's guards (names,
	// name_prefixes, features): the lines the combiner evaluates it for. All
	// three empty on a rule package means every line.
	Names    []string `json:"names,omitempty"`
	Prefixes []string `json:"name_prefixes,omitempty"`
	Features []string `json:"features,omitempty"`
	// Documented is false for a package without a package-scoped METADATA block.
	Documented bool `json:"documented"`
}

// Rule reports whether the package is a rule package (one the combiner asks
// for deny and hold).
func (d RuleDoc) Rule() bool { return strings.HasPrefix(d.Package, RulePrefix) }

// Rules returns the documentation of every rule package and of every other
// package with a package-scoped METADATA block (the library, the combiner),
// sorted by package, read from the compiled policy. A rule package without
// METADATA is listed too, with Documented false, so that an author sees what
// is missing. On an engine still compiling in the background it waits for the
// compile.
func (e *Engine) Rules(ctx context.Context) ([]RuleDoc, error) {
	e, err := e.compiled(ctx)
	if err != nil {
		return nil, err
	}
	docs := packageDocs(e.compiler)
	guards, err := e.guards(ctx)
	if err != nil {
		return nil, err
	}
	for i := range docs {
		g := guards[strings.TrimPrefix(docs[i].Package, RulePrefix)]
		docs[i].Names, docs[i].Prefixes, docs[i].Features = g["names"], g["name_prefixes"], g["features"]
	}
	return docs, nil
}

// packageDocs reads the package-scoped annotations of the compiled modules.
func packageDocs(c *ast.Compiler) []RuleDoc {
	as := c.GetAnnotationSet()
	byPkg := map[string]*RuleDoc{}
	names := make([]string, 0, len(c.Modules))
	for name := range c.Modules {
		names = append(names, name)
	}
	// Files in order, so that a package spread over several files takes its
	// file (when none is annotated) and its annotation the same way each time.
	sort.Strings(names)
	for _, name := range names {
		m := c.Modules[name]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		var a *ast.Annotations
		if as != nil {
			a = as.GetPackageScope(m.Package)
		}
		d := byPkg[pkg]
		if d == nil {
			if a == nil && !strings.HasPrefix(pkg, RulePrefix) {
				continue
			}
			d = &RuleDoc{Package: pkg, File: name}
			byPkg[pkg] = d
		}
		if a == nil || d.Documented {
			continue
		}
		d.Documented = true
		if a.Location != nil && a.Location.File != "" {
			d.File = a.Location.File
		}
		d.Title = a.Title
		d.Description = strings.TrimSpace(a.Description)
		d.Classes = customStrings(a.Custom["class"])
		d.Rules = customStrings(a.Custom["rules"])
	}
	out := make([]RuleDoc, 0, len(byPkg))
	for _, d := range byPkg {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Package < out[j].Package })
	return out
}

// customStrings reads a custom field that is one string or a list of strings.
func customStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			} else {
				out = append(out, fmt.Sprint(x))
			}
		}
		return out
	}
	return nil
}

// guards reads back the guard index the engine built at load
// (data.gatesh_meta): guards[pkg][kind] lists the package's names,
// name_prefixes or features.
func (e *Engine) guards(ctx context.Context) (map[string]map[string][]string, error) {
	rs, err := rego.New(
		rego.Query("data.gatesh_meta"),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
	).Eval(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the guard index: %w", err)
	}
	out := map[string]map[string][]string{}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return out, nil
	}
	meta, _ := rs[0].Expressions[0].Value.(map[string]any)
	for kind, key := range map[string]string{"names": "by_name", "name_prefixes": "by_prefix", "features": "by_feature"} {
		index, _ := meta[key].(map[string]any)
		for word, pkgs := range index {
			list, _ := pkgs.([]any)
			for _, p := range list {
				pkg, _ := p.(string)
				if out[pkg] == nil {
					out[pkg] = map[string][]string{}
				}
				out[pkg][kind] = append(out[pkg][kind], word)
			}
		}
	}
	for _, g := range out {
		for _, words := range g {
			sort.Strings(words)
		}
	}
	return out, nil
}
