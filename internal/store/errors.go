package store

import (
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// StatusError says a request was not in a status the change needed. It
// matches ErrNotPending with errors.Is.
type StatusError struct {
	ID     int64
	Status string   // what the request is
	Want   []string // what it had to be
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("request %d is %s, not %s", e.ID, e.Status, strings.Join(e.Want, " or "))
}

// Is makes errors.Is(err, ErrNotPending) true.
func (e *StatusError) Is(target error) bool { return target == ErrNotPending }

// wrap turns a driver error into one a person can act on, naming the file
// and the operation. Our own sentinel errors pass through unchanged; every
// other error keeps its original text (and stays unwrappable) so nothing is
// lost.
func (s *Store) wrap(op string, err error) error {
	if err == nil || isOurs(err) {
		return err
	}
	switch sqliteCode(err) {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("store %s: %s: %w (gave up after waiting %v); is another gatectl serve using the same state directory? (%w)",
			s.path, op, ErrLocked, s.busy, err)
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return s.corrupt(err)
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("store %s: %s: the disk is full; nothing was saved by this step: %w", s.path, op, err)
	}
	return fmt.Errorf("store %s: %s: %w", s.path, op, err)
}

func (s *Store) corrupt(err error) error {
	return fmt.Errorf("store %s is %w (%w); it was left as it is: move it aside, with any -wal and -shm file beside it (e.g. mv %s %s.broken), and gatesh will create a new one",
		s.path, ErrCorrupt, err, s.path, s.path)
}

func isOurs(err error) bool {
	for _, e := range []error{ErrNotFound, ErrNotPending, ErrBadTransition, ErrInactive,
		ErrCorrupt, ErrLocked, ErrTooNew, ErrNotGatesh} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// sqliteCode is the primary SQLite result code of err, or 0. Extended codes
// (SQLITE_BUSY_SNAPSHOT, SQLITE_CORRUPT_INDEX, ...) fold to their primary.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}
