package setup

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/confine"
	"github.com/gatesh/gatesh/internal/execgate"
)

// doctorLayers runs the doctor's layer findings in dir with env, and returns
// what they printed and the checks they counted.
func doctorLayers(t *testing.T, dir string, env map[string]string) (string, []check) {
	t.Helper()
	t.Chdir(dir)
	var out bytes.Buffer
	c := DoctorConfig{Getenv: func(k string) string { return env[k] }, Out: &out}
	var checks []check
	report := func(ch check) {
		checks = append(checks, ch)
		out.WriteString("FAIL  " + ch.what + "\n")
	}
	note := func(mark, what string) { out.WriteString(mark + "  " + what + "\n") }
	c.layers(context.Background(), report, note)
	return out.String(), checks
}

// settings writes a data.json of settings into GATESH_HOME's policy directory.
func settings(t *testing.T, gateshHome, json string) {
	t.Helper()
	dir := filepath.Join(gateshHome, "config", "policies")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data.json"), []byte(`{"gatesh": {"settings": `+json+`}}`), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The doctor says, for this kernel, whether the exec gate and confinement are
// on, off by the settings, or missing; a missing layer fails a check only
// when require_exec_gate is set.
func TestDoctorLayers(t *testing.T) {
	gateOK := execgate.Supported() == nil
	landlock := confine.ABI() > 0
	work := t.TempDir()
	cases := []struct {
		name     string
		settings string
		want     []string
		failures int
	}{
		{name: "defaults", want: []string{
			map[bool]string{true: "on    the exec gate:", false: "off   the exec gate: not offered by this kernel"}[gateOK],
			map[bool]string{true: "on    confinement: Landlock ABI", false: "off   confinement: not offered by this kernel"}[landlock],
			"per the settings",
		}},
		{name: "off by the settings", settings: `{"exec_gate": false}`, want: []string{"off   the exec gate:", "off   confinement:"}},
		{name: "off and required", settings: `{"exec_gate": false, "require_exec_gate": true}`,
			want: []string{"FAIL  the exec gate:", "FAIL  confinement:", "require_exec_gate is true, so gatesh refuses to run commands"}, failures: 2},
		{name: "required", settings: `{"require_exec_gate": true}`, failures: map[bool]int{true: 0, false: 1}[gateOK] + map[bool]int{true: 0, false: 1}[landlock]},
		{name: "broken policy", settings: `{`, want: []string{"warn  the settings could not be read", "per the shipped defaults"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gh := filepath.Join(t.TempDir(), "gatesh")
			if tc.settings != "" {
				settings(t, gh, tc.settings)
			}
			out, checks := doctorLayers(t, work, map[string]string{"HOME": "/nonexistent/home", "GATESH_HOME": gh})
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output lacks %q:\n%s", w, out)
				}
			}
			if len(checks) != tc.failures {
				t.Errorf("%d failed checks, want %d:\n%s", len(checks), tc.failures, out)
			}
			for _, ch := range checks {
				if ch.ok || ch.fix == "" {
					t.Errorf("a layer check passed or has no fix: %+v", ch)
				}
			}
		})
	}
}

// Where the gate's own files or the secrets lie inside a writable root, the
// doctor says so plainly, naming the root; where they lie apart, it says
// nothing about them.
func TestDoctorOverlaps(t *testing.T) {
	t.Run("apart", func(t *testing.T) {
		out, _ := doctorLayers(t, t.TempDir(), map[string]string{"HOME": "/nonexistent/home", "GATESH_HOME": "/nonexistent/gatesh"})
		if strings.Contains(out, "warn") {
			t.Errorf("a warning with the gate's files and the home outside every writable root:\n%s", out)
		}
	})
	t.Run("gatesh home in a temp directory", func(t *testing.T) {
		gh := filepath.Join(t.TempDir(), "gatesh")
		out, _ := doctorLayers(t, t.TempDir(), map[string]string{"HOME": "/nonexistent/home", "GATESH_HOME": gh})
		for _, w := range []string{"warn  the gate's own files are writable by gated commands", filepath.Join(gh, "config"), "a temp directory /tmp", "move them out"} {
			if !strings.Contains(out, w) {
				t.Errorf("the output lacks %q:\n%s", w, out)
			}
		}
	})
	t.Run("workspace is the home", func(t *testing.T) {
		// A home that is a git repository (dotfiles) is a workspace the gate
		// makes writable; a home that is none is not made writable at all.
		home := t.TempDir()
		if out, _ := doctorLayers(t, home, map[string]string{"HOME": home, "GATESH_HOME": "/nonexistent/gatesh"}); strings.Contains(out, "the workspace "+home) {
			t.Errorf("a home in no repository is taken for a writable workspace:\n%s", out)
		}
		if err := os.Mkdir(filepath.Join(home, ".git"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, ".git", "HEAD"), []byte("ref: refs/heads/main\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, _ := doctorLayers(t, home, map[string]string{"HOME": home, "GATESH_HOME": "/nonexistent/gatesh"})
		for _, w := range []string{"warn  secrets are readable and writable by gated commands: " + home + " holds " + filepath.Join(home, ".ssh"), "the workspace " + home} {
			if !strings.Contains(out, w) {
				t.Errorf("the output lacks %q:\n%s", w, out)
			}
		}
	})
	t.Run("gatesh home in a cache", func(t *testing.T) {
		home := t.TempDir()
		cache := filepath.Join(home, ".cache")
		if err := os.Mkdir(cache, 0o700); err != nil {
			t.Fatal(err)
		}
		gh := filepath.Join(cache, "gatesh")
		out, _ := doctorLayers(t, t.TempDir(), map[string]string{"HOME": home, "GATESH_HOME": gh})
		if !strings.Contains(out, cache+" holds "+filepath.Join(gh, "config")) || !strings.Contains(out, "a cache "+cache) {
			t.Errorf("GATESH_HOME inside ~/.cache is not reported:\n%s", out)
		}
	})
}
