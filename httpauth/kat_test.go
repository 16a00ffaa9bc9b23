package httpauth

import (
	"encoding/hex"
	"testing"
)

// Known-answer vectors from the RFCs. Each is checked twice: with the
// plaintext password (cred.UsernameHashedPassword) and with the HA1 a
// digest store would hold (cred.UsernameDigestHash).
func TestDigestKnownAnswers(t *testing.T) {
	tests := []struct {
		name                                string
		alg, user, realm, password          string
		method, uri, nonce, nc, cnonce, qop string
		response                            string
	}{
		{
			name: "RFC 2617 section 3.5 (Mufasa, MD5) verifies",
			alg:  "MD5", user: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life",
			method: "GET", uri: "/dir/index.html", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
			nc: "00000001", cnonce: "0a4f113b", qop: "auth",
			response: "6629fae49393a05397450978507c4ef1",
		},
		{
			name: "RFC 7616 section 3.9.1 with MD5 verifies",
			alg:  "MD5", user: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life",
			method: "GET", uri: "/dir/index.html", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
			nc: "00000001", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop: "auth",
			response: "8ca523f5e9506fed4657c9700eebdbec",
		},
		{
			name: "RFC 7616 section 3.9.1 with SHA-256 verifies",
			alg:  "SHA-256", user: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life",
			method: "GET", uri: "/dir/index.html", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
			nc: "00000001", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop: "auth",
			response: "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
		},
		{
			// RFC 7616 section 3.9.2 as corrected by erratum 4897: the RFC
			// printed values computed with truncated SHA-512 (response
			// ae66e67d...), not SHA-512/256.
			name: "RFC 7616 section 3.9.2 with SHA-512-256 (erratum 4897) verifies",
			alg:  "SHA-512-256", user: "Jäsøn Doe", realm: "api@example.org", password: "Secret, or not?",
			method: "GET", uri: "/doe.json", nonce: "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
			nc: "00000001", cnonce: "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", qop: "auth",
			response: "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alg := lookupAlgorithm(tt.alg)
			resp, _ := hex.DecodeString(tt.response)
			c := &DigestCredentials{
				username: tt.user, realm: tt.realm, alg: alg, method: tt.method, uri: tt.uri,
				nonce: tt.nonce, nc: tt.nc, cnonce: tt.cnonce, qop: tt.qop,
			}
			copy(c.response[:], resp)
			if !c.CheckPassword(tt.password) {
				t.Errorf("CheckPassword(%q) = false, want true", tt.password)
			}
			if c.CheckPassword(tt.password + "x") {
				t.Error("CheckPassword accepts a wrong password")
			}
			ha1 := alg.hexHash(tt.user, tt.realm, tt.password)
			if !c.CheckHash(ha1) {
				t.Error("CheckHash(HA1) = false, want true")
			}
			if c.Algorithm() != tt.alg {
				t.Errorf("Algorithm() = %q, want %q", c.Algorithm(), tt.alg)
			}
		})
	}
}

// The userhash of RFC 7616 section 3.9.2, as corrected by erratum 4897
// (SHA-512/256 of "Jäsøn Doe:api@example.org"), and the server resolving it.
func TestUserhashKnownAnswer(t *testing.T) {
	alg := lookupAlgorithm("SHA-512-256")
	const want = "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"
	if got := alg.hexHash("Jäsøn Doe", "api@example.org"); got != want {
		t.Fatalf("userhash = %s, want %s", got, want)
	}
	if got := (&digestClient{algorithm: "SHA-512-256"}).h("Jäsøn Doe:api@example.org"); got != want {
		t.Fatalf("test client userhash = %s, want %s", got, want)
	}
	// The server, offered username="793263…" with userhash=true, resolves it
	// to Jäsøn Doe.
	users := map[string]string{"Jäsøn Doe": "Secret, or not?"}
	f := newDigestFixture(t, DigestOptions{Realm: "api@example.org", UserHash: true, Algorithms: []string{"SHA-512-256"}}, plaintextChecker(users))
	c := f.client("SHA-512-256", "Jäsøn Doe")
	c.password, c.userhash = users["Jäsøn Doe"], true
	h := c.header("GET", "/doe.json", nil)
	if got := digestParam(t, h, "username"); got != want {
		t.Fatalf("the request carries username=%q, want the known userhash", got)
	}
	if w := f.do("GET", "/doe.json", h, ""); w.Code != 200 || w.Body.String() != `user "Jäsøn Doe"` {
		t.Fatalf("the server answered %d %q, want 200 for Jäsøn Doe", w.Code, w.Body)
	}
}

// mufasaGetsX returns a client of algorithm alg for Mufasa in realm "r",
// and the server's credentials for its first response, to GET /x.
func mufasaGetsX(t *testing.T, alg string) (*digestClient, *DigestCredentials) {
	t.Helper()
	cl := &digestClient{user: "Mufasa", password: "Circle Of Life", realm: "r", nonce: "n", algorithm: alg, qop: "auth", cnonce: "c"}
	p, err := parseDigestParams(cl.header("GET", "/x", nil)[len("Digest "):])
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hex.DecodeString(p.response)
	if err != nil {
		t.Fatal(err)
	}
	c := &DigestCredentials{username: "Mufasa", realm: "r", alg: lookupAlgorithm(alg), method: "GET", uri: "/x", nonce: "n", nc: p.nc, cnonce: "c", qop: "auth"}
	copy(c.response[:], resp)
	return cl, c
}

// -sess applies H(HA1:nonce:cnonce) itself when given a stored HA1.
func TestDigestSessUsesStoredHA1(t *testing.T) {
	for _, name := range []string{"MD5-sess", "SHA-256-sess", "SHA-512-256-sess"} {
		t.Run(name+" verifies a response against the plain stored HA1", func(t *testing.T) {
			cl, c := mufasaGetsX(t, name)
			alg := c.alg
			if !c.CheckHash(alg.hexHash("Mufasa", "r", "Circle Of Life")) {
				t.Fatal("CheckHash = false")
			}
			if c.rspauth() != cl.rspauth("/x") {
				t.Errorf("rspauth = %s, want %s", c.rspauth(), cl.rspauth("/x"))
			}
		})
	}
}

// rspauth reuses the hash state of the response's prefix; a check that
// fails after one that succeeded (another checker trying its HA1) must not
// change it.
func TestDigestRspauthSurvivesALaterFailedCheck(t *testing.T) {
	for _, name := range []string{"MD5", "SHA-256", "SHA-512-256", "MD5-sess"} {
		t.Run(name, func(t *testing.T) {
			cl, c := mufasaGetsX(t, name)
			alg := c.alg
			if !c.CheckHash(alg.hexHash("Mufasa", "r", "Circle Of Life")) {
				t.Fatal("CheckHash with the right HA1 = false")
			}
			if c.CheckHash(alg.hexHash("Mufasa", "r", "wrong")) {
				t.Fatal("CheckHash with a wrong HA1 = true")
			}
			if got, want := c.rspauth(), cl.rspauth("/x"); got != want {
				t.Errorf("rspauth = %s, want %s", got, want)
			}
		})
	}
}
