//go:build !linux

package confine

// ABI returns 0: Landlock is Linux's.
func ABI() int { return 0 }

// Apply enforces nothing outside Linux and says so in the Report.
func Apply(r Rules) (Report, error) {
	return Report{Left: []Omission{{"landlock", "not Linux: nothing is confined"}}, Overlaps: Overlaps(r)}, nil
}

// ApplyThread enforces nothing outside Linux and says so in the Report.
func ApplyThread(r Rules) (Report, error) { return Apply(r) }
