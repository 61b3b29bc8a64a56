package shellparse

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestWriteSeeds regenerates the committed fuzz seed corpus from the test table
// (GATESH_WRITE_SEEDS=1 go test -run TestWriteSeeds).
func TestWriteSeeds(t *testing.T) {
	if os.Getenv("GATESH_WRITE_SEEDS") == "" {
		t.Skip("set GATESH_WRITE_SEEDS=1 to regenerate testdata/fuzz/FuzzParse")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lines := make([]string, 0, len(parseCases)+len(aliasCases))
	for _, tc := range parseCases {
		lines = append(lines, tc.line)
	}
	for _, tc := range aliasCases {
		lines = append(lines, tc.line)
	}
	for _, line := range lines {
		sum := sha256.Sum256([]byte(line))
		body := "go test fuzz v1\nstring(" + strconv.Quote(line) + ")\n"
		name := filepath.Join(dir, fmt.Sprintf("seed-%x", sum[:8]))
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
