package policy

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestDecisionCache(t *testing.T) {
	ctx := context.Background()
	t.Run("same input is answered from the cache", func(t *testing.T) {
		e := engineFrom(t, 0, `package gatesh
decision := {"action": "hold", "class": "external", "reasons": [{"id": "x", "msg": input.text}]}
`)
		a := ast.MustParseTerm(`{"text": "git push"}`).Value
		b := ast.MustParseTerm(`{"text": "git push origin"}`).Value
		for i := 0; i < 3; i++ {
			d, err := e.Decide(ctx, a)
			if err != nil || d.Reasons[0].Msg != "git push" {
				t.Fatalf("%+v %v", d, err)
			}
		}
		if d, _ := e.Decide(ctx, b); d.Reasons[0].Msg != "git push origin" {
			t.Fatalf("a different input got %+v", d)
		}
		if got := e.CacheHits(); got != 2 {
			t.Fatalf("cache hits %d, want 2", got)
		}
	})
	t.Run("decisions that asked the repository are not cached", func(t *testing.T) {
		calls := 0
		mods := map[string]*ast.Module{"d.rego": ast.MustParseModuleWithOpts(`package gatesh
decision := {"action": "allow", "class": "x", "reasons": []} if not gatesh.git_dirty(input.cwd)
decision := {"action": "hold", "class": "destructive", "reasons": [{"id": "dirty", "msg": "m"}]} if gatesh.git_dirty(input.cwd)
`, ast.ParserOptions{RegoVersion: ast.RegoV1})}
		dirty := false
		e, err := compile(ctx, mods, map[string]any{}, nil, Options{Builtins: Builtins{GitDirty: func(string) bool { calls++; return dirty }}})
		if err != nil {
			t.Fatal(err)
		}
		in := ast.MustParseTerm(`{"cwd": "/ws"}`).Value
		if d, _ := e.Decide(ctx, in); d.Action != Allow {
			t.Fatalf("got %+v", d)
		}
		dirty = true
		if d, _ := e.Decide(ctx, in); d.Action != Hold {
			t.Fatalf("a stale decision was served: %+v", d)
		}
		if e.CacheHits() != 0 || calls != 2 {
			t.Fatalf("hits %d, calls %d", e.CacheHits(), calls)
		}
	})
	t.Run("failures are not cached", func(t *testing.T) {
		e := engineFrom(t, 0, `package gatesh
decision := {"action": "allow", "class": to_number(input.text), "reasons": []}
`)
		in := ast.MustParseTerm(`{"text": "x"}`).Value
		for i := 0; i < 2; i++ {
			if _, err := e.Decide(ctx, in); err == nil {
				t.Fatal("no error")
			}
		}
		if e.CacheHits() != 0 {
			t.Fatal("a failure was cached")
		}
	})
	t.Run("eviction keeps the size bound", func(t *testing.T) {
		c := newDecisionCache(2)
		for i, s := range []string{"a", "b", "c"} {
			v := ast.String(s)
			c.put(v, uint64(v.Hash()), Decision{Action: Allow, Class: string(rune('0' + i))})
		}
		if _, ok := c.get(ast.String("a"), uint64(ast.String("a").Hash())); ok {
			t.Error("the oldest entry survived")
		}
		if d, ok := c.get(ast.String("c"), uint64(ast.String("c").Hash())); !ok || d.Class != "2" {
			t.Error("the newest entry is missing")
		}
		if len(c.order) != 2 {
			t.Errorf("%d entries", len(c.order))
		}
	})
}
