package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/confine"
	"github.com/gatesh/gatesh/internal/execgate"
)

// Helpers of the layers tests (layers_test.go): a world the confinement can
// protect, and what the tests read of the outcome.

// requireLayers skips the test where the kernel lacks the exec gate (seccomp
// user notification) or confinement (Landlock): the layers are then off, and
// what these tests show cannot be shown.
func requireLayers(t *testing.T) {
	t.Helper()
	if err := execgate.Supported(); err != nil {
		t.Skipf("the exec gate is off on this kernel: %v", err)
	}
	if confine.ABI() == 0 {
		t.Skip("confinement is off on this kernel: no Landlock")
	}
}

// tempRoots are the directories confinement leaves writable whatever the
// workspace: a home directory under one of them cannot be protected.
var tempRoots = []string{"/tmp", "/var/tmp", "/dev/shm"}

// underTemp reports whether p (symbolic links resolved) is in a temp directory.
func underTemp(p string) bool {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	for _, d := range tempRoots {
		if r, err := filepath.EvalSymlinks(d); err == nil {
			d = r
		}
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// outsideTemp makes a fresh directory outside the temp directories (beside the
// repository, else under /srv or /var/lib), removed when the test ends, or
// skips the test saying why. Landlock grants whole hierarchies, so a home under
// /tmp is writable through /tmp's rule: the confinement tests need their world
// elsewhere.
func outsideTemp(t *testing.T) string {
	t.Helper()
	var cands []string
	if goBin, err := exec.LookPath("go"); err == nil {
		if root, err := moduleRoot(goBin); err == nil {
			cands = append(cands, filepath.Dir(root))
		}
	}
	cands = append(cands, "/srv", "/var/lib")
	var tried []string
	for _, c := range cands {
		if underTemp(c) {
			tried = append(tried, c+" (a temp directory)")
			continue
		}
		d, err := os.MkdirTemp(c, "gsl")
		if err != nil {
			tried = append(tried, c+" ("+err.Error()+")")
			continue
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	t.Skipf("no writable directory outside %v for a world confinement can protect: tried %s", tempRoots, strings.Join(tried, ", "))
	return ""
}

// layersEnv is an Env whose world (HOME, work tree, origin) and GATESH_HOME
// are outside the temp directories, with a local commit on main (pushCmd would
// move origin's main), secrets in ~/.ssh, and the tool caches a real home has.
func layersEnv(t *testing.T) *Env {
	t.Helper()
	base := outsideTemp(t) // its removal runs after the Env's daemons are stopped
	e := NewEnv(t)
	os.RemoveAll(e.GateshHome)
	os.RemoveAll(e.Root)
	e.GateshHome = filepath.Join(base, "g")
	e.Root = filepath.Join(base, "w")
	e.Home = filepath.Join(e.Root, "home")
	e.Work = filepath.Join(e.Root, "work")
	e.Remote = filepath.Join(e.Root, "remote.git")
	for _, d := range []string{e.GateshHome, e.Root} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	e.SetVar("HOME=" + e.Home)
	e.SetVar("GATESH_HOME=" + e.GateshHome)
	freshLayers(e)
	return e
}

// sshKey is the secret the confinement tests try to delete or overwrite.
const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n"

// freshLayers rebuilds the world of layersEnv.
func freshLayers(e *Env) {
	e.TB.Helper()
	freshWithLocalCommit(e)
	e.WriteFile(filepath.Join(e.Home, ".ssh", "id_ed25519"), sshKey)
	for _, d := range []string{".cache", ".npm", "go/pkg/mod"} {
		if err := os.MkdirAll(filepath.Join(e.Home, d), 0o755); err != nil {
			e.TB.Fatal(err)
		}
	}
	if err := os.MkdirAll(e.PolicyDir(), 0o755); err != nil {
		e.TB.Fatal(err)
	}
}

// resetLayers puts the targets of the confinement tests back (the key, the
// .bashrc, an empty policy directory) and removes what a case left in the work
// tree, without making any directory anew: a ruleset the daemon built a moment
// ago names the directories by what they are (Landlock rules hold inodes), and
// a world rebuilt at the same paths is new to it (see TestLayersStillWorks,
// "workspace made anew").
func resetLayers(e *Env) {
	e.TB.Helper()
	e.WriteFile(filepath.Join(e.Home, ".ssh", "id_ed25519"), sshKey)
	e.WriteFile(filepath.Join(e.Home, ".bashrc"), bashrc)
	ents, _ := os.ReadDir(e.PolicyDir())
	for _, ent := range ents {
		os.RemoveAll(filepath.Join(e.PolicyDir(), ent.Name()))
	}
	e.Git(e.Work, "clean", "-q", "-fdx")
}

// whoStopped names the layer a gatesh: message on stderr says stopped the
// command: "exec gate" (held or refused at an exec), "line judge" (the line
// held or refused before anything ran), or "" for none.
func whoStopped(stderr string) string {
	switch {
	case strings.Contains(stderr, "at exec"):
		return "exec gate"
	case heldID(stderr) != 0, strings.Contains(stderr, "gatesh: refused"), strings.Contains(stderr, "gatesh: denied"):
		return "line judge"
	}
	return ""
}

// gline runs line through gatesh in the work tree (extra environment entries
// added) with a bound on its time.
func gline(e *Env, line string, within time.Duration, env ...string) Result {
	e.TB.Helper()
	return e.Gatesh(Call{Args: []string{"-c", line}, Env: env, Timeout: within})
}

// writeExec writes an executable file.
func writeExec(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// pendingWaiting polls `gatectl list --json` until a pending request that a
// process waits on appears, and returns it.
func pendingWaiting(t *testing.T, e *Env, within time.Duration) reqInfo {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		rs := listRequests(t, e, false)
		for _, r := range rs {
			if r.Status == "pending" && r.Waiting {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pending request waited on after %v; list: %+v", within, rs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hasTool reports whether name is on the Env's system PATH.
func hasTool(name string) bool {
	_, err := lookPath(name, SystemPath)
	return err == nil
}

// ptyRun starts path with args on a fresh pseudo-terminal (stdin, stdout and
// stderr; its own session with the terminal as its controlling one) with the
// Env's environment in the work tree. It returns the master (everything the
// program writes is collected into out) and a function that waits for the end
// and returns the exit status (-1 when it had to be killed after within).
func ptyRun(t *testing.T, e *Env, path string, args []string, env []string) (master *os.File, out *ptyLog, wait func(within time.Duration) int) {
	t.Helper()
	m, s := openPTY(t)
	cmd := exec.Command(path, args...)
	cmd.Env = mergeEnv(e.Vars(), env)
	cmd.Dir = e.Work
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	l := newPTYLog()
	out = &l
	go out.collect(m, nil)
	done := make(chan int, 1)
	go func() {
		err := cmd.Wait()
		st := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			st = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				st = 128 + int(ws.Signal())
			}
		}
		done <- st
	}()
	killed := false
	t.Cleanup(func() {
		if !killed {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	wait = func(within time.Duration) int {
		select {
		case st := <-done:
			killed = true
			return st
		case <-time.After(within):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			killed = true
			return -1
		}
	}
	return m, out, wait
}

// decisionEntry is what the bench reads of `gatectl log --json`.
type decisionEntry struct {
	Custom  map[string]any `json:"custom"`
	Metrics map[string]any `json:"metrics"`
	Result  map[string]any `json:"result"`
}

// execTimes returns the timer_gatesh_exec_ns of the exec-mode entries of the
// decision log.
func execTimes(t *testing.T, e *Env) []time.Duration {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.GateshHome, "state", "decisions.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Duration
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var d decisionEntry
		if err := json.Unmarshal(line, &d); err != nil {
			continue
		}
		if m, _ := d.Custom["mode"].(string); m != "exec" {
			continue
		}
		if ns, ok := d.Metrics["timer_gatesh_exec_ns"].(float64); ok {
			out = append(out, time.Duration(ns))
		}
	}
	return out
}

// pidString is a pid as text.
func pidString(pid int) string { return strconv.Itoa(pid) }

// ptyText is what the terminal has shown so far.
func ptyText(l *ptyLog) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.out)
}

// ptyWaitFor waits until the terminal has shown s, or within has passed, and
// reports whether it did.
func ptyWaitFor(l *ptyLog, s string, within time.Duration) bool {
	deadline := time.After(within)
	for {
		if strings.Contains(ptyText(l), s) {
			return true
		}
		select {
		case <-l.grew:
		case <-l.readDone:
			return strings.Contains(ptyText(l), s)
		case <-deadline:
			return false
		}
	}
}

// useEnv makes tb the Env's TB (a subtest using a shared Env) and returns what
// puts the previous one back.
func useEnv(e *Env, tb testing.TB) func() {
	prev := e.TB
	e.TB = tb
	return func() { e.TB = prev }
}

// execRefusals lists the exec-mode decisions of the decision log that did not
// allow (text, action and rules), for the failures of the tests of what must
// still work: a program that hides the stderr of what it starts (pip, npm)
// hides the gate's message with it.
func execRefusals(t *testing.T, e *Env) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.GateshHome, "state", "decisions.jsonl"))
	if err != nil {
		return err.Error()
	}
	var out strings.Builder
	for _, line := range bytes.Split(b, []byte("\n")) {
		var d struct {
			Input  map[string]any `json:"input"`
			Custom map[string]any `json:"custom"`
			Result struct {
				Action  string `json:"action"`
				Reasons []struct {
					ID  string `json:"id"`
					Msg string `json:"msg"`
				} `json:"reasons"`
			} `json:"result"`
		}
		if json.Unmarshal(line, &d) != nil || d.Custom["mode"] != "exec" || d.Result.Action == "allow" {
			continue
		}
		text, _ := d.Input["text"].(string)
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		fmt.Fprintf(&out, "  %s: %s", d.Result.Action, text)
		for _, r := range d.Result.Reasons {
			fmt.Fprintf(&out, " [%s] %s", r.ID, r.Msg)
		}
		out.WriteString("\n")
	}
	return out.String()
}
