package judge

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/gatesh/gatesh/internal/workload"
)

func readWorkload(tb testing.TB) []workload.Line {
	tb.Helper()
	lines, err := workload.Read(filepath.Join(testdataDir(), "workload.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	return lines
}

// TestWorkloadReport is a measurement, not a pass/fail test: it runs every line of
// the real agent workload through the decision core in a test workspace and prints,
// per source, the share of benign lines held and of irreversible lines allowed, and
// the decision rate. It runs only with GATESH_WORKLOAD_REPORT=1 (make bench). The
// benign lines it held and the irreversible ones it allowed are written to
// $GATESH_WORKLOAD_OUT (default /tmp/gatesh-workload-*.tsv) for study. A second
// pass judges the lines as the daemon does when it runs them under the exec
// gate and confinement (input.layers), into $GATESH_WORKLOAD_OUT-layers-*.tsv.
func TestWorkloadReport(t *testing.T) {
	if os.Getenv("GATESH_WORKLOAD_REPORT") == "" {
		t.Skip("set GATESH_WORKLOAD_REPORT=1 to measure the real agent workload (make bench)")
	}
	te := newTestEnv(t)
	lines := readWorkload(t)
	out := os.Getenv("GATESH_WORKLOAD_OUT")
	if out == "" {
		out = "/tmp/gatesh-workload"
	}
	// GATESH_WORKLOAD_SESSION=1 judges every line as typed in a gated session
	// (as SWE-agent's and OpenHands' lines are), with the session package on;
	// a session line runs under no layers, so there is one pass.
	session := os.Getenv("GATESH_WORKLOAD_SESSION") != ""
	var b strings.Builder
	workloadPass(t, te, lines, session, input.Layers{}, out, &b)
	if !session {
		// The same lines as the daemon judges them when it puts the exec gate
		// and confinement on what it runs: opacity alone no longer holds.
		fmt.Fprintf(&b, "\nwith the exec gate and confinement on (input.layers):")
		workloadPass(t, te, lines, false, input.Layers{Exec: true, Confine: true}, out+"-layers", &b)
	}
	t.Log(b.String())
	fmt.Print(b.String())
}

// workloadPass judges every workload line with layers and writes the report
// to b; the benign lines held and the irreversible lines allowed go to
// out-held.tsv and out-allowed-irreversible.tsv.
func workloadPass(t *testing.T, te *testEnv, lines []workload.Line, session bool, layers input.Layers, out string, b *strings.Builder) {
	type tally struct{ benign, benignHeld, irr, irrAllowed, benignW, benignHeldW int }
	per := map[string]*tally{}
	all := &tally{}
	held, err := os.Create(out + "-held.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	missed, err := os.Create(out + "-allowed-irreversible.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer missed.Close()
	byRule := map[string]int{}
	// Held benign lines whose every reason is a path outside the test workspace:
	// in the trajectories those paths were the agent's own workspace (/testbed,
	// /workspace/<repo>, /Users/<u>/<project>), which this measurement cannot
	// reproduce. Counted apart so the figure can be read both ways.
	outsideOnly := 0
	ctx := context.Background()
	start := time.Now()
	for _, l := range lines {
		_, d, err := checkUnder(ctx, te.judge, l.Command, te.ws, te.env, session, layers)
		if err != nil {
			t.Errorf("%q: %v", l.Command, err)
		}
		gated := d.Action != policy.Allow
		tallies := []*tally{all}
		for _, s := range l.Sources {
			if per[s] == nil {
				per[s] = &tally{}
			}
			tallies = append(tallies, per[s])
		}
		for _, x := range tallies {
			switch l.Class {
			case "benign":
				x.benign++
				x.benignW += l.Count
				if gated {
					x.benignHeld++
					x.benignHeldW += l.Count
				}
			case "irreversible":
				x.irr++
				if !gated {
					x.irrAllowed++
				}
			}
		}
		if l.Class == "benign" && gated {
			ids := make([]string, len(d.Reasons))
			onlyOutside := len(d.Reasons) > 0
			for i, r := range d.Reasons {
				ids[i] = r.ID
				byRule[r.ID]++
				if !outsideRule[r.ID] {
					onlyOutside = false
				}
			}
			if onlyOutside {
				outsideOnly++
			}
			fmt.Fprintf(held, "%s\t%s\t%s\n", d.Action, strings.Join(ids, ","), strings.ReplaceAll(l.Command, "\n", `\n`))
		}
		if l.Class == "irreversible" && !gated {
			fmt.Fprintf(missed, "%s\n", strings.ReplaceAll(l.Command, "\n", `\n`))
		}
	}
	elapsed := time.Since(start)
	pct := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return 100 * float64(a) / float64(b)
	}
	fmt.Fprintf(b, "\nworkload: %d distinct lines in %s (%.0f decisions/s, one goroutine, parse+facts+policy)\n",
		len(lines), elapsed.Round(time.Millisecond), float64(len(lines))/elapsed.Seconds())
	fmt.Fprintf(b, "%-20s %8s %8s %8s %10s %8s %8s\n", "source", "benign", "held", "held%", "held%(occ)", "irrev", "allowed")
	names := make([]string, 0, len(per))
	for s := range per {
		names = append(names, s)
	}
	sort.Strings(names)
	row := func(name string, x *tally) {
		fmt.Fprintf(b, "%-20s %8d %8d %7.2f%% %9.2f%% %8d %8d\n", name, x.benign, x.benignHeld, pct(x.benignHeld, x.benign),
			pct(x.benignHeldW, x.benignW), x.irr, x.irrAllowed)
	}
	for _, s := range names {
		row(s, per[s])
	}
	row("ALL", all)
	type kv struct {
		k string
		v int
	}
	var rules []kv
	for k, v := range byRule {
		rules = append(rules, kv{k, v})
	}
	sort.Slice(rules, func(i, j int) bool {
		return rules[i].v > rules[j].v || rules[i].v == rules[j].v && rules[i].k < rules[j].k
	})
	fmt.Fprintf(b, "rules holding benign lines:")
	for _, r := range rules {
		fmt.Fprintf(b, " %s=%d", r.k, r.v)
	}
	fmt.Fprintf(b, "\nheld benign lines held only for paths outside the test workspace: %d; held share without them: %.2f%%",
		outsideOnly, pct(all.benignHeld-outsideOnly, all.benign))
	fmt.Fprintf(b, "\nheld benign lines: %s\nallowed irreversible lines: %s\n", held.Name(), missed.Name())
}

// outsideRule lists the reasons that only say a path lies outside the workspace.
var outsideRule = map[string]bool{
	"files.rm.outside": true, "files.write.outside": true, "files.find.delete_outside": true, "files.chmod.outside": true,
}

// benchLines returns 10 000 mixed lines: the labelled corpora, then real agent
// lines, cycled.
func benchLines(tb testing.TB) []string {
	var lines []string
	for _, c := range append(readLabelled(tb, "corpus.tsv", false), readLabelled(tb, "own.tsv", true)...) {
		lines = append(lines, c.command)
	}
	for _, w := range readWorkload(tb) {
		if len(lines) >= 10000 {
			break
		}
		lines = append(lines, w.Command)
	}
	return lines
}

// BenchmarkDecide measures a warm decision (parse, facts, policy) over 10 000 mixed
// lines and reports p50 and p99 latency besides the mean. The decision cache is
// off: every decision is evaluated (BenchmarkDecideRepeated measures the cache).
func BenchmarkDecide(b *testing.B) {
	te := newTestEnv(b)
	te.judge = uncached(b, te)
	lines := benchLines(b)
	ctx := context.Background()
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		_, _, err := checkLine(ctx, te.judge, lines[i%len(lines)], te.ws, te.env)
		durs = append(durs, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkDecideRepeated measures a line an agent sends again (the same test
// script, the same git status): answered from the decision cache after the input
// document is built.
func BenchmarkDecideRepeated(b *testing.B) {
	te := newTestEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := checkLine(ctx, te.judge, "python reproduce_issue.py", te.ws, te.env); err != nil {
			b.Fatal(err)
		}
	}
}

// uncached returns a decider like te's with the decision cache off.
func uncached(tb testing.TB, te *testEnv) *Judge {
	return te.variant(tb, func(c *Config) { c.CacheSize = -1 })
}

// BenchmarkCompile measures loading and compiling the default bundle.
func BenchmarkCompile(b *testing.B) {
	d, err := dirs.From(func(k string) string {
		if k == "GATESH_HOME" {
			return b.TempDir()
		}
		return ""
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := New(context.Background(), Config{Dirs: d}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInput measures building the input document alone (parse and facts,
// without the policy), to tell the two costs apart.
func BenchmarkInput(b *testing.B) {
	te := newTestEnv(b)
	lines := benchLines(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := inputLine(te.judge, lines[i%len(lines)], te.ws, te.env); err != nil {
			b.Fatal(err)
		}
	}
}
