package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/verdict"
	"github.com/gatesh/gatesh/internal/wire"
)

// answer turns one agent request into a question for the judge (j; nil when
// no policy compiles, and perr then says why), and the verdict into the wire
// answer and the decision-log entry for it. under is the agent's line a
// nested call runs under (nil for the agent's own line): policy sees it as
// input.nested, and the answer names the line (Response.Line). layers are
// the layers the daemon puts on a line it lets run (Server.layersOn): the
// policy sees them as input.layers for the agent's own lines that would run
// under them (bash -c, a script, stdin; not nested, not a session line).
func answer(ctx context.Context, j *judge.Judge, perr error, req wire.Request, under *input.Nested, layers input.Layers) (wire.Response, audit.Entry, *input.Document) {
	start := time.Now()
	entry := audit.Entry{Custom: map[string]any{"pid": req.PID, "mode": req.Mode}}
	fail := func(msg string) (wire.Response, audit.Entry, *input.Document) {
		entry.Input = map[string]any{"text": req.Text, "cwd": req.Cwd}
		entry.Result = map[string]any{"error": msg}
		return wire.Response{V: wire.Version, Error: msg}, entry, nil
	}
	switch {
	case req.V != wire.Version:
		return fail(fmt.Sprintf("protocol version %d is not %d: gatesh and gatectl come from different builds; reinstall both", req.V, wire.Version))
	case req.Op != wire.OpDecide:
		return fail(fmt.Sprintf("unknown operation %q", req.Op))
	}
	env := judge.Environ(req.Env)
	q := judge.Question{Mode: req.Mode, Text: req.Text, Flags: req.Flags, Login: req.Login, Interactive: req.Interactive,
		Cwd: req.Cwd, Env: env, Aliases: req.Aliases, Functions: req.Functions, Script: req.Script, Under: under}
	if req.Mode == wire.ModeScript && under != nil {
		q.ScriptArgs = scriptArgs(req.PID, req.Script)
	}
	if under == nil && (req.Mode == wire.ModeCommand || req.Mode == wire.ModeScript || req.Mode == wire.ModeStdin) {
		q.Layers = layers
	}
	v, err := judgeWith(ctx, j, perr, q)
	if err != nil {
		return fail(err.Error())
	}
	if v.Action == verdict.More {
		return wire.Response{V: wire.Version, Action: wire.ActionMore}, entry, nil
	}
	if req.Session != "" {
		entry.Custom["session"] = req.Session
	}
	wrapper := v.Harness.Wrapper
	entry.Custom["harness"] = v.Harness.Name
	if doc := v.Doc; doc != nil {
		entry.Input = map[string]any{"text": doc.Text, "cwd": doc.Cwd, "wrapper": wrapper, "script": req.Script,
			"agent": doc.Agent, "harness": doc.Harness, "workspace": map[string]any{"root": doc.Workspace.Root, "branch": doc.Workspace.Branch},
			"layers": doc.Layers}
	} else {
		entry.Input = map[string]any{"text": v.Command, "cwd": req.Cwd, "wrapper": wrapper, "script": req.Script, "harness": v.Harness.Name, "form": v.Harness.Form}
	}
	if v.Err != nil {
		entry.Custom["error"] = v.Err.Error()
	}
	resp := wire.Response{V: wire.Version, Action: v.Action, Class: v.Class, Command: v.Command, Harness: v.Harness.Name, Defines: v.Defines}
	if under != nil {
		resp.Line = under.Line
		entry.Input.(map[string]any)["nested"] = map[string]any{"line": under.Line, "cwd": under.Cwd, "request_id": under.RequestID}
	}
	resp.Reasons = agentReasons(v.Reasons)
	entry.Result = map[string]any{"action": resp.Action, "class": resp.Class, "reasons": resp.Reasons}
	entry.Metrics = map[string]any{"timer_gatesh_decide_ns": time.Since(start).Nanoseconds()}
	return resp, entry, v.Doc
}

// judgeWith asks j, or, when no policy compiles (j nil, perr saying why),
// gives the deny that says so.
func judgeWith(ctx context.Context, j *judge.Judge, perr error, q judge.Question) (judge.Verdict, error) {
	if j == nil {
		return judge.NoPolicy(q, perr)
	}
	return j.Judge(ctx, q)
}

// agentReasons are the policy's reasons as the daemon answers them: without
// the index into the input document, which the agent never sees (nil for none).
func agentReasons(rs []verdict.Reason) []wire.Reason {
	var out []wire.Reason
	for _, r := range rs {
		r.Cmd = nil
		out = append(out, r)
	}
	return out
}

// AnswerOnce is the daemon's answer to one request without a daemon (gatectl
// decide, gatesh's fallback when no daemon can be reached or started): the
// policy is compiled for this one question, and the decision is logged like
// the daemon's, marked one_shot.
func AnswerOnce(ctx context.Context, cfg judge.Config, req wire.Request, version string) wire.Response {
	j, perr := judge.New(ctx, cfg)
	if perr != nil {
		j = nil
	}
	resp, entry, _ := answer(ctx, j, perr, req, nil, input.Layers{}) // no daemon: no exec gate
	entry.Custom["one_shot"] = true
	entry.Custom["uid"] = os.Getuid()
	entry.Labels = map[string]string{"version": version}
	if err := os.MkdirAll(cfg.Dirs.State, 0o700); err == nil {
		if l, err := audit.Open(filepath.Join(cfg.Dirs.State, "decisions.jsonl")); err == nil {
			if id, err := l.Append(entry); err == nil {
				resp.DecisionID = id
			}
			l.Close()
		}
	}
	if logw, err := OpenLog(cfg.Dirs); err == nil {
		fmt.Fprintf(logw, "%s gatectl decide: one-shot decision for pid %s (the daemon was not reachable)\n", time.Now().Format("2006/01/02 15:04:05"), strconv.Itoa(req.PID))
		logw.Close()
	}
	return resp
}

// OpenLog opens the daemon's log file (daemon.log in the state directory)
// for appending, creating the directory closed to others.
func OpenLog(d dirs.Dirs) (*os.File, error) {
	if err := os.MkdirAll(d.State, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	return os.OpenFile(filepath.Join(d.State, "daemon.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
}
