package e2e

import (
	"strings"
	"testing"
)

// TestCodex0169Smuggled: the real Codex 0.169.0 outer call with a push smuggled
// into one of its restore blocks is not the wrapper: it is judged whole, so it
// is held (the line passes the parser's size bound: the message says so in
// words), and nothing of it runs.
func TestCodex0169Smuggled(t *testing.T) {
	e := NewEnv(t)
	prepare := func() string {
		e.Fresh()
		e.WriteCodex0169Snapshot()
		return e.Commit(e.Work, "pushed.txt", "local work\n", "local commit")
	}
	const block = "else builtin unset ALL_PROXY 2>/dev/null || command unset ALL_PROXY; fi"
	text := e.Codex0169Outer("echo harmless")
	if !strings.Contains(text, block) {
		t.Fatalf("the captured call has no %q", block)
	}
	text = strings.Replace(text, block, "else builtin unset ALL_PROXY 2>/dev/null; git push -q origin HEAD:main; fi", 1)
	call := Call{Args: []string{"-lc", text}, Env: append(CodexEnv(), "CODEX_NETWORK_PROXY_ACTIVE=1")}
	// with the real bash the smuggled push runs: the case is a real one
	if head := prepare(); e.RemoteRef("main") == head {
		t.Fatal("pushed already")
	} else if r := e.Bash(call); r.Status != 0 || e.RemoteRef("main") != head {
		t.Fatalf("the smuggled push did not run with the real bash, so the case proves nothing: %s", r)
	}
	prepare()
	before := e.RemoteRef("main")
	r := e.Gatesh(call)
	if r.Status != 126 || r.Stdout != "" {
		t.Fatalf("want a refusal: %s", r)
	}
	if !strings.Contains(r.Stderr, "too long to check (more than 512 commands)") || strings.Contains(r.Stderr, "``") {
		t.Errorf("the message does not say why in words: %q", r.Stderr)
	}
	if e.RemoteRef("main") != before {
		t.Errorf("the smuggled push ran")
	}
}

// TestSizeBoundMessage: a line held because it has more commands than the
// parser lists says so in words a person understands, with what to do, not an
// empty quote.
func TestSizeBoundMessage(t *testing.T) {
	e := NewEnv(t)
	e.Fresh()
	line := strings.Repeat("true; ", 600) + "touch ran.txt"
	r := e.Gatesh(Call{Args: []string{"-c", line}})
	if r.Status != 126 || r.Stdout != "" || strings.Count(r.Stderr, "\n") != 1 || !strings.HasPrefix(r.Stderr, "gatesh: ") {
		t.Fatalf("want one gatesh: line and 126: %s", r)
	}
	for _, want := range []string{"[opaque.too-many-commands]", "the line is too long to check (more than 512 commands)", "Split it into shorter command lines"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the message lacks %q: %q", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "``") {
		t.Errorf("the message quotes nothing: %q", r.Stderr)
	}
	if Exists(e.Work + "/ran.txt") {
		t.Errorf("the held line ran")
	}
	t.Logf("%s", r.Stderr)
}
