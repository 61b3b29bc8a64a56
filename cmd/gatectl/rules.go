package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/policy"
)

// runRules lists the rule packages with what their # METADATA says: title,
// classes, the reason ids they raise, their guards and description. The policy
// is the one check judges by: the embedded defaults and the user's directory.
func runRules(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		dir        string
		noDefaults bool
		asJSON     bool
		all        bool
	)
	fs.StringVar(&dir, "policy-dir", "", "user policy `directory`")
	fs.BoolVar(&noDefaults, "no-defaults", false, "use only the user policy directory's rules")
	fs.BoolVar(&asJSON, "json", false, "print a JSON array of packages")
	fs.BoolVar(&all, "all", false, "list the library and combiner packages too")
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	if dir == "" {
		d, err := dirs.From(e.getenv)
		if err != nil {
			return err
		}
		dir = d.Policies()
	}
	eng, err := policy.Load(ctx, policy.Options{UserDir: dir, NoDefaults: noDefaults, CacheSize: -1})
	if err != nil {
		return fmt.Errorf("load policy: %w", err)
	}
	defer eng.Close()
	docs, err := eng.Rules(ctx)
	if err != nil {
		return err
	}
	docs, missing := filterRules(docs, fs.Args(), all)
	if len(missing) > 0 {
		fmt.Fprintf(e.stderr, "gatectl rules: no package or rule id matches %s\n", strings.Join(missing, ", "))
		return exitError{1}
	}
	if asJSON {
		if docs == nil {
			docs = []policy.RuleDoc{}
		}
		return writeJSON(e.stdout, docs, true)
	}
	for i, d := range docs {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		printRuleDoc(e.stdout, d)
	}
	return nil
}

// filterRules keeps the packages the arguments name: a package path
// (gatesh.rules.git), its last element (git), a rule id (git.push.force) or the
// dotted start of rule ids (git.push). A package matched through its ids keeps
// only those ids. Without arguments it keeps the rule packages, and with all
// every package. missing lists the arguments that matched nothing.
func filterRules(docs []policy.RuleDoc, args []string, all bool) (kept []policy.RuleDoc, missing []string) {
	if len(args) == 0 {
		for _, d := range docs {
			if all || d.Rule() {
				kept = append(kept, d)
			}
		}
		return kept, nil
	}
	matched := map[string]bool{}
	for _, d := range docs {
		short := d.Package[strings.LastIndex(d.Package, ".")+1:]
		whole := false
		var ids []string
		for _, a := range args {
			if a == d.Package || a == short && (all || d.Rule()) {
				whole = true
				matched[a] = true
				continue
			}
			for _, id := range d.Rules {
				if id == a || strings.HasPrefix(id, a+".") {
					ids = append(ids, id)
					matched[a] = true
				}
			}
		}
		switch {
		case whole:
			kept = append(kept, d)
		case len(ids) > 0:
			d.Rules = uniq(ids)
			kept = append(kept, d)
		}
	}
	for _, a := range args {
		if !matched[a] {
			missing = append(missing, a)
		}
	}
	return kept, missing
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// printRuleDoc writes one package for a person:
//
//	gatesh.rules.git: Git (external, destructive, tamper, opaque)
//	  rules:  git.push, git.push.force, …
//	  guards: names git, hub
//	  Judges git (and hub). …
func printRuleDoc(w io.Writer, d policy.RuleDoc) {
	head := d.Package
	if d.Title != "" {
		head += ": " + d.Title
	}
	if len(d.Classes) > 0 {
		head += " (" + strings.Join(d.Classes, ", ") + ")"
	}
	fmt.Fprintln(w, head)
	if len(d.Rules) > 0 {
		fmt.Fprint(w, wrapList("  rules:  ", d.Rules))
	}
	var guards []string
	if len(d.Names) > 0 {
		guards = append(guards, "names "+strings.Join(d.Names, ", "))
	}
	if len(d.Prefixes) > 0 {
		guards = append(guards, "name prefixes "+strings.Join(d.Prefixes, ", "))
	}
	if len(d.Features) > 0 {
		guards = append(guards, "features "+strings.Join(d.Features, ", "))
	}
	switch {
	case len(guards) > 0:
		fmt.Fprint(w, wrapList("  guards: ", []string{strings.Join(guards, "; ")}))
	case d.Rule():
		fmt.Fprintln(w, "  guards: none (evaluated for every line)")
	}
	fmt.Fprintf(w, "  file:   %s\n", d.File)
	if !d.Documented {
		fmt.Fprintln(w, "  (no # METADATA block: see docs/policy-guide.md, \"Documenting a package\")")
		return
	}
	fmt.Fprint(w, wrapText("  ", d.Description))
}

// wrapList writes items after label, comma-separated, wrapped at 80 columns
// under the label's indent.
func wrapList(label string, items []string) string {
	words := strings.Fields(strings.Join(items, ", "))
	return wrapWords(label, strings.Repeat(" ", len(label)), words)
}

// wrapText writes paragraphs (separated by blank lines) indented and wrapped.
func wrapText(indent, text string) string {
	var b strings.Builder
	for i, para := range strings.Split(text, "\n\n") {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(wrapWords(indent, indent, strings.Fields(para)))
	}
	return b.String()
}

func wrapWords(first, rest string, words []string) string {
	var b strings.Builder
	line := first
	empty := true
	for _, w := range words {
		if !empty && len(line)+1+len(w) > 80 {
			b.WriteString(line + "\n")
			line, empty = rest, true
		}
		if !empty {
			line += " "
		}
		line += w
		empty = false
	}
	if !empty {
		b.WriteString(line + "\n")
	}
	return b.String()
}
