package main

import "testing"

// The access log names the scheme, and never logs what a malformed header
// carries in its first word.
func TestAuthSchemeLogsOnlyKnownNames(t *testing.T) {
	for header, want := range map[string]string{
		"":                                    "",
		"Basic YWxpY2U6d29uZGVybGFuZA==":      "Basic",
		"basic YWxpY2U6d29uZGVybGFuZA==":      "Basic",
		`Digest username="alice", nonce="n"`:  "Digest",
		"Basic\tYWxpY2U6d29uZGVybGFuZA==":     "other",
		"YWxpY2U6d29uZGVybGFuZA==":            "other",
		"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig": "other",
	} {
		if got := authScheme(header); got != want {
			t.Errorf("authScheme(%q) = %q, want %q", header, got, want)
		}
	}
}
