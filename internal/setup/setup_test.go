package setup

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/dirs"
)

func fakeGatesh(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gatesh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShimDir(t *testing.T) {
	if got := ShimDir(dirs.Dirs{Config: "/c"}); got != "/c/shims" {
		t.Errorf("ShimDir = %q", got)
	}
}

func TestBeside(t *testing.T) {
	g := fakeGatesh(t)
	dir := filepath.Dir(g)
	ctl := filepath.Join(dir, "gatectl")
	os.WriteFile(ctl, nil, 0o755)
	// gatectl reached through a symlink elsewhere still finds its own gatesh
	link := filepath.Join(t.TempDir(), "gatectl")
	if err := os.Symlink(ctl, link); err != nil {
		t.Fatal(err)
	}
	got, err := Beside(link, "gatesh")
	if err != nil || got != g {
		t.Fatalf("Beside = %q, %v; want %q", got, err, g)
	}
	if _, err := Beside(filepath.Join(t.TempDir(), "gatectl"), "gatesh"); err == nil || !strings.Contains(err.Error(), "same directory") {
		t.Errorf("a missing gatesh: err = %v", err)
	}
	os.Chmod(g, 0o644)
	if _, err := Beside(ctl, "gatesh"); err == nil {
		t.Error("a gatesh that is not executable was accepted")
	}
}

func TestInstallShims(t *testing.T) {
	g := fakeGatesh(t)
	dir := filepath.Join(t.TempDir(), "a", "shims")
	shims, err := InstallShims(dir, g)
	if err != nil {
		t.Fatal(err)
	}
	if len(shims) != 2 {
		t.Fatalf("shims = %+v", shims)
	}
	for _, s := range shims {
		if s.Action != ShimCreated {
			t.Errorf("%s: %s, want created", s.Name, s.Action)
		}
		if got, _ := os.Readlink(filepath.Join(dir, s.Name)); got != g {
			t.Errorf("%s -> %q, want %q", s.Name, got, g)
		}
	}
	shims, err = InstallShims(dir, g)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shims {
		if s.Action != ShimUnchanged {
			t.Errorf("second run: %s: %s, want unchanged", s.Name, s.Action)
		}
	}
	// a symlink elsewhere is replaced
	os.Remove(filepath.Join(dir, "sh"))
	os.Symlink("/bin/dash", filepath.Join(dir, "sh"))
	shims, err = InstallShims(dir, g)
	if err != nil {
		t.Fatal(err)
	}
	if shims[1].Action != ShimReplaced || shims[1].Was != "/bin/dash" {
		t.Errorf("sh: %+v", shims[1])
	}
	if got, _ := os.Readlink(filepath.Join(dir, "sh")); got != g {
		t.Errorf("sh -> %q after replacing", got)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("the shim directory holds %d entries (temporary links left?)", len(ents))
	}
}

func TestInstallShimsRefusesFiles(t *testing.T) {
	g := fakeGatesh(t)
	for _, kind := range []string{"file", "dir"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "sh")
			if kind == "file" {
				os.WriteFile(p, []byte("mine"), 0o755)
			} else {
				os.Mkdir(p, 0o755)
			}
			_, err := InstallShims(dir, g)
			if !errors.Is(err, ErrNotOurs) || !strings.Contains(err.Error(), p) {
				t.Fatalf("err = %v", err)
			}
			// nothing was changed, not even the entry that was free
			if _, err := os.Lstat(filepath.Join(dir, "bash")); err == nil {
				t.Error("bash was created although sh was refused")
			}
			if kind == "file" {
				if b, _ := os.ReadFile(p); string(b) != "mine" {
					t.Errorf("the file was changed: %q", b)
				}
			}
		})
	}
	if _, err := InstallShims(t.TempDir(), "gatesh"); err == nil {
		t.Error("a relative target was accepted")
	}
}

func TestClaudeSettingsPath(t *testing.T) {
	env := map[string]string{"HOME": "/h"}
	get := func(k string) string { return env[k] }
	if p, _ := ClaudeSettingsPath(get); p != "/h/.claude/settings.json" {
		t.Errorf("path = %q", p)
	}
	env["CLAUDE_CONFIG_DIR"] = "/cc"
	if p, _ := ClaudeSettingsPath(get); p != "/cc/settings.json" {
		t.Errorf("path with CLAUDE_CONFIG_DIR = %q", p)
	}
	if _, err := ClaudeSettingsPath(func(string) string { return "" }); err == nil {
		t.Error("no HOME: no error")
	}
}

var shimVars = [][2]string{{"CLAUDE_CODE_SHELL", "/s/bash"}, {"SHELL", "/s/bash"}}

var when = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestApplyClaudeCreates(t *testing.T) {
	p := filepath.Join(t.TempDir(), "new", "settings.json")
	res, err := ApplyClaudeSettings(p, shimVars, when)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Backup != "" {
		t.Errorf("res = %+v", res)
	}
	var got map[string]map[string]string
	b, _ := os.ReadFile(p)
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["env"]["CLAUDE_CODE_SHELL"] != "/s/bash" || got["env"]["SHELL"] != "/s/bash" {
		t.Errorf("settings = %s", b)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
}

func TestApplyClaudeMerges(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	orig := `{
  "permissions": {"allow": ["Bash(npm test)"], "deny": []},
  "env": {"FOO": "bar", "SHELL": "/bin/zsh", "N": 1},
  "model": "opus",
  "url": "a<b&c"
}
`
	os.WriteFile(p, []byte(orig), 0o644)
	res, err := ApplyClaudeSettings(p, shimVars, when)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || res.Unchanged || res.Old["SHELL"] != "/bin/zsh" {
		t.Errorf("res = %+v", res)
	}
	wantBackup := p + ".gatesh-backup-20260304-050607"
	if res.Backup != wantBackup {
		t.Errorf("backup %q, want %q", res.Backup, wantBackup)
	}
	if b, _ := os.ReadFile(wantBackup); string(b) != orig {
		t.Errorf("backup holds %q", b)
	}
	b, _ := os.ReadFile(p)
	var got struct {
		Permissions struct{ Allow []string } `json:"permissions"`
		Env         map[string]any           `json:"env"`
		Model       string                   `json:"model"`
		URL         string                   `json:"url"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if got.Model != "opus" || got.URL != "a<b&c" || len(got.Permissions.Allow) != 1 || got.Env["FOO"] != "bar" || got.Env["N"] != 1.0 {
		t.Errorf("other keys were not kept:\n%s", b)
	}
	if got.Env["SHELL"] != "/s/bash" || got.Env["CLAUDE_CODE_SHELL"] != "/s/bash" {
		t.Errorf("env not set:\n%s", b)
	}
	// key order kept, the new variable appended
	s := string(b)
	if !(strings.Index(s, "permissions") < strings.Index(s, `"env"`) && strings.Index(s, `"env"`) < strings.Index(s, "model")) {
		t.Errorf("key order changed:\n%s", s)
	}
	if !(strings.Index(s, "FOO") < strings.Index(s, `"SHELL"`) && strings.Index(s, `"N"`) < strings.Index(s, "CLAUDE_CODE_SHELL")) {
		t.Errorf("env order changed:\n%s", s)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode changed to %v", fi.Mode())
	}

	// again: nothing to do, no second backup
	res, err = ApplyClaudeSettings(p, shimVars, when.Add(time.Hour))
	if err != nil || !res.Unchanged || res.Backup != "" {
		t.Errorf("second apply: %+v, %v", res, err)
	}
	// a change within the same second gets its own backup
	os.WriteFile(p, []byte(`{"env": {}}`), 0o644)
	res, err = ApplyClaudeSettings(p, shimVars, when)
	if err != nil || res.Backup != wantBackup+"-2" {
		t.Errorf("third apply: %+v, %v", res, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		t.Errorf("%d files in the settings directory (temporary files left?)", len(ents))
	}
}

func TestApplyClaudeRefusesInvalid(t *testing.T) {
	for name, content := range map[string]string{
		"syntax":     `{"model": "opus",}`,
		"array":      `["env"]`,
		"empty":      ``,
		"env string": `{"env": "SHELL=/bin/bash"}`,
		"trailing":   `{} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "settings.json")
			os.WriteFile(p, []byte(content), 0o644)
			_, err := ApplyClaudeSettings(p, shimVars, when)
			if !errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), "left untouched") {
				t.Fatalf("err = %v", err)
			}
			if b, _ := os.ReadFile(p); string(b) != content {
				t.Errorf("the file was changed: %q", b)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Errorf("%d files (a backup of a refused file?)", len(ents))
			}
		})
	}
}

func TestApplyClaudeFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles-settings.json")
	os.WriteFile(real, []byte(`{"a": 1}`), 0o644)
	link := filepath.Join(dir, "settings.json")
	os.Symlink(real, link)
	res, err := ApplyClaudeSettings(link, shimVars, when)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced by a file")
	}
	if res.Path != real {
		t.Errorf("wrote %s", res.Path)
	}
	if b, _ := os.ReadFile(real); !bytes.Contains(b, []byte("CLAUDE_CODE_SHELL")) {
		t.Errorf("target: %s", b)
	}
}

func TestReadSettingsEnv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "settings.json")
	if env, err := readSettingsEnv(p); err != nil || len(env) != 0 {
		t.Errorf("missing file: %v, %v", env, err)
	}
	os.WriteFile(p, []byte(`{"env": {"SHELL": "/x/bash", "N": 2}}`), 0o644)
	env, err := readSettingsEnv(p)
	if err != nil || env["SHELL"] != "/x/bash" {
		t.Errorf("env = %v, %v", env, err)
	}
}

func TestLookupAgent(t *testing.T) {
	for in, want := range map[string]string{"claude-code": "claude-code", "Claude": "claude-code", "codex": "codex", "gemini-cli": "gemini", "aider": "aider", "generic": "generic"} {
		if a, ok := LookupAgent(in); !ok || a.Name != want {
			t.Errorf("LookupAgent(%q) = %q, %v", in, a.Name, ok)
		}
	}
	if _, ok := LookupAgent("goose"); ok {
		t.Error("goose is known")
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b-c_d.e": "/a/b-c_d.e",
		"/a b":       "'/a b'",
		"it's":       `'it'\''s'`,
		"":           "''",
		"~/x":        "'~/x'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// The lines --print prints are shell code that does what the guide says, even
// for a shim directory whose path needs quoting.
func TestPrintedLinesRunInBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := "/tmp/it's a dir/shims"
	sb := dir + "/bash"
	want := map[string]string{
		"claude-code": "C=" + sb + " S=" + sb + " P=" + dir,
		"codex":       "C= S=/bin/false P=" + dir,
		"gemini":      "C= S=/bin/false P=" + dir,
		"aider":       "C= S=" + sb + " P=BIN",
		"generic":     "C= S=" + sb + " P=" + dir,
	}
	for _, a := range Agents {
		t.Run(a.Name, func(t *testing.T) {
			g := GuideFor(a, dir, "/h/.claude/settings.json")
			if g.Why == "" || len(g.Sections) == 0 || len(g.Sections[0].Lines) == 0 {
				t.Fatalf("empty guide: %+v", g)
			}
			var sh bytes.Buffer
			g.WriteShell(&sh)
			if a.Name == "codex" && !strings.Contains(sh.String(), "#   chsh -s ") {
				t.Errorf("chsh is not a comment under --print:\n%s", sh.String())
			}
			// a stand-in for the agent that shows what it was started with
			bin := t.TempDir()
			cmd := strings.TrimSuffix(a.Name, "-code")
			if a.Name == "generic" {
				cmd = "agent"
			}
			os.WriteFile(filepath.Join(bin, cmd), []byte("#!/bin/sh\necho \"C=$CLAUDE_CODE_SHELL S=$SHELL P=${PATH%%:*}\"\n"), 0o755)
			script := "shopt -s expand_aliases\nunset CLAUDE_CODE_SHELL; export SHELL=/bin/false; PATH=" + Quote(bin) + ":$PATH\n" + sh.String() + "\n" + cmd + "\n"
			out, err := exec.Command(bash, "--norc", "--noprofile", "-c", script).CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s\n%s", err, script, out)
			}
			w := strings.ReplaceAll(want[a.Name], "BIN", bin)
			if got := strings.TrimSpace(string(out)); got != w {
				t.Errorf("got  %q\nwant %q\nscript:\n%s", got, w, script)
			}
		})
	}
}

func TestWriteOverviewAndGuide(t *testing.T) {
	var b bytes.Buffer
	WriteOverview(&b, "/s")
	for _, a := range Agents {
		if !strings.Contains(b.String(), "  "+a.Name+" ") {
			t.Errorf("overview lacks %s:\n%s", a.Name, b.String())
		}
	}
	if !strings.Contains(b.String(), "Goose") {
		t.Errorf("overview does not say what cannot be covered:\n%s", b.String())
	}
	for _, a := range Agents {
		b.Reset()
		GuideFor(a, "/s", "/h/.claude/settings.json").Write(&b)
		out := b.String()
		if !strings.Contains(out, "What no shim can cover") || !strings.Contains(out, "gatectl doctor --agent "+a.Name) {
			t.Errorf("%s guide:\n%s", a.Name, out)
		}
		if a.Name != "claude-code" && NotApplied(a) == "" {
			t.Errorf("%s: no reason for not applying", a.Name)
		}
	}
}

func TestFindPasswd(t *testing.T) {
	content := "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:/home/u/.config/gatesh/shims/bash\n#junk\n"
	if sh, ok := findPasswd(content, "1000", "u"); !ok || sh != "/home/u/.config/gatesh/shims/bash" {
		t.Errorf("u: %q %v", sh, ok)
	}
	if sh, _ := findPasswd(content, "0", "toor"); sh != "/bin/sh" {
		t.Errorf("toor: %q", sh)
	}
	if sh, _ := findPasswd(content, "0", "nobody-by-that-name"); sh != "/bin/bash" {
		t.Errorf("uid 0, other name: %q", sh)
	}
	if _, ok := findPasswd(content, "42", ""); ok {
		t.Error("uid 42 found")
	}
}

func TestLookPath(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(a, "bash"), nil, 0o644) // not executable: skipped
	os.WriteFile(filepath.Join(b, "bash"), nil, 0o755)
	if p, err := lookPath("bash", a+":"+b); err != nil || p != filepath.Join(b, "bash") {
		t.Errorf("lookPath = %q, %v", p, err)
	}
	if _, err := lookPath("bash", a); err == nil {
		t.Error("found a non-executable bash")
	}
}
