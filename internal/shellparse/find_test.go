package shellparse

import (
	"strings"
	"testing"
	"time"
)

func TestFnmatch(t *testing.T) {
	cases := []struct {
		pat, s    string
		fold      bool
		match, ok bool
	}{
		{"*.py", "x.py", false, true, true},
		{"*.py", ".", false, false, true},
		{"*", ".", false, true, true},
		{".*", ".", false, true, true},
		{"__pycache__", ".", false, false, true},
		{"src*", "src", false, true, true},
		{"./x/*", ".", false, false, true},
		{"*/x", "a/b/x", false, true, true},
		{"?", ".", false, true, true},
		{"[!.]*", ".", false, false, true},
		{"[a-c]x", "bx", false, true, true},
		{"[]]", "]", false, true, true},
		{"*.PY", "x.py", true, true, true},
		{"\\*", "*", false, true, true},
		{"[[:alpha:]]", "a", false, false, false},
		{"[abc", "a", false, false, false},
		{"x\\", "x", false, false, false},
		{"*a*b", "xaxxb", false, true, true},
		{"*a*b", "xaxxbc", false, false, true},
	}
	for _, c := range cases {
		m, ok := fnmatch(c.pat, c.s, c.fold)
		if m != c.match || ok != c.ok {
			t.Errorf("fnmatch(%q, %q) = %v, %v; want %v, %v", c.pat, c.s, m, ok, c.match, c.ok)
		}
	}
	// Many stars against a long start path stay linear-ish.
	start := time.Now()
	line := "find " + strings.Repeat("a", 4000) + " -name '" + strings.Repeat("*a", 200) + "*b' -exec rm {} +"
	Parse(line, testOpts)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("find -name with many stars took %v", d)
	}
}

func TestFindBounded(t *testing.T) {
	for _, line := range []string{
		"find . -name x " + strings.Repeat("-exec a {} ; ", 20000),
		"find . -name x " + strings.Repeat("-print0 ", 30000) + "| xargs -0 rm",
		"find . " + strings.Repeat("( ", 400) + "-name x" + strings.Repeat(" )", 400) + " -exec rm {} +",
	} {
		start := time.Now()
		l := Parse(line, testOpts)
		checkInvariants(t, l)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%.40q… took %v", line, d)
		}
	}
}
