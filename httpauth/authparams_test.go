package httpauth

import (
	"math/rand/v2"
	"testing"
)

// plainQdtext8 must agree with the qdtext table on every word: each byte
// value at each position of an otherwise plain word, and random words.
func TestPlainQdtext8MatchesTable(t *testing.T) {
	byTable := func(w []byte) bool {
		for _, c := range w {
			if !qdtext[c] || c == '\t' {
				return false
			}
		}
		return true
	}
	w := []byte("abcdefgh")
	for pos := range 8 {
		for c := range 256 {
			w := append([]byte(nil), w...)
			w[pos] = byte(c)
			if got, want := plainQdtext8(string(w)), byTable(w); got != want {
				t.Fatalf("plainQdtext8(%q) = %v, table says %v", w, got, want)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var w [8]byte
		for i := range w {
			w[i] = byte(r.Uint32())
			if r.IntN(2) == 0 { // mostly printable, so both answers occur
				w[i] = byte(0x20 + r.IntN(0x60))
			}
		}
		if got, want := plainQdtext8(string(w[:])), byTable(w[:]); got != want {
			t.Fatalf("plainQdtext8(%q) = %v, table says %v", w, got, want)
		}
	}
}

func TestParseAuthParams(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string
		ok   bool
	}{
		{`a=b`, map[string]string{"a": "b"}, true},
		{` ,, A = "x y" ,b=c, `, map[string]string{"a": "x y", "b": "c"}, true},
		{`a="a long value with \"escapes\" and \\ backslashes in it"`, map[string]string{"a": `a long value with "escapes" and \ backslashes in it`}, true},
		{"a=\"tab\tand obs-text \xe9 inside\"", map[string]string{"a": "tab\tand obs-text \xe9 inside"}, true},
		{"a=\"a control \x01 character in a long value\"", nil, false},
		{"a=\"DEL \x7f in a long value\"", nil, false},
		{`a="cut short, no closing quote`, nil, false},
		{`a=b, A=c`, nil, false}, // duplicate, compared lower-cased
		{`a=b c`, nil, false},
		{`a`, nil, false},
		{`=b`, nil, false},
	} {
		got := map[string]string{}
		err := parseAuthParams(tc.in, func(n, v string) error { got[n] = v; return nil })
		if (err == nil) != tc.ok {
			t.Errorf("parseAuthParams(%q): error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && len(got) != len(tc.want) {
			t.Errorf("parseAuthParams(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("parseAuthParams(%q)[%s] = %q, want %q", tc.in, k, got[k], v)
			}
		}
	}
}

func TestParseDigestDuplicates(t *testing.T) {
	for _, in := range []string{
		`username="a", realm="r", Username="b"`,
		`nc=00000001, NC=00000002`,
		`x-unknown=1, realm="r", X-Unknown=2`,
	} {
		if _, err := parseDigestParams(in); err != errParamDuplicate {
			t.Errorf("parseDigestParams(%q): %v, want errParamDuplicate", in, err)
		}
	}
	p, err := parseDigestParams(`USERNAME="Mufasa", x-a=1, x-b=2, Realm="r"`)
	if err != nil || p.username != "Mufasa" || !p.hasUsername || p.realm != "r" {
		t.Errorf("parseDigest: %+v, %v", p, err)
	}
}
