package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/console"
)

// The agent runs as its own OS user (uid 65534) and the person's daemon (root
// here) judges it: the agent's commands are decided and held by that daemon,
// only the person's uid may approve, and what the person approves runs as the
// agent.
func TestSeparateAgentUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run the agent as another uid")
	}
	const agent = 65534
	os.Chmod(BinDir, 0o755) // the agent must be able to run gatesh
	home, err := os.MkdirTemp("/tmp", "gsu")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(home)
	os.Chmod(home, 0o711)
	agentHome := filepath.Join(home, "agent")
	outside, err := os.MkdirTemp("/opt", "gsu-outside")
	if err != nil {
		t.Skipf("cannot make a directory outside /tmp: %v", err)
	}
	defer os.RemoveAll(outside)
	for _, d := range []string{agentHome, outside} {
		os.MkdirAll(d, 0o755)
		os.Chown(d, agent, agent)
	}
	base := []string{"GATESH_HOME=" + home, "PATH=" + SystemPath, "HOME=/root"}

	// The person starts the daemon, accepting the agent's uid.
	serve := exec.Command(GatectlBin, "serve", "--agent-uid", "65534", "--idle", "2m")
	serve.Env = base
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { serve.Process.Signal(syscall.SIGTERM); serve.Wait() }()
	sock := filepath.Join(home, "run", "gatesh.sock")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not start")
		}
	}

	asAgent := func(stdin *os.File, env []string, args ...string) (string, string, int) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append([]string{"GATESH_HOME=" + home, "GATESH_DAEMON_UID=0", "PATH=" + SystemPath, "HOME=" + agentHome}, env...)
		cmd.Dir = agentHome
		cmd.Stdin = stdin
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: agent, Gid: agent}, Setsid: true}
		cmd.Run()
		return out.String(), errb.String(), cmd.ProcessState.ExitCode()
	}

	if out, errs, st := asAgent(nil, nil, GateshBin, "-c", "echo as $(id -u)"); st != 0 || out != "as 65534\n" {
		t.Fatalf("an allowed command of the agent: status %d, stdout %q, stderr %q", st, out, errs)
	}

	// A held command waits for the person's daemon.
	marker := filepath.Join(outside, "marker")
	done := make(chan [3]any, 1)
	go func() {
		out, errs, st := asAgent(nil, []string{"GATESH_HOLD_WAIT=30"}, GateshBin, "-c", "touch "+marker)
		done <- [3]any{out, errs, st}
	}()
	var id int64
	for deadline := time.Now().Add(10 * time.Second); id == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the agent's held command did not become a request")
		}
		list := exec.Command(GatectlBin, "list", "--json")
		list.Env = base
		b, _ := list.Output()
		var rs []console.RequestInfo
		json.Unmarshal(b, &rs)
		for _, r := range rs {
			if strings.Contains(r.Command, marker) && r.Waiting {
				id = r.ID
			}
		}
	}

	// The agent cannot approve it, even at a terminal.
	_, tty := openPTY(t)
	out, errs, st := asAgent(tty, nil, GatectlBin, "approve", itoa64(id))
	if st == 0 || !strings.Contains(out+errs, "only the daemon's user") {
		t.Fatalf("the agent's uid approved its own request: status %d %s %s", st, out, errs)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the held command ran before the person approved it")
	}

	// The person can.
	_, tty2 := openPTY(t)
	approve := exec.Command(GatectlBin, "approve", itoa64(id))
	approve.Env, approve.Stdin = base, tty2
	if b, err := approve.CombinedOutput(); err != nil {
		t.Fatalf("the person's approve: %v %s", err, b)
	}
	select {
	case r := <-done:
		if r[2].(int) != 0 {
			t.Fatalf("the approved command: status %d, stderr %s", r[2], r[1])
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the approved command did not finish")
	}
	fi, err := os.Stat(marker)
	if err != nil {
		t.Fatal("the approved command did not run")
	}
	if fi.Sys().(*syscall.Stat_t).Uid != agent {
		t.Errorf("the approved command ran as uid %d, not as the agent", fi.Sys().(*syscall.Stat_t).Uid)
	}

	// With its daemon gone, the agent's gatesh neither starts one of its own
	// nor decides alone: it refuses.
	serve.Process.Signal(syscall.SIGTERM)
	serve.Wait()
	_, errs, st = asAgent(nil, nil, GateshBin, "-c", "true")
	if st != 126 || !strings.Contains(errs, "daemon of uid 0 is not reachable") {
		t.Fatalf("with the person's daemon down: status %d, stderr %q", st, errs)
	}
	sc := bufio.NewScanner(strings.NewReader(errs))
	if sc.Scan(); !strings.HasPrefix(sc.Text(), "gatesh: ") {
		t.Errorf("the refusal is not a gatesh: line: %q", errs)
	}
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
