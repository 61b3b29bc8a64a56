package store

import (
	"fmt"
)

// appID marks the file as a gatesh store (PRAGMA application_id, "gate"), so
// Open can tell its own file from some other SQLite database at the same path
// and refuse to add tables to the latter.
const appID = 0x67617465

// migrations bring the schema from version i to i+1 (migrations[i] makes
// version i+1). Append only: a released migration is never edited, because
// databases in the field already ran it.
var migrations = []string{
	schemaV1,
}

// SchemaVersion is the schema version this code writes and understands: the
// number of migrations (a test keeps the two in step).
const SchemaVersion = 1

// Times are INTEGER Unix nanoseconds (0 for "not yet"): exact round trips and
// numeric ordering. Ids are AUTOINCREMENT so a number once shown to an agent
// ("held as request 12") is never given to another request, even after rows
// are deleted. There is no CHECK on status: a future status then needs no
// table rebuild; the Go code validates statuses.
const schemaV1 = `
CREATE TABLE requests (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	text      TEXT    NOT NULL,
	command   TEXT    NOT NULL,
	cmd_key   TEXT    NOT NULL,
	cwd       TEXT    NOT NULL,
	workspace TEXT    NOT NULL DEFAULT '',
	branch    TEXT    NOT NULL DEFAULT '',
	agent     TEXT    NOT NULL DEFAULT '',
	session   TEXT    NOT NULL DEFAULT '',
	harness   TEXT    NOT NULL DEFAULT '',
	class     TEXT    NOT NULL DEFAULT '',
	rules     TEXT    NOT NULL DEFAULT '[]', -- JSON [{id,msg,class}]
	facts     TEXT,                          -- JSON, NULL if none
	pid       INTEGER NOT NULL DEFAULT 0,
	uid       INTEGER NOT NULL DEFAULT 0,
	status    TEXT    NOT NULL,
	created   INTEGER NOT NULL,
	decided   INTEGER NOT NULL DEFAULT 0,
	approver  TEXT    NOT NULL DEFAULT '',
	reason    TEXT    NOT NULL DEFAULT '',
	grant_id  INTEGER REFERENCES grants(id),
	used      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX requests_status ON requests(status, id);
CREATE INDEX requests_key ON requests(cmd_key, status, id);
CREATE INDEX requests_created ON requests(created);

CREATE TABLE grants (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	rules      TEXT    NOT NULL, -- JSON array of rule ids
	pattern    TEXT    NOT NULL,
	workspace  TEXT    NOT NULL DEFAULT '',
	branch     TEXT    NOT NULL DEFAULT '',
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	request_id INTEGER REFERENCES requests(id),
	approver   TEXT    NOT NULL DEFAULT '',
	uses       INTEGER NOT NULL DEFAULT 0,
	last_used  INTEGER NOT NULL DEFAULT 0,
	revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX grants_active ON grants(revoked, expires);

CREATE TABLE request_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	request_id  INTEGER NOT NULL REFERENCES requests(id),
	at          INTEGER NOT NULL,
	from_status TEXT    NOT NULL, -- '' for the creation
	to_status   TEXT    NOT NULL,
	who         TEXT    NOT NULL DEFAULT '',
	note        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX request_events_request ON request_events(request_id, id);
`

// checkIdentity refuses a file that is some other program's database, or a
// gatesh store from a newer gatesh, before anything is written to it.
func (s *Store) checkIdentity() error {
	var id, version, objects int
	err := s.db.QueryRow(`SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version),
		(SELECT count(*) FROM sqlite_schema)`).Scan(&id, &version, &objects)
	if err != nil {
		return s.wrap("read the schema version", err)
	}
	foreign := id != 0 && id != appID
	unmarked := id == 0 && version == 0 && objects > 0
	if foreign || unmarked {
		return fmt.Errorf("store %s: %w: it is an SQLite database that some other program made; point gatesh elsewhere or move the file aside", s.path, ErrNotGatesh)
	}
	return s.tooNew(version)
}

func (s *Store) tooNew(version int) error {
	if version > SchemaVersion {
		return fmt.Errorf("store %s: %w: it is at schema version %d and this gatesh knows up to %d; run the newer gatesh that wrote it (the file was not changed)",
			s.path, ErrTooNew, version, SchemaVersion)
	}
	return nil
}

// migrate applies the missing migrations in one transaction, so a crash or
// an error leaves the file at its old version, never half-migrated. The
// version is read again inside the transaction: another process may have
// migrated the file between checkIdentity and BEGIN.
func (s *Store) migrate() error {
	var version int
	if err := s.db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return s.wrap("read the schema version", err)
	}
	if version == SchemaVersion {
		return nil
	}
	tx, err := s.db.Begin()
	if err != nil {
		return s.wrap("migrate the schema", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return s.wrap("migrate the schema", err)
	}
	if err := s.tooNew(version); err != nil {
		return err
	}
	for v := version; v < SchemaVersion; v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return s.wrap(fmt.Sprintf("migrate the schema to version %d", v+1), err)
		}
	}
	stamp := fmt.Sprintf(`PRAGMA user_version = %d; PRAGMA application_id = %d`, SchemaVersion, appID)
	if _, err := tx.Exec(stamp); err != nil {
		return s.wrap("migrate the schema", err)
	}
	return s.wrap("migrate the schema", tx.Commit())
}
