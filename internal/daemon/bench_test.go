package daemon

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/gatesh/gatesh/internal/wire"
)

// BenchmarkRoundTrip is one gatesh question over the socket with a warm daemon,
// as gatesh asks it (the caller's whole environment included).
func BenchmarkRoundTrip(b *testing.B) {
	d := testDirs(b)
	start(b, d, nil)
	req := decideReq("true", "/tmp")
	req.Env = os.Environ()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		conn, err := net.Dial("unix", wire.Socket(d.Runtime))
		if err != nil {
			b.Fatal(err)
		}
		wire.WriteLine(conn, req)
		if _, err := wire.ReadLine(bufio.NewReader(conn), wire.MaxResponse); err != nil {
			b.Fatal(err)
		}
		conn.Close()
	}
}

// BenchmarkAnswer is the daemon's work for one question: judge and log.
func BenchmarkAnswer(b *testing.B) {
	d := testDirs(b)
	srv, _ := start(b, d, nil)
	req := decideReq("true", "/tmp")
	req.Env = os.Environ()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		srv.Answer(context.Background(), req, 0)
	}
}

// BenchmarkAnswerGitStatus is the daemon's work for `git status` in a
// repository (the command the shell bench pairs with bash).
func BenchmarkAnswerGitStatus(b *testing.B) {
	d := testDirs(b)
	srv, _ := start(b, d, nil)
	repo := b.TempDir()
	if out, err := exec.Command("git", "init", "-q", "-b", "feature/x", repo).CombinedOutput(); err != nil {
		b.Fatalf("git init: %v %s", err, out)
	}
	req := decideReq("git status", repo)
	req.Env = os.Environ()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		srv.Answer(context.Background(), req, 0)
	}
}
