//go:build !race

package judge

// raceEnabled says the tests run under the race detector.
const raceEnabled = false
