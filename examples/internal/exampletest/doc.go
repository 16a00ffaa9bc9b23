// Package exampletest runs the example programs the way a user would, for
// their tests: it builds a program once per test binary, starts it with
// flags, waits for what it prints, signals it, and looks up the real clients
// (curl, htpasswd, chromium) the tests drive it with.
//
// It is internal to examples/ and only imported by their tests.
package exampletest
