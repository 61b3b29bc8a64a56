package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestRealCodex runs the real Codex CLI 0.169.0 with gatesh as its shell: its
// TUI takes a user `!cmd` without a model, runs the outer call (snapshot
// override blocks, proxy blocks, PATH prefix, exec) through gatesh, which judges
// the agent's command inside it and lets it run, and the inner call is judged
// again on its own; a push typed the same way is held and does not happen.
//
// It needs the Codex binary (GATESH_E2E_CODEX, for example
// package/vendor/x86_64-unknown-linux-musl/bin/codex from
// `npm pack @openai/codex@0.169.0-linux-x64`; it is never committed), root, and
// unshare: Codex runs the passwd login shell by its path, so gatesh is bound
// over that path inside a private mount namespace, as the fixtures in
// testdata/harness were captured. Otherwise it is skipped. Codex works
// offline: its model requests fail, `!cmd` needs none.
func TestRealCodex(t *testing.T) {
	codex := os.Getenv("GATESH_E2E_CODEX")
	if codex == "" {
		t.Skip("GATESH_E2E_CODEX does not name a Codex CLI binary (npm pack @openai/codex@0.169.0-linux-x64)")
	}
	if _, err := os.Stat(codex); err != nil {
		t.Skipf("GATESH_E2E_CODEX: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("binding gatesh over the login shell needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil || exec.Command(unshare, "--mount", "--propagation", "private", "true").Run() != nil {
		t.Skip("no private mount namespace (unshare --mount)")
	}
	login, err := loginShell(0)
	if err != nil || filepath.Base(login) != "bash" {
		t.Skipf("root's login shell is not a bash (%q, %v)", login, err)
	}
	if login, err = filepath.EvalSymlinks(login); err != nil {
		t.Skip(err)
	}

	e := NewEnv(t)
	e.Fresh()
	// Codex keeps its helper binaries (the PATH prefix) only outside /tmp.
	home, err := os.MkdirTemp("/var/tmp", "gse-codex")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	e.WriteFile(filepath.Join(home, ".codex", "auth.json"), `{"auth_mode":"apikey","OPENAI_API_KEY":"sk-e2e-offline"}`+"\n")
	e.WriteFile(filepath.Join(home, ".codex", "config.toml"), fmt.Sprintf("[projects.%q]\ntrust_level = \"trusted\"\n", e.Work))
	// The real bash, copied out of the path gatesh is bound over.
	real := filepath.Join(t.TempDir(), "bash")
	if b, err := os.ReadFile(RealBashPath); err != nil || os.WriteFile(real, b, 0o755) != nil {
		t.Fatalf("copy bash: %v", err)
	}
	script := filepath.Join(t.TempDir(), "run.sh")
	e.WriteFile(script, fmt.Sprintf("mount --bind %s %s || exit 9\nexec %s\n", SingleQuote(GateshBin), SingleQuote(login), SingleQuote(codex)))

	cmd := exec.Command(unshare, "--mount", "--propagation", "private", real, script)
	cmd.Dir = e.Work
	cmd.Env = mergeEnv(e.Vars(), []string{"HOME=" + home, "GATESH_REAL_BASH=" + real, "PATH=" + BinDir + ":" + SystemPath, "TERM=xterm-256color"})
	term, err := startCodexTerm(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		term.stop()
		killUnder(home) // Codex's app-server outlives its TUI
	})

	// The first commands run without the snapshot until Codex has written it.
	snaps := filepath.Join(home, ".codex", "shell_snapshots")
	waitUntil(t, 60*time.Second, "Codex's shell snapshot", func() bool {
		m, _ := filepath.Glob(filepath.Join(snaps, "*.sh"))
		return len(m) > 0 && !strings.Contains(m[0], ".tmp-")
	})

	const ok = "echo cx-ok-$((6*7)) && git rev-parse --abbrev-ref HEAD"
	term.typeLine("!" + ok)
	if !term.waitFor("cx-ok-42", 60*time.Second) {
		t.Fatalf("the command's output never showed:\n%s", term.text())
	}
	entries := decisions(t, e)
	if !hasDecision(entries, "codex-outer", ok, "allow") {
		t.Errorf("no allowed codex-outer decision judging %q:\n%s", ok, describe(entries))
	}
	if !hasDecision(entries, "", ok, "allow") {
		t.Errorf("the inner call was not judged on its own:\n%s", describe(entries))
	}

	e.Commit(e.Work, "pushed.txt", "local work\n", "local commit")
	before := e.RemoteRef("main")
	const push = "git push origin HEAD:main"
	term.typeLine("!" + push)
	if !term.waitFor("gatesh", 60*time.Second) {
		t.Errorf("Codex did not show gatesh's message:\n%q", term.text())
	}
	if entries := decisions(t, e); !hasDecision(entries, "codex-outer", push, "hold") {
		t.Errorf("no held codex-outer decision judging %q:\n%s", push, describe(entries))
	}
	if e.RemoteRef("main") != before {
		t.Errorf("the push ran")
	}
}

// loginShell returns uid's login shell from /etc/passwd.
func loginShell(uid int) (string, error) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), ":")
		if len(fs) == 7 && fs[2] == fmt.Sprint(uid) {
			return fs[6], nil
		}
	}
	return "", fmt.Errorf("uid %d not in /etc/passwd", uid)
}

// codexTerm is Codex's TUI on a PTY. It answers the terminal queries the TUI
// waits for (cursor position, device attributes, keyboard flags, colours).
type codexTerm struct {
	cmd *exec.Cmd
	f   *os.File
	ptyLog
}

var termAnswers = []struct{ q, a string }{
	{"\x1b[6n", "\x1b[1;1R"},
	{"\x1b[?u", "\x1b[?0u"},
	{"\x1b[c", "\x1b[?62;22c"},
	{"\x1b]10;?", "\x1b]10;rgb:ffff/ffff/ffff\x1b\\"},
	{"\x1b]11;?", "\x1b]11;rgb:0000/0000/0000\x1b\\"},
}

func startCodexTerm(cmd *exec.Cmd) (*codexTerm, error) {
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		return nil, err
	}
	c := &codexTerm{cmd: cmd, f: f, ptyLog: newPTYLog()}
	go c.collect(f, func(b []byte) {
		for _, qa := range termAnswers {
			if bytes.Contains(b, []byte(qa.q)) {
				f.Write([]byte(qa.a))
			}
		}
	})
	return c, nil
}

func (c *codexTerm) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.out)
}

// typeLine types text once the TUI is quiet, then Enter once it has drawn the
// text (keys that come with the text read as a paste, whose Enter is a newline).
func (c *codexTerm) typeLine(text string) {
	c.quiet(500*time.Millisecond, 10*time.Second)
	c.f.Write([]byte(text))
	c.quiet(500*time.Millisecond, 10*time.Second)
	c.f.Write([]byte("\r"))
}

// quiet waits until the TUI has drawn nothing for d, or for at most max.
func (c *codexTerm) quiet(d, max time.Duration) {
	limit := time.NewTimer(max)
	defer limit.Stop()
	for {
		idle := time.NewTimer(d)
		select {
		case <-c.grew:
			idle.Stop()
		case <-idle.C:
			return
		case <-limit.C:
			idle.Stop()
			return
		}
	}
}

// waitFor reports whether s shows in the output within d.
func (c *codexTerm) waitFor(s string, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if strings.Contains(c.text(), s) {
			return true
		}
		select {
		case <-c.grew:
		case <-timer.C:
			return false
		}
	}
}

// stop ends the TUI and its process group.
func (c *codexTerm) stop() {
	c.f.Write([]byte("\x03\x03"))
	if c.cmd.Process != nil {
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		c.cmd.Wait()
	}
	c.f.Close()
}

// killUnder kills the processes whose executable lies under dir.
func killUnder(dir string) {
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		var pid int
		if _, err := fmt.Sscanf(ent.Name(), "%d", &pid); err != nil {
			continue
		}
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && strings.HasPrefix(exe, dir+"/") {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// waitUntil polls cond (the processes it waits for tell nobody) until it holds,
// failing the test after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no %s within %v", what, d)
		}
	}
}

// decision is what the tests read from one decision log entry.
type decision struct {
	Input struct {
		Text    string `json:"text"`
		Harness struct {
			Form string `json:"form"`
		} `json:"harness"`
	} `json:"input"`
	Result struct {
		Action string `json:"action"`
	} `json:"result"`
}

func decisions(t *testing.T, e *Env) []decision {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.GateshHome, "state", "decisions.jsonl"))
	if err != nil {
		return nil
	}
	var out []decision
	for _, l := range bytes.Split(b, []byte("\n")) {
		var d decision
		if json.Unmarshal(l, &d) == nil {
			out = append(out, d)
		}
	}
	return out
}

func hasDecision(ds []decision, form, text, action string) bool {
	for _, d := range ds {
		if d.Input.Harness.Form == form && d.Input.Text == text && d.Result.Action == action {
			return true
		}
	}
	return false
}

func describe(ds []decision) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "  %s %q: %s\n", d.Input.Harness.Form, d.Input.Text, d.Result.Action)
	}
	return b.String()
}
