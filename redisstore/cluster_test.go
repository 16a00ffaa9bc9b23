package redisstore_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
	"github.com/gocred/gocred/httpauth"
	"github.com/gocred/gocred/realms"
)

// whoami answers with who logged in.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, _ := httpauth.AvatarIDFrom(r.Context())
	io.WriteString(w, id.String())
})

// syncBuffer is a log sink safe for the servers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// instance is one gocred server of several behind a load balancer: its own
// portal, checker and middleware, sharing only Redis and the Digest key.
type instance struct {
	*httptest.Server
	logs     *syncBuffer
	throttle *checkers.Throttle // nil if not throttled
}

var sharedDigestKey = []byte("0123456789abcdef0123456789abcdef-shared-by-all-instances")

// newInstance starts a server with Digest and Basic over one user, alice,
// keeping nonce-counts and (if throttled) failure counts in Redis.
func newInstance(t testing.TB, rdb redis.Scripter, prefix string, throttled bool) *instance {
	t.Helper()
	var checker cred.Checker = checkers.NewInsecurePlaintext(map[string]string{"alice": "alice-pw"})
	var throttle *checkers.Throttle
	if throttled {
		throttle = checkers.NewThrottle(checker, newThrottleStore(t, rdb, prefix),
			checkers.ThrottlePolicy{MaxUserFailures: 3, MaxAddrFailures: -1, LockoutDuration: time.Minute})
		checker = throttle
	}
	portal, err := cred.NewPortal(realms.NewStaticOf[http.Handler](whoami), checker)
	mustNoErr(t, err, "NewPortal")
	digest, err := httpauth.NewDigest(portal, httpauth.DigestOptions{
		Realm: "files", Key: httpauth.NewSecretKey(sharedDigestKey), Store: newNonceStore(t, rdb, prefix),
		Algorithms: []string{"SHA-256"}, NonceLifetime: time.Minute,
	})
	mustNoErr(t, err, "NewDigest")
	basic, err := httpauth.NewBasic("files")
	mustNoErr(t, err, "NewBasic")
	mw, err := httpauth.New(portal, digest, basic)
	mustNoErr(t, err, "httpauth.New")
	logs := &syncBuffer{}
	mw.Logger = slog.New(slog.NewTextHandler(logs, nil))
	srv := httptest.NewServer(mw.Handler())
	t.Cleanup(srv.Close)
	return &instance{Server: srv, logs: logs, throttle: throttle}
}

// get sends GET / to in with an Authorization header (none if empty).
func get(t testing.TB, in *instance, authorization string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, in.URL+"/", nil)
	mustNoErr(t, err, "NewRequest")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := in.Client().Do(req)
	mustNoErr(t, err, "GET")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// challenge gets a fresh Digest nonce from in.
func challenge(t testing.TB, in *instance, user, password string) *digestClient {
	t.Helper()
	resp, _ := get(t, in, "")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d, want 401", resp.StatusCode)
	}
	return newDigestClient(t, resp, user, password)
}

func basicAuth(user, password string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, password)
	return r.Header.Get("Authorization")
}

func TestTwoServersShareOneRedis(t *testing.T) {
	rdb, prefix := sharedRedis(t)
	testTwoServersShare(t, rdb, prefix)
}

// testTwoServersShare runs two servers over the Redis of rdb, with key
// prefix prefix: Digest on one nonce across both, replays refused on both,
// failures counted on one locking the user out on the other.
func testTwoServersShare(t *testing.T, rdb redis.Scripter, prefix string) {
	a := newInstance(t, rdb, prefix, true)
	b := newInstance(t, rdb, prefix, true)
	servers := map[string]*instance{"A": a, "B": b}

	c := challenge(t, a, "alice", "alice-pw")
	sent := map[string]string{} // the last header each server accepted
	t.Run("requests alternating between the servers on one nonce with rising counts succeed", func(t *testing.T) {
		for i, name := range []string{"A", "B", "A", "B", "B", "A"} {
			h := c.next(http.MethodGet, "/")
			resp, body := get(t, servers[name], h)
			if resp.StatusCode != http.StatusOK || body != `user "alice"` {
				t.Fatalf("request %d (nc=%d) to %s: %d %q, want 200 for alice", i+1, c.nc, name, resp.StatusCode, body)
			}
			sent[name] = h
		}
	})
	replays := []struct{ name, from, to string }{
		{"a header accepted by A and replayed to B is refused", "A", "B"},
		{"a header accepted by B and replayed to A is refused", "B", "A"},
		{"a header replayed to the server that accepted it is refused", "A", "A"},
	}
	for _, r := range replays {
		t.Run(r.name, func(t *testing.T) {
			resp, _ := get(t, servers[r.to], sent[r.from])
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("replay to %s: %d, want 401", r.to, resp.StatusCode)
			}
			if !strings.Contains(strings.Join(resp.Header.Values("WWW-Authenticate"), " "), "stale=true") {
				t.Fatalf("replay answered without stale=true: %v", resp.Header.Values("WWW-Authenticate"))
			}
		})
	}
	t.Run("the replays are not failed logins on either server", func(t *testing.T) {
		// A right response on a used count is inconclusive: counted as
		// a failure, one captured header replayed three times would lock
		// alice out everywhere (and so would her own requests arriving
		// out of order).
		resp, _ := get(t, b, c.next(http.MethodGet, "/"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("next count after three replays: %d, want 200", resp.StatusCode)
		}
	})
	t.Run("unlocking alice on A lets the client carry on on B with the next count", func(t *testing.T) {
		mustNoErr(t, a.throttle.UnlockUser(context.Background(), "alice"), "UnlockUser")
		resp, _ := get(t, b, c.next(http.MethodGet, "/"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("next count: %d, want 200", resp.StatusCode)
		}
	})
	t.Run("failures counted on A lock the user out on B", func(t *testing.T) {
		guesser := challenge(t, a, "alice", "guess")
		for i := range 3 {
			resp, _ := get(t, a, guesser.next(http.MethodGet, "/"))
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong guess %d on A: %d, want 401", i+1, resp.StatusCode)
			}
		}
		resp, _ := get(t, b, c.next(http.MethodGet, "/"))
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("the right Digest response on B after 3 failures on A: %d, want 429", resp.StatusCode)
		}
		resp, _ = get(t, b, basicAuth("alice", "alice-pw"))
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("the right Basic password on B: %d (Retry-After %q), want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
}

func TestRedisStoppedAndRestarted(t *testing.T) {
	srv := ownRedis(t)
	rdb := newClient(srv.addr())
	t.Cleanup(func() { rdb.Close() })
	prefix := "gocred:"
	a := newInstance(t, rdb, prefix, true)
	b := newInstance(t, rdb, prefix, true)
	digestOnly := newInstance(t, rdb, prefix, false) // no throttle: the nonce store alone

	c := challenge(t, a, "alice", "alice-pw")
	var before []string // headers accepted before the stop
	for _, in := range []*instance{a, b, digestOnly} {
		h := c.next(http.MethodGet, "/")
		if resp, _ := get(t, in, h); resp.StatusCode != http.StatusOK {
			t.Fatalf("login before the stop: %d", resp.StatusCode)
		}
		before = append(before, h)
	}

	srv.stop()
	t.Run("with Redis down, Digest and throttled logins are refused with a server error", func(t *testing.T) {
		cases := []struct {
			name string
			in   *instance
			auth string
		}{
			{"a fresh Digest count on a throttled server", a, c.next(http.MethodGet, "/")},
			{"a fresh Digest count on a server with the nonce store alone", digestOnly, c.next(http.MethodGet, "/")},
			{"a replayed Digest header", digestOnly, before[2]},
			{"the right Basic password on a throttled server", b, basicAuth("alice", "alice-pw")},
			{"a wrong Basic password on a throttled server", b, basicAuth("alice", "wrong")},
		}
		for _, tc := range cases {
			resp, _ := get(t, tc.in, tc.auth)
			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("%s: %d, want 500", tc.name, resp.StatusCode)
			}
		}
	})
	t.Run("the failures are logged, naming Redis, without secrets", func(t *testing.T) {
		for name, in := range map[string]*instance{"A": a, "B": b, "digest-only": digestOnly} {
			logs := in.logs.String()
			if !strings.Contains(logs, "redisstore") || !strings.Contains(logs, "internal error") {
				t.Errorf("%s logged %q, want the Redis failure", name, logs)
			}
			if strings.Contains(logs, "alice-pw") {
				t.Errorf("%s logged the password", name)
			}
		}
	})

	srv.start() // empty: no persistence
	t.Run("after the restart no header used before it is accepted again", func(t *testing.T) {
		// The throttled servers get one replay each; the server with the
		// nonce store alone gets them all.
		for i, h := range before {
			targets := []*instance{digestOnly}
			if i < 2 {
				targets = append(targets, []*instance{a, b}[i])
			}
			for _, in := range targets {
				if resp, _ := get(t, in, h); resp.StatusCode == http.StatusOK {
					t.Fatalf("header %d, accepted before the restart, was accepted again", i)
				}
			}
		}
	})
	t.Run("logins resume without restarting the servers", func(t *testing.T) {
		for name, in := range map[string]*instance{"A": a, "B": b, "digest-only": digestOnly} {
			// The old nonce predates the restart, so the server answers
			// stale=true; the client takes the fresh nonce, as browsers do.
			fresh := challenge(t, in, "alice", "alice-pw")
			resp, body := get(t, in, fresh.next(http.MethodGet, "/"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: Digest login after the restart: %d %q", name, resp.StatusCode, body)
			}
		}
		if resp, _ := get(t, b, basicAuth("alice", "alice-pw")); resp.StatusCode != http.StatusOK {
			t.Fatalf("Basic login after the restart: %d", resp.StatusCode)
		}
	})
}
