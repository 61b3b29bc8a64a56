package setup

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
)

// sessionProbeEnd is what the doctor's second line prints in a session: the
// status the refused first line left.
var sessionProbeEnd = regexp.MustCompile(`DOCTOR-END-(\d+)-`)

// probeSession checks what terminal-driven agents (SWE-agent, OpenHands, Cline
// in VS Code) get: the shell started on a terminal, with no -c, must be a gated
// session. It types the refused probe and then a line that prints the status
// it left: a gated session refuses the probe (a gatesh: line, $? 126).
func (c DoctorConfig) probeSession(ctx context.Context, shell, dir, fix string) check {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell)
	cmd.Dir = dir
	cmd.Env = c.Environ
	cmd.WaitDelay = time.Second
	what := fmt.Sprintf("%s on a terminal", shell)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 200, Rows: 50})
	if err != nil {
		return check{what: fmt.Sprintf("the gate could not be tested on a terminal: %s: %v", what, err), fix: fix}
	}
	defer ptmx.Close()
	var mu sync.Mutex
	var out strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	ptmx.Write([]byte(ProbeRefused + "\r" + "echo DOCTOR-END-$?-\r" + "exit\r"))
	var m []string
	for m == nil && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		m = sessionProbeEnd.FindStringSubmatch(out.String())
		mu.Unlock()
	}
	cmd.Process.Kill()
	cmd.Wait()
	mu.Lock()
	text := out.String()
	mu.Unlock()
	said := ""
	for _, l := range strings.Split(text, "\n") {
		if i := strings.Index(l, "gatesh:"); i >= 0 {
			said = strings.TrimSpace(l[i:])
			break
		}
	}
	switch {
	case m == nil:
		return check{what: fmt.Sprintf("the gate could not be tested on a terminal: %s did not answer within %v", what, c.Timeout), fix: fix}
	case m[1] == "126" && said != "":
		return check{ok: true, what: fmt.Sprintf("a terminal session is gated: %s refused %s ($? 126: %s)", what, ProbeRefused, oneLine(said, 100))}
	default:
		return check{what: fmt.Sprintf("a terminal session is not gated: %s ran %s ($? %s) instead of refusing it", what, ProbeRefused, m[1]), fix: fix}
	}
}
