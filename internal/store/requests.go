package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatesh/gatesh/internal/verdict"
)

// Rule is one reason a command was held: a policy rule id, its message and
// its class (the one reason type every layer uses).
type Rule = verdict.Reason

// Request is a held command and what became of it.
type Request struct {
	ID        int64           `json:"id"`
	Text      string          `json:"text"`    // the raw text as sent (wrapper included)
	Command   string          `json:"command"` // the judged command (the agent's command)
	Key       string          `json:"key"`     // identifies "the same command again" (caller's hash of normalized command + cwd)
	Cwd       string          `json:"cwd"`
	Workspace string          `json:"workspace"` // workspace root ("" outside one)
	Branch    string          `json:"branch"`
	Agent     string          `json:"agent"`
	Session   string          `json:"session"`
	Harness   string          `json:"harness"`
	Class     string          `json:"class"`
	Rules     []Rule          `json:"rules"`           // the hold reasons
	Facts     json.RawMessage `json:"facts,omitempty"` // the parsed facts, as JSON
	PID       int             `json:"pid"`             // the gatesh process that asked
	UID       int             `json:"uid"`
	Status    string          `json:"status"`
	Created   time.Time       `json:"created"`
	Decided   time.Time       `json:"decided,omitzero"` // zero while pending
	Approver  string          `json:"approver,omitempty"`
	Reason    string          `json:"reason,omitempty"`   // the person's reason for a denial
	GrantID   int64           `json:"grant_id,omitempty"` // the grant created with the approval
	Used      time.Time       `json:"used,omitzero"`      // when an approval was used up
}

// Event is one entry of a request's history: a status change, who made it
// and why. The first event of every request has From "".
type Event struct {
	ID        int64     `json:"id"`
	RequestID int64     `json:"request_id"`
	At        time.Time `json:"at"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Who       string    `json:"who,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// Filter selects requests. Zero fields select everything.
type Filter struct {
	Status []string  // any of these statuses
	Since  time.Time // created at or after
	Limit  int       // at most this many (the newest)
}

var statuses = []string{Pending, Approved, Used, Denied, Gone, Withdrawn}

// decideFrom are the statuses a person can still answer: a request whose
// agent went away can be approved, so the same command run again later runs.
var decideFrom = []string{Pending, Gone}

// setEdges are the changes SetStatus makes; approvals and denials go through
// Decide, which records who decided. Denied, Used and Withdrawn are final.
var setEdges = map[[2]string]bool{
	{Pending, Gone}:      true, // the agent's process went away
	{Pending, Withdrawn}: true, // the agent cancelled the wait
	{Approved, Used}:     true, // the approved command ran
}

const requestCols = `id, text, command, cmd_key, cwd, workspace, branch, agent, session, harness,
	class, rules, facts, pid, uid, status, created, decided, approver, reason, grant_id, used`

// AddRequest stores r, and records its creation in the history. It sets r.ID,
// r.Created (if zero) and r.Status (Pending if empty).
func (s *Store) AddRequest(r *Request) (int64, error) {
	if err := s.prepareRequest(r); err != nil {
		return 0, err
	}
	tx, err := s.db.Begin()
	if err != nil {
		return 0, s.wrap("add request", err)
	}
	defer tx.Rollback()
	id, err := insertRequest(tx, r)
	if err == nil {
		err = addEvent(tx, Event{RequestID: id, At: r.Created, To: r.Status})
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return 0, s.wrap("add request", err)
	}
	r.ID = id
	return id, nil
}

// prepareRequest fills the defaults and refuses what would make a request
// unsafe to match later: without a key, every keyless approval would match
// every other keyless command.
func (s *Store) prepareRequest(r *Request) error {
	if r.Key == "" {
		return errors.New("store: add request: the request has no key")
	}
	if r.Status == "" {
		r.Status = Pending
	}
	if !slices.Contains(statuses, r.Status) {
		return fmt.Errorf("store: add request: unknown status %q", r.Status)
	}
	if len(r.Facts) > 0 && !json.Valid(r.Facts) {
		return errors.New("store: add request: the facts are not valid JSON")
	}
	if r.Created.IsZero() {
		r.Created = s.now()
	}
	return nil
}

func insertRequest(tx *sql.Tx, r *Request) (int64, error) {
	rules, err := json.Marshal(nonNil(r.Rules))
	if err != nil {
		return 0, err
	}
	res, err := tx.Exec(`INSERT INTO requests (text, command, cmd_key, cwd, workspace, branch, agent,
		session, harness, class, rules, facts, pid, uid, status, created, decided, approver, reason,
		grant_id, used) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.Text, r.Command, r.Key, r.Cwd, r.Workspace, r.Branch, r.Agent, r.Session, r.Harness,
		r.Class, string(rules), nullJSON(r.Facts), r.PID, r.UID, r.Status, ns(r.Created),
		ns(r.Decided), r.Approver, r.Reason, nullID(r.GrantID), ns(r.Used))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Request returns the request with this id, or an error matching ErrNotFound.
func (s *Store) Request(id int64) (Request, error) {
	r, err := getRequest(s.db, id)
	return r, s.wrap("read request", err)
}

// Requests returns the requests f selects, newest first.
func (s *Store) Requests(f Filter) ([]Request, error) {
	q, args := f.query()
	rows, err := s.db.Query(q, args...)
	if err != nil {
		return nil, s.wrap("list requests", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, s.wrap("list requests", err)
		}
		out = append(out, r)
	}
	return out, s.wrap("list requests", rows.Err())
}

func (f Filter) query() (string, []any) {
	var where []string
	var args []any
	if len(f.Status) > 0 {
		where = append(where, "status IN (?"+strings.Repeat(",?", len(f.Status)-1)+")")
		for _, st := range f.Status {
			args = append(args, st)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "created >= ?")
		args = append(args, ns(f.Since))
	}
	q := "SELECT " + requestCols + " FROM requests"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return q, args
}

// Decide records a person's answer: status is Approved or Denied. Only a
// Pending or Gone request can be decided; otherwise the error matches
// ErrNotPending and says what the request is now (another person may have
// answered first). grantID is the grant made with the approval, 0 if none;
// ApproveWithGrant makes both in one step.
func (s *Store) Decide(id int64, status, approver, reason string, grantID int64) (Request, error) {
	if status != Approved && status != Denied {
		return Request{}, fmt.Errorf("store: decide request %d: %w: a decision is %s or %s, not %q", id, ErrBadTransition, Approved, Denied, status)
	}
	if status == Denied && grantID != 0 {
		return Request{}, fmt.Errorf("store: decide request %d: %w: a denial cannot carry a grant", id, ErrBadTransition)
	}
	return s.change("decide request", change{
		id: id, from: decideFrom, to: status, who: approver, note: decisionNote(reason, grantID),
		apply: func(tx *sql.Tx, now time.Time) error {
			_, err := tx.Exec(`UPDATE requests SET decided=?, approver=?, reason=?, grant_id=? WHERE id=?`,
				ns(now), approver, reason, nullID(grantID), id)
			return err
		},
	})
}

func decisionNote(reason string, grantID int64) string {
	if grantID == 0 {
		return reason
	}
	if reason == "" {
		return fmt.Sprintf("grant %d", grantID)
	}
	return fmt.Sprintf("grant %d; %s", grantID, reason)
}

// SetStatus moves a request from one of the statuses in from to status to:
// Pending->Gone, Pending->Withdrawn, or Approved->Used (which sets Used).
// A change the store never allows (to Approved, out of Denied, ...) fails
// with ErrBadTransition whatever the request's status; a request not in from
// fails with an error matching ErrNotPending.
func (s *Store) SetStatus(id int64, from []string, to string) (Request, error) {
	return s.SetStatusBy(id, from, to, "", "")
}

// SetStatusBy is SetStatus that also records who made the change and why in
// the request's history.
func (s *Store) SetStatusBy(id int64, from []string, to, who, note string) (Request, error) {
	if err := checkEdges(from, to); err != nil {
		return Request{}, fmt.Errorf("store: set status of request %d: %w", id, err)
	}
	return s.change("set request status", change{
		id: id, from: from, to: to, who: who, note: note,
		apply: func(tx *sql.Tx, now time.Time) error {
			if to != Used {
				return nil
			}
			_, err := tx.Exec(`UPDATE requests SET used=? WHERE id=?`, ns(now), id)
			return err
		},
	})
}

func checkEdges(from []string, to string) error {
	if len(from) == 0 {
		return fmt.Errorf("%w: no status to move from", ErrBadTransition)
	}
	for _, f := range from {
		if !setEdges[[2]string{f, to}] {
			return fmt.Errorf("%w: %s -> %s", ErrBadTransition, f, to)
		}
	}
	return nil
}

// FindApproved returns the oldest approved, not yet used request with this
// key: the approval that lets the same command run again.
func (s *Store) FindApproved(key string) (Request, bool, error) {
	if key == "" {
		return Request{}, false, nil
	}
	row := s.db.QueryRow(`SELECT `+requestCols+` FROM requests
		WHERE cmd_key = ? AND status = ? ORDER BY id LIMIT 1`, key, Approved)
	r, err := scanRequest(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Request{}, false, nil
	}
	if err != nil {
		return Request{}, false, s.wrap("find an approval", err)
	}
	return r, true, nil
}

// Events returns the history of a request, oldest first.
func (s *Store) Events(id int64) ([]Event, error) {
	if _, err := statusOf(s.db, id); err != nil {
		return nil, s.wrap("read request history", err)
	}
	rows, err := s.db.Query(`SELECT id, request_id, at, from_status, to_status, who, note
		FROM request_events WHERE request_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, s.wrap("read request history", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &e.RequestID, &at, &e.From, &e.To, &e.Who, &e.Note); err != nil {
			return nil, s.wrap("read request history", err)
		}
		e.At = fromNS(at)
		out = append(out, e)
	}
	return out, s.wrap("read request history", rows.Err())
}

// change is one guarded status change of a request.
type change struct {
	id        int64
	from      []string
	to        string
	who, note string
	apply     func(tx *sql.Tx, now time.Time) error // sets the columns that go with the new status
	noteAfter func() string                         // if set, the note, known only after apply
}

// change checks, updates and records in one transaction, so two people
// answering the same request at once cannot both win, and the history never
// misses a change.
func (s *Store) change(op string, c change) (Request, error) {
	tx, err := s.db.Begin()
	if err != nil {
		return Request{}, s.wrap(op, err)
	}
	defer tx.Rollback()
	r, err := s.applyChange(tx, c)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return Request{}, s.wrap(op, err)
	}
	return r, nil
}

func (s *Store) applyChange(tx *sql.Tx, c change) (Request, error) {
	cur, err := statusOf(tx, c.id)
	if err != nil {
		return Request{}, err
	}
	if !slices.Contains(c.from, cur) {
		return Request{}, &StatusError{ID: c.id, Status: cur, Want: c.from}
	}
	now := s.now()
	if err := c.apply(tx, now); err != nil {
		return Request{}, err
	}
	if _, err := tx.Exec(`UPDATE requests SET status=? WHERE id=?`, c.to, c.id); err != nil {
		return Request{}, err
	}
	if c.noteAfter != nil {
		c.note = c.noteAfter()
	}
	ev := Event{RequestID: c.id, At: now, From: cur, To: c.to, Who: c.who, Note: c.note}
	if err := addEvent(tx, ev); err != nil {
		return Request{}, err
	}
	return getRequest(tx, c.id)
}

func addEvent(tx *sql.Tx, e Event) error {
	_, err := tx.Exec(`INSERT INTO request_events (request_id, at, from_status, to_status, who, note)
		VALUES (?,?,?,?,?,?)`, e.RequestID, ns(e.At), e.From, e.To, e.Who, e.Note)
	return err
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRow(query string, args ...any) *sql.Row
}

func statusOf(q querier, id int64) (string, error) {
	var st string
	err := q.QueryRow(`SELECT status FROM requests WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("request %d: %w", id, ErrNotFound)
	}
	return st, err
}

func getRequest(q querier, id int64) (Request, error) {
	r, err := scanRequest(q.QueryRow(`SELECT `+requestCols+` FROM requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Request{}, fmt.Errorf("request %d: %w", id, ErrNotFound)
	}
	return r, err
}

type scanner interface {
	Scan(dest ...any) error
}

func scanRequest(sc scanner) (Request, error) {
	var r Request
	var rules string
	var facts sql.NullString
	var grant sql.NullInt64
	var created, decided, used int64
	err := sc.Scan(&r.ID, &r.Text, &r.Command, &r.Key, &r.Cwd, &r.Workspace, &r.Branch, &r.Agent,
		&r.Session, &r.Harness, &r.Class, &rules, &facts, &r.PID, &r.UID, &r.Status, &created,
		&decided, &r.Approver, &r.Reason, &grant, &used)
	if err != nil {
		return Request{}, err
	}
	if err := json.Unmarshal([]byte(rules), &r.Rules); err != nil {
		return Request{}, fmt.Errorf("request %d: its rules are not valid JSON: %w", r.ID, err)
	}
	if facts.Valid {
		r.Facts = json.RawMessage(facts.String)
	}
	r.GrantID = grant.Int64
	r.Created, r.Decided, r.Used = fromNS(created), fromNS(decided), fromNS(used)
	return r, nil
}
