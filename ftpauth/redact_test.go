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
			if strings.HasPrefix(strings.ToUpper(tt.line), "PASS ") && strings.Contains(out, "hunter2") {
				t.Fatalf("log holds the password: %q", out)
			}
		})
	}
}
