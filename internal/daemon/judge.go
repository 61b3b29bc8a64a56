package daemon

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/decide"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/gatesh/gatesh/internal/shellparse"
	"github.com/gatesh/gatesh/internal/wire"
)

// Judge answers one request with dec (nil when no policy compiles; policyErr then
// says why) and returns the decision-log entry for it. It is shared by the daemon
// and the one-shot gatectl decide, so both judge alike.
func Judge(ctx context.Context, dec *decide.Decider, policyErr error, req wire.Request) (wire.Response, audit.Entry, *input.Document) {
	return JudgeUnder(ctx, dec, policyErr, req, nil)
}

// JudgeUnder is Judge for a call that runs under the agent's line under: a
// shell started by something that line started (nil for the agent's own
// line). Policy sees it as input.nested, with input.script for a script file,
// and the answer names the line (Response.Line).
func JudgeUnder(ctx context.Context, dec *decide.Decider, policyErr error, req wire.Request, under *input.Nested) (wire.Response, audit.Entry, *input.Document) {
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
	case req.Mode != wire.ModeCommand && req.Mode != wire.ModeScript && req.Mode != wire.ModeStdin && req.Mode != wire.ModeSession:
		return fail(fmt.Sprintf("unknown mode %q", req.Mode))
	case !filepath.IsAbs(req.Cwd):
		return fail(fmt.Sprintf("working directory %q is not absolute", req.Cwd))
	}
	if req.Mode == wire.ModeSession && shellparse.Incomplete(req.Text) {
		return wire.Response{V: wire.Version, Action: wire.ActionMore}, entry, nil
	}
	if req.Session != "" {
		entry.Custom["session"] = req.Session
	}
	env := decide.Environ(req.Env)
	view := See(req, env)
	entry.Input = map[string]any{"text": view.Command, "cwd": req.Cwd, "wrapper": wrapperText(req.Text, view.Command), "script": req.Script, "harness": view.Harness, "form": view.Form}
	entry.Custom["harness"] = view.Harness

	var d policy.Decision
	var doc *input.Document
	if dec == nil {
		d = policy.Decision{Action: policy.Deny, Class: "opaque", Reasons: []policy.Reason{{
			ID: policy.ReasonError, Class: "opaque",
			Msg: fmt.Sprintf("the gate's policy does not compile (%v), so nothing runs until it is fixed; tell the user (gatectl check shows the error).", policyErr),
		}}}
	} else {
		var got policy.Decision
		var err error
		q := view.Query(req.Cwd, env)
		if req.Mode == wire.ModeSession {
			q.Session, q.Aliases, q.Functions = true, req.Aliases, req.Functions
		}
		q.Nested = under
		var args []string
		if req.Mode == wire.ModeScript {
			q.Script = req.Script
			if under != nil {
				args = scriptArgs(req.PID, req.Script)
				q.ScriptArgs = args
			}
		}
		doc, got, err = dec.CheckView(ctx, q)
		d = got
		if args != nil && d.Action != policy.Deny {
			// What the agent's line told the tool to do, judged as a line
			// named after it: `pyenv exec git push` holds as the push.
			_, inv, ierr := dec.CheckView(ctx, decide.Query{Text: invocation(req.Script, args), Cwd: req.Cwd, Env: env})
			d = stricter(d, inv)
			if ierr != nil && err == nil {
				err = ierr
			}
		}
		if doc != nil {
			entry.Input = map[string]any{"text": doc.Text, "cwd": doc.Cwd, "wrapper": wrapperText(req.Text, view.Command), "script": req.Script,
				"agent": doc.Agent, "harness": doc.Harness, "workspace": map[string]any{"root": doc.Workspace.Root, "branch": doc.Workspace.Branch}}
		}
		if err != nil {
			entry.Custom["error"] = err.Error()
		}
	}
	resp := wire.Response{V: wire.Version, Action: string(d.Action), Class: d.Class, Command: view.Command, Harness: view.Harness}
	if under != nil {
		resp.Line = under.Line
		if in, ok := entry.Input.(map[string]any); ok {
			in["nested"] = map[string]any{"line": under.Line, "cwd": under.Cwd, "request_id": under.RequestID}
		}
	}
	resp.Defines = req.Mode == wire.ModeSession && doc != nil && len(doc.Functions) > 0
	for _, r := range d.Reasons {
		resp.Reasons = append(resp.Reasons, wire.Reason{ID: r.ID, Msg: r.Msg, Class: r.Class})
	}
	entry.Result = map[string]any{"action": resp.Action, "class": resp.Class, "reasons": resp.Reasons}
	entry.Metrics = map[string]any{"timer_gatesh_decide_ns": time.Since(start).Nanoseconds()}
	return resp, entry, doc
}

// wrapperText is the original text when a wrapper was seen through.
func wrapperText(text, judged string) string {
	if text == judged {
		return ""
	}
	return text
}
