package store

import (
	"encoding/json"
	"time"
)

// ns is t as stored: Unix nanoseconds, 0 for the zero time ("not yet").
func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNS undoes ns. Times come back in the local zone, without a monotonic
// reading; compare them with Equal.
func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// nullID stores an absent reference (id 0) as NULL, which the foreign keys
// accept.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullJSON(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

// nonNil stores no rules as [] rather than null.
func nonNil(r []Rule) []Rule {
	if r == nil {
		return []Rule{}
	}
	return r
}
