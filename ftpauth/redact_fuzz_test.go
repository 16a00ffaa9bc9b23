package ftpauth

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// serverVerb is the command ftpserverlib v0.32.0 runs for a line
// (clientHandler.handleCommand): the line up to its first space
// (parseLine), upper-cased with strings.ToUpper, and the rest is the
// parameter. The line is what bufio.Reader.ReadLine returns: no "\n", no
// final "\r".
func serverVerb(line string) (verb, param string) {
	verb, param, _ = strings.Cut(line, " ")
	return strings.ToUpper(verb), param
}

// recordingHandler keeps the attributes of every record it is given.
type recordingHandler struct{ attrs *[]slog.Attr }

func (h recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordingHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool { *h.attrs = append(*h.attrs, a); return true })
	return nil
}
func (h recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordingHandler) WithGroup(string) slog.Handler      { return h }

// FuzzPASSLinesAreRedacted: for any line the server would run as PASS,
// isPassLine is true and the line ftpserverlib logs ("Received line") goes
// through redactHandler without the password. (A line whose verb is PASS
// is a known command, so the "Unknown command" warning never has it.)
func FuzzPASSLinesAreRedacted(f *testing.F) {
	for _, s := range []string{
		"PASS hunter2", "pass hunter2", "Pass hunter2", "pAsS hunter2", "PASS ", "PASS", "PASS  two spaces",
		"PASS hunter2 with spaces", "PASS\thunter2", "PASS\tHUNTER2", " PASS hunter2", "\tPASS hunter2",
		"PASSIVE", "PASS2", "PASV", "USER alice", "RETR hunter2.txt", "", "P", "PAS", "PASS\x00x",
		"PASS \x00\xff", "PASS ü密码", "PASS\xc2\xa0nbsp", "XPASS hunter2", "ABORPASS x", "PASS\rx",
		"STAT PASS hunter2", "pass=hunter2", "PASS:hunter2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var attrs []slog.Attr
		l := slog.New(redactHandler{recordingHandler{&attrs}}).With("component", "ftpserverlib")
		l.Debug("Received line", "line", line) // as ftpserverlib logs every line
		verb, param := serverVerb(line)
		logged := map[string]string{}
		for _, a := range attrs {
			logged[a.Key] = a.Value.String()
		}
		if verb != "PASS" {
			if isPassLine(line) && logged["line"] != "PASS <redacted>" {
				t.Fatalf("isPassLine(%q) but the log has %q", line, logged["line"])
			}
			return
		}
		if !isPassLine(line) {
			t.Errorf("the server runs %q as PASS with password %q, but isPassLine is false", line, param)
		}
		if got := logged["line"]; got != "PASS <redacted>" {
			t.Errorf("the server runs %q as PASS, and its line is logged as %q", line, got)
		}
	})
}
