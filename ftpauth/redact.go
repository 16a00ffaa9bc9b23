package ftpauth

import (
	"context"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redactHandler wraps the slog.Handler given to ftpserverlib, which logs
// every command line it receives at Debug level, PASS included, and an
// unknown command at Warn level. It replaces any string attribute that is
// a PASS line (see isPassLine), so no log line holds a password.
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

// isPassLine reports whether s is, or could be taken for, an FTP PASS
// command line: "PASS" in any case, then the end or anything but a letter
// or digit. So "PASS\tsecret", which the server logs as an unknown
// command, is redacted too; "PASSIVE" is not. So is any line ftpserverlib
// runs as PASS: its command is the word before the first space, upper-cased
// by strings.ToUpper, which also makes "PASS" of "paſs" (U+017F, the long
// s).
func isPassLine(s string) bool {
	if verb, _, _ := strings.Cut(s, " "); len(verb) <= 3*len("PASS") && strings.ToUpper(verb) == "PASS" {
		return true
	}
	// Near misses: four letters that fold to PASS (by runes: "paſs" is
	// five bytes), then the end or anything but a letter or digit.
	s = strings.TrimLeft(s, " \t")
	i := 0
	for range 4 {
		_, size := utf8.DecodeRuneInString(s[i:])
		if size == 0 {
			return false
		}
		i += size
	}
	if !strings.EqualFold(s[:i], "PASS") {
		return false
	}
	next, _ := utf8.DecodeRuneInString(s[i:])
	return i == len(s) || !unicode.IsLetter(next) && !unicode.IsDigit(next)
}
