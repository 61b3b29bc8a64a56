// Package wire is the agent's protocol, between gatesh and its daemon (gatectl
// serve): one JSON request line from the client, one JSON response line from the
// daemon, on a unix socket that only the owner (and an agent uid the person
// named) can reach. It carries only the agent's operations: the person's
// (approve, deny, grants, …) are package console's, on a socket of their own.
// It is imported by gatesh, so it must stay small: the standard library only,
// and nothing that links the policy engine.
package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gatesh/gatesh/internal/verdict"
)

// Version is the protocol version. A daemon answers a request of another version
// with an error, and gatesh fails closed on it.
const Version = 1

// MaxRequest bounds one request line. A command line is at most 256 KiB (the
// parser's limit); the rest is the environment. A daemon answers a larger request
// with an error, without reading it all.
const MaxRequest = 1 << 20

// MaxResponse bounds one response line.
const MaxResponse = 1 << 20

// The agent's operations.
const (
	OpDecide = "decide" // judge a shell invocation (a hold then waits on the same connection)
	OpWait   = "wait"   // wait again for a held request (after the daemon restarted)
	OpPing   = "ping"   // liveness and the daemon's state
	// OpSession starts a gated interactive session: the daemon answers with
	// Agent and Record (the record setting applied to that agent).
	OpSession = "session"
	// OpGate hands the daemon the exec gate's listener of a gatesh that is
	// about to exec the line the daemon let run (Response.Gate): the
	// listener travels with the request line (SCM_RIGHTS), and from then on
	// the daemon answers every exec in that process tree.
	OpGate = "gate"
)

// Outcomes of a held request, in the second line of a held decide.
const (
	OutcomeApproved = "approved" // a person approved: run it
	OutcomeDenied   = "denied"   // a person said no
	OutcomeExpired  = "expired"  // the wait ran out; the request stays pending
	// OutcomeWithdrawn: the caller withdrew the request (Ctrl-C in a session)
	// by sending any line on the held connection.
	OutcomeWithdrawn = "withdrawn"
)

// Modes say where the judged text came from.
const (
	ModeCommand = "command" // bash -c TEXT
	ModeScript  = "script"  // bash FILE: Text is the file's content
	ModeStdin   = "stdin"   // bash -s or a script piped in: Text is what was read
	ModeSession = "session" // a line typed in a gated interactive session
	// ModeExec is a program a gated process tree is about to start, judged
	// at its execve by the exec gate (the daemon asks itself; no client sends
	// it).
	ModeExec = "exec"
)

// Actions, as the daemon answers them (see package verdict).
const (
	ActionAllow = verdict.Allow
	ActionHold  = verdict.Hold
	ActionDeny  = verdict.Deny
	// ActionMore answers a session line that is not a complete command yet:
	// bash reads on, and the whole is judged when it is complete.
	ActionMore = verdict.More
)

// Request is one question from gatesh.
type Request struct {
	V  int    `json:"v"`
	Op string `json:"op"`
	// Mode is one of the Mode constants.
	Mode string `json:"mode,omitempty"`
	// Text is the command line, or the script's content.
	Text string `json:"text,omitempty"`
	// Script is the script file's path in ModeScript.
	Script string `json:"script,omitempty"`
	// Flags are bash's option words as given, in order (the harness wrappers are
	// recognised partly by them).
	Flags       []string `json:"flags,omitempty"`
	Login       bool     `json:"login,omitempty"`
	Interactive bool     `json:"interactive,omitempty"`
	// Cwd is the caller's working directory.
	Cwd string `json:"cwd,omitempty"`
	// Env is the caller's environment as NAME=VALUE pairs.
	Env []string `json:"env,omitempty"`
	// PID is the gatesh process (it becomes the command's bash).
	PID int `json:"pid,omitempty"`

	// ID names the held request to wait on (OpWait).
	ID int64 `json:"id,omitempty"`
	// Wait, for OpWait, is how many seconds the caller still waits.
	Wait int `json:"wait,omitempty"`

	// For ModeSession: Session names the session (recordings and the decision
	// log link to it); Aliases are the session's aliases (NAME → VALUE);
	// Functions is the text of the function definitions its earlier lines
	// made.
	Session   string            `json:"session,omitempty"`
	Aliases   map[string]string `json:"aliases,omitempty"`
	Functions string            `json:"functions,omitempty"`
}

// Reason is one rule's finding (the one type every layer uses).
type Reason = verdict.Reason

// Response is the daemon's answer.
type Response struct {
	V int `json:"v"`
	// Error, when set, means the request was not judged (malformed, too large,
	// wrong version); the client fails closed.
	Error string `json:"error,omitempty"`
	// Action is allow, hold or deny.
	Action  string   `json:"action,omitempty"`
	Class   string   `json:"class,omitempty"`
	Reasons []Reason `json:"reasons,omitempty"`
	// Command is the text that was judged: the agent's command inside a harness
	// wrapper, or the whole text.
	Command string `json:"command,omitempty"`
	// Harness names the wrapper that was seen through, if any.
	Harness string `json:"harness,omitempty"`
	// Line is the agent's command line a nested call runs under (a shell
	// started by something that line started): a refusal names it first.
	Line string `json:"line,omitempty"`
	// Defines is set when an allowed session line defines shell functions: the
	// session passes its text as Functions with its later lines.
	Defines bool `json:"defines,omitempty"`
	// Gate, on an allow, asks gatesh to put the layers on the process before
	// it execs bash: the exec gate, whose listener it hands over with OpGate;
	// the answer to that carries the confinement's Landlock ruleset as a
	// descriptor, when there is one.
	Gate bool `json:"gate,omitempty"`
	// DecisionID identifies the decision in the decision log.
	DecisionID string `json:"decision_id,omitempty"`
	// Daemon state, for OpPing.
	PID         int    `json:"pid,omitempty"`
	PolicyError string `json:"policy_error,omitempty"`
	// For OpSession: the agent detected and whether to record the session.
	Agent  string `json:"agent,omitempty"`
	Record bool   `json:"record,omitempty"`

	// RequestID is the request a hold became; Wait is how long (seconds) the
	// daemon keeps the connection open for a person's answer, which comes as
	// a second line with Outcome set (and Action allow or deny).
	RequestID int64  `json:"request_id,omitempty"`
	Wait      int    `json:"wait,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	// Note explains an allow that a person's earlier answer gave (an approval
	// or a grant), or the person's reason for a denial.
	Note string `json:"note,omitempty"`
}

// ErrTooLarge is returned by ReadLine for a line over the limit.
var ErrTooLarge = errors.New("message larger than the protocol limit")

// ReadLine reads one newline-terminated message of at most max bytes.
func ReadLine(r *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf)+len(chunk) > max+1 {
			return nil, ErrTooLarge
		}
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			return bytes.TrimSuffix(buf, []byte{'\n'}), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return nil, fmt.Errorf("message cut short after %d bytes: %w", len(buf), io.ErrUnexpectedEOF)
		default:
			return nil, err
		}
	}
}

// WriteLine writes v as one JSON line.
func WriteLine(w io.Writer, v any) error {
	var b []byte
	switch r := v.(type) {
	case Request:
		b = AppendRequest(make([]byte, 0, 4096), &r)
	case *Request:
		b = AppendRequest(make([]byte, 0, 4096), r)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	_, err := w.Write(append(b, '\n'))
	return err
}

// Socket and Lock name the daemon's files in the runtime directory.
func Socket(runtimeDir string) string { return filepath.Join(runtimeDir, "gatesh.sock") }

// Lock is the file whose lock makes one daemon per user.
func Lock(runtimeDir string) string { return filepath.Join(runtimeDir, "daemon.lock") }
