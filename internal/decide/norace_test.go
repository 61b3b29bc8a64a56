//go:build !race

package decide

// raceEnabled says the tests run under the race detector.
const raceEnabled = false
