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
		if strings.Contains(s, h.Hex()[:12]) {
			t.Errorf("printed %q", s)
		}
	}
	if !strings.Contains(fmt.Sprint(h), "files") {
		t.Errorf("%v does not name the realm", h)
	}
}

func TestParseHA1(t *testing.T) {
	want, _ := sqlchecker.NewHA1("Mufasa", "testrealm@host.com", "MD5", "Circle Of Life")
	h, err := sqlchecker.ParseHA1("testrealm@host.com", "md5", strings.ToUpper(want.Hex()))
	if err != nil || h.Hex() != want.Hex() || h.Algorithm != "MD5" || h.Realm != "testrealm@host.com" {
		t.Fatalf("ParseHA1 = %v (%q), %v; want %v in lower case", h, h.Hex(), err, want)
	}
	for _, bad := range []struct{ alg, hex string }{
		{"MD5", want.Hex()[:30]},           // too short
		{"SHA-256", want.Hex()},            // MD5's length
		{"MD5", "zz" + want.Hex()[2:]},     // not hex
		{"SHA-1", strings.Repeat("0", 40)}, // unknown algorithm
	} {
		if _, err := sqlchecker.ParseHA1("r", bad.alg, bad.hex); err == nil || strings.Contains(err.Error(), bad.hex) {
			t.Errorf("ParseHA1(%s, %q) = %v; want an error without the value", bad.alg, bad.hex, err)
		}
	}
}
