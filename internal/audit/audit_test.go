package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeLog(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "decisions.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := l.Append(Entry{Input: map[string]any{"text": "ls " + strings.Repeat("x", i)}, Result: map[string]any{"action": "allow"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func verifyFile(t *testing.T, path string) (int, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Verify(f)
}

func TestChainVerifies(t *testing.T) {
	path := writeLog(t, 5)
	// Reopening continues the chain from the last line.
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(Entry{Input: "after reopen"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	n, err := verifyFile(t, path)
	if err != nil || n != 6 {
		t.Fatalf("Verify = %d, %v; want 6 entries, no error", n, err)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name     string
		change   func(lines []string) []string
		wantLine int
	}{
		{"edited line", func(l []string) []string {
			l[2] = strings.Replace(l[2], `"allow"`, `"deny"`, 1)
			return l
		}, 4},
		{"removed line", func(l []string) []string { return append(l[:1], l[2:]...) }, 2},
		{"removed first line", func(l []string) []string { return l[1:] }, 1},
		{"swapped lines", func(l []string) []string { l[1], l[2] = l[2], l[1]; return l }, 2},
		{"garbage line", func(l []string) []string { l[3] = "{not json"; return l }, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeLog(t, 5)
			b, _ := os.ReadFile(path)
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			lines = tt.change(lines)
			os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
			_, err := verifyFile(t, path)
			var p Problem
			if !errors.As(err, &p) {
				t.Fatalf("Verify error = %v, want a Problem", err)
			}
			if p.Line != tt.wantLine {
				t.Errorf("problem at line %d (%s), want line %d", p.Line, p.What, tt.wantLine)
			}
		})
	}
}

func TestTornLastLine(t *testing.T) {
	path := writeLog(t, 3)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)-10], 0o600) // a write cut short
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(Entry{Input: "next"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	b, _ = os.ReadFile(path)
	if n := bytes.Count(b, []byte{'\n'}); n != 4 {
		t.Fatalf("%d lines after reopen, want 4 (the torn one ended, one new)", n)
	}
	_, err = verifyFile(t, path)
	var p Problem
	if !errors.As(err, &p) || p.Line != 3 {
		t.Fatalf("Verify = %v, want a problem at the torn line 3", err)
	}
}

// Two writers on one file (the daemon and a one-shot gatectl decide) keep one
// unbroken chain.
func TestTwoWritersKeepOneChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "decisions.jsonl")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		w := a
		if i%3 == 0 {
			w = b
		}
		if _, err := w.Append(Entry{Input: i}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	b.Close()
	n, err := verifyFile(t, path)
	if err != nil || n != 10 {
		t.Fatalf("Verify = %d, %v; want 10 entries in one chain", n, err)
	}
}
