package judge

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/gatesh/gatesh/internal/wire"
)

// testEnv is the context every corpus label assumes: the current directory is the
// root of a real git workspace checked out on feature/x, main exists and is
// protected, and the home directory is outside the workspace. It lives in the
// user's cache directory, which is under /tmp when HOME is (.ci/run sets it so):
// the home and the workspace stay the home and the workspace there, and only the
// rest of /tmp is scratch (the corpus names /tmp paths literally).
type testEnv struct {
	root, ws, home string
	env            map[string]string
	cfg            Config // what judge was built from
	judge          *Judge
}

func newTestEnv(tb testing.TB) *testEnv {
	tb.Helper()
	base, err := os.UserCacheDir()
	if err != nil || os.MkdirAll(base, 0o755) != nil {
		base, _ = os.Getwd()
	}
	root, err := os.MkdirTemp(base, "gatesh-test-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(root) })
	root, _ = filepath.EvalSymlinks(root)
	te := &testEnv{root: root, ws: filepath.Join(root, "ws"), home: filepath.Join(root, "home")}
	for _, d := range []string{te.ws, te.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	git := func(args ...string) {
		tb.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = te.ws
		cmd.Env = append(os.Environ(), "HOME="+te.home, "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(te.ws, "README.md"), []byte("# test\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(te.ws, "go.mod"), []byte("module example.com/t\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "init")
	git("checkout", "-q", "-b", "feature/x")
	te.env = map[string]string{"HOME": te.home, "PATH": "/usr/local/bin:/usr/bin:/bin", "USER": "agent"}
	d, err := dirs.From(func(k string) string {
		if k == "GATESH_HOME" {
			return filepath.Join(root, "gatesh")
		}
		return ""
	})
	if err != nil {
		tb.Fatal(err)
	}
	te.cfg = Config{Dirs: d, Timeout: testTimeout, Binaries: []string{"/usr/local/bin/gatesh", "/usr/local/bin/gatectl"}}
	te.judge = te.variant(tb, func(*Config) {})
	return te
}

// testTimeout bounds one evaluation in tests: the race detector and a busy
// machine make OPA many times slower than in production, where the default holds.
const testTimeout = time.Minute

// variant builds a decider like te's, with change applied to its configuration.
func (te *testEnv) variant(tb testing.TB, change func(*Config)) *Judge {
	tb.Helper()
	cfg := te.cfg
	change(&cfg)
	dec, err := New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("load policy: %v", err)
	}
	return dec
}

// labelled is one line of a labelled corpus.
type labelled struct {
	file, label, command, source, why string
	line                              int
}

// readLabelled reads a corpus file: label, command, source, why, tab-separated.
// Lines starting with # are comments. With escaped, the command field is
// backslash-escaped (\n, \t, \r, \\).
func readLabelled(tb testing.TB, name string, escaped bool) []labelled {
	tb.Helper()
	f, err := os.Open(filepath.Join(testdataDir(), name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.SplitN(text, "\t", 4)
		if len(fields) < 2 {
			tb.Fatalf("%s:%d: want at least 2 tab-separated fields", name, n)
		}
		for len(fields) < 4 {
			fields = append(fields, "")
		}
		cmd := fields[1]
		if escaped {
			cmd = unescape(cmd)
		}
		out = append(out, labelled{file: name, line: n, label: fields[0], command: cmd, source: fields[2], why: fields[3]})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\':
				b.WriteByte('\\')
			default:
				b.WriteByte(s[i])
				continue
			}
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func testdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// checkLine judges text as gatesh -c judges it, in cwd with env: the
// document, the decision and the policy's error.
func checkLine(ctx context.Context, j *Judge, text, cwd string, env map[string]string) (*input.Document, policy.Decision, error) {
	return checkSession(ctx, j, text, cwd, env, false)
}

// checkSession is checkLine for a line typed in a gated session when session
// is set.
func checkSession(ctx context.Context, j *Judge, text, cwd string, env map[string]string, session bool) (*input.Document, policy.Decision, error) {
	return checkUnder(ctx, j, text, cwd, env, session, input.Layers{})
}

// checkUnder is checkSession for a line the daemon would run under layers
// (a -c line only: a session line has none).
func checkUnder(ctx context.Context, j *Judge, text, cwd string, env map[string]string, session bool, layers input.Layers) (*input.Document, policy.Decision, error) {
	q := Question{Mode: wire.ModeCommand, Flags: []string{"-c"}, Text: text, Cwd: cwd, Env: env, Layers: layers}
	if session {
		q.Mode, q.Flags, q.Layers = wire.ModeSession, nil, input.Layers{}
	}
	v, err := j.Judge(ctx, q)
	if err != nil {
		return nil, policy.Decision{}, err
	}
	return v.Doc, v.Decision, v.Err
}

// inputLine builds the policy input for text as gatesh -c would send it.
func inputLine(j *Judge, text, cwd string, env map[string]string) (*input.Document, error) {
	return j.Input(Question{Mode: wire.ModeCommand, Flags: []string{"-c"}, Text: text, Cwd: cwd, Env: env})
}
