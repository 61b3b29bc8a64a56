package daemon

import (
	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/facts"
	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/wire"
)

// Values of the record setting.
const (
	RecordAlways = "always"
	RecordAgents = "agents" // the default: sessions an agent drives
	RecordNever  = "never"
)

// startSession answers a gated session's start: which agent drives it and
// whether to record it, and logs the start so that its decisions can be found.
func (s *Server) startSession(req wire.Request) wire.Response {
	agent := facts.DetectAgent(judge.Environ(req.Env)).Name
	mode := RecordAgents
	if st := s.policy.Load(); st != nil && st.j != nil {
		if v, ok := st.j.Engine().Settings()["record"].(string); ok {
			mode = v
		}
	}
	record := mode == RecordAlways || (mode != RecordNever && agent != "" && agent != "unknown")
	s.record(&audit.Entry{DecisionID: audit.NewID(), Input: map[string]any{"cwd": req.Cwd},
		Result: map[string]any{},
		Custom: map[string]any{"event": "session-start", "session": req.Session, "agent": agent, "record": record, "pid": req.PID}})
	return wire.Response{V: wire.Version, Agent: agent, Record: record}
}
