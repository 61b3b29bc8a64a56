package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/wire"
)

// The test binary doubles as a client run under another uid: with
// GATESH_TEST_DIAL set it connects to that socket, sends one ping and prints
// the answer or the error.
func TestMain(m *testing.M) {
	if sock := os.Getenv("GATESH_TEST_DIAL"); sock != "" {
		req := wire.Request{V: wire.Version, Op: wire.OpPing}
		if r := os.Getenv("GATESH_TEST_REQ"); r != "" {
			json.Unmarshal([]byte(r), &req)
		}
		fmt.Print(dialOnce(sock, req))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func dialOnce(sock string, req wire.Request) string {
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return "dial error: " + err.Error()
	}
	defer conn.Close()
	werr := wire.WriteLine(conn, req) // a refusing daemon may answer before reading
	line, err := wire.ReadLine(bufio.NewReader(conn), wire.MaxResponse)
	if err != nil {
		return fmt.Sprintf("read error: %v (write: %v)", err, werr)
	}
	return string(line)
}

// testDirs is a fresh GATESH_HOME layout. Unix socket paths are limited to 108
// bytes, so the runtime directory is kept short.
func testDirs(t testing.TB) dirs.Dirs {
	t.Helper()
	home := t.TempDir()
	run, err := os.MkdirTemp("/tmp", "gsd")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(run, 0o700)
	t.Cleanup(func() { os.RemoveAll(run) })
	return dirs.Dirs{Config: filepath.Join(home, "config"), State: filepath.Join(home, "state"), Runtime: run}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a daemon for the test and returns it with its log.
func start(t testing.TB, d dirs.Dirs, mod func(*Config)) (*Server, *syncBuf) {
	t.Helper()
	logb := &syncBuf{}
	cfg := Config{Dirs: d, Log: logb, Idle: -1, AgentUID: -1, ReloadEvery: 20 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Listen(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("Listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return srv, logb
}

func decideReq(text, cwd string) wire.Request {
	return wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeCommand, Text: text, Cwd: cwd, Env: []string{"HOME=/root", "PATH=/usr/bin:/bin", "GATESH_HOLD_WAIT=0"}}
}

func ask(t *testing.T, d dirs.Dirs, req wire.Request) wire.Response {
	t.Helper()
	out := dialOnce(wire.Socket(d.Runtime), req)
	var resp wire.Response
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("answer %q: %v", out, err)
	}
	return resp
}

func TestDecidesAndLogs(t *testing.T) {
	d := testDirs(t)
	start(t, d, nil)
	cwd := t.TempDir()
	for _, tt := range []struct{ text, action string }{
		{"ls -la", "allow"},
		{"git push origin main", "hold"},
		{"rm -rf ~", "deny"},
	} {
		resp := ask(t, d, decideReq(tt.text, cwd))
		if resp.Error != "" || resp.Action != tt.action {
			t.Errorf("%q: got action %q error %q, want %q", tt.text, resp.Action, resp.Error, tt.action)
		}
		if resp.Command != tt.text || resp.DecisionID == "" {
			t.Errorf("%q: command %q decision id %q", tt.text, resp.Command, resp.DecisionID)
		}
	}
	// The answer goes out before the decision is logged: wait for the log.
	var n int
	var verr error
	waitFor(t, func() bool {
		f, err := os.Open(filepath.Join(d.State, "decisions.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n, verr = audit.Verify(f)
		return n >= 3 || verr != nil
	}, "three decisions in the log")
	if verr != nil || n != 3 {
		t.Fatalf("decision log: %d entries, %v; want 3 in an unbroken chain", n, verr)
	}
}

func TestOneDaemonPerUser(t *testing.T) {
	d := testDirs(t)
	start(t, d, nil)
	_, err := Listen(context.Background(), Config{Dirs: d, Log: &syncBuf{}, AgentUID: -1})
	if !errors.Is(err, ErrRunning) {
		t.Fatalf("second Listen: %v, want ErrRunning", err)
	}
}

// A socket left by a daemon that died is replaced; a stranger's file at the
// socket path is not removed, and the daemon says so.
func TestSocketPath(t *testing.T) {
	t.Run("stale socket", func(t *testing.T) {
		d := testDirs(t)
		ln, err := net.Listen("unix", wire.Socket(d.Runtime))
		if err != nil {
			t.Fatal(err)
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		ln.Close() // the socket file stays, nobody listens
		start(t, d, nil)
		if resp := ask(t, d, decideReq("true", "/")); resp.Action != "allow" {
			t.Fatalf("after a stale socket: %+v", resp)
		}
	})
	t.Run("stranger's file", func(t *testing.T) {
		d := testDirs(t)
		sock := wire.Socket(d.Runtime)
		os.WriteFile(sock, []byte("not yours"), 0o600)
		_, err := Listen(context.Background(), Config{Dirs: d, Log: &syncBuf{}, AgentUID: -1})
		if err == nil || !strings.Contains(err.Error(), "not a gatesh socket") {
			t.Fatalf("Listen over a regular file: %v", err)
		}
		if b, _ := os.ReadFile(sock); string(b) != "not yours" {
			t.Fatal("the stranger's file was changed")
		}
	})
	t.Run("runtime dir of another uid", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("needs root to create a directory owned by another uid")
		}
		d := testDirs(t)
		os.Chown(d.Runtime, 65534, 65534)
		_, err := Listen(context.Background(), Config{Dirs: d, Log: &syncBuf{}, AgentUID: -1})
		if err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Fatalf("Listen in a foreign directory: %v", err)
		}
	})
}

func TestRequestLimits(t *testing.T) {
	d := testDirs(t)
	start(t, d, nil)
	big := decideReq(strings.Repeat("x", wire.MaxRequest), "/")
	if resp := ask(t, d, big); !strings.Contains(resp.Error, "larger than the protocol limit") || resp.Action != "" {
		t.Errorf("oversized request: %+v", resp)
	}
	conn, err := net.Dial("unix", wire.Socket(d.Runtime))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(conn, "{not json")
	line, _ := wire.ReadLine(bufio.NewReader(conn), wire.MaxResponse)
	conn.Close()
	if !strings.Contains(string(line), "malformed request") {
		t.Errorf("malformed request answered %s", line)
	}
	for _, tt := range []struct {
		name string
		req  wire.Request
		want string
	}{
		{"version", wire.Request{V: 99, Op: wire.OpDecide, Mode: wire.ModeCommand, Text: "ls", Cwd: "/"}, "different builds"},
		{"relative cwd", wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeCommand, Text: "ls", Cwd: "tmp"}, "not absolute"},
		{"mode", wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: "telepathy", Text: "ls", Cwd: "/"}, "unknown mode"},
	} {
		if resp := ask(t, d, tt.req); !strings.Contains(resp.Error, tt.want) || resp.Action == "allow" {
			t.Errorf("%s: %+v, want an error containing %q", tt.name, resp, tt.want)
		}
	}
}

// A policy that does not compile at start-up: the daemon serves, every command
// is denied with the compile error, and fixing the file restores decisions.
// A broken edit later keeps the last good policy and says so.
func TestPolicyErrorsAndReload(t *testing.T) {
	d := testDirs(t)
	pol := d.Policies()
	os.MkdirAll(pol, 0o700)
	bad := filepath.Join(pol, "mine.rego")
	os.WriteFile(bad, []byte("package gatesh.rules.mine\nhold contains {\"id\": \"x\" if {\n"), 0o600)
	_, logb := start(t, d, nil)
	resp := ask(t, d, decideReq("ls", "/"))
	if resp.Action != "deny" || len(resp.Reasons) == 0 || !strings.Contains(resp.Reasons[0].Msg, "mine.rego") {
		t.Fatalf("broken policy at start: %+v", resp)
	}
	good := "package gatesh.rules.mine\n\nhold contains {\"id\": \"mine.touch\", \"msg\": \"touch is held here\", \"class\": \"reversible\"} if {\n\tsome c in input.commands\n\tc.name == \"touch\"\n}\n"
	os.WriteFile(bad, []byte(good), 0o600)
	waitFor(t, func() bool { return ask(t, d, decideReq("touch x", "/tmp")).Action == "hold" }, "the fixed policy to load")
	if resp := ask(t, d, decideReq("ls", "/")); resp.Action != "allow" {
		t.Fatalf("after the fix, ls: %+v", resp)
	}
	os.WriteFile(bad, []byte(good+"\nbroken(\n"), 0o600)
	waitFor(t, func() bool {
		var p wire.Response
		json.Unmarshal([]byte(dialOnce(wire.Socket(d.Runtime), wire.Request{V: wire.Version, Op: wire.OpPing})), &p)
		return p.PolicyError != ""
	}, "the broken edit to be reported")
	if resp := ask(t, d, decideReq("touch x", "/tmp")); resp.Action != "hold" {
		t.Fatalf("the last good policy is not in force: %+v", resp)
	}
	if !strings.Contains(logb.String(), "the last good policy stays in force") {
		t.Errorf("the log does not say the last good policy stays:\n%s", logb.String())
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIdleExit(t *testing.T) {
	d := testDirs(t)
	srv, err := Listen(context.Background(), Config{Dirs: d, Log: &syncBuf{}, AgentUID: -1, Idle: 100 * time.Millisecond, ReloadEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not exit when idle")
	}
	srv.Close()
	if _, err := os.Lstat(wire.Socket(d.Runtime)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind after the idle exit: %v", err)
	}
	// The lock is free again: a new daemon can start.
	srv2, err := Listen(context.Background(), Config{Dirs: d, Log: &syncBuf{}, AgentUID: -1})
	if err != nil {
		t.Fatalf("restart after idle exit: %v", err)
	}
	srv2.Close()
}

// Other users cannot reach the socket; a configured agent uid can, and a third
// uid is refused by the peer check.
func TestPeerCredentials(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client under other uids")
	}
	// A copy of the test binary that other uids can run.
	self, _ := os.Executable()
	bin, err := os.MkdirTemp("/tmp", "gsbin")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(bin)
	os.Chmod(bin, 0o755)
	exe := filepath.Join(bin, "client")
	if b, err := os.ReadFile(self); err != nil || os.WriteFile(exe, b, 0o755) != nil {
		t.Fatal("copying the test binary:", err)
	}
	dialAs := func(t *testing.T, sock string, uid uint32) string {
		cmd := exec.Command(exe)
		cmd.Env = []string{"GATESH_TEST_DIAL=" + sock}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Skipf("cannot run the test binary as uid %d: %v %s", uid, err, out)
		}
		return string(out)
	}
	t.Run("stranger", func(t *testing.T) {
		d := testDirs(t)
		start(t, d, nil)
		if out := dialAs(t, wire.Socket(d.Runtime), 65534); !strings.Contains(out, "permission denied") {
			t.Fatalf("uid 65534 reached the daemon: %s", out)
		}
	})
	t.Run("agent uid", func(t *testing.T) {
		d := testDirs(t)
		start(t, d, func(c *Config) { c.AgentUID = 65534 })
		if out := dialAs(t, wire.Socket(d.Runtime), 65534); !strings.Contains(out, `"pid"`) {
			t.Fatalf("the configured agent uid was not answered: %s", out)
		}
		if out := dialAs(t, wire.Socket(d.Runtime), 65533); !strings.Contains(out, "may not use this gatesh daemon") {
			t.Fatalf("a third uid was answered: %s", out)
		}
		// The person's console stays the person's: the agent's uid cannot
		// even connect to it.
		if out := dialAs(t, console.Socket(d.Runtime), 65534); !strings.Contains(out, "permission denied") {
			t.Fatalf("the agent's uid reached the console: %s", out)
		}
	})
}
