//go:build race

package httpauth

// raceEnabled: under the race detector bcrypt runs about 30 times slower,
// so tests that hash with bcrypt use a lower cost.
const raceEnabled = true
