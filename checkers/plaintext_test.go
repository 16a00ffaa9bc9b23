package checkers

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"sync"
	"testing"

	"github.com/gocred/gocred/cred"
)

// digestCreds is an HTTP Digest response (RFC 7616, qop=auth) as a client
// computes it from its password; CheckHash recomputes it from a stored HA1
// as a server does. It implements cred.UsernameDigestHash and
// cred.UsernameHashedPassword, like the httpauth credential.
type digestCreds struct {
	user, realm, algorithm string
	nonce, cnonce, nc      string
	method, uri            string
	response               string
}

func newDigestCreds(algorithm, user, realm, password string) *digestCreds {
	d := &digestCreds{user: user, realm: realm, algorithm: algorithm, nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		cnonce: "0a4f113b", nc: "00000001", method: "GET", uri: "/dir/index.html"}
	d.response = d.responseFor(d.h(user + ":" + realm + ":" + password))
	return d
}

func (d *digestCreds) h(s string) string {
	var f func() hash.Hash
	switch d.algorithm {
	case cred.AlgorithmSHA256:
		f = sha256.New
	case cred.AlgorithmSHA512_256:
		f = sha512.New512_256
	default:
		f = md5.New
	}
	x := f()
	x.Write([]byte(s))
	return hex.EncodeToString(x.Sum(nil))
}

func (d *digestCreds) responseFor(ha1 string) string {
	ha2 := d.h(d.method + ":" + d.uri)
	return d.h(ha1 + ":" + d.nonce + ":" + d.nc + ":" + d.cnonce + ":auth:" + ha2)
}

func (d *digestCreds) Username() string  { return d.user }
func (d *digestCreds) Realm() string     { return d.realm }
func (d *digestCreds) Algorithm() string { return d.algorithm }
func (d *digestCreds) CheckHash(ha1 string) bool {
	return constantTimeEqual(d.responseFor(ha1), d.response)
}
func (d *digestCreds) CheckPassword(pw string) bool {
	return d.CheckHash(d.h(d.user + ":" + d.realm + ":" + pw))
}

// onlyDigestHash is a Digest credential that offers cred.UsernameDigestHash
// only, so a checker must supply an HA1.
func onlyDigestHash(algorithm, user, realm, password string) cred.Credentials {
	return struct{ cred.UsernameDigestHash }{newDigestCreds(algorithm, user, realm, password)}
}

// checkCase is one row of a checker's login table.
type checkCase struct {
	name  string
	creds cred.Credentials
	want  string // user name on success; "" for a refusal
}

// runCheckCases runs a login table against c: successes must name the
// user, refusals must be exactly cred.ErrUnauthorizedLogin's text.
func runCheckCases(t *testing.T, c cred.Checker, cases []checkCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			id, err := c.RequestAvatarID(context.Background(), tt.creds, cred.Mind{Protocol: "test"})
			if tt.want != "" {
				if err != nil || id != cred.UserID(tt.want) {
					t.Fatalf("got %v, %v; want %s", id, err, tt.want)
				}
				return
			}
			if !errors.Is(err, cred.ErrUnauthorizedLogin) || !id.IsZero() {
				t.Fatalf("got %v, %v; want a refusal", id, err)
			}
			if err.Error() != cred.ErrUnauthorizedLogin.Error() {
				t.Fatalf("refusal text %q differs from %q: it would tell unknown users from wrong passwords", err, cred.ErrUnauthorizedLogin)
			}
		})
	}
}

func TestInsecurePlaintext(t *testing.T) {
	users := map[string]string{"alice": "wonderland", "empty": ""}
	p := NewInsecurePlaintext(users)
	users["alice"] = "changed after construction"
	up := cred.NewUsernamePassword
	cases := []checkCase{
		{"the right password logs in", up("alice", "wonderland"), "alice"},
		{"a wrong password is refused", up("alice", "wonderland!"), ""},
		{"an unknown user is refused like a wrong password", up("mallory", "wonderland"), ""},
		{"an empty user name is refused", up("", "wonderland"), ""},
		{"a user with an empty stored password is refused even with an empty password", up("empty", ""), ""},
		{"the map was copied at construction", up("alice", "changed after construction"), ""},
	}
	for _, alg := range []string{cred.AlgorithmMD5, cred.AlgorithmSHA256, cred.AlgorithmSHA512_256} {
		cases = append(cases,
			checkCase{alg + " digest with the right password logs in by HA1", onlyDigestHash(alg, "alice", "r", "wonderland"), "alice"},
			checkCase{alg + " digest with a wrong password is refused", onlyDigestHash(alg, "alice", "r", "x"), ""},
			checkCase{alg + " digest of an unknown user is refused", onlyDigestHash(alg, "bob", "r", "wonderland"), ""},
			checkCase{alg + " digest with an empty user name is refused", onlyDigestHash(alg, "", "r", "wonderland"), ""},
			checkCase{alg + " digest checked by plaintext logs in", newDigestCreds(alg, "alice", "r", "wonderland"), "alice"},
		)
	}
	unknownAlg := newDigestCreds(cred.AlgorithmMD5, "alice", "r", "wonderland")
	unknownAlg.algorithm = "SHA-1"
	cases = append(cases, checkCase{"a digest hash with an unknown algorithm is refused", struct{ cred.UsernameDigestHash }{unknownAlg}, ""})
	runCheckCases(t, p, cases)

	t.Run("a hashed-password credential is checked with the plaintext", func(t *testing.T) {
		var hp cred.UsernameHashedPassword = newDigestCreds(cred.AlgorithmSHA256, "alice", "r", "wonderland")
		id, err := p.RequestAvatarID(context.Background(), struct{ cred.UsernameHashedPassword }{hp}, cred.Mind{})
		if err != nil || id.Name() != "alice" {
			t.Fatalf("got %v, %v", id, err)
		}
	})
	t.Run("it offers every digest algorithm", func(t *testing.T) {
		if got := p.DigestAlgorithms("any"); len(got) != 3 {
			t.Fatalf("DigestAlgorithms = %v", got)
		}
	})
	t.Run("a userhash resolves to its user", func(t *testing.T) {
		for _, alg := range []string{cred.AlgorithmMD5, cred.AlgorithmSHA256, cred.AlgorithmSHA512_256} {
			d := &digestCreds{algorithm: alg}
			name, ok := p.ResolveUserHash(context.Background(), "realm", alg, d.h("alice:realm"))
			if !ok || name != "alice" {
				t.Fatalf("%s: got %q, %v", alg, name, ok)
			}
			if _, ok := p.ResolveUserHash(context.Background(), "other", alg, d.h("alice:realm")); ok {
				t.Fatalf("%s: resolved a userhash of another realm", alg)
			}
		}
	})
	t.Run("the RFC 7616 userhash example resolves", func(t *testing.T) {
		// RFC 7616 section 3.9.2: Jäsøn Doe in api@example.org, SHA-512-256.
		p := NewInsecurePlaintext(map[string]string{"J\u00e4s\u00f8n Doe": "Secret, or not?"})
		name, ok := p.ResolveUserHash(context.Background(), "api@example.org", cred.AlgorithmSHA512_256,
			"793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b")
		if !ok || name != "J\u00e4s\u00f8n Doe" {
			t.Fatalf("got %q, %v", name, ok)
		}
	})
	t.Run("String does not show passwords", func(t *testing.T) {
		if s := p.String(); s != "insecure plaintext (2 users)" {
			t.Fatalf("String = %q", s)
		}
	})
}

// Half the goroutines log in with alice's password and half with a wrong
// one, at once: each gets its own answer every time.
func TestInsecurePlaintextIsSafeForConcurrentUse(t *testing.T) {
	p := NewInsecurePlaintext(map[string]string{"alice": "wonderland", "bob": "builder"})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			user, pw, right := "alice", "wonderland", i%2 == 0
			if !right {
				pw = []string{"nope", "builder", "wonderlan", ""}[i/2%4]
			}
			for range 100 {
				id, err := p.RequestAvatarID(context.Background(), cred.NewUsernamePassword(user, pw), cred.Mind{})
				if right && (err != nil || id != cred.UserID("alice")) {
					t.Errorf("goroutine %d: the right password got %v, %v", i, id, err)
					return
				}
				if !right && (!errors.Is(err, cred.ErrUnauthorizedLogin) || id != (cred.AvatarID{})) {
					t.Errorf("goroutine %d: the wrong password %q got %v, %v, want refused", i, pw, id, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestAnonymous(t *testing.T) {
	a := NewAnonymous()
	t.Run("anonymous credentials get the anonymous ID", func(t *testing.T) {
		id, err := a.RequestAvatarID(context.Background(), cred.AnonymousCredentials{}, cred.Mind{})
		if err != nil || id != cred.AnonymousID || id == cred.UserID("anonymous") {
			t.Fatalf("got %v, %v", id, err)
		}
	})
	t.Run("credentials that say they are not anonymous are refused", func(t *testing.T) {
		_, err := a.RequestAvatarID(context.Background(), notAnonymous{}, cred.Mind{})
		if !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("other credentials are unhandled, not refused", func(t *testing.T) {
		_, err := a.RequestAvatarID(context.Background(), cred.NewUsernamePassword("anonymous", ""), cred.Mind{})
		if !errors.Is(err, cred.ErrUnhandledCredentials) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("it declares cred.Anonymous only", func(t *testing.T) {
		if got := a.CredentialInterfaces(); len(got) != 1 || got[0] != cred.AnonymousType {
			t.Fatalf("got %v", got)
		}
	})
}

type notAnonymous struct{}

func (notAnonymous) IsAnonymous() bool { return false }
