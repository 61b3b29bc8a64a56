//go:build linux

package execgate

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// storm is the exec storm of issue 11: 500 /bin/true from one shell loop.
const storm = `i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done`

// TestExecStorm measures the gate's cost per exec: the supervisor's own work for each
// exec (Recv's return to Continue's return: Read and the answer), and the wall time of
// the storm gated and bare. Set GATESH_EXECGATE_BENCH=1 to run it.
func TestExecStorm(t *testing.T) {
	if os.Getenv("GATESH_EXECGATE_BENCH") != "1" {
		t.Skip("set GATESH_EXECGATE_BENCH=1 to measure the exec storm")
	}
	requireGate(t)
	const rounds = 5
	var bare, gated []time.Duration
	var cost, reads []time.Duration
	for range rounds {
		start := time.Now()
		if out, err := exec.Command("/bin/sh", "-c", storm).CombinedOutput(); err != nil {
			t.Fatalf("bare storm: %v: %s", err, out)
		}
		bare = append(bare, time.Since(start))

		g := startGated(t, "exec", "/bin/sh", "-c", storm)
		n := 0
		for {
			notif, err := g.l.Recv()
			if n == 0 {
				start = time.Now() // the gated child is at its exec of sh
			}
			if errors.Is(err, ErrNoTasks) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			if _, err := g.l.Read(notif); err != nil {
				t.Fatal(err)
			}
			reads = append(reads, time.Since(t0))
			if err := g.l.Continue(notif.ID); err != nil {
				t.Fatal(err)
			}
			cost = append(cost, time.Since(t0))
			n++
		}
		if err := g.wait(); err != nil {
			t.Fatal(err)
		}
		gated = append(gated, time.Since(start))
		if n != 501 {
			t.Fatalf("%d execs seen, want 501", n)
		}
	}
	slices.Sort(cost)
	slices.Sort(reads)
	slices.Sort(bare)
	slices.Sort(gated)
	pct := func(d []time.Duration, p float64) time.Duration { return d[int(p*float64(len(d)-1))] }
	t.Logf("supervisor cost per exec (Read+Continue, %d execs): p50 %v p90 %v p99 %v max %v",
		len(cost), pct(cost, 0.50), pct(cost, 0.90), pct(cost, 0.99), cost[len(cost)-1])
	t.Logf("of which Read: p50 %v p90 %v p99 %v", pct(reads, 0.50), pct(reads, 0.90), pct(reads, 0.99))
	mb, mg := bare[rounds/2], gated[rounds/2]
	t.Logf("500 execs, median of %d: bare %v, gated %v (from its exec of sh), ratio %.2f, %v more per exec",
		rounds, mb, mg, float64(mg)/float64(mb), (mg-mb)/500)
}

// BenchmarkExecRoundTrip is the supervisor's whole loop per exec: Recv (the wait for
// the process to get to its next exec included), Read and Continue, over a shell that
// runs /bin/true without end.
func BenchmarkExecRoundTrip(b *testing.B) {
	script := `while :; do /bin/true; done`
	g := startGated(b, "exec", "/bin/sh", "-c", script)
	g.expect("/bin/sh", "/bin/sh", "-c", script)
	b.ResetTimer()
	for b.Loop() {
		n, err := g.l.Recv()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := g.l.Read(n); err != nil {
			b.Fatal(err)
		}
		if err := g.l.Continue(n.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead is Read alone, over one exec held for the whole benchmark.
func BenchmarkRead(b *testing.B) {
	g := startGated(b, "exec", "/bin/sh", "-c", "/bin/true x y")
	g.expect("/bin/sh", "/bin/sh", "-c", "/bin/true x y")
	n, _ := g.next()
	for b.Loop() {
		if _, err := g.l.Read(n); err != nil {
			b.Fatal(err)
		}
	}
}
