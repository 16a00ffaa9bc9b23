package ftpauth

import (
	"context"
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

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	redacted := false
	var attrs []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		if k := a.Value.Kind(); (k == slog.KindString || k == slog.KindAny) && mentionsPass(a.Value.String()) {
			a = slog.String(a.Key, "PASS <redacted>")
			redacted = true
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
