package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/wire"
	"github.com/gatesh/gatesh/internal/workload"
)

// TestShellBench measures what the gate costs an agent (make bench runs it with
// GATESH_SHELL_BENCH=1): gatesh -c vs bash -c as the median of paired wall-time
// ratios with a warm daemon, the first command with no daemon running, and
// decisions per second with 8 concurrent clients. It reports; it asserts nothing
// about speed (timings on a shared machine are not a test).
func TestShellBench(t *testing.T) {
	if os.Getenv("GATESH_SHELL_BENCH") == "" {
		t.Skip("set GATESH_SHELL_BENCH=1 (make bench) to measure gatesh against bash")
	}
	bin := t.TempDir()
	for _, name := range []string{"gatesh", "gatectl"} {
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(bin, name), "../../cmd/"+name)
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // as make build links gatesh
		out, err := build.CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
	home, err := os.MkdirTemp("/tmp", "gsb")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(home)
	env := append(os.Environ(), "GATESH_HOME="+home, "GATESH_DAEMON_IDLE=5m", "GATESH_HOLD_WAIT=0")
	defer stopDaemon(home)

	repo := filepath.Join(t.TempDir(), "repo")
	gitRepo(t, repo, env)
	gatesh := filepath.Join(bin, "gatesh")

	// Warm the daemon (and the decision cache, as an agent's repeated commands do).
	timeShell(t, gatesh, repo, env, "true")
	timeShell(t, gatesh, repo, env, "git status")

	for _, c := range []struct {
		cmd  string
		goal float64
	}{{"true", 1.8}, {"git status", 1.3}} {
		med, gs, bs := pairedRatio(t, gatesh, repo, env, c.cmd, 200)
		t.Logf("gatesh -c %q vs bash -c: median paired wall ratio %.2f (goal <= %.1f); medians gatesh %v, bash %v (200 pairs)", c.cmd, med, c.goal, gs, bs)
	}
	// The floor for any Go shim: a static Go program that only execs bash.
	if floor := goExecShim(t); floor != "" {
		med, gs, bs := pairedRatio(t, floor, repo, env, "true", 200)
		t.Logf("floor, a static Go program that only execs bash, -c \"true\" vs bash -c: median paired wall ratio %.2f; medians %v, bash %v (200 pairs)", med, gs, bs)
	}

	// Cold: no daemon, the first command starts it. The daemon's warm file
	// (policy.warm) knows the lines decided before; a line it does not know
	// waits for the policy to compile, and so does every line on a machine
	// that never ran a daemon (no file).
	for _, c := range []struct {
		what   string
		prep   func(i int) string
		remove bool
	}{
		{"a line decided before (in the warm file)", func(int) string { return "true" }, false},
		{"a line never decided (not in the warm file)", func(i int) string { return fmt.Sprintf("true cold-%d-%d", i, time.Now().UnixNano()) }, false},
		{"the first command ever (no warm file)", func(int) string { return "true" }, true},
	} {
		var colds []time.Duration
		for i := 0; i < 10; i++ {
			stopDaemon(home)
			if c.remove {
				os.Remove(filepath.Join(home, "state", "policy.warm"))
			}
			cmd := c.prep(i)
			start := time.Now()
			timeShell(t, gatesh, repo, env, cmd)
			colds = append(colds, time.Since(start))
		}
		t.Logf("cold first command, %s (daemon not running, gatesh starts it): median %v, min %v, max %v over %d runs (goal <= 60ms)",
			c.what, median(colds), minDur(colds), maxDur(colds), len(colds))
	}

	// Throughput: 8 clients asking at once, over distinct real agent lines.
	lines := workloadLines(t, 2000)
	c := client.Client{Runtime: filepath.Join(home, "run"), Gatectl: filepath.Join(bin, "gatectl"), Env: env}
	var n atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(3 * time.Second)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; time.Now().Before(deadline); i += 8 {
				req := wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeCommand, Text: lines[i%len(lines)], Cwd: repo, Env: env}
				if _, err := c.Ask(context.Background(), req); err != nil {
					t.Error(err)
					return
				}
				n.Add(1)
			}
		}(w)
	}
	wg.Wait()
	t.Logf("8 concurrent clients: %.0f decisions/s over %d distinct agent lines (socket round trip, decision and log included)", float64(n.Load())/3, len(lines))
}

// goExecShim builds the floor for a Go shim: a static program that only execs
// /bin/bash with its own argv ("" when it cannot be built).
func goExecShim(t *testing.T) string {
	dir := t.TempDir()
	src := "package main\n\nimport (\n\t\"os\"\n\t\"syscall\"\n)\n\nfunc main() { syscall.Exec(\"/bin/bash\", os.Args, os.Environ()) }\n"
	if os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644) != nil || os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module floor\n\ngo 1.22\n"), 0o644) != nil {
		return ""
	}
	bin := filepath.Join(dir, "floor")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Logf("the floor program did not build: %v\n%s", err, out)
		return ""
	}
	return bin
}

// pairedRatio runs gatesh and bash alternately and returns the median of the
// per-pair ratios, and each side's median.
func pairedRatio(t *testing.T, gatesh, dir string, env []string, cmd string, pairs int) (float64, time.Duration, time.Duration) {
	var ratios []float64
	var gs, bs []time.Duration
	for i := 0; i < pairs; i++ {
		g := timeShell(t, gatesh, dir, env, cmd)
		b := timeShell(t, "/bin/bash", dir, env, cmd)
		gs, bs = append(gs, g), append(bs, b)
		ratios = append(ratios, float64(g)/float64(b))
	}
	sort.Float64s(ratios)
	return ratios[len(ratios)/2], median(gs), median(bs)
}

// timeShell runs shell -c cmd as an agent would (argv0 "bash") and returns its wall time.
func timeShell(t *testing.T, shell, dir string, env []string, cmd string) time.Duration {
	t.Helper()
	c := exec.Command(shell, "-c", cmd)
	c.Args[0] = "bash"
	c.Dir, c.Env = dir, env
	start := time.Now()
	out, err := c.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		t.Fatalf("%s -c %q: %v\n%s", shell, cmd, err, out)
	}
	return d
}

func gitRepo(t *testing.T, dir string, env []string) {
	t.Helper()
	for _, args := range [][]string{
		{"init", "-q", "-b", "feature", dir},
		{"-C", dir, "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "--allow-empty", "-m", "init"},
	} {
		c := exec.Command("git", args...)
		c.Env = env
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	for i := 0; i < 50; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.txt", i)), []byte("x\n"), 0o644)
	}
}

func workloadLines(t *testing.T, n int) []string {
	all, err := workload.Read("../../testdata/workload.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range all[:min(n, len(all))] {
		out = append(out, l.Command)
	}
	return out
}

// stopDaemon ends the daemon of a GATESH_HOME (its pid is the lock holder's; the
// log names it).
func stopDaemon(home string) {
	b, _ := os.ReadFile(filepath.Join(home, "state", "daemon.log"))
	var pids []int
	for _, line := range strings.Split(string(b), "\n") {
		var pid int
		if i := strings.Index(line, "gatectl serve: pid "); i >= 0 {
			fmt.Sscanf(line[i:], "gatectl serve: pid %d", &pid)
			pids = append(pids, pid)
		}
	}
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	sock := filepath.Join(home, "run", "gatesh.sock")
	for i := 0; i < 200; i++ {
		if _, err := os.Lstat(sock); err != nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func minDur(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = min(m, d)
	}
	return m
}

func maxDur(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
