// Package store keeps what the gatesh daemon must not forget: held requests
// (a command waiting for a person, with its facts, the rules that held it and
// its outcome), the history of every status change of each request, and
// grants (remembered approvals scoped to rule ids, a command pattern, a
// workspace and an expiry).
//
// It is SQLite because a held request has to survive a daemon restart and a
// crash, and the person's answer must be durable the moment it is given:
// SQLite gives atomic, fsynced transactions in one file, with no server to run.
// The driver is modernc.org/sqlite (pure Go), so gatesh keeps building with
// CGO_ENABLED=0. The database runs in WAL mode with a busy timeout, foreign
// keys on, and synchronous=FULL (a committed approval is never lost to a
// power cut). The daemon is the only writer; the schema carries a version
// (PRAGMA user_version) and is migrated at Open.
package store

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Status of a request.
const (
	Pending   = "pending"   // waiting for a person
	Approved  = "approved"  // approved once; not yet run
	Used      = "used"      // approved, and the command ran (an approve-once is used up)
	Denied    = "denied"    // a person said no (Reason says why)
	Gone      = "gone"      // still pending, but the agent process that asked went away (may still be approved; then Approved)
	Withdrawn = "withdrawn" // the agent cancelled the wait (Ctrl-C in a session)
)

// Errors callers test with errors.Is. The errors returned carry more detail
// (the request id, the current status, the path) in their message.
var (
	ErrNotFound      = errors.New("not found")
	ErrNotPending    = errors.New("request is not pending")
	ErrBadTransition = errors.New("status change not allowed")
	ErrInactive      = errors.New("grant is not active")
	ErrCorrupt       = errors.New("not a usable database")
	ErrLocked        = errors.New("database is locked by another process")
	ErrTooNew        = errors.New("database schema is newer than this gatesh")
	ErrNotGatesh     = errors.New("not a gatesh store")
)

// DefaultBusyTimeout is how long a statement waits for another process's
// lock before giving up with ErrLocked. Long enough to ride out a checkpoint
// or a second gatectl briefly opening the file, short enough that a stuck
// lock shows up as an error rather than a hung agent.
const DefaultBusyTimeout = 5 * time.Second

// Options tune Open. The zero value is the production setting.
type Options struct {
	BusyTimeout time.Duration // 0 means DefaultBusyTimeout
}

// Store is an open store. Its methods are safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	busy time.Duration
	now  func() time.Time
}

// Open opens the store at path, creating the file (mode 0600: it holds the
// agent's commands) if it does not exist, and creating or migrating the
// schema. The directory must exist. A file that is not a usable SQLite
// database, or whose schema is newer than this code, is refused and left
// exactly as it was.
func Open(path string) (*Store, error) {
	return OpenWith(path, Options{})
}

// OpenWith is Open with options.
func OpenWith(path string, o Options) (*Store, error) {
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if err := createPrivate(abs); err != nil {
		return nil, err
	}
	s := &Store{path: abs, busy: o.BusyTimeout, now: time.Now}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) open() error {
	db, err := sql.Open("sqlite", dsn(s.path, s.busy))
	if err != nil {
		return s.wrap("open", err)
	}
	// One connection. The daemon is the only writer and SQLite runs one write
	// at a time anyway; every query here touches a handful of rows and takes
	// microseconds, so a separate read pool would buy nothing but a second
	// lock holder inside our own process (and SQLITE_BUSY between our own
	// connections). Callers queue in database/sql instead of in SQLite.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s.db = db
	if err := s.init(); err != nil {
		db.Close()
		return err
	}
	return nil
}

func (s *Store) init() error {
	// Ping opens the connection, which runs the DSN pragmas; a file that is
	// not a database fails here (journal_mode must read the header).
	if err := s.db.Ping(); err != nil {
		return s.wrap("open", err)
	}
	if err := s.checkIdentity(); err != nil {
		return err
	}
	return s.migrate()
}

// Close closes the database. Pending requests stay in the file.
func (s *Store) Close() error {
	return s.wrap("close", s.db.Close())
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// createPrivate creates path with mode 0600 if it does not exist, so SQLite
// (which creates with 0644 minus umask) never makes it world-readable; the
// -wal and -shm files inherit the database file's mode. An existing file is
// not touched.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store %s: cannot create the database file: %w", path, err)
	}
	return f.Close()
}

// dsn builds the driver's data source name. The path is given as a file: URI
// so that a '?' or '#' in a directory name cannot be read as parameters.
// _txlock=immediate makes every transaction take the write lock at BEGIN:
// SQLite does not apply the busy timeout when a read transaction is upgraded
// to a write one (it returns SQLITE_BUSY at once to avoid a deadlock), so
// deferred transactions would fail spuriously when another process writes.
func dsn(path string, busy time.Duration) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busy.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(FULL)",
		"_txlock=immediate",
	}
	return "file:" + esc + "?" + strings.Join(q, "&")
}
