package sqlchecker_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/gocred/gocred/sqlchecker"
)

// An HA1 never prints its hash: not through fmt, log/slog or encoding/json.
func TestHA1NeverPrintsItsHash(t *testing.T) {
	h, err := sqlchecker.NewHA1("alice", "files", "SHA-256", "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out = append(out, fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	for _, handler := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		slog.New(handler(&b)).Info("x", "ha1", h)
		out = append(out, b.String())
	}
	j, _ := json.Marshal(h)
	out = append(out, string(j))
	for _, s := range out {
		if strings.Contains(s, h.Hash[:12]) {
			t.Errorf("printed %q", s)
		}
	}
	if !strings.Contains(fmt.Sprint(h), "files") {
		t.Errorf("%v does not name the realm", h)
	}
}
