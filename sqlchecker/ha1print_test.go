package sqlchecker_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gocred/gocred/internal/leaktest"
	"github.com/gocred/gocred/sqlchecker"
)

// An HA1 never prints its hash: not through fmt, log/slog or encoding/json,
// by value or by pointer.
func TestHA1NeverPrintsItsHash(t *testing.T) {
	h, err := sqlchecker.NewHA1("alice", "files", "SHA-256", "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(leaktest.Printings(h), leaktest.Printings(&h)...) {
		if strings.Contains(s, h.Hash[:12]) {
			t.Errorf("printed %q", s)
		}
	}
	if !strings.Contains(fmt.Sprint(h), "files") {
		t.Errorf("%v does not name the realm", h)
	}
}
