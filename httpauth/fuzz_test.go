package httpauth

import (
	"encoding/base64"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseBasic: no input panics, and whatever is accepted is a non-empty
// UTF-8 user name without a colon that round-trips through base64.
func FuzzParseBasic(f *testing.F) {
	for _, s := range []string{
		base64.StdEncoding.EncodeToString([]byte("Aladdin:open sesame")),
		base64.StdEncoding.EncodeToString([]byte(":x")),
		base64.StdEncoding.EncodeToString([]byte("a:b:c")),
		"!!!", "", " QQ== ", "YWxpY2U6c2VzYW1m", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		user, pass, err := parseBasic(token)
		if err != nil {
			return
		}
		if user == "" || strings.Contains(user, ":") || !utf8.ValidString(user+pass) {
			t.Fatalf("accepted user %q pass %q", user, pass)
		}
		if got := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)); got != strings.Trim(token, " \t") {
			t.Fatalf("%q decoded to %q:%q, which encodes to %q", token, user, pass, got)
		}
	})
}

// FuzzParseAuthParams: no input panics; an accepted list re-serialised
// with quote parses back to the same parameters; and parseDigest, which
// has a parser of its own, accepts exactly the same lists with the same
// values.
func FuzzParseAuthParams(f *testing.F) {
	for _, s := range []string{
		`username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
		`a="b\"c", d=e,,, f = "g"`, `a="unterminated`, `=x`, `a=`, `a="\`, "a=\"\x00\"",
		`username="a", Username="b"`, `username*=UTF-8''a, username="b"`, `usernamex=1, uri =x, nc=1`,
		`nc=00000001,nc=00000002`, `realm=r, response=x, opaque="o", algorithm=MD5, userhash=true, qop=auth, cnonce="c"`,
		`uri=`, `nonce="n" x`, `q=1, qop`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var names, values []string
		err := parseAuthParams(s, func(n, v string) error {
			names, values = append(names, n), append(values, v)
			return nil
		})
		p, derr := parseDigestParams(s)
		if (err == nil) != (derr == nil) {
			t.Fatalf("%q: parseAuthParams says %v, parseDigest %v", s, err, derr)
		}
		if err != nil {
			return
		}
		for i, n := range names {
			if want, ok := map[string]string{
				"username": p.username, "username*": p.usernameStar, "realm": p.realm, "nonce": p.nonce,
				"uri": p.uri, "response": p.response, "algorithm": p.algorithm, "cnonce": p.cnonce,
				"opaque": p.opaque, "qop": p.qop, "nc": p.nc, "userhash": p.userhash,
			}[n]; ok && want != values[i] {
				t.Fatalf("%q: %s is %q to parseAuthParams, %q to parseDigest", s, n, values[i], want)
			}
		}
		var b strings.Builder
		for i := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(names[i] + "=" + quote(values[i]))
		}
		i := 0
		if err := parseAuthParams(b.String(), func(n, v string) error {
			if n != names[i] || v != values[i] {
				t.Fatalf("round trip of %q: param %d is %s=%q, want %s=%q", s, i, n, v, names[i], values[i])
			}
			i++
			return nil
		}); err != nil || i != len(names) {
			t.Fatalf("round trip of %q via %q failed: %v", s, b.String(), err)
		}
	})
}

// FuzzDigestHeader sends arbitrary Digest headers through the middleware:
// no panic, and never a 5xx for a client's mistake.
func FuzzDigestHeader(f *testing.F) {
	p := newPortal(f, &recordingRealm{handler: whoami}, plaintextChecker(digestUsers))
	d := newDigest(f, p, DigestOptions{Realm: "testrealm@host.com", Algorithms: []string{"SHA-256", "MD5", "MD5-sess"}})
	h := newMiddleware(f, p, d, mustBasic(f, "testrealm@host.com")).Wrap(whoami)

	c := clientFor(map[string]string{"realm": "testrealm@host.com", "nonce": d.minter.mint(), "opaque": d.opaque, "algorithm": "MD5"}, "Mufasa", "Circle Of Life")
	f.Add(c.header("GET", "/dir/index.html", nil))
	c.qop = "auth-int"
	f.Add(c.header("GET", "/dir/index.html", nil))
	c.userhash = true
	f.Add(c.header("GET", "/dir/index.html", nil))
	f.Add(`Digest username*=UTF-8''J%C3%A4s%C3%B8n, realm="testrealm@host.com"`)
	f.Add(`Digest username="a", nc=ffffffff, qop=auth, algorithm=MD5-sess`)
	f.Add(`Digest `)
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/dir/index.html", strings.NewReader("body"))
		r.Header.Set("Authorization", header)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 401, 413:
		default:
			t.Fatalf("header %q got %d", header, w.Code)
		}
	})
}

// FuzzDecodeNonce: decodeNonce accepts exactly what strict unpadded
// base64url accepts for a nonce's length, with the same bytes.
func FuzzDecodeNonce(f *testing.F) {
	m := newNonceMinter(make([]byte, 32), "r", time.Minute)
	f.Add(m.mint())
	f.Add(strings.Repeat("A", nonceLen-1) + "B") // unused bits set
	f.Add(strings.Repeat("_", nonceLen))
	f.Add(strings.Repeat("=", nonceLen))
	strict := base64.RawURLEncoding.Strict()
	f.Fuzz(func(t *testing.T, s string) {
		var raw [nonceRawLen]byte
		ok := decodeNonce(&raw, s)
		want, err := strict.DecodeString(s)
		wantOK := err == nil && len(s) == nonceLen && len(want) == nonceRawLen
		if ok != wantOK {
			t.Fatalf("decodeNonce(%q) = %v, base64 says %v (%v)", s, ok, wantOK, err)
		}
		if ok && string(raw[:]) != string(want) {
			t.Fatalf("decodeNonce(%q) = %x, base64 says %x", s, raw, want)
		}
	})
}

// FuzzForwardedFor: no X-Forwarded-For value or peer panics; an untrusted
// peer is always the client; and a client named is either the peer or an
// address written in the header (a well-formed entry, never one made up).
func FuzzForwardedFor(f *testing.F) {
	for _, s := range []string{
		"192.0.2.7", "198.51.100.1, 192.0.2.7, 10.1.1.1", "[2001:db8::7]:443", "::ffff:192.0.2.7",
		",,, ,", "bogus, 10.1.1.1", "fe80::1%eth0", "[", "1.2.3.4:99999", "10.0.0.1," + strings.Repeat("10.0.0.2,", 40),
	} {
		f.Add("10.0.0.2:40000", s)
		f.Add("192.0.2.9:1", s)
	}
	trusted := netip.MustParsePrefix("10.0.0.0/8")
	clientAddr := ForwardedFor(trusted)
	f.Fuzz(func(t *testing.T, peer, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header["X-Forwarded-For"] = strings.Split(header, "\n")
		got := clientAddr(r)
		p, perr := netip.ParseAddrPort(peer)
		if perr != nil || !trusted.Contains(p.Addr().Unmap()) {
			if got != p {
				t.Fatalf("untrusted peer %q: client %v", peer, got)
			}
			return
		}
		if got == p {
			return
		}
		for _, e := range strings.FieldsFunc(header, func(r rune) bool { return r == ',' || r == '\n' }) {
			if a, ok := parseForwardedEntry(strings.Trim(e, " \t")); ok && a == got {
				return
			}
		}
		t.Fatalf("peer %q, header %q: client %v is neither the peer nor an entry", peer, header, got)
	})
}
