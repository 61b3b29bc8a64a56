package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/store"
	"github.com/gatesh/gatesh/internal/wire"
)

// holds is the daemon's side of held commands: the store, the gatesh
// processes waiting for an answer, and the processes it let run.
type holds struct {
	// The store, nil while it cannot be opened; then storeErr says why, and
	// db tries again: a person who moves a damaged file aside, as the message
	// says, gets a new store without a restart.
	storeP   atomic.Pointer[store.Store]
	path     string
	open     func(string) (*store.Store, error)
	errMu    sync.Mutex
	storeErr error
	lastTry  time.Time
	lastSig  string // the file as it was at the last failed open

	mu      sync.Mutex
	waiters map[int64][]chan wire.Response

	// ran holds the gatesh processes the daemon let run (allowed or approved):
	// a process descending from one of them may not approve anything.
	ran *procSet
	// approved holds the commands a person approved: a command they start
	// (a nested bash -c through the shim) does not hold again.
	approved *procSet
	// sessionLine holds the gated sessions whose current line a person
	// approved: what that line runs in the foreground of the session's
	// terminal does not hold again, until the session sends its next line.
	sessionLine *procSet
	// lines holds the agent's line each gatesh that asked stands for (see
	// lineSet): nested calls under it name it, and policy sees it.
	lines *lineSet
}

func newHolds(path string, open func(string) (*store.Store, error)) *holds {
	h := &holds{path: path, open: open, waiters: map[int64][]chan wire.Response{}, ran: newProcSet(0), approved: newProcSet(approvedTreeMax), sessionLine: newProcSet(approvedTreeMax), lines: newLineSet()}
	h.db()
	return h
}

// db returns the store, opening it if it is not open: again at once when the
// file changed (moved aside, replaced) since the last failure, else at most
// every five seconds.
func (h *holds) db() *store.Store {
	if st := h.storeP.Load(); st != nil {
		return st
	}
	h.errMu.Lock()
	defer h.errMu.Unlock()
	if st := h.storeP.Load(); st != nil {
		return st
	}
	sig := fileSig(h.path)
	if !h.lastTry.IsZero() && sig == h.lastSig && time.Since(h.lastTry) < 5*time.Second {
		return nil
	}
	h.lastTry, h.lastSig = time.Now(), sig
	st, err := h.open(h.path)
	if err != nil {
		h.storeErr = err
		return nil
	}
	h.storeErr = nil
	h.storeP.Store(st)
	return st
}

// fileSig identifies a file's state: gone, or its inode, size and time.
func fileSig(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d/%d/%d", st.Ino, fi.Size(), fi.ModTime().UnixNano())
	}
	return fmt.Sprintf("%d/%d", fi.Size(), fi.ModTime().UnixNano())
}

// dbErr says why the store is not open.
func (h *holds) dbErr() error {
	h.errMu.Lock()
	defer h.errMu.Unlock()
	if h.storeErr == nil {
		return errors.New("the request store is not open")
	}
	return h.storeErr
}

// close closes the store.
func (h *holds) close() {
	if st := h.storeP.Load(); st != nil {
		st.Close()
	}
}

// Hold waits and grant limits.
const (
	// defaultHoldWait is used when the settings give none.
	defaultHoldWait = 90
	// MaxGrant bounds a remembered approval when the settings do not.
	MaxGrant = 24 * time.Hour
	// approvedTreeMax bounds how long a person's approval covers the commands
	// the approved command starts.
	approvedTreeMax = time.Hour
	// approvalStands is how long an approve-once waits to be used by the same
	// command sent again; after that the command holds anew.
	approvalStands = time.Hour
)

// agentWait is how long a held command may wait for each agent, below the
// time after which that harness kills the command.
var agentWait = map[string]int{
	"codex":     8,  // kills after 10 s
	"swe-agent": 25, // 30 s
	"openhands": 25, // 30 s without output
	"cline":     25, // 30 s
}

// holdWait is the wait for a request: GATESH_HOLD_WAIT, else the agent's
// budget, else the hold_wait setting.
func (s *Server) holdWait(env map[string]string, agent string) int {
	if v, err := strconv.Atoi(strings.TrimSpace(env["GATESH_HOLD_WAIT"])); err == nil && v >= 0 {
		return v
	}
	if w, ok := agentWait[agent]; ok {
		return w
	}
	if n, ok := s.setting("hold_wait"); ok && n >= 0 {
		return int(n)
	}
	return defaultHoldWait
}

// setting reads a number from the policy's settings.
func (s *Server) setting(key string) (float64, bool) {
	st := s.policy.Load()
	if st == nil || st.j == nil {
		return 0, false
	}
	return st.j.Engine().SettingNumber(key)
}

// maxGrant is the longest grant the settings allow.
func (s *Server) maxGrant() time.Duration {
	if h, ok := s.setting("grant_max_hours"); ok && h > 0 {
		return time.Duration(h * float64(time.Hour))
	}
	return MaxGrant
}

// requestKey identifies "the same command again": the judged command, exactly,
// in the same directory.
func requestKey(command, cwd string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(command) + "\x00" + cwd))
	return hex.EncodeToString(h[:])
}

// settle turns a hold into an allow when a person already answered for it: the
// process descends from a command a person approved, an approval for the same
// command stands, or a grant covers every rule that held it. It returns the
// event to log, "" when the hold stands.
func (s *Server) settle(resp *wire.Response, doc *input.Document, peer proc) (event string, requestID int64) {
	h := s.holds
	if _, id, ok := h.approved.ancestor(peer.pid); ok && !touchesGate(resp.Reasons) {
		resp.Action, resp.Note = wire.ActionAllow, fmt.Sprintf("started by a command the user approved (request %d)", id)
		return "approved-tree", id
	}
	if doc == nil || !doc.Session {
		if _, id, ok := h.sessionLine.ancestor(peer.pid); ok && foreground(peer.pid) && !touchesGate(resp.Reasons) {
			resp.Action, resp.Note = wire.ActionAllow, fmt.Sprintf("run by a session line the user approved (request %d)", id)
			return "approved-tree", id
		}
	}
	if h.db() == nil || doc == nil {
		return "", 0
	}
	key := requestKey(resp.Command, doc.Cwd)
	if r, ok, err := h.db().FindApproved(key); err == nil && ok && time.Since(r.Decided) < approvalStands {
		if _, err := h.db().SetStatus(r.ID, []string{store.Approved}, store.Used); err == nil {
			resp.Action, resp.Note = wire.ActionAllow, fmt.Sprintf("approved by the user as request %d", r.ID)
			h.cover(peer, r.ID, doc.Session)
			return "approval-use", r.ID
		}
	}
	grants, err := h.db().Grants(time.Now(), false)
	if err != nil {
		return "", 0
	}
	for _, g := range grants {
		if g.Workspace != doc.Workspace.Root || (g.Branch != "" && g.Branch != doc.Workspace.Branch) || !store.Match(g.Pattern, resp.Command) || !covers(g.Rules, resp.Reasons) {
			continue
		}
		if err := h.db().UseGrant(g.ID, time.Now()); err != nil {
			continue
		}
		resp.Action, resp.Note = wire.ActionAllow, fmt.Sprintf("covered by the user's grant %d", g.ID)
		return "grant-use", g.RequestID
	}
	return "", 0
}

// touchesGate reports whether a hold is about the gate itself (rc files,
// harness snapshots, gatesh's own files): an approval of the command above it
// does not cover that.
func touchesGate(reasons []wire.Reason) bool {
	for _, r := range reasons {
		if r.Class == "tamper" {
			return true
		}
	}
	return false
}

// covers reports whether a grant's rules include every hold reason.
func covers(rules []string, reasons []wire.Reason) bool {
	have := map[string]bool{}
	for _, r := range rules {
		have[r] = true
	}
	for _, r := range reasons {
		if !have[r.ID] {
			return false
		}
	}
	return len(reasons) > 0
}

// queue records a held command as a request (or finds the one already pending
// for the same command) and returns its id.
func (s *Server) queue(resp wire.Response, req wire.Request, doc *input.Document, uid int) (int64, error) {
	h := s.holds
	if h.db() == nil {
		return 0, h.dbErr()
	}
	key := requestKey(resp.Command, req.Cwd)
	pending, err := h.db().Requests(store.Filter{Status: []string{store.Pending, store.Gone}})
	if err != nil {
		return 0, err
	}
	for _, r := range pending {
		if r.Key == key {
			if r.Status == store.Gone {
				h.db().SetStatus(r.ID, []string{store.Gone}, store.Pending)
			}
			return r.ID, nil
		}
	}
	r := &store.Request{
		Text: req.Text, Command: resp.Command, Key: key, Cwd: req.Cwd, Class: resp.Class,
		PID: req.PID, UID: uid, Harness: resp.Harness,
	}
	r.Rules = append(r.Rules, resp.Reasons...)
	if doc != nil {
		r.Workspace, r.Branch = doc.Workspace.Root, doc.Workspace.Branch
		r.Agent, r.Session = doc.Agent.Name, doc.Agent.Session
		if b, err := json.Marshal(doc.Commands); err == nil {
			r.Facts = b
		}
	}
	return h.db().AddRequest(r)
}

// await keeps a held gatesh waiting for a person's answer, or until the wait
// runs out, or until it goes away. The answer is the second line gatesh reads.
//
// session says the request is a gated session's line, whose approval covers
// less (see cover). A line the caller sends meanwhile withdraws the request
// (Ctrl-C in a session).
func (s *Server) await(ctx context.Context, conn *net.UnixConn, id int64, wait int, peer proc, session bool) wire.Response {
	_ = conn.SetDeadline(time.Now().Add(time.Duration(wait)*time.Second + readTimeout))
	gone, withdrawn := make(chan struct{}), make(chan struct{})
	go func() {
		var b [1]byte
		// gatesh sends nothing more, unless it withdraws the request: this
		// returns when it goes away or withdraws.
		if n, _ := conn.Read(b[:]); n > 0 {
			close(withdrawn)
			return
		}
		close(gone)
	}()
	return s.waitAnswer(ctx, id, wait, peer, session, gone, withdrawn)
}

// waitAnswer waits for a person's answer on request id for peer, for wait
// seconds at most, or until the caller goes away (gone) or withdraws the
// request (withdrawn; nil when it cannot). A zero Response means it went
// away.
func (s *Server) waitAnswer(ctx context.Context, id int64, wait int, peer proc, session bool, gone, withdrawn <-chan struct{}) wire.Response {
	h := s.holds
	ch := make(chan wire.Response, 1)
	h.mu.Lock()
	h.waiters[id] = append(h.waiters[id], ch)
	h.mu.Unlock()
	defer h.unsubscribe(id, ch)

	// An answer given between the hold and now is in the store already.
	if resp, done := s.answered(id, peer, session); done {
		return resp
	}
	timer := time.NewTimer(time.Duration(wait) * time.Second)
	defer timer.Stop()
	select {
	case resp := <-ch:
		if resp.Outcome == wire.OutcomeApproved && !s.runApproved(id, peer, session) {
			// Two runs of the same command waited on one request: an
			// approve-once lets one of them run.
			return wire.Response{V: wire.Version, Action: wire.ActionHold, Outcome: wire.OutcomeExpired, RequestID: id, Note: "its approval was used by another run of the same command"}
		}
		return resp
	case <-timer.C:
		s.event("expire", id, "the wait ran out; the request stays pending", "")
		return wire.Response{V: wire.Version, Action: wire.ActionHold, Outcome: wire.OutcomeExpired, RequestID: id}
	case <-withdrawn:
		if h.db() != nil {
			if _, err := h.db().SetStatus(id, []string{store.Pending}, store.Withdrawn); err == nil {
				s.event("withdraw", id, "the agent withdrew the request (Ctrl-C while it waited)", "")
			}
		}
		return wire.Response{V: wire.Version, Action: wire.ActionDeny, Outcome: wire.OutcomeWithdrawn, RequestID: id}
	case <-gone:
		if h.db() != nil {
			if _, err := h.db().SetStatus(id, []string{store.Pending}, store.Gone); err == nil {
				s.event("gone", id, "the agent's command went away while it waited", "")
			}
		}
		return wire.Response{}
	case <-ctx.Done():
		return wire.Response{V: wire.Version, Action: wire.ActionHold, Outcome: wire.OutcomeExpired, RequestID: id, Note: "the daemon is stopping"}
	}
}

// answered returns the outcome of a request a person already decided.
func (s *Server) answered(id int64, peer proc, session bool) (wire.Response, bool) {
	if s.holds.db() == nil {
		return wire.Response{}, false
	}
	r, err := s.holds.db().Request(id)
	if err != nil {
		return wire.Response{}, false
	}
	switch r.Status {
	case store.Approved:
		if !s.runApproved(id, peer, session) {
			return wire.Response{V: wire.Version, Action: wire.ActionHold, Outcome: wire.OutcomeExpired, RequestID: id, Note: "its approval was used by another run of the same command"}, true
		}
		return wire.Response{V: wire.Version, Action: wire.ActionAllow, Outcome: wire.OutcomeApproved, RequestID: id}, true
	case store.Denied:
		return wire.Response{V: wire.Version, Action: wire.ActionDeny, Outcome: wire.OutcomeDenied, RequestID: id, Note: r.Reason}, true
	case store.Used:
		return wire.Response{V: wire.Version, Action: wire.ActionHold, Outcome: wire.OutcomeExpired, RequestID: id, Note: "its approval was used already"}, true
	}
	return wire.Response{}, false
}

// runApproved uses up an approve-once for the waiting process and remembers it,
// so that what it starts does not hold again. It reports false when the
// approval was used already.
func (s *Server) runApproved(id int64, peer proc, session bool) bool {
	if s.holds.db() == nil {
		return false
	}
	if _, err := s.holds.db().SetStatus(id, []string{store.Approved}, store.Used); err != nil {
		return false
	}
	s.holds.cover(peer, id, session)
	if session {
		id = 0 // the session outlives the line: it is agent-run, not approved
	}
	s.holds.ran.add(peer, id)
	return true
}

// cover remembers what a person's approval (request id) of peer's command
// covers: the processes it starts, or, for a gated session's line (the session
// outlives the line), what the line runs in the foreground of the session's
// terminal until the session sends its next line.
func (h *holds) cover(peer proc, id int64, session bool) {
	if session {
		h.sessionLine.add(peer, id)
	} else {
		h.approved.add(peer, id)
	}
}

func (h *holds) unsubscribe(id int64, ch chan wire.Response) {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.waiters[id]
	for i, c := range list {
		if c == ch {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(h.waiters, id)
	} else {
		h.waiters[id] = list
	}
}

// notify hands a person's answer to the gatesh processes waiting on id.
func (h *holds) notify(id int64, resp wire.Response) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, ch := range h.waiters[id] {
		select {
		case ch <- resp:
			n++
		default:
		}
	}
	return n
}

// anyWaiting reports whether some gatesh waits for an answer: the daemon does
// not go idle under it.
func (h *holds) anyWaiting() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.waiters) > 0
}

func (h *holds) waiting(id int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.waiters[id]) > 0
}

// event logs something that happened to a request; who is the person who
// did it ("" for what the daemon did on its own).
func (s *Server) event(kind string, requestID int64, note, who string) {
	e := audit.Entry{
		Input:  map[string]any{"request_id": requestID},
		Result: map[string]any{"event": kind, "note": note},
		Custom: map[string]any{"event": kind, "request_id": requestID},
		Labels: map[string]string{"version": s.cfg.Version},
	}
	if who != "" {
		e.Custom["approver"] = who
	}
	if _, err := s.audit.Append(e); err != nil {
		s.log.Printf("DECISION LOG: %v", err)
	}
}
