package policy

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// TestGuardsCoverNames reads each default rule package's rules, and the
// library rules they reach, for the command names they match, and fails when
// one is not in the package's `names` (or matched by its `name_prefixes`): the
// combiner would then never evaluate the package for a line running that
// command, and the rule would silently not fire.
//
// It is a static check over the compiled modules. It sees the names that are
// written down: `c.name == "npm"`, `c.name in {"a", "b"}`, `c.name in _set`
// or `_table[c.name]` (the rule's value is evaluated: a set's elements, an
// object's keys), `cmds.by_name.npm` and `cmds.by_name[n]` with n drawn from
// such a set, `object.get(cmds.by_name, "git", …)`, `startswith(c.name, "mkfs")`
// (a prefix, to be in name_prefixes), through variables and through function
// parameters (valopts_for(c.name)). Negated matches (`not c.name in …`) only
// exclude commands and are skipped. What it cannot see, a name computed from
// the input or from another fact, is left to the runtime check,
// TestGuardsChangeNoDecision in internal/judge, which decides every corpus
// line with and without the guards and wants the same decisions.
func TestGuardsCoverNames(t *testing.T) {
	e := loadDefaults(t)
	ctx := context.Background()
	docs, err := e.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var checked int
	for _, d := range docs {
		if !d.Rule() || len(d.Names)+len(d.Prefixes) == 0 {
			// Guarded by features alone (inject, opaque, session): its rules
			// judge lines with that feature, not commands by name.
			continue
		}
		checked++
		t.Run(d.Package, func(t *testing.T) {
			found := matchedNames(t, e, d.Package, d.Features)
			if len(found.names) == 0 {
				t.Fatalf("no command name found in %s's rules: the walk missed how the package matches names", d.Package)
			}
			for _, n := range sortedKeys(found.names) {
				if slices.Contains(d.Names, n) || slices.ContainsFunc(d.Prefixes, func(p string) bool { return strings.HasPrefix(n, p) }) {
					continue
				}
				t.Errorf("%s matches the command name %q (%s), which is not in its names: the combiner never evaluates it for that command", d.Package, n, found.names[n])
			}
			var unseen []string
			for _, n := range d.Names {
				if _, ok := found.names[n]; !ok {
					unseen = append(unseen, n)
				}
			}
			// Not an error: a name may be kept for a rule the walk cannot
			// read, or to be safe.
			t.Logf("%d names matched; in names but not seen matched: %v", len(found.names), unseen)
			for _, p := range sortedKeys(found.prefixes) {
				if !slices.Contains(d.Prefixes, p) {
					t.Errorf("%s matches command names starting with %q (%s), which is not in its name_prefixes", d.Package, p, found.prefixes[p])
				}
			}
		})
	}
	if checked < 10 {
		t.Errorf("checked %d packages with names, want the 10 defaults", checked)
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// nameMatches are the command names (and name prefixes) a package's rules
// match, each with where it was seen.
type nameMatches struct {
	names, prefixes map[string]string
}

// featureOnly are the rules whose command names matter only on lines with a
// feature the package also declares: the walk does not enter them.
var featureOnly = map[string]struct{ feature, why string }{
	"data.gatesh.rules.secrets.reads": {"secret", "every reads rule needs a secret path (paths[j].secret or secret_dir, a secret redirect: the feature secret) or interpreter code (code)"},
}

var (
	byNameRef   = ast.MustParseRef("data.gatesh.lib.cmds.by_name")
	commandsRef = ast.MustParseRef("input.commands")
)

// guardWalk holds what is known while walking the rules one package reaches.
type guardWalk struct {
	t     *testing.T
	e     *Engine
	found nameMatches
	// nameParams[f] and cmdParams[f] hold the indexes of function f's
	// parameters that are given a command name, or a command, somewhere.
	nameParams, cmdParams map[string]map[int]bool
	// cmdFuncs are the functions whose value is a command (git's _cmd(i)).
	cmdFuncs map[string]bool
	values   map[string]ast.Value // data refs evaluated, by ref
}

// matchedNames walks the deny and hold rules of pkg and every rule they reach.
func matchedNames(t *testing.T, e *Engine, pkg string, features []string) nameMatches {
	w := &guardWalk{
		t: t, e: e,
		found:      nameMatches{names: map[string]string{}, prefixes: map[string]string{}},
		nameParams: map[string]map[int]bool{},
		cmdParams:  map[string]map[int]bool{},
		cmdFuncs:   map[string]bool{},
		values:     map[string]ast.Value{},
	}
	var rules []*ast.Rule
	seen := map[*ast.Rule]bool{}
	var reach func(r *ast.Rule)
	reach = func(r *ast.Rule) {
		if seen[r] {
			return
		}
		if why, ok := featureOnly[r.Path().String()]; ok {
			if !slices.Contains(features, why.feature) {
				t.Errorf("%s is skipped as judging only lines with the feature %s, which %s does not declare", r.Path(), why.feature, pkg)
			}
			return
		}
		seen[r] = true
		rules = append(rules, r)
		if r.Head.Value != nil {
			if ref, ok := r.Head.Value.Value.(ast.Ref); ok && ref.HasPrefix(commandsRef) {
				w.cmdFuncs[r.Path().String()] = true
			}
		}
		ast.WalkRefs(r, func(ref ast.Ref) bool {
			if ref.HasPrefix(ast.DefaultRootRef) {
				for _, x := range e.compiler.GetRules(ref.ConstantPrefix()) {
					reach(x)
				}
			}
			return false
		})
		if r.Else != nil {
			reach(r.Else)
		}
	}
	root := ast.MustParseRef("data." + pkg)
	for _, m := range e.compiler.Modules {
		if !m.Package.Path.Equal(root) {
			continue
		}
		for _, r := range m.Rules {
			if name := r.Head.Name.String(); name == "deny" || name == "hold" {
				reach(r)
			}
		}
	}
	// Parameters learn that they hold commands or names from the calls
	// found: walk until nothing new is learnt.
	for changed := true; changed; {
		changed = false
		for _, r := range rules {
			if w.rule(r) {
				changed = true
			}
		}
	}
	return w.found
}

// rule collects the names one rule matches; it reports whether it learnt a new
// name parameter.
func (w *guardWalk) rule(r *ast.Rule) bool {
	var exprs []*ast.Expr
	ast.WalkExprs(r, func(x *ast.Expr) bool {
		exprs = append(exprs, x)
		return false
	})
	where := fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
	// Which variables hold a command, a command's name, or a data document.
	cmdVars := map[ast.Var]bool{}
	nameVars := map[ast.Var]bool{}
	dataVars := map[ast.Var]ast.Ref{}
	path := r.Path().String()
	for i, a := range r.Head.Args {
		if v, ok := a.Value.(ast.Var); ok {
			// A function's parameter is a command (_formats(c)) or a name
			// (valopts_for(n)) where a call gives it one.
			cmdVars[v] = w.cmdParams[path][i]
			nameVars[v] = w.nameParams[path][i]
		}
	}
	isCmd := func(t *ast.Term) bool {
		switch v := t.Value.(type) {
		case ast.Var:
			return cmdVars[v]
		case ast.Ref:
			return len(v) == 3 && v.HasPrefix(commandsRef)
		}
		return false
	}
	isName := func(t *ast.Term) bool {
		switch v := t.Value.(type) {
		case ast.Var:
			return nameVars[v]
		case ast.Ref:
			if len(v) < 2 || !v[len(v)-1].Equal(ast.StringTerm("name")) {
				return false
			}
			if base, ok := v[0].Value.(ast.Var); ok && len(v) == 2 && cmdVars[base] {
				return true
			}
			return len(v) == 4 && v.HasPrefix(commandsRef)
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		for _, x := range exprs {
			if x.Negated {
				continue
			}
			// by_name[n]: n is a name
			ast.WalkRefs(x, func(ref ast.Ref) bool {
				if ref.HasPrefix(byNameRef) && len(ref) > len(byNameRef) {
					if v, ok := ref[len(byNameRef)].Value.(ast.Var); ok && !nameVars[v] {
						nameVars[v] = true
						changed = true
					}
				}
				return false
			})
			if !x.IsEquality() && !x.IsAssignment() {
				if call, ok := x.Terms.([]*ast.Term); ok && len(call) > 1 && !x.Negated {
					// f(args…, out): out is a command when f's value is one.
					if out, ok := call[len(call)-1].Value.(ast.Var); ok && w.cmdFuncs[call[0].String()] && !cmdVars[out] {
						cmdVars[out] = true
						changed = true
					}
				}
				continue
			}
			a, b := x.Operand(0), x.Operand(1)
			for _, pair := range [2][2]*ast.Term{{a, b}, {b, a}} {
				v, ok := pair[0].Value.(ast.Var)
				if !ok {
					continue
				}
				switch other := pair[1].Value.(type) {
				case ast.Ref:
					switch {
					case isName(pair[1]) && !nameVars[v]:
						nameVars[v] = true
						changed = true
					case other.HasPrefix(commandsRef) && len(other) == 3 && !cmdVars[v]:
						cmdVars[v] = true
						changed = true
					case other.HasPrefix(ast.DefaultRootRef) && other.IsGround() && dataVars[v] == nil:
						dataVars[v] = other
						changed = true
					}
				}
			}
		}
	}
	learnt := false
	addLit := func(t *ast.Term) {
		if s, ok := t.Value.(ast.String); ok {
			if _, ok := w.found.names[string(s)]; !ok {
				w.found.names[string(s)] = where
			}
		}
	}
	// addAll adds the names of a set or array literal, or of the data document
	// a ref (or a variable bound to one) names: its elements, or its keys.
	addAll := func(t *ast.Term) {
		if v, ok := t.Value.(ast.Var); ok && dataVars[v] != nil {
			t = ast.NewTerm(dataVars[v])
		}
		val := t.Value
		if ref, ok := val.(ast.Ref); ok && ref.IsGround() && ref.HasPrefix(ast.DefaultRootRef) {
			val = w.eval(ref)
		}
		switch coll := val.(type) {
		case ast.Set:
			coll.Foreach(addLit)
		case *ast.Array:
			coll.Foreach(addLit)
		case ast.Object:
			coll.Foreach(func(k, _ *ast.Term) { addLit(k) })
		}
	}
	for _, x := range exprs {
		if x.Negated {
			continue
		}
		// cmds.by_name.npm, _table[c.name], by_name[n] (n a name)
		ast.WalkRefs(x, func(ref ast.Ref) bool {
			for i := 1; i < len(ref); i++ {
				if !isName(ref[i]) {
					continue
				}
				head := ref[:i]
				switch {
				case i == 1:
					// {"kubectl", "oc"}[n]: iterating a literal
					addAll(ref[0])
				case head.Equal(byNameRef) || !head.HasPrefix(ast.DefaultRootRef) || !head.IsGround():
				default:
					addAll(ast.NewTerm(head))
				}
			}
			if ref.HasPrefix(byNameRef) && len(ref) > len(byNameRef) {
				addLit(ref[len(byNameRef)])
			}
			return false
		})
		call, ok := x.Terms.([]*ast.Term)
		if !ok {
			continue
		}
		op := call[0].String()
		args := call[1:]
		switch {
		case (op == "eq" || op == "equal" || op == "assign") && len(args) == 2:
			if isName(args[0]) {
				addLit(args[1])
			}
			if isName(args[1]) {
				addLit(args[0])
			}
		case op == "internal.member_2" && len(args) == 2 && isName(args[0]):
			addAll(args[1])
		case op == "internal.member_3" && len(args) == 3 && isName(args[1]):
			addAll(args[2])
		case op == "startswith" && len(args) >= 2 && isName(args[0]):
			if s, ok := args[1].Value.(ast.String); ok {
				if _, seen := w.found.prefixes[string(s)]; !seen {
					w.found.prefixes[string(s)] = where
				}
			}
		case op == "object.get" && len(args) >= 2:
			if ref, ok := args[0].Value.(ast.Ref); ok && ref.Equal(byNameRef) {
				addLit(args[1])
			}
		case strings.HasPrefix(op, "data."):
			mark := func(params map[string]map[int]bool, i int) {
				if params[op] == nil {
					params[op] = map[int]bool{}
				}
				if !params[op][i] {
					params[op][i] = true
					learnt = true
				}
			}
			for i, a := range args {
				if isName(a) {
					mark(w.nameParams, i)
				}
				if isCmd(a) {
					mark(w.cmdParams, i)
				}
			}
		}
	}
	return learnt
}

// eval returns the value of a data document that does not depend on the
// input (a set or table of names), or nil.
func (w *guardWalk) eval(ref ast.Ref) ast.Value {
	key := ref.String()
	if v, ok := w.values[key]; ok {
		return v
	}
	var val ast.Value
	rs, err := rego.New(rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))), rego.Compiler(w.e.compiler), rego.Store(w.e.store)).Eval(context.Background())
	if err == nil && len(rs) == 1 && len(rs[0].Expressions) == 1 {
		val, err = ast.InterfaceToValue(rs[0].Expressions[0].Value)
		if err != nil {
			w.t.Fatalf("value of %s: %v", ref, err)
		}
	}
	w.values[key] = val
	return val
}
