package policy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/gatesh/gatesh/internal/wire"
)

// warmWorld is a gatesh home with an empty user policy directory and a
// workspace to judge lines in.
type warmWorld struct {
	cfg  judge.Config
	warm string
	ws   string
	env  map[string]string
}

func newWarmWorld(t *testing.T) *warmWorld {
	t.Helper()
	root := t.TempDir()
	d, err := dirs.From(func(k string) string {
		if k == "GATESH_HOME" {
			return filepath.Join(root, "gatesh")
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{d.State, d.Policies(), filepath.Join(root, "ws"), filepath.Join(root, "home")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	w := &warmWorld{warm: filepath.Join(d.State, "policy.warm"), ws: filepath.Join(root, "ws"),
		env: map[string]string{"HOME": filepath.Join(root, "home"), "TMPDIR": filepath.Join(root, "tmp")}}
	w.cfg = judge.Config{Dirs: d, Warm: w.warm}
	return w
}

func (w *warmWorld) check(t *testing.T, d *judge.Judge, line string) policy.Decision {
	t.Helper()
	v, err := d.Judge(context.Background(), judge.Question{Mode: wire.ModeCommand, Text: line, Cwd: w.ws, Env: w.env})
	if err == nil {
		err = v.Err
	}
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return v.Decision
}

// rewriteEntries applies f to every decision in the warm file.
func rewriteEntries(t *testing.T, path string, f func(d *policy.Decision)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := 1; i < len(lines); i++ {
		var e struct {
			K string          `json:"k"`
			D policy.Decision `json:"d"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil {
			t.Fatal(err)
		}
		f(&e.D)
		nb, _ := json.Marshal(e)
		lines[i] = string(nb)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func entries(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := -1 // the header
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}

// A daemon restarted on the same policy answers the lines its predecessor
// decided before its own policy has compiled, and waits for the compile for
// any other line.
func TestWarmStartAnswersBeforeTheCompile(t *testing.T) {
	w := newWarmWorld(t)
	first, err := judge.New(context.Background(), w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := w.check(t, first, "ls -la"); d.Action != policy.Allow {
		t.Fatalf("ls -la: %+v", d)
	}
	if d := w.check(t, first, "rm -rf ~"); d.Action != policy.Deny {
		t.Fatalf("rm -rf ~: %+v", d)
	}
	first.Engine().Close()
	if n := entries(t, w.warm); n != 2 {
		t.Fatalf("the warm file holds %d decisions, want 2", n)
	}
	// Mark what the file says, to tell its answers from the compiled policy's.
	rewriteEntries(t, w.warm, func(d *policy.Decision) { d.Class = "from-warm-file" })

	release := policy.HoldCompile()
	second, err := judge.New(context.Background(), w.cfg)
	if err != nil {
		release()
		t.Fatal(err)
	}
	if d := w.check(t, second, "rm -rf ~"); d.Action != policy.Deny || d.Class != "from-warm-file" {
		release()
		t.Fatalf("before the compile, rm -rf ~ got %+v, want the warm file's deny", d)
	}
	if d := w.check(t, second, "ls -la"); d.Class != "from-warm-file" {
		release()
		t.Fatalf("before the compile, ls -la got %+v", d)
	}
	// A line the file does not know waits for the compiled policy.
	got := make(chan policy.Decision)
	go func() {
		v, _ := second.Judge(context.Background(), judge.Question{Mode: wire.ModeCommand, Text: "git push origin main", Cwd: w.ws, Env: w.env})
		got <- v.Decision
	}()
	release()
	if d := <-got; d.Action != policy.Hold {
		t.Fatalf("git push after the compile: %+v", d)
	}
	second.Engine().Close()
}

// A changed policy, a damaged file, or a file that is not a regular file: the
// policy is compiled before the first answer, and the file is written anew.
func TestWarmStartOnlyForTheSamePolicy(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, w *warmWorld)
	}{
		{"a user policy file added", func(t *testing.T, w *warmWorld) {
			os.WriteFile(filepath.Join(w.cfg.Dirs.Policies(), "mine.rego"), []byte("package gatesh.rules.mine\n"), 0o600)
		}},
		{"a user data file changed", func(t *testing.T, w *warmWorld) {
			os.WriteFile(filepath.Join(w.cfg.Dirs.Policies(), "data.json"), []byte(`{"gatesh":{"config":{"settings":{}}}}`), 0o600)
		}},
		{"the header damaged", func(t *testing.T, w *warmWorld) {
			b, _ := os.ReadFile(w.warm)
			os.WriteFile(w.warm, append([]byte("{not json"), b...), 0o600)
		}},
		{"a symlink in its place", func(t *testing.T, w *warmWorld) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			b, _ := os.ReadFile(w.warm)
			os.WriteFile(target, b, 0o600)
			os.Remove(w.warm)
			os.Symlink(target, w.warm)
			t.Cleanup(func() {
				if after, _ := os.ReadFile(target); string(after) != string(b) {
					t.Error("the symlink's target was written")
				}
			})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWarmWorld(t)
			first, err := judge.New(context.Background(), w.cfg)
			if err != nil {
				t.Fatal(err)
			}
			w.check(t, first, "rm -rf ~")
			first.Engine().Close()
			rewriteEntries(t, w.warm, func(d *policy.Decision) { d.Action, d.Class = policy.Allow, "from-warm-file" })
			c.change(t, w)
			release := policy.HoldCompile() // a warm start would wait here
			defer release()
			second, err := judge.New(context.Background(), w.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer second.Engine().Close()
			if d := w.check(t, second, "rm -rf ~"); d.Action != policy.Deny || d.Class == "from-warm-file" {
				t.Fatalf("rm -rf ~ got %+v, want the compiled policy's deny", d)
			}
			if fi, err := os.Lstat(w.warm); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("the warm file was not written anew: %v %v", fi, err)
			}
		})
	}
}

// Damaged decision lines are skipped, never trusted: a line cut short, one
// that is not JSON, and one whose decision the policy could not have given.
func TestWarmFileDamagedLines(t *testing.T) {
	w := newWarmWorld(t)
	first, err := judge.New(context.Background(), w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.check(t, first, "rm -rf ~")
	w.check(t, first, "cat README.md")
	first.Engine().Close()
	b, _ := os.ReadFile(w.warm)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	var rm, cat map[string]any
	json.Unmarshal([]byte(lines[1]), &rm)
	json.Unmarshal([]byte(lines[2]), &cat)
	// rm -rf ~ as an allow without reasons is fine for the format; make it a
	// hold without reasons, which no policy answer can be.
	rm["d"] = map[string]any{"action": "hold", "class": "x", "reasons": []any{}}
	nb, _ := json.Marshal(rm)
	cut := lines[2][:len(lines[2])/2]
	os.WriteFile(w.warm, []byte(lines[0]+"\n"+string(nb)+"\nnot json\n"+cut), 0o600)

	release := policy.HoldCompile()
	second, err := judge.New(context.Background(), w.cfg)
	if err != nil {
		release()
		t.Fatal(err)
	}
	defer second.Engine().Close()
	done := make(chan policy.Decision)
	go func() {
		v, _ := second.Judge(context.Background(), judge.Question{Mode: wire.ModeCommand, Text: "rm -rf ~", Cwd: w.ws, Env: w.env})
		done <- v.Decision
	}()
	release()
	if d := <-done; d.Action != policy.Deny {
		t.Fatalf("rm -rf ~ got %+v: a damaged line was trusted", d)
	}
}
