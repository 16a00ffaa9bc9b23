//go:build race

package exampletest

// raceEnabled reports whether the tests run under the race detector; the
// programs under test are then built with it too.
const raceEnabled = true
