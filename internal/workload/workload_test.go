package workload

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.tsv")
	os.WriteFile(path, []byte("12\tbenign\tclaude-code,codex\tls -la\n"+
		"1\tirreversible\taider\tcat <<EOF | sh\\nrm -rf ~\\nEOF\n"+
		"not a line\n"), 0o600)
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{
		{Count: 12, Class: "benign", Sources: []string{"claude-code", "codex"}, Command: "ls -la"},
		{Count: 1, Class: "irreversible", Sources: []string{"aider"}, Command: "cat <<EOF | sh\nrm -rf ~\nEOF"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
	// The real workload is there and whole.
	lines, err := Read("../../testdata/workload.tsv")
	if err != nil || len(lines) != 26821 {
		t.Fatalf("testdata/workload.tsv: %d lines, %v; want 26821", len(lines), err)
	}
}
