package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchTerm is a shell on a PTY for the session benchmark: what it prints
// collects in out.
type benchTerm struct {
	master *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer
	grew   chan struct{}
}

func startBenchTerm(t *testing.T, e *Env, path string, args []string, env []string) *benchTerm {
	t.Helper()
	m, s := openPTY(t)
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Dir = e.Work
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	bt := &benchTerm{master: m, cmd: cmd, grew: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := m.Read(buf)
			if n > 0 {
				bt.mu.Lock()
				bt.out.Write(buf[:n])
				bt.mu.Unlock()
				select {
				case bt.grew <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGHUP)
		cmd.Process.Kill()
		cmd.Wait()
	})
	return bt
}

// waitFrom waits until s occurs in the output at or after offset from, and
// returns the offset just past it. It scans each byte about once: a scan of the
// whole output at each read would be what the benchmark measures.
func (bt *benchTerm) waitFrom(t *testing.T, s string, from int) int {
	t.Helper()
	deadline := time.After(60 * time.Second)
	scanned := from
	for {
		bt.mu.Lock()
		b := bt.out.Bytes()
		start := max(from, scanned-len(s))
		i := bytes.Index(b[start:], []byte(s))
		scanned = len(b)
		bt.mu.Unlock()
		if i >= 0 {
			return start + i + len(s)
		}
		select {
		case <-bt.grew:
		case <-deadline:
			bt.mu.Lock()
			tail := bt.out.String()
			bt.mu.Unlock()
			if len(tail) > 2000 {
				tail = tail[len(tail)-2000:]
			}
			t.Fatalf("waited for %q; output ends:\n%q", s, tail)
		}
	}
}

func (bt *benchTerm) len() int {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	return bt.out.Len()
}

// TestSessionBench measures what the gated session adds to an interactive line
// (from the line's Enter to bash starting it, seen through PS0) and to output
// throughput (seq through the relay), against the same bash on a plain PTY.
// make bench runs it (GATESH_SESSION_BENCH=1).
func TestSessionBench(t *testing.T) {
	if os.Getenv("GATESH_SESSION_BENCH") == "" {
		t.Skip("set GATESH_SESSION_BENCH=1 (make bench)")
	}
	e := NewEnv(t)
	e.Fresh()
	e.WriteFile(filepath.Join(e.Home, ".bashrc"), "PS1='@P\\#@$ '\nPS0='@S\\#@'\n")
	env := append(e.Vars(), "TERM=xterm")
	const lines = 300
	type shell struct {
		name string
		path string
		args []string
		env  []string
	}
	shells := []shell{
		{"plain bash", RealBash.Path(), []string{"-i"}, env},
		{"gatesh session", GateshBin, nil, env},
		{"gatesh session, not recorded", GateshBin, nil, append(append([]string(nil), env...), "GATESH_RECORD=0")},
	}
	lat := map[string][]time.Duration{}
	thr := map[string][]float64{}
	for _, sh := range shells {
		bt := startBenchTerm(t, e, sh.path, sh.args, sh.env)
		// The prompts carry bash's command number: @Pk@ before command k,
		// @Sk@ (PS0) when bash starts it. Redrawn prompts repeat k.
		k := 1
		pos := bt.waitFrom(t, "@P1@", 0)
		run := func(line string) time.Duration {
			start := time.Now()
			bt.master.Write([]byte(line + "\r"))
			pos = bt.waitFrom(t, fmt.Sprintf("@S%d@", k), pos)
			d := time.Since(start)
			k++
			pos = bt.waitFrom(t, fmt.Sprintf("@P%d@", k), pos)
			return d
		}
		run("true") // warm up: the daemon starts and the policy compiles
		for i := range lines {
			lat[sh.name] = append(lat[sh.name], run(fmt.Sprintf(": %d", i)))
		}
		for range 5 {
			before := bt.len()
			start := time.Now()
			run("seq 1 1000000")
			d := time.Since(start)
			n := bt.len() - before
			thr[sh.name] = append(thr[sh.name], float64(n)/d.Seconds()/1e6)
		}
		bt.master.Write([]byte("exit\r"))
	}
	pct := func(d []time.Duration, p float64) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[min(len(s)-1, int(p*float64(len(s))))]
	}
	med := func(f []float64) float64 {
		s := slices.Clone(f)
		slices.Sort(s)
		return s[len(s)/2]
	}
	plain := shells[0].name
	var b strings.Builder
	fmt.Fprintf(&b, "interactive line, Enter to bash starting it (%d lines each):\n", lines)
	for _, sh := range shells {
		fmt.Fprintf(&b, "  %-30s p50 %7.3f ms  p99 %7.3f ms", sh.name, ms(pct(lat[sh.name], .5)), ms(pct(lat[sh.name], .99)))
		if sh.name != plain {
			fmt.Fprintf(&b, "  added p50 %.3f ms, p99 %.3f ms (goal <= 2 ms)", ms(pct(lat[sh.name], .5)-pct(lat[plain], .5)), ms(pct(lat[sh.name], .99)-pct(lat[plain], .99)))
		}
		b.WriteString("\n")
	}
	b.WriteString("output throughput, seq 1 1000000 (median of 5):\n")
	for _, sh := range shells {
		fmt.Fprintf(&b, "  %-30s %6.1f MB/s", sh.name, med(thr[sh.name]))
		if sh.name != plain {
			fmt.Fprintf(&b, "  %.0f%% of the plain PTY (goal >= 90%%)", 100*med(thr[sh.name])/med(thr[plain]))
		}
		b.WriteString("\n")
	}
	t.Log("\n" + b.String())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
