package policy

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// loadDefaults compiles the embedded policy once per test binary.
func loadDefaults(t *testing.T) *Engine {
	t.Helper()
	e, err := Load(context.Background(), Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRulesDocumented holds every default rule package to its METADATA: a
// title, a description, a class, and a rules list that names exactly the
// reason ids the package's source raises.
func TestRulesDocumented(t *testing.T) {
	docs, err := loadDefaults(t).Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mods, _, _, err := loadSources(Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	raised := raisedIDs(mods)
	var rulePkgs int
	for _, d := range docs {
		if !d.Rule() {
			if !d.Documented || d.Title == "" || d.Description == "" {
				t.Errorf("%s: METADATA without a title or description", d.Package)
			}
			continue
		}
		rulePkgs++
		t.Run(d.Package, func(t *testing.T) {
			if !d.Documented {
				t.Fatalf("%s has no package-scoped # METADATA block", d.File)
			}
			if d.Title == "" || d.Description == "" || len(d.Classes) == 0 || len(d.Rules) == 0 {
				t.Errorf("%s: METADATA wants a title, a description, custom.class and custom.rules: %+v", d.File, d)
			}
			for _, c := range d.Classes {
				if _, ok := classRank[c]; !ok {
					t.Errorf("custom.class %q is not a class", c)
				}
			}
			r := raised[d.Package]
			for _, id := range r.ids {
				if !slices.Contains(d.Rules, id) {
					t.Errorf("the package raises %s, which custom.rules does not list", id)
				}
			}
			for _, id := range d.Rules {
				if slices.Contains(r.ids, id) {
					continue
				}
				if !slices.ContainsFunc(r.prefixes, func(p string) bool { return strings.HasPrefix(id, p) }) {
					t.Errorf("custom.rules lists %s, which the package never raises", id)
				}
			}
		})
	}
	if rulePkgs < 13 {
		t.Errorf("found %d rule packages, want the 13 defaults", rulePkgs)
	}
}

// classRank lists the classes a reason may carry.
var classRank = map[string]int{
	"tamper": 0, "secret": 1, "privileged": 2, "external": 3, "destructive": 4,
	"opaque": 5, "reversible": 6, "read-only": 7,
}

// raised is what a package's source says about the reason ids it raises: ids
// given as string literals, and the literal prefixes of ids it computes
// (sprintf("opaque.%s", …) gives "opaque.").
type raised struct {
	ids      []string
	prefixes []string
}

// raisedIDs finds, in parsed (not compiled) modules, the reason ids each
// package raises: the first argument of reason.of, the "id" of an object
// literal, and the arguments of a package's own function that passes one of
// its parameters on as reason.of's id (session's _r).
func raisedIDs(mods map[string]*ast.Module) map[string]raised {
	out := map[string]raised{}
	for _, m := range mods {
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		// forward[f] is the index of f's parameter that becomes the id.
		forward := map[string]int{}
		for _, r := range m.Rules {
			if r.Head.Value == nil || len(r.Head.Args) == 0 {
				continue
			}
			call, ok := r.Head.Value.Value.(ast.Call)
			if !ok || call[0].String() != "reason.of" || len(call) < 2 {
				continue
			}
			for k, a := range r.Head.Args {
				if a.Equal(call[1]) {
					forward[r.Head.Name.String()] = k
				}
			}
		}
		r := out[pkg]
		add := func(id *ast.Term) {
			switch v := id.Value.(type) {
			case ast.String:
				if !slices.Contains(r.ids, string(v)) {
					r.ids = append(r.ids, string(v))
				}
			case ast.Call:
				if v[0].String() == "sprintf" && len(v) > 1 {
					if s, ok := v[1].Value.(ast.String); ok {
						r.prefixes = append(r.prefixes, strings.SplitN(string(s), "%", 2)[0])
					}
				}
			}
		}
		ast.WalkTerms(m, func(t *ast.Term) bool {
			switch v := t.Value.(type) {
			case ast.Call:
				name := v[0].String()
				if name == "reason.of" && len(v) > 1 {
					add(v[1])
				} else if k, ok := forward[name]; ok && len(v) > k+1 {
					add(v[k+1])
				}
			case ast.Object:
				if id := v.Get(ast.StringTerm("id")); id != nil {
					add(id)
				}
			}
			return false
		})
		sort.Strings(r.ids)
		out[pkg] = r
	}
	return out
}
