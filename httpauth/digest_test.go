package httpauth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

var digestUsers = map[string]string{"Mufasa": "Circle Of Life", "jürgen": "pässword"}

// digestFixture is a middleware with Digest only, and a way to get a fresh
// challenge.
type digestFixture struct {
	t     *testing.T
	d     *Digest
	h     http.Handler
	realm *recordingRealm
}

func newDigestFixture(t *testing.T, opts DigestOptions, checkers ...cred.Checker) *digestFixture {
	t.Helper()
	if opts.Realm == "" {
		opts.Realm = "testrealm@host.com"
	}
	if len(checkers) == 0 {
		checkers = []cred.Checker{plaintextChecker(digestUsers)}
	}
	realm := &recordingRealm{handler: whoami}
	p := newPortal(t, realm, checkers...)
	d := newDigest(t, p, opts)
	return &digestFixture{t: t, d: d, h: newMiddleware(t, p, d).Wrap(whoami), realm: realm}
}

func (f *digestFixture) do(method, target, auth string, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

// client returns a client for the first challenge offering alg ("" for the
// first challenge).
func (f *digestFixture) client(alg, user string) *digestClient {
	f.t.Helper()
	w := f.do("GET", "/dir/index.html", "", "")
	if w.Code != 401 {
		f.t.Fatalf("unauthenticated request got %d", w.Code)
	}
	for _, ch := range challenges(f.t, w.Header()) {
		if alg == "" || ch["algorithm"] == alg {
			return clientFor(ch, user, digestUsers[user])
		}
	}
	f.t.Fatalf("no challenge for %s in %q", alg, w.Header().Values("WWW-Authenticate"))
	return nil
}

func TestDigestLogsIn(t *testing.T) {
	f := newDigestFixture(t, DigestOptions{Algorithms: []string{"SHA-512-256", "SHA-256", "SHA-256-sess", "MD5", "MD5-sess"}})
	for _, alg := range f.d.Offered() {
		for _, qop := range []string{"auth", "auth-int"} {
			t.Run("a correct "+alg+" response with qop="+qop+" gets in", func(t *testing.T) {
				c := f.client(alg, "Mufasa")
				c.qop = qop
				body := "some posted data"
				w := f.do("POST", "/dir/index.html?x=1", c.header("POST", "/dir/index.html?x=1", []byte(body)), body)
				if w.Code != 200 || w.Body.String() != `user "Mufasa"` {
					t.Fatalf("got %d %q", w.Code, w.Body)
				}
				info := w.Header().Get("Authentication-Info")
				if qop == "auth" {
					if !strings.Contains(info, `rspauth="`+c.rspauth("/dir/index.html?x=1")+`"`) {
						t.Errorf("Authentication-Info %q lacks the right rspauth", info)
					}
				} else if info != "" {
					t.Errorf("auth-int got Authentication-Info %q", info)
				}
			})
		}
	}
	t.Run("a UTF-8 user name sent as username* gets in", func(t *testing.T) {
		c := f.client("SHA-256", "jürgen")
		h := c.header("GET", "/", nil)
		h = strings.Replace(h, `username="jürgen"`, `username*=UTF-8''j%C3%BCrgen`, 1)
		if w := f.do("GET", "/", h, ""); w.Code != 200 || w.Body.String() != `user "jürgen"` {
			t.Fatalf("got %d %q", w.Code, w.Body)
		}
	})
	t.Run("several requests on one nonce with rising nonce-counts all get in", func(t *testing.T) {
		c := f.client("MD5", "Mufasa")
		for i := 0; i < 5; i++ {
			if w := f.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 200 {
				t.Fatalf("request %d got %d", i+1, w.Code)
			}
		}
	})
	t.Run("the auth-int body is still there for the handler", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{handler: whoami}, plaintextChecker(digestUsers))
		d := newDigest(t, p, DigestOptions{Realm: "testrealm@host.com"})
		var got string
		h := newMiddleware(t, p, d).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			got = string(b)
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		c := clientFor(challenges(t, w.Header())[0], "Mufasa", "Circle Of Life")
		c.qop = "auth-int"
		r := httptest.NewRequest("PUT", "/", strings.NewReader("payload"))
		r.Header.Set("Authorization", c.header("PUT", "/", []byte("payload")))
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != "payload" {
			t.Fatalf("handler read %q", got)
		}
	})
}

func TestDigestUserhash(t *testing.T) {
	resolver := plaintextChecker(digestUsers)
	f := newDigestFixture(t, DigestOptions{UserHash: true, Algorithms: []string{"SHA-512-256", "SHA-256"}}, resolver)
	ch := challenges(t, f.do("GET", "/", "", "").Header())
	if ch[0]["userhash"] != "true" {
		t.Fatalf("challenge lacks userhash=true: %v", ch[0])
	}
	for _, alg := range f.d.Offered() {
		t.Run("a "+alg+" response with a hashed user name gets in", func(t *testing.T) {
			c := f.client(alg, "jürgen")
			c.userhash = true
			if w := f.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 200 || w.Body.String() != `user "jürgen"` {
				t.Fatalf("got %d %q", w.Code, w.Body)
			}
		})
	}
	t.Run("an unknown userhash gets 401", func(t *testing.T) {
		c := f.client("SHA-256", "nobody")
		c.userhash = true
		if w := f.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 401 {
			t.Fatalf("got %d", w.Code)
		}
	})
	t.Run("an unknown userhash is refused like a known user's wrong password: checked, and counted by a throttle", func(t *testing.T) {
		throttle := checkers.NewThrottle(plaintextChecker(digestUsers), checkers.NewMemoryThrottleStore(),
			checkers.ThrottlePolicy{MaxUserFailures: 3, MaxAddrFailures: -1})
		f := newDigestFixture(t, DigestOptions{UserHash: true, Algorithms: []string{"SHA-256"}}, throttle)
		codes := func(user, password string) []int {
			var got []int
			for range 4 {
				c := f.client("SHA-256", user)
				c.password, c.userhash = password, true
				got = append(got, f.do("GET", "/", c.header("GET", "/", nil), "").Code)
			}
			return got
		}
		known, unknown := codes("Mufasa", "wrong"), codes("nobody", "wrong")
		if fmt.Sprint(known) != "[401 401 401 429]" || fmt.Sprint(unknown) != fmt.Sprint(known) {
			t.Fatalf("a known user's wrong passwords got %v, an unknown userhash %v; want both [401 401 401 429]", known, unknown)
		}
	})
	t.Run("UserHash without a resolver fails at construction", func(t *testing.T) {
		noResolver := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}, cred.UsernameHashedPasswordType)
		p := newPortal(t, &recordingRealm{}, noResolver)
		if _, err := NewDigest(p, DigestOptions{Realm: "r", UserHash: true}); err == nil {
			t.Fatal("NewDigest accepted UserHash without a resolver")
		}
	})
	t.Run("UserHash over decorators whose stores cannot resolve fails at construction", func(t *testing.T) {
		// A throttle forwards ResolveUserHash, but the one-way hash store
		// behind it has nothing to resolve with (and an htdigest store of
		// another realm would answer nothing either).
		throttled := checkers.NewThrottle(checkers.NewChain(checkers.NewMemory(checkers.Bcrypt{Cost: 4}), plaintextChecker(nil)),
			checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{})
		p := newPortal(t, &recordingRealm{}, throttled)
		if _, err := NewDigest(p, DigestOptions{Realm: "r", UserHash: true}); err != nil {
			t.Fatalf("a chain holding a plaintext store can resolve: %v", err)
		}
		hashOnly := checkers.NewThrottle(checkers.NewMemory(checkers.Bcrypt{Cost: 4}), checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{})
		digestOnly := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
			return cred.AvatarID{}, cred.ErrUnauthorizedLogin
		}, cred.UsernameHashedPasswordType)
		p = newPortal(t, &recordingRealm{}, checkers.NewThrottle(checkers.NewChain(hashOnly, digestOnly), checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{}))
		if _, err := NewDigest(p, DigestOptions{Realm: "r", UserHash: true}); err == nil {
			t.Fatal("NewDigest accepted UserHash over decorated stores that cannot resolve one")
		}
	})
}

func TestDigestOffersOnlyWhatCheckersVerify(t *testing.T) {
	md5Store := htdigestChecker(t, "testrealm@host.com", map[string]string{"Mufasa": "Circle Of Life"})
	tests := []struct {
		name     string
		checkers []cred.Checker
		asked    []string
		want     []string
	}{
		{"a plaintext checker verifies the default SHA-256 and MD5", []cred.Checker{plaintextChecker(nil)}, nil, []string{"SHA-256", "MD5"}},
		{"an MD5-only HA1 store gets MD5 only", []cred.Checker{md5Store}, nil, []string{"MD5"}},
		{"an MD5-only HA1 store also gets MD5-sess", []cred.Checker{md5Store}, []string{"MD5-sess", "SHA-256-sess", "MD5"}, []string{"MD5-sess", "MD5"}},
		{"algorithms are offered strongest first whatever the order asked", []cred.Checker{plaintextChecker(nil)}, []string{"MD5", "SHA-512-256", "SHA-256"}, []string{"SHA-512-256", "SHA-256", "MD5"}},
		// Clients answer the first challenge they support: SHA-256
		// offered for the plaintext store would lock the MD5 store's
		// users out.
		{"an MD5-only store next to a plaintext one gets MD5 only", []cred.Checker{md5Store, plaintextChecker(map[string]string{"bob": "pw2"})}, nil, []string{"MD5"}},
		{"in a chain too", []cred.Checker{checkers.NewChain(plaintextChecker(map[string]string{"bob": "pw2"}), md5Store)}, nil, []string{"MD5"}},
		{"a store with no users in the realm has no say", []cred.Checker{htdigestChecker(t, "elsewhere", map[string]string{"x": "y"}), plaintextChecker(nil)}, nil, []string{"SHA-256", "MD5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPortal(t, &recordingRealm{}, tt.checkers...)
			d := newDigest(t, p, DigestOptions{Realm: "testrealm@host.com", Algorithms: tt.asked})
			if got := d.Offered(); !slices.Equal(got, tt.want) {
				t.Fatalf("Offered() = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("both kinds of user log in by the first challenge", func(t *testing.T) {
		f := newDigestFixture(t, DigestOptions{}, md5Store, plaintextChecker(map[string]string{"bob": "pw2"}))
		for user, pw := range map[string]string{"Mufasa": "Circle Of Life", "bob": "pw2"} {
			ch := firstChallengeOf(t, f)
			c := clientFor(ch, user, pw)
			if w := f.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 200 {
				t.Errorf("%s answering the first challenge (%s) got %d", user, ch["algorithm"], w.Code)
			}
		}
	})
	t.Run("checkers that agree on no algorithm fail at construction, named", func(t *testing.T) {
		for name, cs := range map[string][]cred.Checker{
			"side by side": {md5Store, sha256Only{plaintextChecker(nil)}},
			// Not taken for a chain without users in the realm, which
			// would leave the plaintext store to decide alone.
			"in a chain, next to a plaintext store": {checkers.NewChain(md5Store, sha256Only{plaintextChecker(nil)}), plaintextChecker(nil)},
			"in a throttled chain":                  {checkers.NewThrottle(checkers.NewChain(md5Store, sha256Only{plaintextChecker(nil)}), checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{})},
		} {
			p := newPortal(t, &recordingRealm{}, cs...)
			d, err := NewDigest(p, DigestOptions{Realm: "testrealm@host.com"})
			if err == nil || !strings.Contains(err.Error(), "agree on no") || !strings.Contains(err.Error(), "[SHA-256]") || !strings.Contains(err.Error(), "[MD5]") {
				var offered []string
				if d != nil {
					offered = d.Offered()
				}
				t.Errorf("%s: NewDigest offers %v, %v; want an error naming what each verifies", name, offered, err)
			}
		}
	})
	t.Run("asking an MD5-only store for SHA-256 alone fails at construction, naming the store", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{}, md5Store)
		_, err := NewDigest(p, DigestOptions{Realm: "testrealm@host.com", Algorithms: []string{"SHA-256"}})
		if err == nil || !strings.Contains(err.Error(), "htdigest") || !strings.Contains(err.Error(), "verifies [MD5]") {
			t.Fatalf("error %v; want one naming the htdigest store and what it verifies", err)
		}
	})
	t.Run("asking a store for another realm fails at construction, saying so", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{}, htdigestChecker(t, "elsewhere", map[string]string{"x": "y"}))
		_, err := NewDigest(p, DigestOptions{Realm: "testrealm@host.com"})
		if err == nil || !strings.Contains(err.Error(), `no checker verifies Digest responses in realm "testrealm@host.com"`) {
			t.Fatalf("error %v; want one saying no checker has Digest users in the realm", err)
		}
	})
	t.Run("an MD5 response verifies against the HA1 store", func(t *testing.T) {
		f := newDigestFixture(t, DigestOptions{}, md5Store)
		c := f.client("MD5", "Mufasa")
		if w := f.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 200 {
			t.Fatalf("got %d", w.Code)
		}
	})
	t.Run("an unknown algorithm name fails at construction", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{}, plaintextChecker(nil))
		if _, err := NewDigest(p, DigestOptions{Realm: "r", Algorithms: []string{"SHA-1"}}); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("negative lifetimes and body limits fail at construction", func(t *testing.T) {
		// A negative MaxBodyBytes, meant as "no limit", made every
		// qop=auth-int request 413.
		p := newPortal(t, &recordingRealm{}, plaintextChecker(nil))
		for _, opts := range []DigestOptions{{Realm: "r", MaxBodyBytes: -1}, {Realm: "r", NonceLifetime: -time.Second}} {
			if _, err := NewDigest(p, opts); err == nil || !strings.Contains(err.Error(), "negative") {
				t.Errorf("NewDigest(%+v): %v, want it refused", opts, err)
			}
		}
	})
	t.Run("a MemoryNonceStore remembering less than a nonce lives fails at construction", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{}, plaintextChecker(nil))
		short, err := NewMemoryNonceStore(MemoryNonceStoreOptions{Window: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewDigest(p, DigestOptions{Realm: "r", Store: short}); err == nil || !strings.Contains(err.Error(), "Window") {
			t.Errorf("NewDigest with a 1m Window and the default 5m lifetime: %v, want it refused", err)
		}
		if _, err := NewDigest(p, DigestOptions{Realm: "r", Store: short, NonceLifetime: time.Minute}); err != nil {
			t.Errorf("NewDigest with a Window as long as the lifetime: %v", err)
		}
	})
}

func TestDigestRefusals(t *testing.T) {
	f := newDigestFixture(t, DigestOptions{})
	type req struct{ method, target, auth string }
	tests := []struct {
		name      string
		build     func(c *digestClient) req
		wantCode  int
		wantStale bool
	}{
		{"a wrong password gets 401", func(c *digestClient) req {
			c.password = "wrong"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, false},
		{"a uri that is not the request-target gets 400", func(c *digestClient) req {
			return req{"GET", "/secret", c.header("GET", "/public", nil)}
		}, 400, false},
		{"a uri with another query gets 400", func(c *digestClient) req {
			return req{"GET", "/a?user=bob", c.header("GET", "/a?user=alice", nil)}
		}, 400, false},
		{"an absolute-form uri naming the same path and query is accepted", func(c *digestClient) req {
			return req{"GET", "/a?x=1", c.header("GET", "http://example.com/a?x=1", nil)}
		}, 200, false},
		{"an absolute-form uri with the default port and another case is accepted", func(c *digestClient) req {
			return req{"GET", "/a?x=1", c.header("GET", "HTTPS://Example.COM:443/a?x=1", nil)}
		}, 200, false},
		{"an absolute-form uri naming another host gets 400", func(c *digestClient) req {
			return req{"GET", "/a?x=1", c.header("GET", "http://evil.example/a?x=1", nil)}
		}, 400, false},
		{"an absolute-form uri naming another port gets 400", func(c *digestClient) req {
			return req{"GET", "/a?x=1", c.header("GET", "http://example.com:8080/a?x=1", nil)}
		}, 400, false},
		{"an absolute-form uri with a scheme other than http(s) gets 400", func(c *digestClient) req {
			return req{"GET", "/a?x=1", c.header("GET", "ftp://example.com/a?x=1", nil)}
		}, 400, false},
		{"an absolute-form request-target with a uri naming another host gets 400", func(c *digestClient) req {
			return req{"GET", "http://example.com/a", c.header("GET", "http://other.example/a", nil)}
		}, 400, false},
		{"a method other than the one hashed gets 401", func(c *digestClient) req {
			return req{"DELETE", "/a", c.header("GET", "/a", nil)}
		}, 401, false},
		{"a wrong realm gets 401", func(c *digestClient) req {
			c.realm = "other"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, false},
		{"an algorithm that was not offered gets 401", func(c *digestClient) req {
			c.algorithm = "SHA-512-256"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, false},
		{"an unknown algorithm gets 401", func(c *digestClient) req {
			c.algorithm = "SHA-1"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, false},
		// A nonce or opaque not of this server's key (made before a
		// restart with a new random key) with a right response: the
		// client retries on a fresh nonce without asking its user.
		{"a right response on a forged nonce gets 401 with stale", func(c *digestClient) req {
			c.nonce = strings.Repeat("A", nonceLen)
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, true},
		{"a right response on a garbled nonce gets 401 with stale", func(c *digestClient) req {
			c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, true},
		{"a right response with a wrong opaque gets 401 with stale", func(c *digestClient) req {
			c.opaque = "nope"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, true},
		{"a wrong response on a forged nonce gets 401 without stale", func(c *digestClient) req {
			c.nonce, c.password = strings.Repeat("A", nonceLen), "wrong"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, false},
		{"a wrong response with a wrong opaque gets 401 without stale", func(c *digestClient) req {
			c.opaque, c.password = "nope", "wrong"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, false},
		{"an RFC 2069 response without qop gets 401", func(c *digestClient) req {
			c.qop = ""
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 401, false},
		{"an unknown qop gets 400", func(c *digestClient) req {
			c.qop = "auth-conf"
			return req{"GET", "/a", c.header("GET", "/a", nil)}
		}, 400, false},
		{"a truncated header gets 400", func(c *digestClient) req {
			h := c.header("GET", "/a", nil)
			return req{"GET", "/a", h[:len(h)/2]}
		}, 400, false},
		{"a header cut inside a quoted string gets 400", func(c *digestClient) req {
			return req{"GET", "/a", `Digest username="Muf`}
		}, 400, false},
		{"a duplicate parameter gets 400", func(c *digestClient) req {
			return req{"GET", "/a", c.header("GET", "/a", nil) + `, realm="testrealm@host.com"`}
		}, 400, false},
		{"a missing response gets 400", func(c *digestClient) req {
			h := c.header("GET", "/a", nil)
			i := strings.Index(h, "response=")
			return req{"GET", "/a", h[:i] + h[i+len(`response="`)+32+2:]}
		}, 400, false},
		{"an nc that is not 8 hex digits gets 400", func(c *digestClient) req {
			return req{"GET", "/a", strings.Replace(c.header("GET", "/a", nil), "nc=00000001", "nc=1", 1)}
		}, 400, false},
		{"a response of the wrong length gets 400", func(c *digestClient) req {
			h := c.header("GET", "/a", nil)
			i := strings.Index(h, `response="`) + len(`response="`)
			return req{"GET", "/a", h[:i] + "abc" + h[i+32:]}
		}, 400, false},
		{"both username and username* get 400", func(c *digestClient) req {
			return req{"GET", "/a", c.header("GET", "/a", nil) + `, username*=UTF-8''x`}
		}, 400, false},
		{"username* with userhash=true gets 400", func(c *digestClient) req {
			h := strings.Replace(c.header("GET", "/a", nil), `username="Mufasa"`, `username*=UTF-8''Mufasa`, 1)
			return req{"GET", "/a", h + ", userhash=true"}
		}, 400, false},
		{"unknown parameters are ignored", func(c *digestClient) req {
			return req{"GET", "/a", c.header("GET", "/a", nil) + `, foo="b\"ar", x=y`}
		}, 200, false},
		{"escaped characters in quoted strings are unescaped", func(c *digestClient) req {
			return req{"GET", "/a", strings.Replace(c.header("GET", "/a", nil), `username="Mufasa"`, `username="Muf\asa"`, 1)}
		}, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.client("MD5", "Mufasa")
			rq := tt.build(c)
			w := f.do(rq.method, rq.target, rq.auth, "")
			if w.Code != tt.wantCode {
				t.Fatalf("got %d %q, want %d", w.Code, w.Body, tt.wantCode)
			}
			if w.Code == 401 {
				chs := challenges(t, w.Header())
				if len(chs) != 2 {
					t.Fatalf("401 with %d Digest challenges, want 2", len(chs))
				}
				if got := chs[0]["stale"] == "true"; got != tt.wantStale {
					t.Errorf("stale = %v, want %v", got, tt.wantStale)
				}
			}
		})
	}
}

func TestDigestReplay(t *testing.T) {
	f := newDigestFixture(t, DigestOptions{})
	tests := []struct {
		name     string
		ncs      []uint32
		wantLast int
	}{
		{"a repeated nonce-count is refused with stale=true", []uint32{1, 1}, 401},
		{"a lower nonce-count is refused", []uint32{5, 3}, 401},
		{"a higher nonce-count is accepted, even with gaps", []uint32{1, 7}, 200},
		{"a replay after several good requests is refused", []uint32{1, 2, 3, 2}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.client("SHA-256", "Mufasa")
			var w *httptest.ResponseRecorder
			for i, nc := range tt.ncs {
				c.nc = nc - 1
				w = f.do("GET", "/", c.header("GET", "/", nil), "")
				if i < len(tt.ncs)-1 && w.Code != 200 {
					t.Fatalf("request %d got %d", i+1, w.Code)
				}
			}
			if w.Code != tt.wantLast {
				t.Fatalf("last request got %d, want %d", w.Code, tt.wantLast)
			}
			if w.Code == 401 && challenges(t, w.Header())[0]["stale"] != "true" {
				t.Error("replay refused without stale=true")
			}
		})
	}
	t.Run("a replayed request never reaches the realm; a good one is logged out after its response", func(t *testing.T) {
		c := f.client("SHA-256", "Mufasa")
		h := c.header("GET", "/", nil)
		in, out := f.realm.logins.Load(), f.realm.logouts.Load()
		if w := f.do("GET", "/", h, ""); w.Code != 200 {
			t.Fatalf("the first use got %d", w.Code)
		}
		if f.realm.logins.Load() != in+1 || f.realm.logouts.Load() != out+1 {
			t.Fatalf("after a good request: %d logins, %d logouts; want one more of each", f.realm.logins.Load()-in, f.realm.logouts.Load()-out)
		}
		if w := f.do("GET", "/", h, ""); w.Code != 401 {
			t.Fatalf("the replay got %d", w.Code)
		}
		if f.realm.logins.Load() != in+1 || f.realm.logouts.Load() != out+1 {
			t.Errorf("the replay reached the realm: %d logins, %d logouts in all", f.realm.logins.Load()-in, f.realm.logouts.Load()-out)
		}
	})
}

func TestDigestExpiredNonce(t *testing.T) {
	f := newDigestFixture(t, DigestOptions{NonceLifetime: time.Minute})
	later := func() time.Time { return time.Now().Add(2 * time.Minute) }
	t.Run("a correct response on an expired nonce gets 401 with stale=true", func(t *testing.T) {
		c := f.client("SHA-256", "Mufasa")
		f.d.minter.now = later
		defer func() { f.d.minter.now = time.Now }()
		w := f.do("GET", "/", c.header("GET", "/", nil), "")
		if w.Code != 401 || challenges(t, w.Header())[0]["stale"] != "true" {
			t.Fatalf("got %d %q", w.Code, w.Header().Values("WWW-Authenticate"))
		}
		t.Run("and the client's retry on the new nonce gets in", func(t *testing.T) {
			c2 := clientFor(challenges(t, w.Header())[0], "Mufasa", "Circle Of Life")
			if w := f.do("GET", "/", c2.header("GET", "/", nil), ""); w.Code != 200 {
				t.Fatalf("got %d", w.Code)
			}
		})
	})
	t.Run("a wrong password on an expired nonce gets 401 without stale", func(t *testing.T) {
		c := f.client("SHA-256", "Mufasa")
		c.password = "wrong"
		f.d.minter.now = later
		defer func() { f.d.minter.now = time.Now }()
		w := f.do("GET", "/", c.header("GET", "/", nil), "")
		if w.Code != 401 || challenges(t, w.Header())[0]["stale"] == "true" {
			t.Fatalf("got %d %q", w.Code, w.Header().Values("WWW-Authenticate"))
		}
	})
}

func TestDigestSharedKey(t *testing.T) {
	key := NewSecretKey([]byte("0123456789abcdef0123456789abcdef"))
	shared, err := NewMemoryNonceStore(MemoryNonceStoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := newDigestFixture(t, DigestOptions{Key: key, Store: shared})
	b := newDigestFixture(t, DigestOptions{Key: key, Store: shared})
	other := newDigestFixture(t, DigestOptions{})
	t.Run("a nonce from one server is accepted by another with the same key", func(t *testing.T) {
		c := a.client("SHA-256", "Mufasa")
		if w := b.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 200 {
			t.Fatalf("got %d", w.Code)
		}
	})
	t.Run("a request used on one server is a replay on the other", func(t *testing.T) {
		h := a.client("SHA-256", "Mufasa").header("GET", "/", nil)
		if w := a.do("GET", "/", h, ""); w.Code != 200 {
			t.Fatalf("first use: got %d", w.Code)
		}
		w := b.do("GET", "/", h, "")
		if w.Code != 401 || challenges(t, w.Header())[0]["stale"] != "true" {
			t.Fatalf("replay on the other server: got %d %q", w.Code, w.Header().Values("WWW-Authenticate"))
		}
	})
	t.Run("an empty Key, as from an unset variable, is refused, not replaced by a random one", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{}, plaintextChecker(nil))
		_, err := NewDigest(p, DigestOptions{Realm: "r", Key: NewSecretKey(nil), Store: shared})
		if err == nil || !strings.Contains(err.Error(), "0 bytes") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a Key without a Store is refused at construction", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{}, plaintextChecker(nil))
		_, err := NewDigest(p, DigestOptions{Realm: "r", Key: key})
		if err == nil || !strings.Contains(err.Error(), "Store") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a nonce from a server with another key is refused", func(t *testing.T) {
		c := a.client("SHA-256", "Mufasa")
		c.opaque = other.client("SHA-256", "Mufasa").opaque
		if w := other.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 401 {
			t.Fatalf("got %d", w.Code)
		}
	})
	t.Run("a short key is refused at construction", func(t *testing.T) {
		p := newPortal(t, &recordingRealm{}, plaintextChecker(nil))
		if _, err := NewDigest(p, DigestOptions{Realm: "r", Key: NewSecretKey([]byte("short"))}); err == nil {
			t.Fatal("no error")
		}
	})
}

type failingStore struct{}

func (failingStore) Use(context.Context, string, uint64, time.Time) (bool, error) {
	return false, errors.New("redis: connection refused")
}

// timeoutStore is a NonceStore whose own deadline passes, the request's
// context still alive.
type timeoutStore struct{}

func (timeoutStore) Use(context.Context, string, uint64, time.Time) (bool, error) {
	return false, fmt.Errorf("redis: %w", context.DeadlineExceeded)
}

func TestDigestStoreTimeoutIsAnInternalError(t *testing.T) {
	f := newDigestFixture(t, DigestOptions{Store: timeoutStore{}})
	c := f.client("SHA-256", "Mufasa")
	if w := f.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 500 {
		t.Fatalf("got %d %q, want 500 (not 503: the client is still there)", w.Code, w.Body)
	}
}

func TestDigestStoreErrorFailsClosed(t *testing.T) {
	f := newDigestFixture(t, DigestOptions{Store: failingStore{}})
	c := f.client("SHA-256", "Mufasa")
	w := f.do("GET", "/", c.header("GET", "/", nil), "")
	if w.Code != 500 || strings.Contains(w.Body.String(), "redis") {
		t.Fatalf("got %d %q, want a bare 500", w.Code, w.Body)
	}
}

func TestDigestAuthIntBodyLimit(t *testing.T) {
	f := newDigestFixture(t, DigestOptions{MaxBodyBytes: 10})
	c := f.client("SHA-256", "Mufasa")
	c.qop = "auth-int"
	body := strings.Repeat("x", 11)
	if w := f.do("POST", "/", c.header("POST", "/", []byte(body)), body); w.Code != 413 {
		t.Fatalf("got %d, want 413", w.Code)
	}
	t.Run("a limit set by an outer handler gets 413 too", func(t *testing.T) {
		f := newDigestFixture(t, DigestOptions{})
		c := f.client("SHA-256", "Mufasa")
		c.qop = "auth-int"
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Authorization", c.header("POST", "/", []byte(body)))
		w := httptest.NewRecorder()
		http.MaxBytesHandler(f.h, 5).ServeHTTP(w, r)
		if w.Code != 413 {
			t.Fatalf("got %d, want 413", w.Code)
		}
	})
	t.Run("a declared length over the limit gets 413 before the body is read", func(t *testing.T) {
		srv := httptest.NewServer(f.h)
		defer srv.Close()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n",
			c.header("POST", "/", []byte(body)))
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		status, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || !strings.HasPrefix(status, "HTTP/1.1 413") {
			t.Fatalf("first answer %q, %v; want 413 and no 100 Continue", status, err)
		}
	})
}

func TestDigestCredentialsNeverPrintSecrets(t *testing.T) {
	c := &DigestCredentials{username: "Mufasa", alg: lookupAlgorithm("MD5"), response: [32]byte{0xde, 0xad}, rspKey: [108]byte{'c', 'a', 'f', 'e'}, rspKeyLen: 4, verified: true}
	for _, s := range []string{c.String(), c.GoString()} {
		if strings.Contains(s, "dead") || strings.Contains(s, "cafe") || !strings.Contains(s, "Mufasa") {
			t.Errorf("%q", s)
		}
	}
	if reflect.TypeFor[*DigestCredentials]() != (&Digest{}).CredentialType() {
		t.Error("CredentialType is not *DigestCredentials")
	}
}

// A replayed response is a failed login that a throttle counts: otherwise
// one captured request, replayed between guesses, would reset the user's
// failure count for ever.
// A right response on an expired nonce gets 401 stale=true. It must not
// clear the user's failures: a captured request replayed after its nonce
// expired, between guesses, would otherwise reset the count for ever. Nor
// may it count as a failure: clients whose nonces expire (every few
// minutes, behind one address) would lock themselves and the address out.
func TestDigestExpiredNonceNeitherResetsNorCountsFailures(t *testing.T) {
	later := func() time.Time { return time.Now().Add(2 * time.Minute) }
	t.Run("a captured request replayed on its expired nonce does not clear the failures between guesses", func(t *testing.T) {
		throttle := checkers.NewThrottle(plaintextChecker(digestUsers), checkers.NewMemoryThrottleStore(),
			checkers.ThrottlePolicy{MaxUserFailures: 3, MaxAddrFailures: -1})
		f := newDigestFixture(t, DigestOptions{NonceLifetime: time.Minute}, throttle)
		captured := f.client("SHA-256", "Mufasa").header("GET", "/", nil)
		if w := f.do("GET", "/", captured, ""); w.Code != 200 {
			t.Fatalf("the first use got %d", w.Code)
		}
		f.d.minter.now = later
		defer func() { f.d.minter.now = time.Now }()
		guess := func() int {
			c := f.client("SHA-256", "Mufasa")
			c.password = "wrong"
			return f.do("GET", "/", c.header("GET", "/", nil), "").Code
		}
		for i, step := range []string{"guess", "guess", "replay", "guess"} {
			if step == "guess" {
				if code := guess(); code != 401 {
					t.Fatalf("step %d, a wrong guess: %d, want 401", i+1, code)
				}
				continue
			}
			w := f.do("GET", "/", captured, "")
			if w.Code != 401 || challenges(t, w.Header())[0]["stale"] != "true" {
				t.Fatalf("step %d, the replay: %d %q, want 401 stale=true", i+1, w.Code, w.Header().Values("WWW-Authenticate"))
			}
		}
		if w := f.do("GET", "/", f.client("SHA-256", "Mufasa").header("GET", "/", nil), ""); w.Code != http.StatusTooManyRequests {
			t.Fatalf("after three wrong guesses and a replay between them, a login got %d, want 429", w.Code)
		}
	})
	t.Run("right responses on expired nonces do not count against the address", func(t *testing.T) {
		throttle := checkers.NewThrottle(plaintextChecker(digestUsers), checkers.NewMemoryThrottleStore(),
			checkers.ThrottlePolicy{MaxUserFailures: -1, MaxAddrFailures: 2})
		f := newDigestFixture(t, DigestOptions{NonceLifetime: time.Minute}, throttle)
		var old []string
		for range 5 {
			old = append(old, f.client("SHA-256", "Mufasa").header("GET", "/", nil))
		}
		f.d.minter.now = later
		defer func() { f.d.minter.now = time.Now }()
		for i, h := range old {
			if w := f.do("GET", "/", h, ""); w.Code != 401 || challenges(t, w.Header())[0]["stale"] != "true" {
				t.Fatalf("expired nonce %d: %d, want 401 stale=true", i+1, w.Code)
			}
		}
		if w := f.do("GET", "/", f.client("SHA-256", "Mufasa").header("GET", "/", nil), ""); w.Code != 200 {
			t.Fatalf("after five stale retries from one address, the fresh login got %d, want 200", w.Code)
		}
	})
}

// A right response on a nonce-count already used (a captured request
// replayed, or a client's request that arrived after a later one on the
// same nonce: browsers and HTTP/2 send in parallel) gets 401 stale=true,
// and is not a failed login: counting it would let anyone holding one
// captured request, or a client loading a page, lock the user out. Nor is
// it a login: the realm is not asked, and an observer sees it as
// inconclusive, not as a success.
func TestDigestReplayIsRefusedButNotCountedAsAFailedLogin(t *testing.T) {
	throttle := checkers.NewThrottle(plaintextChecker(digestUsers), checkers.NewMemoryThrottleStore(),
		checkers.ThrottlePolicy{MaxUserFailures: 3, MaxAddrFailures: -1})
	realm := &recordingRealm{handler: whoami}
	p := newPortal(t, realm, throttle)
	var mu sync.Mutex
	var outcomes []string
	p.SetObserver(cred.ObserverFunc(func(_ context.Context, ev cred.LoginEvent) {
		mu.Lock()
		defer mu.Unlock()
		outcomes = append(outcomes, ev.Outcome.String())
	}))
	d := newDigest(t, p, DigestOptions{Realm: "testrealm@host.com"})
	f := &digestFixture{t: t, d: d, h: newMiddleware(t, p, d).Wrap(whoami), realm: realm}
	stale := func(what string, h string) {
		t.Helper()
		w := f.do("GET", "/", h, "")
		if w.Code != 401 || challenges(t, w.Header())[0]["stale"] != "true" {
			t.Fatalf("%s got %d %q, want 401 with stale=true", what, w.Code, w.Header().Values("WWW-Authenticate"))
		}
	}
	c := f.client("SHA-256", "Mufasa")
	captured := c.header("GET", "/", nil)
	if w := f.do("GET", "/", captured, ""); w.Code != 200 {
		t.Fatalf("the first use got %d", w.Code)
	}
	for i := range 10 {
		stale(fmt.Sprintf("replay %d", i+1), captured)
	}
	// One client's four requests on a nonce, the last arriving first.
	c = f.client("SHA-256", "Mufasa")
	var hs []string
	for range 4 {
		hs = append(hs, c.header("GET", "/", nil))
	}
	if w := f.do("GET", "/", hs[3], ""); w.Code != 200 {
		t.Fatalf("nonce-count 4 first got %d", w.Code)
	}
	for i := range 3 {
		stale(fmt.Sprintf("nonce-count %d after 4", i+1), hs[i])
	}
	if w := f.do("GET", "/", f.client("SHA-256", "Mufasa").header("GET", "/", nil), ""); w.Code != 200 {
		t.Fatalf("after 13 stale answers a fresh login got %d, want 200: they were counted as failures", w.Code)
	}
	if n := realm.logins.Load(); n != 3 {
		t.Errorf("the realm was asked for %d avatars, want 3 (the logins that went through)", n)
	}
	mu.Lock()
	defer mu.Unlock()
	want := "success " + strings.Repeat("inconclusive ", 10) + "success " + strings.Repeat("inconclusive ", 3) + "success"
	if got := strings.Join(outcomes, " "); got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
}

// sha256Only is a Digest checker that verifies SHA-256 only.
type sha256Only struct{ *checkers.InsecurePlaintext }

func (sha256Only) CredentialInterfaces() []reflect.Type {
	return []reflect.Type{cred.UsernameDigestHashType}
}
func (sha256Only) DigestAlgorithms(string) []string { return []string{cred.AlgorithmSHA256} }

// firstChallengeOf returns the first Digest challenge f's server sends.
func firstChallengeOf(t *testing.T, f *digestFixture) map[string]string {
	t.Helper()
	w := f.do("GET", "/", "", "")
	chs := challenges(t, w.Header())
	if len(chs) == 0 {
		t.Fatalf("no challenge: %d %v", w.Code, w.Header())
	}
	return chs[0]
}

// A server restarted with a new random key (the default) no longer knows
// its nonces: a client answering one with the right password gets
// stale=true and carries on with the new server's nonce, without its user
// being asked again.
func TestDigestNonceOfARestartedServerIsStale(t *testing.T) {
	before := newDigestFixture(t, DigestOptions{})
	after := newDigestFixture(t, DigestOptions{})
	c := before.client("SHA-256", "Mufasa")
	if w := before.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 200 {
		t.Fatalf("before the restart: %d", w.Code)
	}
	w := after.do("GET", "/", c.header("GET", "/", nil), "")
	if w.Code != 401 {
		t.Fatalf("after the restart: %d, want 401", w.Code)
	}
	var fresh map[string]string
	for _, ch := range challenges(t, w.Header()) {
		if ch["algorithm"] == "SHA-256" {
			fresh = ch
		}
	}
	if fresh == nil || fresh["stale"] != "true" {
		t.Fatalf("after the restart: challenges %q, want stale=true", w.Header().Values("WWW-Authenticate"))
	}
	c = clientFor(fresh, "Mufasa", c.password)
	c.algorithm = "SHA-256"
	if w := after.do("GET", "/", c.header("GET", "/", nil), ""); w.Code != 200 {
		t.Fatalf("on the new server's nonce: %d", w.Code)
	}
}
