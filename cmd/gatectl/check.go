package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/gatesh/gatesh/internal/wire"
)

// policyFlags are the options every policy-loading subcommand shares.
type policyFlags struct {
	dir        string
	noDefaults bool
}

func (p *policyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.dir, "policy-dir", "", "user policy `directory`")
	fs.BoolVar(&p.noDefaults, "no-defaults", false, "use only the user policy directory's rules")
}

// config is the judge's configuration these flags and e's directories give.
func (p *policyFlags) config(e env) (judge.Config, error) {
	d, err := dirs.From(e.getenv)
	if err != nil {
		return judge.Config{}, err
	}
	return judge.Config{Dirs: d, PolicyDir: p.dir, NoDefaults: p.noDefaults, Binaries: judge.SelfBinaries()}, nil
}

// judge compiles the policy these flags name into a judge.
func (p *policyFlags) judge(ctx context.Context, e env) (*judge.Judge, error) {
	cfg, err := p.config(e)
	if err != nil {
		return nil, err
	}
	j, err := judge.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	return j, nil
}

// checkResult is the JSON form of a decision (`gatectl check --json`).
type checkResult struct {
	Command string `json:"command"`
	// Judged is the agent's command that was judged, when Command is an agent
	// harness's wrapper around it (as gatesh -c would see it).
	Judged  string          `json:"judged,omitempty"`
	Cwd     string          `json:"cwd"`
	Action  string          `json:"action"`
	Class   string          `json:"class"`
	Reasons []policy.Reason `json:"reasons"`
	Error   string          `json:"error,omitempty"`
}

func runCheck(ctx context.Context, e env, inputOnly bool) error {
	name := "check"
	if inputOnly {
		name = "input"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		pf      policyFlags
		cwd     string
		asJSON  bool
		explain bool
		batch   string
		session bool
		nul     bool
		layers  bool
	)
	pf.register(fs)
	fs.StringVar(&cwd, "cwd", "", "judge the command as if run in `DIR` (default: the current directory)")
	fs.BoolVar(&session, "session", false, "judge the command as a line typed in a gated interactive session")
	fs.BoolVar(&layers, "layers", false, "judge the command as if the exec gate and confinement were on for it (input.layers), as the daemon does for a line it runs under them")
	if !inputOnly {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object per command line")
		fs.BoolVar(&explain, "explain", false, "also print the policy input and every rule that fired")
		fs.StringVar(&batch, "batch", "", "read command lines from `FILE` (- for stdin), one per line")
		fs.BoolVar(&nul, "z", false, "with --batch: the command lines end with NUL instead of a newline (lines that hold newlines)")
	}
	if err := fs.Parse(e.args); err != nil {
		return exitError{2}
	}
	if cwd == "" {
		wd, err := e.getwd()
		if err != nil {
			return fmt.Errorf("current directory: %w", err)
		}
		cwd = wd
	}
	abs, err := filepath.Abs(cwd)
	if err != nil {
		return fmt.Errorf("--cwd: %w", err)
	}
	cwd = abs
	var lines []string
	switch {
	case batch != "":
		if fs.NArg() > 0 {
			return fmt.Errorf("%w: --batch takes no command argument", errUsage)
		}
		lines, err = readBatch(e, batch, nul)
		if err != nil {
			return err
		}
	case fs.NArg() == 1:
		lines = []string{fs.Arg(0)}
	case fs.NArg() == 0:
		return fmt.Errorf("%w: give the command line as one argument: gatectl %s -- 'CMD'", errUsage, name)
	default:
		// Several words: join them as a shell would see `gatectl check -- git push`.
		lines = []string{strings.Join(fs.Args(), " ")}
	}
	j, err := pf.judge(ctx, e)
	if err != nil {
		if d, derr := dirs.From(e.getenv); derr == nil && pf.dir == "" {
			if pid := daemonPID(ctx, d); pid != 0 {
				err = fmt.Errorf("%w\nthe running daemon (pid %d) keeps the last policy that compiled until this is fixed", err, pid)
			}
		}
		return err
	}
	if d, derr := dirs.From(e.getenv); derr == nil && pf.dir == "" && !pf.noDefaults {
		warnDaemonPolicy(ctx, e, d)
	}
	environ := judge.Environ(e.environ)
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	failed := false
	for _, text := range lines {
		// What gatesh -c would judge (the agent's command inside a harness
		// wrapper), through the same judge the daemon asks; or a line typed
		// in a gated session.
		q := judge.Question{Mode: wire.ModeCommand, Flags: []string{"-c"}, Text: text, Cwd: cwd, Env: environ}
		if session {
			q.Mode, q.Flags = wire.ModeSession, nil
		}
		if layers {
			q.Layers = input.Layers{Exec: true, Confine: true}
		}
		if inputOnly {
			doc, err := j.Input(q)
			if err != nil {
				return err
			}
			if err := printJSON(out, doc, true); err != nil {
				return err
			}
			continue
		}
		v, err := j.Judge(ctx, q)
		if err != nil {
			return err
		}
		// A session line that is not a complete command yet shows as "more",
		// the daemon's own answer: the session reads on and judges the whole.
		if v.Action != wire.ActionMore && v.Doc == nil && v.Err != nil {
			return v.Err
		}
		if v.Err != nil {
			failed = true
		}
		if explain && v.Doc != nil {
			if err := printExplain(ctx, out, j, v.Doc); err != nil {
				return err
			}
		}
		res := checkResult{Command: text, Cwd: cwd, Action: v.Action, Class: v.Class, Reasons: v.Reasons}
		if v.Command != text {
			res.Judged = v.Command
		}
		if res.Reasons == nil {
			res.Reasons = []policy.Reason{}
		}
		if v.Err != nil {
			res.Error = v.Err.Error()
		}
		if asJSON {
			if err := writeJSON(out, res, false); err != nil {
				return err
			}
			continue
		}
		printHuman(out, res)
	}
	if failed {
		out.Flush()
		fmt.Fprintln(e.stderr, "gatectl check: the policy failed to evaluate; the decision shown is the fail-closed deny")
		return exitError{2}
	}
	return nil
}

// readBatch reads the command lines of --batch: one per line, or ending with
// NUL when nul is set (so that a line may hold newlines).
func readBatch(e env, name string, nul bool) ([]string, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--batch: %w", err)
		}
		defer f.Close()
		r = f
	}
	var lines []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	if nul {
		sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
			if i := bytes.IndexByte(data, 0); i >= 0 {
				return i + 1, data[:i], nil
			}
			if atEOF && len(data) > 0 {
				return len(data), data, nil
			}
			return 0, nil, nil
		})
	}
	for sc.Scan() {
		line := sc.Text()
		if !nul {
			line = strings.TrimSuffix(line, "\r")
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--batch: %w", err)
	}
	return lines, nil
}

func printHuman(w io.Writer, r checkResult) {
	fmt.Fprintf(w, "%-5s  %-10s  %s\n", r.Action, r.Class, r.Command)
	if r.Judged != "" {
		fmt.Fprintf(w, "       (a harness wrapper: judged the agent's command `%s`)\n", r.Judged)
	}
	for _, reason := range r.Reasons {
		fmt.Fprintf(w, "       %s: %s\n", reason.ID, reason.Msg)
	}
}

func printJSON(w io.Writer, doc *input.Document, indent bool) error {
	v, err := policy.JSON(doc)
	if err != nil {
		return err
	}
	return writeJSON(w, v, indent)
}

// writeJSON writes v as one JSON value and a newline, leaving &, < and > as they
// are: command lines are full of them.
func writeJSON(w io.Writer, v any, indent bool) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

func printExplain(ctx context.Context, w io.Writer, j *judge.Judge, doc *input.Document) error {
	fmt.Fprintln(w, "# input")
	if err := printJSON(w, doc, true); err != nil {
		return err
	}
	v, err := policy.ValueOf(doc)
	if err != nil {
		return err
	}
	fired, err := j.Engine().Fired(ctx, v)
	if err != nil {
		fmt.Fprintf(w, "# rules that fired: cannot evaluate: %v\n", err)
		return nil
	}
	fmt.Fprintln(w, "# rules that fired (before waivers and class overrides)")
	if len(fired) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	keys := make([]string, 0, len(fired))
	for k := range fired {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, entry := range fired[k] {
			b, _ := json.Marshal(entry)
			fmt.Fprintf(w, "  data.gatesh.rules.%s: %s\n", k, b)
		}
	}
	fmt.Fprintln(w, "# decision")
	return nil
}

// daemonPID is the pid of the user's running daemon, 0 when none answers.
func daemonPID(ctx context.Context, d dirs.Dirs) int {
	c := client.Client{Runtime: d.Runtime, Timeout: time.Second}
	resp, err := c.Ping(ctx)
	if err != nil {
		return 0
	}
	return resp.PID
}

// warnDaemonPolicy says so when the running daemon could not load the policy
// files as they are now (it then judges with the last policy that compiled).
func warnDaemonPolicy(ctx context.Context, e env, d dirs.Dirs) {
	c := client.Client{Runtime: d.Runtime, Timeout: time.Second}
	resp, err := c.Ping(ctx)
	if err != nil || resp.PolicyError == "" {
		return
	}
	fmt.Fprintf(e.stderr, "gatectl check: WARNING: the running daemon (pid %d) could not load the policy as it is now and judges with the last policy that compiled:\n%s\n", resp.PID, resp.PolicyError)
}
