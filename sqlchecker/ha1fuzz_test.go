package sqlchecker_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/internal/leaktest"
	"github.com/gocred/gocred/sqlchecker"
)

// FuzzParseHA1: ParseHA1 never panics; its error is the same whatever the
// (bad) hex, so it cannot show it; a parsed HA1 keeps the realm, names its
// algorithm canonically, holds the input in lower case, and prints only
// its realm and algorithm.
func FuzzParseHA1(f *testing.F) {
	md5, _ := sqlchecker.NewHA1("Mufasa", "testrealm@host.com", "MD5", "Circle Of Life")
	sha, _ := sqlchecker.NewHA1("Mufasa", "testrealm@host.com", "SHA-256", "Circle Of Life")
	for _, s := range [][3]string{
		{"testrealm@host.com", "MD5", md5.Hex()},
		{"testrealm@host.com", "md5", strings.ToUpper(md5.Hex())},
		{"r", "MD5-sess", md5.Hex()},
		{"r", " sha-256 ", sha.Hex()},
		{"r", "SHA-256-SESS", sha.Hex()},
		{"r", "SHA-512-256", sha.Hex()},
		{"r", "sha-512-256-sess", strings.ToUpper(sha.Hex())},
		{"r", "MD5", md5.Hex()[:30]},
		{"r", "MD5", md5.Hex() + "0"},
		{"r", "SHA-256", md5.Hex()},
		{"r", "MD5", "zz" + md5.Hex()[2:]},
		{"r", "MD5", " " + md5.Hex()[1:]},
		{"r", "SHA-1", strings.Repeat("0", 40)},
		{"r", "", ""},
		{"", "MD5", strings.Repeat("f", 32)},
		{md5.Hex(), "MD5", md5.Hex()}, // a realm that holds the hex
		{"ü\x00\xff", "MD5", strings.Repeat("A", 32)},
		{"r", "MD5\x00", md5.Hex()},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, realm, algorithm, hexHA1 string) {
		h, err := sqlchecker.ParseHA1(realm, algorithm, hexHA1)
		if err != nil {
			// "" is never an HA1: the error for it is what any bad hex
			// gets, for this realm and algorithm.
			_, ref := sqlchecker.ParseHA1(realm, algorithm, "")
			if ref == nil || err.Error() != ref.Error() {
				t.Fatalf("ParseHA1(%q, %q, %q) = %v; for \"\" it is %v", realm, algorithm, hexHA1, err, ref)
			}
			if h.Hex() != "" {
				t.Fatalf("a failed ParseHA1 returned a hash")
			}
			return
		}
		if h.Hex() != strings.ToLower(hexHA1) {
			t.Fatalf("Hex = %q, want %q", h.Hex(), strings.ToLower(hexHA1))
		}
		base := strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(algorithm)), "-SESS")
		switch h.Algorithm {
		case cred.AlgorithmMD5, cred.AlgorithmSHA256, cred.AlgorithmSHA512_256:
		default:
			t.Fatalf("algorithm %q became %q, not a canonical name", algorithm, h.Algorithm)
		}
		if base != h.Algorithm {
			t.Fatalf("algorithm %q became %q", algorithm, h.Algorithm)
		}
		if want := map[string]int{cred.AlgorithmMD5: 32}[h.Algorithm]; want == 0 && len(hexHA1) != 64 || want != 0 && len(hexHA1) != want {
			t.Fatalf("a %s HA1 of %d hex digits", h.Algorithm, len(hexHA1))
		}
		if h.Realm != realm {
			t.Fatalf("Realm = %q, want %q", h.Realm, realm)
		}
		// Any other hash of the same algorithm, made independently.
		other, err := sqlchecker.NewHA1("someone else", realm, h.Algorithm, "another password")
		if err != nil {
			t.Fatal(err)
		}
		if want := "HA1(" + strconv.Quote(realm) + ", " + h.Algorithm + ")"; h.String() != want || other.String() != want {
			t.Fatalf("String = %q (another hash: %q), want %q", h.String(), other.String(), want)
		}
		if !strings.Contains(strconv.Quote(realm), h.Hex()) && strings.Contains(h.String(), h.Hex()) {
			t.Fatalf("String %q shows the hash", h.String())
		}
		// Every common printing of the HA1: none shows the hash, unless
		// the same printing of another hash shows it too (the realm,
		// printed beside it, holds it).
		fromRealm := strings.Join(append(leaktest.Printings(other), leaktest.Printings(&other)...), "\n")
		for _, p := range append(leaktest.Printings(h), leaktest.Printings(&h)...) {
			if strings.Contains(p, h.Hex()) && !strings.Contains(fromRealm, h.Hex()) {
				t.Fatalf("a printing shows the hash: %q", p)
			}
		}
	})
}
