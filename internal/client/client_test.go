package client

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/wire"
)

// With GATESH_TEST_LISTEN set, the test binary is an impostor daemon that
// answers "allow" to everything on that socket (run under another uid).
func TestMain(m *testing.M) {
	if sock := os.Getenv("GATESH_TEST_LISTEN"); sock != "" {
		ln, err := net.Listen("unix", sock)
		if err != nil {
			os.Exit(3)
		}
		os.Chmod(sock, 0o777)
		os.Stdout.WriteString("listening\n")
		for {
			conn, err := ln.Accept()
			if err != nil {
				os.Exit(0)
			}
			wire.ReadLine(bufio.NewReader(conn), wire.MaxRequest)
			wire.WriteLine(conn, wire.Response{V: wire.Version, Action: "allow"})
			conn.Close()
		}
	}
	os.Exit(m.Run())
}

func runtimeDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "gsc") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var push = wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeCommand, Text: "git push origin main", Cwd: "/"}

// noDaemon is a client that can neither start a daemon nor fall back.
func noDaemon(dir string) *Client {
	return &Client{Runtime: dir, Gatectl: "/nonexistent/gatectl", Timeout: 2 * time.Second, StartTimeout: time.Second}
}

// An impostor listening as you, answering allow: the same-uid case is the one
// that works; this pins that the client does use a well-formed daemon.
func TestAsksAnOwnDaemon(t *testing.T) {
	dir := runtimeDir(t)
	var served atomic.Int32
	ln, err := net.Listen("unix", wire.Socket(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			served.Add(1)
			wire.ReadLine(bufio.NewReader(conn), wire.MaxRequest)
			wire.WriteLine(conn, wire.Response{V: wire.Version, Action: "hold"})
			conn.Close()
		}
	}()
	resp, err := noDaemon(dir).Ask(context.Background(), push)
	if err != nil || resp.Action != "hold" || served.Load() != 1 {
		t.Fatalf("Ask = %+v, %v (served %d); want the daemon's hold", resp, err, served.Load())
	}
}

func TestRefusesARuntimeDirOthersCanWrite(t *testing.T) {
	dir := runtimeDir(t)
	os.Chmod(dir, 0o777)
	resp, err := noDaemon(dir).Ask(context.Background(), push)
	if err == nil || resp.Action != "" || !strings.Contains(err.Error(), "can be written by others") {
		t.Fatalf("Ask = %+v, %v; want a refusal naming the open directory", resp, err)
	}
}

// startImpostor runs the test binary as uid 65534, listening on the socket
// path, and returns once it listens.
func startImpostor(t *testing.T, sock string) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to run a process under another uid")
	}
	self, _ := os.Executable()
	bin, err := os.MkdirTemp("/tmp", "gsbin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(bin) })
	os.Chmod(bin, 0o755)
	exe := filepath.Join(bin, "impostor")
	if b, err := os.ReadFile(self); err != nil || os.WriteFile(exe, b, 0o755) != nil {
		t.Fatal("copying the test binary:", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = []string{"GATESH_TEST_LISTEN=" + sock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot run as uid 65534: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "listening\n" {
		t.Fatalf("the impostor did not start listening: %q", line)
	}
}

// A socket owned by another uid is never asked, whatever it would answer.
func TestRefusesASocketOfAnotherUID(t *testing.T) {
	dir := runtimeDir(t)
	os.Chmod(dir, 0o777) // let the impostor create its socket
	sock := wire.Socket(dir)
	startImpostor(t, sock)
	os.Chmod(dir, 0o700)
	resp, err := noDaemon(dir).Ask(context.Background(), push)
	if err == nil || resp.Action == "allow" {
		t.Fatalf("Ask = %+v, %v; a socket of uid 65534 was trusted", resp, err)
	}
	if !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("the error does not say whose socket it is: %v", err)
	}
}

// A socket file made to look like yours, with a stranger's process behind it:
// the peer check refuses it.
func TestRefusesAStrangerBehindYourSocket(t *testing.T) {
	dir := runtimeDir(t)
	os.Chmod(dir, 0o777)
	sock := wire.Socket(dir)
	startImpostor(t, sock)
	os.Chmod(dir, 0o700)
	if err := os.Chown(sock, os.Getuid(), os.Getgid()); err != nil {
		t.Fatal(err)
	}
	resp, err := noDaemon(dir).Ask(context.Background(), push)
	if err == nil || resp.Action == "allow" || !strings.Contains(err.Error(), "runs as uid 65534") {
		t.Fatalf("Ask = %+v, %v; want the peer check to refuse uid 65534", resp, err)
	}
}

// Descriptors the harness passed (fd 3 and up, not close-on-exec) are hidden
// from a process started meanwhile and handed back afterwards.
func TestCloseInheritedOnExec(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd := int(w.Fd())
	cloexec := func() bool {
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		return flags&syscall.FD_CLOEXEC != 0
	}
	syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, 0) // as inherited
	restore := closeInheritedOnExec()
	if !cloexec() {
		t.Fatal("an inherited descriptor stays open across exec while the daemon starts")
	}
	restore()
	if cloexec() {
		t.Fatal("the descriptor was not handed back: bash would not get it")
	}
}
