package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The approval benchmarks: how soon a held command runs once the person
// approves it. Skipped unless GATESH_APPROVAL_BENCH=1:
//
//	GATESH_APPROVAL_BENCH=1 go test -count=1 -run TestApprovalBench -v ./test/e2e
//
// The held command is a marker, gatesh-bench-marker FILE, that writes the time
// in nanoseconds to FILE; a user policy holds it. Approval-to-run is from the
// moment `gatectl approve` is started to the time the marker wrote: it covers
// gatectl's start, the daemon's approval (store write, log entry), the answer
// to the waiting gatesh, its exec of bash, and the marker's own start.

// benchMarkerPolicy holds every gatesh-bench-marker command.
const benchMarkerPolicy = `package gatesh.rules.bench_marker

import rego.v1

import data.gatesh.lib.cmds

names := {"gatesh-bench-marker"}

hold contains {
	"id": "bench.marker",
	"msg": "the approval benchmark's marker waits for the user's approval.",
	"class": "external",
	"cmd": i,
} if {
	some i in cmds.by_name["gatesh-bench-marker"]
}
`

const benchMarkerScript = "#!/bin/sh\ndate +%s%N > \"$1\"\n"

// benchEnv is an Env whose policy holds the marker, which is on PATH.
func benchEnv(t *testing.T) (e *Env, outDir string) {
	t.Helper()
	if os.Getenv("GATESH_APPROVAL_BENCH") != "1" {
		t.Skip("set GATESH_APPROVAL_BENCH=1 to run the approval benchmarks")
	}
	e = NewEnv(t)
	e.Fresh()
	bin := filepath.Join(e.Root, "bench-bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "gatesh-bench-marker"), []byte(benchMarkerScript), 0o755); err != nil {
		t.Fatal(err)
	}
	e.WriteFile(filepath.Join(e.PolicyDir(), "bench_marker.rego"), benchMarkerPolicy)
	e.SetVar("PATH=" + ShimDir + ":" + bin + ":" + SystemPath)
	outDir = filepath.Join(e.Root, "marks")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The marker is held, not run: the policy is in force.
	probe := "gatesh-bench-marker " + filepath.Join(outDir, "probe")
	if r := e.Gatesh(Call{Args: []string{"-c", probe}}); r.Status != 126 || !strings.Contains(r.Stderr, "bench.marker") {
		t.Fatalf("the marker is not held by the bench policy: %s", r)
	}
	return e, outDir
}

// approveTimed runs `gatectl approve ID` at the terminal tty and returns when
// it was started and how long it ran.
func approveTimed(t *testing.T, e *Env, tty *os.File, id int64) (start time.Time, took time.Duration) {
	t.Helper()
	cmd := exec.Command(GatectlBin, "approve", strconv.FormatInt(id, 10))
	cmd.Env = e.Vars()
	cmd.Dir = e.Work
	cmd.Stdin = tty
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start = time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if err != nil {
		t.Fatalf("gatectl approve %d: %v: %s", id, err, out.String())
	}
	return start, took
}

// markTime reads the nanosecond time the marker wrote to file.
func markTime(t *testing.T, file string) time.Time {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the marker did not write %s: %v", file, err)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatalf("the marker wrote %q: %v", b, err)
	}
	return time.Unix(0, ns)
}

// quantile returns the q-quantile (nearest rank) of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func fmtMS(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// TestApprovalBenchLatency: 50 times, one held marker waits; the person
// approves it; approval-to-run p50/p99 (goal: 20 ms).
func TestApprovalBenchLatency(t *testing.T) {
	e, dir := benchEnv(t)
	tty := ttyFor(t)
	const runs = 50
	var lat, ctl []time.Duration
	for i := range runs {
		file := filepath.Join(dir, fmt.Sprintf("one-%d", i))
		cmd := "gatesh-bench-marker " + file
		a := startAgent(t, e, cmd, 60)
		req := waitRequest(t, e, cmd, true)
		start, took := approveTimed(t, e, tty, req.ID)
		if r := a.result(t, 30*time.Second); r.Status != 0 {
			t.Fatalf("run %d: the approved marker did not run: %s", i, r)
		}
		lat = append(lat, markTime(t, file).Sub(start))
		ctl = append(ctl, took)
	}
	t.Logf("approval-to-run over %d runs: p50 %s, p99 %s, max %s (goal: 20 ms); gatectl approve itself: p50 %s, p99 %s",
		runs, fmtMS(quantile(lat, 0.5)), fmtMS(quantile(lat, 0.99)), fmtMS(quantile(lat, 1)), fmtMS(quantile(ctl, 0.5)), fmtMS(quantile(ctl, 0.99)))
}

// TestApprovalBenchQueue: 50 held markers wait at once; the person approves
// them one by one; all must run. Total time, and approval-to-run p50/p99.
func TestApprovalBenchQueue(t *testing.T) {
	e, dir := benchEnv(t)
	tty := ttyFor(t)
	const n = 50
	agents := make([]*heldCall, n)
	files := make([]string, n)
	queued := time.Now()
	for i := range n {
		files[i] = filepath.Join(dir, fmt.Sprintf("queue-%d", i))
		agents[i] = startAgent(t, e, "gatesh-bench-marker "+files[i], 120)
	}
	reqs := waitRequests(t, e, n)
	t.Logf("%d held requests queued and waiting in %v", n, time.Since(queued).Round(time.Millisecond))
	starts := make([]time.Time, n)
	for i := range n {
		req, ok := reqs["gatesh-bench-marker "+files[i]]
		if !ok {
			t.Fatalf("no request for marker %d", i)
		}
		starts[i], _ = approveTimed(t, e, tty, req.ID)
	}
	var lat []time.Duration
	var last time.Time
	for i, a := range agents {
		if r := a.result(t, 60*time.Second); r.Status != 0 {
			t.Fatalf("marker %d did not run: %s", i, r)
		}
		m := markTime(t, files[i])
		lat = append(lat, m.Sub(starts[i]))
		if m.After(last) {
			last = m
		}
	}
	t.Logf("%d queued requests approved one by one: all ran; total %s (first approve to last run); approval-to-run p50 %s, p99 %s, max %s",
		n, fmtMS(last.Sub(starts[0])), fmtMS(quantile(lat, 0.5)), fmtMS(quantile(lat, 0.99)), fmtMS(quantile(lat, 1)))
}
