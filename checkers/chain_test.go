package checkers_test

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// hashedOnlyCreds implements UsernameHashedPassword but not UsernamePassword,
// like a Digest response.
type hashedOnlyCreds struct{ user, pass string }

func (h hashedOnlyCreds) Username() string            { return h.user }
func (h hashedOnlyCreds) CheckPassword(p string) bool { return p == h.pass }

// recorder is a checker that logs its name when called and answers result.
type recorder struct {
	name   string
	ifaces []reflect.Type
	result error // nil: accept as user name
	calls  *[]string
}

func (r *recorder) CredentialInterfaces() []reflect.Type { return r.ifaces }

func (r *recorder) RequestAvatarID(ctx context.Context, creds cred.Credentials, m cred.Mind) (cred.AvatarID, error) {
	*r.calls = append(*r.calls, r.name)
	if r.result != nil {
		return cred.AvatarID{}, r.result
	}
	return cred.UserID(r.name), nil
}

func TestChainRoutesAndOrders(t *testing.T) {
	boom := errors.New("store unreachable")
	plain := []reflect.Type{cred.UsernamePasswordType}
	hashed := []reflect.Type{cred.UsernameHashedPasswordType}
	type member struct {
		name   string
		ifaces []reflect.Type
		result error
	}
	tests := []struct {
		name      string
		members   []member
		creds     cred.Credentials
		wantCalls string
		wantID    cred.AvatarID
		wantErr   error
	}{
		{"a refusal moves on to the next member",
			[]member{{"a", plain, cred.ErrUnauthorizedLogin}, {"b", plain, nil}},
			cred.NewUsernamePassword("u", "p"), "a,b", cred.UserID("b"), nil},
		{"the first acceptance wins",
			[]member{{"a", plain, nil}, {"b", plain, nil}},
			cred.NewUsernamePassword("u", "p"), "a", cred.UserID("a"), nil},
		{"an internal error stops the search and is returned",
			[]member{{"a", plain, boom}, {"b", plain, nil}},
			cred.NewUsernamePassword("u", "p"), "a", cred.AvatarID{}, boom},
		{"a lockout stops the search",
			[]member{{"a", plain, &cred.ThrottledError{}}, {"b", plain, nil}},
			cred.NewUsernamePassword("u", "p"), "a", cred.AvatarID{}, cred.ErrThrottled},
		{"all refusing is a refusal",
			[]member{{"a", plain, cred.ErrUnauthorizedLogin}, {"b", hashed, cred.ErrUnauthorizedLogin}},
			cred.NewUsernamePassword("u", "p"), "a,b", cred.AvatarID{}, cred.ErrUnauthorizedLogin},
		{"a hashed-only credential skips plaintext-only members",
			[]member{{"a", plain, nil}, {"b", hashed, nil}},
			hashedOnlyCreds{"u", "p"}, "b", cred.UserID("b"), nil},
		{"a credential implementing both goes to members of either, in order",
			[]member{{"a", hashed, cred.ErrUnauthorizedLogin}, {"b", plain, nil}},
			cred.NewUsernamePassword("u", "p"), "a,b", cred.UserID("b"), nil},
		{"anonymous credentials go only to an anonymous member",
			[]member{{"a", plain, nil}, {"anon", []reflect.Type{cred.AnonymousType}, nil}},
			cred.AnonymousCredentials{}, "anon", cred.UserID("anon"), nil},
		{"credentials no member handles are unhandled, not refused",
			[]member{{"a", plain, nil}},
			hashedOnlyCreds{"u", "p"}, "", cred.AvatarID{}, cred.ErrUnhandledCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			var ms []cred.Checker
			for _, m := range tt.members {
				ms = append(ms, &recorder{m.name, m.ifaces, m.result, &calls})
			}
			id, err := checkers.NewChain(ms...).RequestAvatarID(context.Background(), tt.creds, cred.Mind{})
			if got := strings.Join(calls, ","); got != tt.wantCalls {
				t.Errorf("members called: %q, want %q", got, tt.wantCalls)
			}
			if (err == nil) != (tt.wantErr == nil) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if id != tt.wantID {
				t.Fatalf("id = %v, want %v", id, tt.wantID)
			}
			if errors.Is(tt.wantErr, cred.ErrUnhandledCredentials) && errors.Is(err, cred.ErrUnauthorizedLogin) {
				t.Fatal("unhandled credentials look like a wrong password")
			}
		})
	}
}

func TestChainDeclaresTheUnionOfInterfaces(t *testing.T) {
	var calls []string
	c := checkers.NewChain(
		&recorder{"a", []reflect.Type{cred.UsernamePasswordType, cred.UsernameHashedPasswordType}, nil, &calls},
		&recorder{"b", []reflect.Type{cred.UsernameHashedPasswordType, cred.AnonymousType}, nil, &calls},
	)
	want := []reflect.Type{cred.UsernamePasswordType, cred.UsernameHashedPasswordType, cred.AnonymousType}
	if got := c.CredentialInterfaces(); !reflect.DeepEqual(got, want) {
		t.Fatalf("CredentialInterfaces = %v, want %v", got, want)
	}
}

func TestChainLooksUpHashesInOrder(t *testing.T) {
	first := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "one"})
	second := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "two", "bob": "pw"})
	noLookup := newCountingChecker(nil)
	c := checkers.NewChain(noLookup, first, second)
	hashOf := func(s *decoStore, u string) string {
		h, _, _ := s.LookupPasswordHash(context.Background(), u)
		return h
	}
	tests := []struct {
		name      string
		user      string
		wantHash  string
		wantFound bool
	}{
		{"a user in two stores gets the first store's hash", "alice", hashOf(first, "alice"), true},
		{"a user only in a later store gets that store's hash", "bob", hashOf(second, "bob"), true},
		{"an unknown user is not found", "nobody", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, found, err := c.LookupPasswordHash(context.Background(), tt.user)
			if err != nil || found != tt.wantFound || h != tt.wantHash {
				t.Fatalf("LookupPasswordHash = %q, %v, %v", h, found, err)
			}
		})
	}
}

// A decorator over a chain: one cache serving two stores through a Portal.
func TestCacheOverAChainThroughAPortal(t *testing.T) {
	staff := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "a-pw"})
	guests := newDecoStore(t, bcrypt.MinCost, map[string]string{"bob": "b-pw"})
	c := newDecoCache(t, checkers.NewChain(staff, guests), checkers.CacheOptions{})
	p := decoPortal(t, c)
	tests := []struct {
		name, user, pass string
		wantOK           bool
	}{
		{"a user of the first store logs in", "alice", "a-pw", true},
		{"a user of the second store logs in", "bob", "b-pw", true},
		{"a wrong password is refused", "bob", "a-pw", false},
		{"the first store's user logs in again from the cache", "alice", "a-pw", true},
		{"the second store's user logs in again from the cache", "bob", "b-pw", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := decoLogin(p, tt.user, tt.pass, cred.Mind{})
			if tt.wantOK != (err == nil) || (tt.wantOK && id != cred.UserID(tt.user)) {
				t.Fatalf("login = %v, %v", id, err)
			}
		})
	}
	if s := c.Stats(); s.Hits != 2 {
		t.Fatalf("Stats = %+v, want 2 hits", s)
	}
}

func TestNewChainPanicsOnNil(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "checker 1 is nil") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	checkers.NewChain(newCountingChecker(nil), nil)
}

// A client that hangs up while a member hashes its guess must still have
// the guess counted by a throttle around the chain: the chain stops, but
// answers with the refusal, not with an abandoned login (which a throttle
// gives back, so hanging up during each hash would allow endless guesses).
func TestChainRefusalStillCountsWhenTheClientHasGone(t *testing.T) {
	var calls []string
	var hangUpNow context.CancelFunc // the client going away, per attempt
	hangUp := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
		calls = append(calls, "first")
		hangUpNow() // while this member checks
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}, cred.UsernamePasswordType)
	second := &recorder{name: "second", ifaces: []reflect.Type{cred.UsernamePasswordType}, result: cred.ErrUnauthorizedLogin, calls: &calls}
	chain := checkers.NewChain(hangUp, second)
	attempt := func(c cred.Checker) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		hangUpNow = cancel
		_, err := c.RequestAvatarID(ctx, cred.NewUsernamePassword("alice", "guess"), cred.Mind{})
		return err
	}
	if err := attempt(chain); !errors.Is(err, cred.ErrUnauthorizedLogin) {
		t.Fatalf("err = %v, want the refusal", err)
	}
	if strings.Join(calls, ",") != "first" {
		t.Errorf("members asked: %v, want only the first", calls)
	}

	th := checkers.NewThrottle(chain, checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{MaxUserFailures: 2, MaxAddrFailures: -1})
	for range 2 {
		attempt(th)
	}
	hangUpNow = func() {}
	if _, err := th.RequestAvatarID(context.Background(), cred.NewUsernamePassword("alice", "guess"), cred.Mind{}); !errors.Is(err, cred.ErrThrottled) {
		t.Fatalf("after two guesses abandoned mid-hash: %v, want throttled", err)
	}
}

// A user in two stores of a chain has a password in each. A Cache over
// the chain must forget a success as soon as the password that earned it
// changes in whichever store accepted it: the second store's, and an
// htdigest file's, which has no password hash to look up.
func TestCacheOverAChainForgetsAPasswordChangedInALaterStore(t *testing.T) {
	path, digest := aliceHtdigest(t, "digest-pw")
	first := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "first-pw"})
	second := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "second-pw"})
	p := decoPortal(t, newDecoCache(t, checkers.NewChain(first, second, digest), checkers.CacheOptions{}))
	login := func(pw string) error { _, err := decoLogin(p, "alice", pw, cred.Mind{}); return err }
	for _, pw := range []string{"first-pw", "second-pw", "digest-pw"} {
		for range 2 { // the second from the cache
			if err := login(pw); err != nil {
				t.Fatalf("alice with %s: %v", pw, err)
			}
		}
	}
	second.set(t, "alice", "second-pw-2")
	if err := os.WriteFile(path, []byte(htdigestLine("digest-pw-2")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := digest.Reload(); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"second-pw", "digest-pw"} {
		if err := login(pw); !errors.Is(err, cred.ErrUnauthorizedLogin) {
			t.Errorf("alice with %s, changed in its store since: %v, want refused", pw, err)
		}
	}
	for _, pw := range []string{"first-pw", "second-pw-2", "digest-pw-2"} {
		if err := login(pw); err != nil {
			t.Errorf("alice with %s: %v", pw, err)
		}
	}
}

// A chain whose second store is down still logs in the first store's
// users; a Cache over it must not do worse.
func TestCacheOverAChainWithAMemberDown(t *testing.T) {
	local := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right"})
	down := &failingLookup{newDecoStore(t, bcrypt.MinCost, nil)}
	p := decoPortal(t, newDecoCache(t, checkers.NewChain(local, down), checkers.CacheOptions{}))
	for range 2 {
		if _, err := decoLogin(p, "alice", "right", cred.Mind{}); err != nil {
			t.Fatalf("alice through a cache over a chain with a member down: %v, want her logged in as without the cache", err)
		}
	}
	if _, err := decoLogin(p, "alice", "wrong", cred.Mind{}); !errors.Is(err, cred.ErrUnauthorizedLogin) {
		t.Fatalf("a wrong password: %v, want refused", err)
	}
}

// An htdigest file wrapped in a Limit, alone or in a chain of its own, is
// still part of the cache's key.
func TestCacheOverAChainSeesAWrappedHtdigest(t *testing.T) {
	for name, wrap := range map[string]func(*checkers.Htdigest) cred.Checker{
		"Limit(Htdigest)":        func(d *checkers.Htdigest) cred.Checker { return checkers.NewLimit(d, 0) },
		"Limit(Chain(Htdigest))": func(d *checkers.Htdigest) cred.Checker { return checkers.NewLimit(checkers.NewChain(d), 0) },
	} {
		t.Run(name, func(t *testing.T) {
			path, digest := aliceHtdigest(t, "digest-pw")
			first := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "first-pw"})
			p := decoPortal(t, newDecoCache(t, checkers.NewChain(first, wrap(digest)), checkers.CacheOptions{}))
			for range 2 {
				if _, err := decoLogin(p, "alice", "digest-pw", cred.Mind{}); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(path, []byte("bob:files:00000000000000000000000000000000\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := digest.Reload(); err != nil {
				t.Fatal(err)
			}
			if _, err := decoLogin(p, "alice", "digest-pw", cred.Mind{}); !errors.Is(err, cred.ErrUnauthorizedLogin) {
				t.Fatalf("alice with digest-pw, removed from the htdigest file: %v, want refused", err)
			}
		})
	}
}

// htdigestLine is alice's line in realm "files" of an htdigest file.
func htdigestLine(pw string) string {
	return fmt.Sprintf("alice:files:%x\n", md5.Sum([]byte("alice:files:"+pw)))
}

// aliceHtdigest writes an htdigest file holding alice with pw and loads it.
func aliceHtdigest(t *testing.T, pw string) (string, *checkers.Htdigest) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.htdigest")
	if err := os.WriteFile(path, []byte(htdigestLine(pw)), 0o600); err != nil {
		t.Fatal(err)
	}
	digest, err := checkers.NewHtdigest(path, "files")
	if err != nil {
		t.Fatal(err)
	}
	return path, digest
}
