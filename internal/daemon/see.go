package daemon

import (
	"github.com/gatesh/gatesh/internal/decide"
	"github.com/gatesh/gatesh/internal/harness"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/wire"
)

// view is what the agent asked for, seen through its harness's wrapper.
type view struct {
	harness.View
	wrapper string // the text as sent, when it differs from Command
}

// See looks through a harness wrapper at the top level of a -c command. Scripts
// and stdin are judged whole: harnesses do not wrap them.
func See(req wire.Request, env map[string]string) view {
	if req.Mode != wire.ModeCommand {
		return view{View: harness.View{Command: req.Text}}
	}
	v := view{View: harness.See(harness.Call{Text: req.Text, Flags: req.Flags, Login: req.Login, Interactive: req.Interactive, Env: env})}
	if v.Command != req.Text {
		v.wrapper = req.Text
	}
	return v
}

// Query is the decision query for the agent's command.
func (v view) Query(cwd string, env map[string]string) decide.Query {
	info := input.HarnessInfo{Name: v.Harness, Form: v.Form, Snapshot: v.Snapshot, Sourced: v.Sourced, Wrapper: v.wrapper}
	return decide.Query{Text: v.Command, Cwd: cwd, Env: env, Harness: info}
}
