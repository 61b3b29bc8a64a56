// Package console is the person's protocol: the operations on held requests and
// grants (list, show, approve, deny, grants, revoke), and what they answer.
//
// It is apart from the agent's protocol (package wire) on purpose. The daemon
// serves it on a socket of its own (Socket) that only the daemon's user can
// reach, never the agent's uid, and it reads there only these messages, so no
// agent request can ever be read as a person's: an approve sent to the agent's
// socket is an unknown operation. The agent's shell does not carry this
// package at all. The answering operations also check that the caller is a
// person: the daemon's user, at a terminal, outside every tree the gate let
// run.
package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/wire"
)

// Version is the protocol version; a daemon answers another with an error.
const Version = 1

// MaxMessage bounds one message either way.
const MaxMessage = 4 << 20

// Operations.
const (
	OpList    = "list" // requests: pending ones, or all with All
	OpShow    = "show" // one request with its facts
	OpApprove = "approve"
	OpDeny    = "deny"
	OpGrants  = "grants" // remembered approvals: active ones, or all with All
	OpRevoke  = "revoke"
)

// Socket is the console socket in the daemon's runtime directory.
func Socket(runtimeDir string) string { return filepath.Join(runtimeDir, "console.sock") }

// Request is one of the person's operations.
type Request struct {
	V  int    `json:"v"`
	Op string `json:"op"`
	// ID names a request (show, approve, deny) or a grant (revoke).
	ID int64 `json:"id,omitempty"`
	// Reason is the person's reason for a denial.
	Reason string `json:"reason,omitempty"`
	// Grant, for approve, remembers the approval for this long ("1h").
	Grant string `json:"grant,omitempty"`
	// Pattern, for approve with a grant, widens the command it covers (a glob
	// with *); the request's own command when empty.
	Pattern string `json:"pattern,omitempty"`
	// All, for list and grants, includes decided requests and inactive grants.
	All bool `json:"all,omitempty"`
}

// Response is the daemon's answer.
type Response struct {
	V int `json:"v"`
	// Error, when set, says why the operation was not done.
	Error    string        `json:"error,omitempty"`
	Requests []RequestInfo `json:"requests,omitempty"`
	Grants   []GrantInfo   `json:"grants,omitempty"`
}

// RequestInfo is a held request as the person sees it.
type RequestInfo struct {
	ID        int64           `json:"id"`
	Command   string          `json:"command"`
	Text      string          `json:"text,omitempty"`
	Cwd       string          `json:"cwd"`
	Status    string          `json:"status"`
	Rules     []wire.Reason   `json:"rules"`
	Class     string          `json:"class"`
	Workspace string          `json:"workspace"`
	Branch    string          `json:"branch"`
	Agent     string          `json:"agent"`
	Session   string          `json:"session,omitempty"`
	Harness   string          `json:"harness,omitempty"`
	PID       int             `json:"pid"`
	Created   string          `json:"created"`
	Decided   string          `json:"decided,omitempty"`
	Approver  string          `json:"approver,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	GrantID   int64           `json:"grant_id,omitempty"`
	Waiting   bool            `json:"waiting"`
	Facts     json.RawMessage `json:"facts,omitempty"`
}

// GrantInfo is a remembered approval.
type GrantInfo struct {
	ID        int64    `json:"id"`
	Rules     []string `json:"rules"`
	Pattern   string   `json:"pattern"`
	Workspace string   `json:"workspace"`
	Branch    string   `json:"branch"`
	Created   string   `json:"created"`
	Expires   string   `json:"expires"`
	RequestID int64    `json:"request_id"`
	Approver  string   `json:"approver"`
	Uses      int      `json:"uses"`
	Revoked   string   `json:"revoked,omitempty"`
}

// Do sends req to the daemon c names, on its console socket, starting the
// daemon when it is not running. A refusal comes back as Response.Error.
func Do(ctx context.Context, c *client.Client, req Request) (Response, error) {
	req.V = Version
	line, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	out, err := c.Console(ctx, Socket(c.Runtime), line, MaxMessage)
	if err != nil {
		return Response{}, err
	}
	var resp Response
	if err := json.Unmarshal(out, &resp); err != nil {
		return Response{}, fmt.Errorf("the daemon's answer is not one the console understands: %w", err)
	}
	return resp, nil
}

// Read reads one request from the console socket.
func Read(r *bufio.Reader) (Request, error) {
	line, err := wire.ReadLine(r, MaxMessage)
	if err != nil {
		return Request{}, err
	}
	var req Request
	if err := json.Unmarshal(line, &req); err != nil {
		return Request{}, fmt.Errorf("malformed request: %w", err)
	}
	return req, nil
}
