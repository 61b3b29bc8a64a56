package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Grant is a remembered approval: commands matching Pattern, held only by
// rules in Rules, in Workspace (and Branch, if set), run without asking again
// until Expires.
type Grant struct {
	ID        int64     `json:"id"`
	Rules     []string  `json:"rules"`     // rule ids the grant covers (never a deny rule: the caller ensures it)
	Pattern   string    `json:"pattern"`   // normalized command pattern: exact text, or a glob with * (see Match)
	Workspace string    `json:"workspace"` // "" = only outside any workspace
	Branch    string    `json:"branch"`    // "" = any branch
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	RequestID int64     `json:"request_id,omitempty"` // the approval it came from
	Approver  string    `json:"approver,omitempty"`
	Uses      int       `json:"uses"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	Revoked   time.Time `json:"revoked,omitzero"` // zero unless revoked
}

// Active reports whether g may be used at time at: not revoked, not expired.
func (g Grant) Active(at time.Time) bool {
	return g.Revoked.IsZero() && g.Expires.After(at)
}

const grantCols = `id, rules, pattern, workspace, branch, created, expires, request_id, approver,
	uses, last_used, revoked`

// AddGrant stores g and sets g.ID and g.Created (if zero). A grant must name
// its rules and pattern and expire: there is no grant forever.
func (s *Store) AddGrant(g *Grant) (int64, error) {
	tx, err := s.db.Begin()
	if err != nil {
		return 0, s.wrap("add grant", err)
	}
	defer tx.Rollback()
	id, err := s.insertGrant(tx, g)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return 0, s.wrap("add grant", err)
	}
	g.ID = id
	return id, nil
}

// ApproveWithGrant approves a Pending or Gone request and stores the grant
// that comes with the approval, in one transaction: if someone else answered
// first, no grant is left behind. It sets g.ID, g.RequestID, g.Approver (if
// empty) and g.Created (if zero).
func (s *Store) ApproveWithGrant(id int64, approver, reason string, g *Grant) (Request, error) {
	g.RequestID = id
	if g.Approver == "" {
		g.Approver = approver
	}
	return s.change("approve request with a grant", change{
		id: id, from: decideFrom, to: Approved, who: approver,
		noteAfter: func() string { return decisionNote(reason, g.ID) },
		apply: func(tx *sql.Tx, now time.Time) error {
			gid, err := s.insertGrant(tx, g)
			if err != nil {
				return err
			}
			g.ID = gid
			_, err = tx.Exec(`UPDATE requests SET decided=?, approver=?, reason=?, grant_id=? WHERE id=?`,
				ns(now), approver, reason, gid, id)
			return err
		},
	})
}

func (s *Store) insertGrant(tx *sql.Tx, g *Grant) (int64, error) {
	if g.Created.IsZero() {
		g.Created = s.now()
	}
	if err := checkGrant(g); err != nil {
		return 0, err
	}
	rules, err := json.Marshal(g.Rules)
	if err != nil {
		return 0, err
	}
	res, err := tx.Exec(`INSERT INTO grants (rules, pattern, workspace, branch, created, expires,
		request_id, approver, uses, last_used, revoked) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		string(rules), g.Pattern, g.Workspace, g.Branch, ns(g.Created), ns(g.Expires),
		nullID(g.RequestID), g.Approver, g.Uses, ns(g.LastUsed), ns(g.Revoked))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func checkGrant(g *Grant) error {
	switch {
	case len(g.Rules) == 0:
		return errors.New("store: a grant must name the rules it covers")
	case g.Pattern == "":
		return errors.New("store: a grant must have a command pattern")
	case !g.Expires.After(g.Created):
		return errors.New("store: a grant must expire after it is created")
	}
	for _, r := range g.Rules {
		if r == "" {
			return errors.New("store: a grant names an empty rule id")
		}
	}
	return nil
}

// Grant returns the grant with this id, or an error matching ErrNotFound.
func (s *Store) Grant(id int64) (Grant, error) {
	g, err := getGrant(s.db, id)
	return g, s.wrap("read grant", err)
}

// Grants returns the grants active at activeAt (not revoked, expiring after
// it), or all of them if includeInactive; newest first.
func (s *Store) Grants(activeAt time.Time, includeInactive bool) ([]Grant, error) {
	q := `SELECT ` + grantCols + ` FROM grants`
	var args []any
	if !includeInactive {
		q += ` WHERE revoked = 0 AND expires > ?`
		args = append(args, ns(activeAt))
	}
	rows, err := s.db.Query(q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, s.wrap("list grants", err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, s.wrap("list grants", err)
		}
		out = append(out, g)
	}
	return out, s.wrap("list grants", rows.Err())
}

// Revoke ends a grant now. Revoking a revoked grant changes nothing (the
// first revocation time stands) and is not an error.
func (s *Store) Revoke(id int64) (Grant, error) {
	return s.updateGrant("revoke grant", id, func(tx *sql.Tx, g Grant) error {
		_, err := tx.Exec(`UPDATE grants SET revoked = ? WHERE id = ? AND revoked = 0`, ns(s.now()), id)
		return err
	})
}

// UseGrant counts one use of a grant at time at. A grant that is revoked or
// expired at that time is not counted and the error matches ErrInactive: a
// revocation racing the caller's match wins, and the caller holds the command.
func (s *Store) UseGrant(id int64, at time.Time) error {
	_, err := s.updateGrant("use grant", id, func(tx *sql.Tx, g Grant) error {
		if !g.Active(at) {
			return fmt.Errorf("grant %d: %w (%s)", id, ErrInactive, inactiveWhy(g, at))
		}
		_, err := tx.Exec(`UPDATE grants SET uses = uses + 1, last_used = ? WHERE id = ?`, ns(at), id)
		return err
	})
	return err
}

func inactiveWhy(g Grant, at time.Time) string {
	if !g.Revoked.IsZero() {
		return "revoked at " + g.Revoked.Format(time.RFC3339)
	}
	return fmt.Sprintf("expired at %s, used at %s", g.Expires.Format(time.RFC3339), at.Format(time.RFC3339))
}

// updateGrant reads the grant, lets fn change it, and returns it as stored,
// all in one transaction.
func (s *Store) updateGrant(op string, id int64, fn func(*sql.Tx, Grant) error) (Grant, error) {
	tx, err := s.db.Begin()
	if err != nil {
		return Grant{}, s.wrap(op, err)
	}
	defer tx.Rollback()
	g, err := getGrant(tx, id)
	if err == nil {
		err = fn(tx, g)
	}
	if err == nil {
		g, err = getGrant(tx, id)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return Grant{}, s.wrap(op, err)
	}
	return g, nil
}

func getGrant(q querier, id int64) (Grant, error) {
	g, err := scanGrant(q.QueryRow(`SELECT `+grantCols+` FROM grants WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Grant{}, fmt.Errorf("grant %d: %w", id, ErrNotFound)
	}
	return g, err
}

func scanGrant(sc scanner) (Grant, error) {
	var g Grant
	var rules string
	var req sql.NullInt64
	var created, expires, lastUsed, revoked int64
	err := sc.Scan(&g.ID, &rules, &g.Pattern, &g.Workspace, &g.Branch, &created, &expires, &req,
		&g.Approver, &g.Uses, &lastUsed, &revoked)
	if err != nil {
		return Grant{}, err
	}
	if err := json.Unmarshal([]byte(rules), &g.Rules); err != nil {
		return Grant{}, fmt.Errorf("grant %d: its rules are not valid JSON: %w", g.ID, err)
	}
	g.RequestID = req.Int64
	g.Created, g.Expires = fromNS(created), fromNS(expires)
	g.LastUsed, g.Revoked = fromNS(lastUsed), fromNS(revoked)
	return g, nil
}
