package shellparse

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/workload"
)

// TestWorkload parses the real agent traffic (testdata/workload.tsv) and the
// labelled corpus: no line may crash, and it reports timings and what stays
// opaque. Set GATESH_WORKLOAD=1 to print samples.
func TestWorkload(t *testing.T) {
	lines, err := workload.Read("../../testdata/workload.tsv")
	if err != nil {
		t.Skip(err)
	}
	verbose := os.Getenv("GATESH_WORKLOAD") != ""
	var durs []time.Duration
	reasons := map[string]int{}
	samples := map[string][]string{}
	errs := 0
	n := 0
	for _, w := range lines {
		class, line := w.Class, w.Command
		start := time.Now()
		l := Parse(line, Options{Cwd: "/workspace/repo", Home: "/home/u"})
		durs = append(durs, time.Since(start))
		n++
		if l.ParseError != nil {
			if l.ParseError.Msg == "internal error while parsing" {
				t.Errorf("internal error on %q", line)
			}
			errs++
			if class == "benign" {
				samples["parse-error"] = append(samples["parse-error"], line+"  # "+l.ParseError.Msg)
			}
		}
		for _, o := range l.Opaque {
			reasons[class+"/"+o.Reason]++
			if class == "benign" {
				samples[o.Reason] = append(samples[o.Reason], line)
			}
		}
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	if n == 0 {
		t.Skip("empty workload")
	}
	t.Logf("%d lines, p50 %v p99 %v max %v, parse errors %d, opaque %v", n, durs[n/2], durs[n*99/100], durs[n-1], errs, reasons)
	if verbose {
		for k, v := range samples {
			fmt.Printf("== %s (%d)\n", k, len(v))
			for i, s := range v {
				if i >= 25 {
					break
				}
				if len(s) > 200 {
					s = s[:200]
				}
				fmt.Printf("   %q\n", s)
			}
		}
	}
}
