package termtext

import "testing"

// Text an agent wrote reaches the person's terminal inert: control
// characters, C1 controls and stray bytes of invalid UTF-8 (a lone 0x9b is a
// control sequence introducer to some terminals) are shown, not obeyed.
func TestOneLineMakesAgentTextInert(t *testing.T) {
	for in, want := range map[string]string{
		"git push":             "git push",
		"a\nb\tc":              "a↵b c",
		"\x1b[31mred":          `\x1b[31mred`,
		"x\u009b31my":          `x\x9b31my`,
		"x\x9b31my":            `x\x9b31my`,
		"caf\xc3\xa9 \xff end": `café \xff end`,
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCut(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"café au lait", 6, "café …"},
	} {
		if got := Cut(tt.in, tt.n); got != tt.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
