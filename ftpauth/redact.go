package ftpauth

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// redactHandler wraps the slog.Handler given to ftpserverlib, which logs
// every command line it receives at Debug level, PASS included, an unknown
// command (the line up to its first space, upper-cased) at Warn level, and
// a reply it could not send (an unknown command's reply quotes it) at Warn
// level too. It replaces any attribute, a string or a value as it prints
// (an error, a panic's value), that mentions PASS (see mentionsPass) with
// "PASS <redacted>", so no log line holds a password, whatever comes before
// PASS on the line and whatever follows it.
type redactHandler struct{ slog.Handler }

// A line that does not start with something shaped like a command (three
// or four ASCII letters), such as a password pasted on a line of its own or
// typed at the wrong prompt, is replaced by its length wherever
// ftpserverlib logs it: as an unknown command, as a received line, or
// quoted in the reply to an unknown command.
func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	redacted := false
	var attrs []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		k := a.Value.Kind()
		switch {
		case (k == slog.KindString || k == slog.KindAny) && mentionsPass(a.Value.String()):
			a = slog.String(a.Key, "PASS <redacted>")
			redacted = true
		case k == slog.KindString && (a.Key == "command" || a.Key == "line"):
			if v, ok := redactNonCommand(a.Key, a.Value.String()); ok {
				a = slog.String(a.Key, v)
				redacted = true
			}
		}
		attrs = append(attrs, a)
		return true
	})
	if redacted {
		nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
		nr.AddAttrs(attrs...)
		r = nr
	}
	return h.Handler.Handle(ctx, r)
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return redactHandler{h.Handler.WithAttrs(attrs)}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h.Handler.WithGroup(name)}
}

// mentionsPass reports whether s holds "PASS" anywhere once upper-cased by
// strings.ToUpper, as ftpserverlib upper-cases a command: so "PASS secret",
// "pass secret", "paſs secret" (U+017F, the long s, upper-cases to S),
// "PASS\tsecret" (logged as an unknown command), "\xff\xf4PASS\tsecret"
// (a Telnet interrupt before it) and the reply quoting such a command are
// all redacted. The rule takes no position and no word boundary, as no rule
// about where the command starts or ends can know every way a client
// mangles a PASS line; the price is that a log attribute that merely holds
// such a word (PASSIVE, COMPASS) is redacted too.
func mentionsPass(s string) bool {
	return strings.Contains(strings.ToUpper(s), "PASS")
}

// unknownReply starts ftpserverlib's reply to an unknown command, which
// quotes it.
const unknownReply = "500 Unknown command "

// redactNonCommand returns what to log for attribute key ("command": an
// unknown command; "line": a line received or a reply) holding v, and
// whether it differs from v: a command, or a received line's first word,
// or the command quoted in the reply to an unknown one, that is not shaped
// like an FTP command becomes its length.
func redactNonCommand(key, v string) (string, bool) {
	switch {
	case key == "command":
		if !commandShaped(v) {
			return fmt.Sprintf("<not a command, %d bytes>", len(v)), true
		}
	case strings.HasPrefix(v, unknownReply):
		if q := strings.TrimPrefix(v, unknownReply); !commandShaped(strings.Trim(q, `"`)) {
			return unknownReply + fmt.Sprintf("<not a command, %d bytes>", len(q)), true
		}
	default:
		word, _, _ := strings.Cut(v, " ")
		if !commandShaped(word) && !replyShaped(word) {
			return fmt.Sprintf("<not a command, %d bytes>", len(v)), true
		}
	}
	return v, false
}

// commandShaped reports whether s could be an FTP command: three or four
// ASCII letters (RFC 959 commands and their extensions all are).
func commandShaped(s string) bool {
	if len(s) < 3 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// replyShaped reports whether s starts a reply line the server sends:
// three digits, perhaps followed by '-' for a multi-line reply.
func replyShaped(s string) bool {
	s = strings.TrimSuffix(s, "-")
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
