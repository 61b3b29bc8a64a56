//go:build !linux

package confine

import "errors"

// ABI returns 0: Landlock is Linux's.
func ABI() int { return 0 }

// Apply enforces nothing outside Linux and says so in the Report.
func Apply(r Rules) (Report, error) {
	return Report{Left: []Omission{{"landlock", "not Linux: nothing is confined"}}, Overlaps: Overlaps(r)}, nil
}

// ApplyThread enforces nothing outside Linux and says so in the Report.
func ApplyThread(r Rules) (Report, error) { return Apply(r) }

// Ruleset is a ruleset built and not yet enforced; outside Linux it holds nothing.
type Ruleset struct{ rep Report }

// Build returns a Ruleset that enforces nothing outside Linux.
func Build(r Rules) (*Ruleset, error) {
	rep, _ := Apply(r)
	return &Ruleset{rep: rep}, nil
}

// FD is -1: there is nothing to enforce.
func (s *Ruleset) FD() int { return -1 }

// Report says that nothing is confined.
func (s *Ruleset) Report() Report { return s.rep }

// Close does nothing.
func (s *Ruleset) Close() error { return nil }

// Apply enforces nothing.
func (s *Ruleset) Apply() (Report, error) { return s.rep, nil }

// ApplyThread enforces nothing.
func (s *Ruleset) ApplyThread() (Report, error) { return s.rep, nil }

// Enforce fails: Landlock is Linux's.
func Enforce(fd int, allThreads bool) (bool, error) {
	return false, errors.New("landlock: not Linux")
}
