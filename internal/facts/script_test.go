package facts

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestScriptFile(t *testing.T) {
	root := t.TempDir()
	machine := filepath.Join(root, "opt", "pyenv", "libexec")
	ws := filepath.Join(root, "ws")
	scratch := filepath.Join(root, "tmp")
	for _, d := range []string{machine, ws, scratch} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string, mode os.FileMode, age time.Duration) string {
		t.Helper()
		if err := os.WriteFile(p, []byte("#!/usr/bin/env bash\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tool := write(filepath.Join(machine, "pyenv"), 0o755, time.Hour)
	shared := write(filepath.Join(machine, "shared"), 0o777, time.Hour)
	evil := write(filepath.Join(ws, "evil.sh"), 0o755, time.Hour)
	tmpScript := write(filepath.Join(scratch, "x.sh"), 0o755, time.Hour)
	link := filepath.Join(machine, "link")
	if err := os.Symlink(evil, link); err != nil {
		t.Fatal(err)
	}
	// ctime cannot be set back: a file written now counts as changed during a
	// line that started a minute ago, whatever its mtime says.
	line := time.Now().Add(-time.Minute)
	fresh := write(filepath.Join(machine, "fresh"), 0o755, 24*time.Hour)

	later := time.Now().Add(2 * changeSlack) // a line that started after every file was written
	roots, tmp := []string{ws, ""}, []string{scratch}
	yes, no := true, false
	for _, tc := range []struct {
		name, path, cwd string
		since           time.Time
		want            Script
	}{
		{"machine tool", tool, "/", later, Script{Path: tool, Real: tool, Found: true, ChangedDuringLine: &no}},
		{"machine tool under no line", tool, "/", time.Time{}, Script{Path: tool, Real: tool, Found: true}},
		{"in the workspace, relative", "evil.sh", ws, time.Time{}, Script{Path: evil, Real: evil, Found: true, InWorkspace: true}},
		{"symlink into the workspace", link, "/", time.Time{}, Script{Path: link, Real: evil, Found: true, InWorkspace: true}},
		{"scratch", tmpScript, "/", time.Time{}, Script{Path: tmpScript, Real: tmpScript, Found: true, Scratch: true}},
		{"world-writable", shared, "/", time.Time{}, Script{Path: shared, Real: shared, Found: true, WritableByOthers: true}},
		{"missing", filepath.Join(machine, "gone"), "/", line, Script{Path: filepath.Join(machine, "gone"), ChangedDuringLine: &yes}},
		{"changed during the line", fresh, "/", line, Script{Path: fresh, Real: fresh, Found: true, ChangedDuringLine: &yes}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ScriptFile(tc.path, tc.cwd, roots, tmp, tc.since)
			if got.Path != tc.want.Path || got.Real != tc.want.Real || got.Found != tc.want.Found || got.InWorkspace != tc.want.InWorkspace ||
				got.Scratch != tc.want.Scratch || got.WritableByOthers != tc.want.WritableByOthers ||
				(got.ChangedDuringLine == nil) != (tc.want.ChangedDuringLine == nil) ||
				(got.ChangedDuringLine != nil && *got.ChangedDuringLine != *tc.want.ChangedDuringLine) {
				t.Errorf("ScriptFile(%q) = %+v (changed %v), want %+v (changed %v)", tc.path, got, deref(got.ChangedDuringLine), tc.want, deref(tc.want.ChangedDuringLine))
			}
		})
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
