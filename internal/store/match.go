package store

import "strings"

// stops are the characters a * never matches: those that end one command
// and start another, redirect, or substitute. A grant for "git push origin *"
// must not cover "git push origin main; git push evil main" when a caller
// matches a whole command line, so a * stays inside one simple command. A
// pattern can still contain them literally.
const stops = "\n\r;&|`$()<>"

// Match reports whether command matches pattern: the same text, or, where
// the pattern has *, any run of characters (including none) in its place.
// Nothing else is special: . ? [ \ and the like match only themselves. A *
// does not match the characters in stops.
func Match(pattern, command string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == command
	}
	// An exact simulation of the pattern as an automaton: at[i] means
	// pattern[:i] matches the command read so far. Linear in each input, with
	// no backtracking to get wrong or to blow up on many stars.
	at := make([]bool, len(pattern)+1)
	next := make([]bool, len(pattern)+1)
	at[0] = true
	skipStars(pattern, at)
	for j := 0; j < len(command); j++ {
		clear(next)
		step(pattern, command[j], at, next)
		skipStars(pattern, next)
		at, next = next, at
	}
	return at[len(pattern)]
}

// step moves every live position over the byte c.
func step(pattern string, c byte, at, next []bool) {
	for i := range len(pattern) {
		switch {
		case !at[i]:
		case pattern[i] == '*':
			next[i] = next[i] || strings.IndexByte(stops, c) < 0
		case pattern[i] == c:
			next[i+1] = true
		}
	}
}

// skipStars lets each * match nothing.
func skipStars(pattern string, at []bool) {
	for i := range len(pattern) {
		if at[i] && pattern[i] == '*' {
			at[i+1] = true
		}
	}
}
