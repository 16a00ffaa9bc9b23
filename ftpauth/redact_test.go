package ftpauth

import (
	"bytes"
	"errors"
	"log/slog"
	"strconv"
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
		{"a word that merely starts with PASS is redacted too (the rule takes no position)", "PASSIVE", "PASS <redacted>"},
		{"a line without PASS is logged as it is", "PASV", "PASV"},
		{"a PASS line with a tab (an unknown command to the server) is redacted", "PASS\thunter2", "PASS <redacted>"},
		{"an upper-cased unknown PASS command is redacted", "PASS\tHUNTER2", "PASS <redacted>"},
		{"PASS with anything after it is redacted", "PASShunter2", "PASS <redacted>"},
		{"a near miss spelt with a long s (ſ folds to s) is redacted", "paſs\tsecret", "PASS <redacted>"},
		{"one after spaces is redacted", " paſs secret", "PASS <redacted>"},
		{"one with a carriage return is redacted", "paſs\rsecret", "PASS <redacted>"},
		{"one after a Telnet interrupt (IAC IP) is redacted", "\xff\xf4PASS\thunter2", "PASS <redacted>"},
		{"its unknown command, upper-cased, is redacted", strings.ToUpper("\xff\xf4PASS\thunter2"), "PASS <redacted>"},
		{"its reply, quoting the command, is redacted", `500 Unknown command "\ufffd\ufffdPASS\tHUNTER2"`, "PASS <redacted>"},
		{"PASS anywhere on the line is redacted", "STAT PASS hunter2", "PASS <redacted>"},
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

// ftpserverlib logs errors and panic values as they are: one that mentions
// PASS is redacted as a string would be.
func TestAnErrorMentioningPASSIsRedacted(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(redactHandler{slog.NewTextHandler(&buf, nil)}).With("component", "ftpserverlib")
	l.Warn("Internal command handling error", "err", errors.New("bad PASS\thunter2"), "command", "STOR")
	out := buf.String()
	if strings.Contains(strings.ToLower(out), "hunter2") || !strings.Contains(out, "err=\"PASS <redacted>\"") {
		t.Errorf("log %q", out)
	}
	if !strings.Contains(out, "command=STOR") {
		t.Errorf("log %q lacks the other attribute", out)
	}
}

// A PASS line the server does not parse as PASS (a tab instead of the
// space, a Telnet interrupt before it) is logged by ftpserverlib as an
// unknown command, at Warn level and upper-cased: the password must not be
// in the log all the same.
func TestAMalformedPASSLineIsNotLogged(t *testing.T) {
	for _, line := range []string{"PASS\t%s", "\xff\xf4PASS\t%s", "\xff\xf4pass %s"} {
		t.Run(strconv.Quote(line), func(t *testing.T) {
			f := newFixture(t, fixtureConfig{})
			c := f.raw()
			cmd(t, c, "USER alice")
			if code, _ := cmd(t, c, line, testUsers["alice"]); code == 230 {
				t.Fatalf("%q logged in", line)
			}
			f.stop() // checks the log for every password, in any case
			if !strings.Contains(f.log.String(), "PASS <redacted>") {
				t.Errorf("the malformed line was not logged redacted:\n%s", f.log.String())
			}
		})
	}
}

// A line that does not start like a command (a password pasted on a line
// of its own, or with PASS mangled past recognition) is logged as its
// length wherever ftpserverlib logs it; unknown commands shaped like one
// are logged as they are.
func TestLinesThatAreNoCommandAreLoggedAsTheirLength(t *testing.T) {
	for _, tc := range []struct{ msg, key, value, want string }{
		{"Unknown command", "command", "ZQ13BARE", "<not a command, 8 bytes>"},
		{"Unknown command", "command", "P\x00ASS\tZQ7NUL", "<not a command, 12 bytes>"},
		{"Unknown command", "command", "\uff30ASS\tZQ15FW", "<not a command, 13 bytes>"},
		{"Received line", "line", "Zq13bare", "<not a command, 8 bytes>"},
		{"Received line", "line", "correct horse battery staple", "<not a command, 28 bytes>"},
		{"Answer couldn't be sent", "line", `500 Unknown command "ZQ13BARE"`, "500 Unknown command <not a command, 10 bytes>"},
		{"Unknown command", "command", "XYZW", "XYZW"},
		{"Received line", "line", "RETR notes.txt", "RETR notes.txt"},
		{"Answer couldn't be sent", "line", "226 Closing data connection", "226 Closing data connection"},
		{"Answer couldn't be sent", "line", `500 Unknown command "XYZW"`, `500 Unknown command "XYZW"`},
	} {
		var buf bytes.Buffer
		slog.New(redactHandler{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})}).Warn(tc.msg, tc.key, tc.value)
		if want := tc.key + "=" + strconv.Quote(tc.want); !strings.Contains(buf.String(), want) && !strings.Contains(buf.String(), tc.key+"="+tc.want+"\n") {
			t.Errorf("%s %q: logged %q, want %s", tc.msg, tc.value, buf.String(), want)
		}
	}
}
