package ftpauth

import (
	"context"
	"log/slog"
	"strings"
)

// redactHandler wraps the slog.Handler given to ftpserverlib, which logs
// every command line it receives at Debug level, PASS included. It replaces
// the argument of a PASS line, so a debug log never holds a password.
type redactHandler struct{ slog.Handler }

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	redacted := false
	var attrs []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.Kind() == slog.KindString && isPassLine(a.Value.String()) {
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

// isPassLine reports whether s is an FTP PASS command line.
func isPassLine(s string) bool {
	s = strings.TrimLeft(s, " ")
	return len(s) >= 4 && strings.EqualFold(s[:4], "PASS") && (len(s) == 4 || s[4] == ' ')
}
