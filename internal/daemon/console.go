package daemon

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/store"
	"github.com/gatesh/gatesh/internal/wire"
)

// The person's side of the daemon: the console socket and its operations on
// held requests and grants (package console). The agent's socket never reads
// these messages; this one reads nothing else, and only the daemon's own
// user can reach it.

// handleConsole answers one connection on the console socket: one request, one
// response.
func (s *Server) handleConsole(conn *net.UnixConn) {
	defer conn.Close()
	cred, err := peer(conn)
	if err != nil {
		s.log.Printf("refused a console connection: %v", err)
		return
	}
	write := func(resp console.Response) {
		b, err := json.Marshal(resp)
		if err == nil {
			_, err = conn.Write(append(b, '\n'))
		}
		if err != nil {
			s.log.Printf("a console answer could not be sent: %v", err)
		}
	}
	if int(cred.Uid) != os.Getuid() {
		s.log.Printf("refused a console connection from uid %d (pid %d)", cred.Uid, cred.Pid)
		write(console.Response{V: console.Version, Error: fmt.Sprintf("uid %d may not use this daemon's console: only its user (uid %d) may", cred.Uid, os.Getuid())})
		return
	}
	_ = conn.SetDeadline(time.Now().Add(readTimeout))
	req, err := console.Read(bufio.NewReader(conn))
	if err != nil {
		msg := "reading the request: " + err.Error()
		if errors.Is(err, wire.ErrTooLarge) {
			msg = fmt.Sprintf("the request is larger than the console's limit of %d bytes", console.MaxMessage)
		}
		write(console.Response{V: console.Version, Error: msg})
		return
	}
	switch req.Op {
	case console.OpList, console.OpShow, console.OpGrants, console.OpApprove, console.OpDeny, console.OpRevoke:
	default:
		write(console.Response{V: console.Version, Error: fmt.Sprintf("unknown operation %q on the console", req.Op)})
		return
	}
	if req.V != console.Version {
		write(console.Response{V: console.Version, Error: fmt.Sprintf("console protocol version %d is not %d: gatectl and the daemon come from different builds; reinstall both, and let the old daemon exit (it does when idle, or on SIGTERM)", req.V, console.Version)})
		return
	}
	me, _ := identify(int(cred.Pid))
	write(s.consoleOp(req, me, int(cred.Uid)))
}

// person checks that a request to decide comes from the person: the daemon's
// own uid (never a separate agent uid), a terminal on its stdin, not from
// inside a command the gate let run, and not from a process that carries the
// exec gate's marks (no_new_privs or a seccomp filter), which every process in
// a gated tree keeps for life however it was detached.
func (s *Server) person(cred proc, uid int) (string, error) {
	if uid != os.Getuid() {
		return "", fmt.Errorf("uid %d may not approve or deny: only the daemon's user (uid %d) may", uid, os.Getuid())
	}
	tty, ok := stdinTerminal(cred.pid)
	if !ok {
		return "", errors.New("approvals need a person at a terminal: run gatectl from a terminal")
	}
	if p, id, ok := s.holds.ran.ancestor(cred.pid); ok {
		return "", fmt.Errorf("this gatectl runs inside a command the gate let run (pid %d, request %d): approvals must come from your own terminal, not from the agent's shell", p.pid, id)
	}
	if g, err := gated(cred.pid); err != nil {
		return "", fmt.Errorf("cannot tell whether this gatectl (pid %d) runs inside a gated command, so it may not approve: %v; approvals must come from your own terminal, outside the agent's shell", cred.pid, err)
	} else if g {
		msg := "this gatectl runs inside a gated command (no_new_privs and the gate's filter are set on it for life, however it was detached): approvals must come from your own terminal, outside the agent's shell"
		if self, err := gated(os.Getpid()); self || err != nil {
			// Then every process here may carry them (a container's
			// runtime filters each one), and no approval can pass.
			msg += "; this daemon carries no_new_privs or a seccomp filter itself, as every process does in many containers, so no process here can be told apart from a gated one: run gatesh, its daemon and gatectl where processes carry neither"
		}
		return "", errors.New(msg)
	}
	if now, ok := identify(cred.pid); !ok || now != cred {
		// What was read above belongs to another process: the caller
		// exited and its pid was used again.
		return "", fmt.Errorf("the process that asked (pid %d) went away before its checks were done: run gatectl again from your terminal", cred.pid)
	}
	name := strconv.Itoa(uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	return name + " on " + tty, nil
}

// consoleOp answers the person's operations: list, show, approve, deny,
// grants, revoke. Listing needs only the console socket; answering needs a
// person (see person).
func (s *Server) consoleOp(req console.Request, cred proc, uid int) console.Response {
	h := s.holds
	fail := func(format string, args ...any) console.Response {
		return console.Response{V: console.Version, Error: fmt.Sprintf(format, args...)}
	}
	if h.db() == nil {
		return fail("the request store is not usable: %v", h.dbErr())
	}
	switch req.Op {
	case console.OpList:
		f := store.Filter{Status: []string{store.Pending, store.Gone}, Limit: 500}
		if req.All {
			f = store.Filter{Limit: 500}
		}
		rs, err := h.db().Requests(f)
		if err != nil {
			return fail("%v", err)
		}
		resp := console.Response{V: console.Version, Requests: []console.RequestInfo{}}
		for _, r := range rs {
			resp.Requests = append(resp.Requests, s.info(r, false))
		}
		return resp
	case console.OpShow:
		r, err := h.db().Request(req.ID)
		if err != nil {
			return fail("request %d: %v", req.ID, err)
		}
		return console.Response{V: console.Version, Requests: []console.RequestInfo{s.info(r, true)}}
	case console.OpGrants:
		gs, err := h.db().Grants(time.Now(), req.All)
		if err != nil {
			return fail("%v", err)
		}
		resp := console.Response{V: console.Version, Grants: []console.GrantInfo{}}
		for _, g := range gs {
			resp.Grants = append(resp.Grants, grantInfo(g))
		}
		return resp
	}
	who, err := s.person(cred, uid)
	if err != nil {
		return fail("%v", err)
	}
	switch req.Op {
	case console.OpApprove:
		return s.approve(req, who)
	case console.OpDeny:
		r, err := h.db().Decide(req.ID, store.Denied, who, req.Reason, 0)
		if err != nil {
			return fail("request %d: %v", req.ID, err)
		}
		s.event("deny", r.ID, req.Reason, who)
		h.notify(r.ID, wire.Response{V: wire.Version, Action: wire.ActionDeny, Outcome: wire.OutcomeDenied, RequestID: r.ID, Note: req.Reason})
		return console.Response{V: console.Version, Requests: []console.RequestInfo{s.info(r, false)}}
	case console.OpRevoke:
		g, err := h.db().Revoke(req.ID)
		if err != nil {
			return fail("grant %d: %v", req.ID, err)
		}
		s.event("revoke", g.RequestID, fmt.Sprintf("grant %d revoked by %s", g.ID, who), who)
		return console.Response{V: console.Version, Grants: []console.GrantInfo{grantInfo(g)}}
	}
	return fail("unknown operation %q", req.Op)
}

// approve approves a request once, or with a grant that remembers it.
func (s *Server) approve(req console.Request, who string) console.Response {
	h := s.holds
	r, err := h.db().Request(req.ID)
	if err != nil {
		return console.Response{V: console.Version, Error: fmt.Sprintf("request %d: %v", req.ID, err)}
	}
	var grantID int64
	if req.Grant != "" {
		d, err := time.ParseDuration(req.Grant)
		if err != nil || d <= 0 {
			return console.Response{V: console.Version, Error: fmt.Sprintf("grant duration %q: want a positive duration such as 1h or 30m", req.Grant)}
		}
		if max := s.maxGrant(); d > max {
			return console.Response{V: console.Version, Error: fmt.Sprintf("grant duration %v is longer than the maximum %v (settings.grant_max_hours)", d, max)}
		}
		if r.Status != store.Pending && r.Status != store.Gone {
			return console.Response{V: console.Version, Error: fmt.Sprintf("request %d is %s, not pending", r.ID, r.Status)}
		}
		g := &store.Grant{Pattern: r.Command, Workspace: r.Workspace, Expires: time.Now().Add(d), RequestID: r.ID, Approver: who}
		if req.Pattern != "" {
			if !store.Match(req.Pattern, r.Command) {
				return console.Response{V: console.Version, Error: fmt.Sprintf("the pattern %q does not match the request's own command", req.Pattern)}
			}
			g.Pattern = req.Pattern
		}
		for _, rule := range r.Rules {
			g.Rules = append(g.Rules, rule.ID)
			if strings.HasPrefix(rule.ID, "git.") {
				g.Branch = r.Branch
			}
		}
		// The grant and the approval are one transaction: a person who loses
		// a race to another approver leaves no grant behind.
		if r, err = h.db().ApproveWithGrant(req.ID, who, "", g); err != nil {
			return console.Response{V: console.Version, Error: fmt.Sprintf("request %d: %v", req.ID, err)}
		}
		grantID = r.GrantID
	} else if r, err = h.db().Decide(req.ID, store.Approved, who, "", 0); err != nil {
		return console.Response{V: console.Version, Error: fmt.Sprintf("request %d: %v", req.ID, err)}
	}
	note := "approved once by " + who
	if grantID != 0 {
		note = fmt.Sprintf("approved by %s with grant %d for %s", who, grantID, req.Grant)
	}
	s.event("approve", r.ID, note, who)
	h.notify(r.ID, wire.Response{V: wire.Version, Action: wire.ActionAllow, Outcome: wire.OutcomeApproved, RequestID: r.ID, Note: note})
	return console.Response{V: console.Version, Requests: []console.RequestInfo{s.info(r, false)}}
}

func (s *Server) info(r store.Request, facts bool) console.RequestInfo {
	ri := console.RequestInfo{
		ID: r.ID, Command: r.Command, Cwd: r.Cwd, Status: r.Status, Class: r.Class,
		Workspace: r.Workspace, Branch: r.Branch, Agent: r.Agent, Session: r.Session, Harness: r.Harness,
		PID: r.PID, Created: r.Created.Format(time.RFC3339), Approver: r.Approver, Reason: r.Reason, GrantID: r.GrantID,
		Waiting: s.holds.waiting(r.ID), Rules: []wire.Reason{},
	}
	if r.Text != r.Command {
		ri.Text = r.Text
	}
	if !r.Decided.IsZero() {
		ri.Decided = r.Decided.Format(time.RFC3339)
	}
	ri.Rules = append(ri.Rules, r.Rules...)
	if facts {
		ri.Facts = r.Facts
	}
	return ri
}

func grantInfo(g store.Grant) console.GrantInfo {
	gi := console.GrantInfo{
		ID: g.ID, Rules: g.Rules, Pattern: g.Pattern, Workspace: g.Workspace, Branch: g.Branch,
		Created: g.Created.Format(time.RFC3339), Expires: g.Expires.Format(time.RFC3339),
		RequestID: g.RequestID, Approver: g.Approver, Uses: g.Uses,
	}
	if !g.Revoked.IsZero() {
		gi.Revoked = g.Revoked.Format(time.RFC3339)
	}
	return gi
}
