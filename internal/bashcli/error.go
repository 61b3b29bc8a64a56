package bashcli

import "fmt"

// Error is a command line that bash itself rejects before running anything.
type Error struct {
	// Msg is the line bash prints on stderr, without its newline.
	Msg string
	// Usage tells that bash follows Msg with its usage summary (for an invalid
	// option, not for a missing argument or a bad option name).
	Usage bool
}

func (e *Error) Error() string { return e.Msg }

// Status is the exit status bash uses for a bad command line (EX_BADUSAGE).
func (e *Error) Status() int { return 2 }

// badUsage builds the *Error for a line bash prints before exiting with status 2.
func badUsage(usage bool, format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), Usage: usage}
}
