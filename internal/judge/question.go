package judge

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gatesh/gatesh/internal/harness"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/gatesh/gatesh/internal/shellparse"
	"github.com/gatesh/gatesh/internal/verdict"
	"github.com/gatesh/gatesh/internal/wire"
)

// Question is what is asked of the judge: text that bash is about to run, and
// what is known of its caller.
type Question struct {
	// Mode says where Text came from: one of wire's Mode constants (bash -c,
	// a script file, stdin, a line typed in a gated session).
	Mode string
	// Text is the command line, or the script's content.
	Text string
	// Flags, Login and Interactive are bash's own options as given: a harness's
	// wrapper is recognised partly by them.
	Flags       []string
	Login       bool
	Interactive bool
	// Cwd is the caller's working directory (absolute).
	Cwd string
	// Env is the caller's environment.
	Env map[string]string
	// Aliases and Functions are a gated session's aliases and the text of the
	// functions its earlier lines defined (ModeSession).
	Aliases   map[string]string
	Functions string
	// Script is the script file's path (ModeScript).
	Script string
	// Under is the agent's line this call runs under, when a shell was started
	// by something that line started (nil for the agent's own line). ScriptArgs
	// are then the words that followed the script's name in the shell's argv,
	// as the kernel recorded them.
	Under      *input.Nested
	ScriptArgs []string
	// Exec is the program of a ModeExec question; its argv is what is
	// judged (Text is then ignored).
	Exec *input.Exec
	// Layers says which enforcement layers cover what the command starts.
	Layers input.Layers
}

// Verdict is the judge's answer.
type Verdict struct {
	// Decision is the policy's: Action (verdict.More for a session line that is
	// not a complete command yet), Class and Reasons.
	policy.Decision
	// Command is the text that was judged: the agent's command inside a
	// harness's wrapper, or the whole text.
	Command string
	// Harness describes the wrapper that was seen through (Name is "" when
	// there was none).
	Harness input.HarnessInfo
	// Doc is the policy input the decision was made on (nil when none could be
	// built).
	Doc *input.Document
	// Defines is set when a session line defines shell functions.
	Defines bool
	// Err says why the policy could not decide, when it could not: the
	// decision is then the fail-closed deny that says so.
	Err error
}

// Judge answers q. Its error means the question itself is malformed (an
// unknown mode, a relative working directory): nothing was judged.
func (d *Judge) Judge(ctx context.Context, q Question) (Verdict, error) {
	v, err := look(q)
	if err != nil || v.Action == verdict.More {
		return v, err
	}
	doc, dec, err := d.check(ctx, d.query(q, v))
	v.Doc, v.Decision, v.Err = doc, dec, err
	if q.Under != nil && q.Mode == wire.ModeScript && q.ScriptArgs != nil && dec.Action != policy.Deny {
		// What the agent's line told the tool to do, judged as a line
		// named after it: `pyenv exec git push` holds as the push.
		_, inv, ierr := d.check(ctx, input.Request{Text: invocation(q.Script, q.ScriptArgs), Cwd: q.Cwd, Env: q.Env, Mode: wire.ModeCommand, Layers: q.Layers})
		v.Decision = stricter(v.Decision, inv)
		if ierr != nil && v.Err == nil {
			v.Err = ierr
		}
	}
	v.Defines = q.Mode == wire.ModeSession && doc != nil && len(doc.Functions) > 0
	return v, nil
}

// Input builds the policy input for q: the document the policy would decide
// on, for gatectl input.
func (d *Judge) Input(q Question) (*input.Document, error) {
	v, err := look(q)
	if err != nil {
		return nil, err
	}
	return d.input(d.query(q, v))
}

// NoPolicy is the verdict when no policy compiles: a deny that says why, so
// that nothing runs until the policy is fixed.
func NoPolicy(q Question, perr error) (Verdict, error) {
	v, err := look(q)
	if err != nil || v.Action == verdict.More {
		return v, err
	}
	v.Decision = policy.Decision{Action: policy.Deny, Class: "opaque", Reasons: []policy.Reason{{
		ID: policy.ReasonError, Class: "opaque",
		Msg: fmt.Sprintf("the gate's policy does not compile (%v), so nothing runs until it is fixed; tell the user (gatectl check shows the error).", perr),
	}}}
	return v, nil
}

// look checks q and sees through a harness wrapper at the top level of a -c
// command. Scripts and stdin are judged whole: harnesses do not wrap them.
func look(q Question) (Verdict, error) {
	switch {
	case q.Mode != wire.ModeCommand && q.Mode != wire.ModeScript && q.Mode != wire.ModeStdin && q.Mode != wire.ModeSession && q.Mode != wire.ModeExec:
		return Verdict{}, fmt.Errorf("unknown mode %q", q.Mode)
	case q.Mode == wire.ModeExec && q.Exec == nil:
		return Verdict{}, fmt.Errorf("an exec question without its program")
	case !filepath.IsAbs(q.Cwd):
		return Verdict{}, fmt.Errorf("working directory %q is not absolute", q.Cwd)
	}
	if q.Mode == wire.ModeSession && shellparse.Incomplete(q.Text) {
		return Verdict{Decision: policy.Decision{Action: verdict.More}, Command: q.Text}, nil
	}
	if q.Mode == wire.ModeExec {
		return Verdict{Command: execText(q.Exec)}, nil
	}
	if q.Mode != wire.ModeCommand {
		return Verdict{Command: q.Text}, nil
	}
	hv := harness.See(harness.Call{Text: q.Text, Flags: q.Flags, Login: q.Login, Interactive: q.Interactive, Env: q.Env})
	v := Verdict{Command: hv.Command, Harness: input.HarnessInfo{Name: hv.Harness, Form: hv.Form, Snapshot: hv.Snapshot, Sourced: hv.Sourced}}
	if hv.Command != q.Text {
		v.Harness.Wrapper = q.Text
	}
	return v, nil
}

// query is the policy input request for q, whose wrapper v saw through;
// input fills in what the judge knows of the machine.
func (d *Judge) query(q Question, v Verdict) input.Request {
	r := input.Request{Text: v.Command, Cwd: q.Cwd, Env: q.Env, Harness: v.Harness, Nested: q.Under, Mode: q.Mode, Exec: q.Exec, Layers: q.Layers}
	switch q.Mode {
	case wire.ModeSession:
		r.Session, r.Aliases, r.Functions = true, q.Aliases, q.Functions
	case wire.ModeScript:
		r.Script = q.Script
		if q.Under != nil {
			r.ScriptArgs = q.ScriptArgs
		}
	}
	return r
}

// input builds the policy input for r, with the workspace of its directory
// and the gate's own paths and secrets.
func (d *Judge) input(r input.Request) (*input.Document, error) {
	r.Cwd = filepath.Clean(r.Cwd)
	ws, err := d.workspace(r.Cwd, r.Env["HOME"], r.Env["TMPDIR"])
	if err != nil {
		return nil, fmt.Errorf("workspace of %s: %w", r.Cwd, err)
	}
	r.Workspace, r.GatePaths, r.Secrets = ws, d.gatePaths, d.secrets
	return input.Build(r), nil
}

// check builds the input for r and decides.
func (d *Judge) check(ctx context.Context, r input.Request) (*input.Document, policy.Decision, error) {
	doc, err := d.input(r)
	if err != nil {
		return nil, policy.Decision{Action: policy.Deny, Class: "opaque", Reasons: []policy.Reason{{
			ID: policy.ReasonError, Msg: err.Error() + "; the command was not run.", Class: "opaque",
		}}}, err
	}
	dec, err := d.Decide(ctx, doc)
	return doc, dec, err
}

// execText is the command line an exec stands for: its argv, each word
// quoted, the program named by what it is (the known program it is a copy
// of, else the file the kernel runs), so that a renamed or linked binary is
// judged as itself.
func execText(e *input.Exec) string {
	words := make([]string, 0, len(e.Argv)+1)
	name := e.Path
	switch {
	case e.Identity != "":
		name = e.Identity
	case e.Resolved != "":
		name = e.Resolved
	}
	words = append(words, quote(name))
	if len(e.Argv) > 1 {
		for _, w := range e.Argv[1:] {
			words = append(words, quote(w))
		}
	}
	return strings.Join(words, " ")
}

func quote(w string) string { return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'" }

// invocation is the command line that runs script's name with args, each
// word quoted: what the agent's line asked the script to do.
func invocation(script string, args []string) string {
	words := make([]string, 0, len(args)+1)
	for _, w := range append([]string{filepath.Base(script)}, args...) {
		words = append(words, quote(w))
	}
	return strings.Join(words, " ")
}

// stricter combines two decisions on one call: the stricter action wins, with
// its class, and a hold or deny keeps the reasons of both.
func stricter(a, b policy.Decision) policy.Decision {
	rank := map[string]int{policy.Deny: 0, policy.Hold: 1, policy.Allow: 2}
	ra, okA := rank[a.Action]
	rb, okB := rank[b.Action]
	switch {
	case !okA:
		return a
	case !okB || rb < ra:
		a, b = b, a
	}
	if a.Action == policy.Allow {
		return a
	}
	out := policy.Decision{Action: a.Action, Class: a.Class, Reasons: append([]policy.Reason(nil), a.Reasons...)}
	if b.Action == a.Action {
		for _, r := range b.Reasons {
			r.Cmd = nil // an index into the other document
			out.Reasons = append(out.Reasons, r)
		}
	}
	return out
}
