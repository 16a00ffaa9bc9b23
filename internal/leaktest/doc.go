// Package leaktest is for tests that a value never shows a secret: it
// prints the value every common way a program might (fmt verbs, log/slog's
// text and JSON handlers, encoding/json) so the test can search the output.
package leaktest
