package ftpauth

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestDebugLogNeverHoldsThePASSArgument(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"a PASS line is redacted", "PASS hunter2", "PASS <redacted>"},
		{"a lower-case pass line is redacted", "pass hunter2", "PASS <redacted>"},
		{"other commands are logged as they are", "RETR hunter2.txt", "RETR hunter2.txt"},
		{"a word that merely starts with PASS is not touched", "PASSIVE", "PASSIVE"},
		{"a PASS line with a tab (an unknown command to the server) is redacted", "PASS\thunter2", "PASS <redacted>"},
		{"an upper-cased unknown PASS command is redacted", "PASS\tHUNTER2", "PASS <redacted>"},
		{"PASS with a digit after it is another word", "PASS2", "PASS2"},
		{"a near miss spelt with a long s (ſ folds to s) is redacted", "paſs\tsecret", "PASS <redacted>"},
		{"one after spaces is redacted", " paſs secret", "PASS <redacted>"},
		{"one with a carriage return is redacted", "paſs\rsecret", "PASS <redacted>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(redactHandler{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})}).With("component", "ftpserverlib")
			l.Debug("Received line", "line", tt.line)
			out := buf.String()
			if !strings.Contains(out, tt.want) {
				t.Fatalf("log %q lacks %q", out, tt.want)
			}
			if tt.want == "PASS <redacted>" && strings.Contains(strings.ToLower(out), "hunter2") {
				t.Fatalf("log holds the password: %q", out)
			}
		})
	}
}

// A PASS line the server does not parse as PASS (a tab instead of the
// space) is logged by ftpserverlib as an unknown command, at Warn level and
// upper-cased: the password must not be in the log all the same.
func TestAMalformedPASSLineIsNotLogged(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.raw()
	cmd(t, c, "USER alice")
	if code, _ := cmd(t, c, "PASS\t%s", testUsers["alice"]); code == 230 {
		t.Fatal("PASS with a tab logged in")
	}
	f.stop() // checks the log for every password, in any case
	if !strings.Contains(f.log.String(), "PASS <redacted>") {
		t.Errorf("the malformed line was not logged redacted:\n%s", f.log.String())
	}
}
