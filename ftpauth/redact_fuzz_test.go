package ftpauth

import (
	"context"
	"fmt"
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

// FuzzPASSLinesAreRedacted logs, through redactHandler, what ftpserverlib
// logs for any line: the line ("Received line", Debug), the upper-cased
// command of an unknown one ("Unknown command", Warn) and its reply when it
// cannot be sent ("Answer couldn't be sent", Warn; the reply quotes the
// command). For a line the server would run as PASS, mentionsPass is true.
// For a line that holds PASS anywhere (upper-cased), every attribute that
// reaches the log is "PASS <redacted>" or holds no PASS, and the line itself
// is redacted: nothing after PASS is logged. A line without PASS is logged
// as it came if it starts with something shaped like a command, else as its
// length (a password on a line of its own), and so is its unknown command.
func FuzzPASSLinesAreRedacted(f *testing.F) {
	for _, s := range []string{
		"PASS hunter2", "pass hunter2", "Pass hunter2", "pAsS hunter2", "PASS ", "PASS", "PASS  two spaces",
		"PASS hunter2 with spaces", "PASS\thunter2", "PASS\tHUNTER2", " PASS hunter2", "\tPASS hunter2",
		"PASSIVE", "PASS2", "PASV", "USER alice", "RETR hunter2.txt", "", "P", "PAS", "PASS\x00x",
		"PASS \x00\xff", "PASS ü密码", "PASS\xc2\xa0nbsp", "XPASS hunter2", "ABORPASS x", "PASS\rx",
		"STAT PASS hunter2", "pass=hunter2", "PASS:hunter2",
		"Zq13BARE", "P\x00ASS\tZq7NUL", "\uff30ASS\tZq15FW", "XYZW", "correct horse battery staple",
		"\xff\xf4PASS\thunter2", "\xff\xf4PASS hunter2", "\xff\xf2pass\thunter2", "\xff\xf4pa\u017fs\thunter2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var attrs []slog.Attr
		l := slog.New(redactHandler{recordingHandler{&attrs}}).With("component", "ftpserverlib")
		verb, _ := serverVerb(line)
		l.Debug("Received line", "line", line) // as ftpserverlib logs every line (in debug mode)
		l.Warn("Unknown command", "command", verb)
		l.Warn("Answer couldn't be sent", "line", fmt.Sprintf("500 Unknown command %#v", verb))
		if verb == "PASS" && !mentionsPass(line) {
			t.Errorf("the server runs %q as PASS, but mentionsPass is false", line)
		}
		holdsPass := strings.Contains(strings.ToUpper(line), "PASS")
		for i, a := range attrs {
			got := a.Value.String()
			if got != "PASS <redacted>" && strings.Contains(strings.ToUpper(got), "PASS") {
				t.Errorf("for line %q, attribute %s is logged as %q", line, a.Key, got)
			}
			if i == 0 && holdsPass && got != "PASS <redacted>" {
				t.Errorf("line %q holds PASS, and is logged as %q", line, got)
			}
			if i == 0 && !holdsPass {
				want := line
				if word, _, _ := strings.Cut(line, " "); !commandShaped(word) && !replyShaped(word) {
					want = fmt.Sprintf("<not a command, %d bytes>", len(line))
				}
				if got != want {
					t.Errorf("line %q holds no PASS, but is logged as %q, want %q", line, got, want)
				}
			}
			if i > 0 && !holdsPass && len(verb) >= 5 && strings.Contains(got, verb) {
				t.Errorf("line %q starts with no command, yet attribute %s logs it: %q", line, a.Key, got)
			}
		}
	})
}
