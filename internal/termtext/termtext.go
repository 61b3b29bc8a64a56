// Package termtext makes text an agent wrote safe to show on the person's
// terminal: on one line, with control characters shown, not obeyed. gatectl's
// list, show and log and the queue's view all draw through it.
package termtext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// OneLine makes s fit on one line of a terminal and keeps what the agent wrote
// from driving it: newlines show as ↵, tabs as spaces, other control characters
// (escape sequences among them) and bytes that are not UTF-8 as \xNN.
func OneLine(s string) string {
	// Invalid UTF-8 is escaped too: a lone byte such as 0x9b is a control
	// sequence introducer to some terminals.
	if utf8.ValidString(s) && !strings.ContainsFunc(s, IsControl) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\n':
			b.WriteRune('↵')
		case r == '\t':
			b.WriteByte(' ')
		case IsControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// IsControl reports whether r is a C0 or C1 control character or DEL.
func IsControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// Cut shortens s to n runes, marking the cut with "…".
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
