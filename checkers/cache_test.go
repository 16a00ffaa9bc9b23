package checkers_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// decoStore is the real in-memory bcrypt store (at a low cost, for speed)
// with a count of verifications, so tests can tell whether hashing ran.
type decoStore struct {
	*checkers.Memory
	verified atomic.Int64
}

func newDecoStore(t testing.TB, cost int, users map[string]string) *decoStore {
	t.Helper()
	s := &decoStore{Memory: checkers.NewMemory(checkers.Bcrypt{Cost: cost})}
	for u, p := range users {
		s.set(t, u, p)
	}
	return s
}

func (s *decoStore) set(t testing.TB, user, pass string) {
	t.Helper()
	if err := s.Add(user, pass); err != nil {
		t.Fatal(err)
	}
}

func (s *decoStore) remove(user string) { s.Remove(user) }

// RequestAvatarID counts the verification and asks the store.
func (s *decoStore) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	s.verified.Add(1)
	return s.Memory.RequestAvatarID(ctx, creds, mind)
}

var (
	_ cred.Checker                = (*decoStore)(nil)
	_ checkers.PasswordHashLookup = (*decoStore)(nil)
)

// decoClock is a settable clock for TTL and lockout tests.
type decoClock struct {
	mu  sync.Mutex
	now time.Time
}

func newDecoClock() *decoClock { return &decoClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *decoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *decoClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// decoRealm hands out an http.Handler for any avatar ID.
var decoRealm = cred.RealmFunc(func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifs ...reflect.Type) (reflect.Type, any, func(), error) {
	return reflect.TypeFor[http.Handler](), http.NotFoundHandler(), nil, nil
})

func decoPortal(t testing.TB, checkers ...cred.Checker) *cred.Portal {
	t.Helper()
	p, err := cred.NewPortal(decoRealm, checkers...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func decoLogin(p *cred.Portal, user, pass string, mind cred.Mind) (cred.AvatarID, error) {
	s, err := p.Login(context.Background(), cred.NewUsernamePassword(user, pass), mind, reflect.TypeFor[http.Handler]())
	if err != nil {
		return cred.AvatarID{}, err
	}
	s.Logout()
	return s.ID, nil
}

func newDecoCache(t *testing.T, inner cred.Checker, opts checkers.CacheOptions) *checkers.Cache {
	t.Helper()
	c, err := checkers.NewCache(inner, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCacheAnswersRepeatLoginsWithoutHashing(t *testing.T) {
	type step struct {
		user, pass string
		wantOK     bool
		wantHashed bool // whether the inner store verified
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a second correct login is a hit and does not hash", []step{
			{"alice", "right", true, true},
			{"alice", "right", true, false},
			{"alice", "right", true, false},
		}},
		{"a wrong password after a correct one still goes to the store and is refused", []step{
			{"alice", "right", true, true},
			{"alice", "wrong", false, true},
			{"alice", "wrong", false, true},
		}},
		{"a refusal is never cached, so a later correct password is verified", []step{
			{"alice", "wrong", false, true},
			{"alice", "right", true, true},
			{"alice", "right", true, false},
		}},
		{"an unknown user always goes to the store, never to the cache", []step{
			{"nobody", "right", false, true},
			{"nobody", "right", false, true},
		}},
		{"one user's cached password does not log in another", []step{
			{"alice", "right", true, true},
			{"bob", "right", false, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right", "bob": "other"})
			p := decoPortal(t, newDecoCache(t, store, checkers.CacheOptions{}))
			for i, s := range tt.steps {
				before := store.verified.Load()
				id, err := decoLogin(p, s.user, s.pass, cred.Mind{})
				if s.wantOK && (err != nil || id != cred.UserID(s.user)) {
					t.Fatalf("step %d: login %s = %v, %v; want success", i, s.user, id, err)
				}
				if !s.wantOK && !errors.Is(err, cred.ErrUnauthorizedLogin) {
					t.Fatalf("step %d: login %s err = %v, want ErrUnauthorizedLogin", i, s.user, err)
				}
				if hashed := store.verified.Load() > before; hashed != s.wantHashed {
					t.Fatalf("step %d: store verified = %v, want %v", i, hashed, s.wantHashed)
				}
			}
		})
	}
}

func TestCacheStats(t *testing.T) {
	store := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right"})
	c := newDecoCache(t, store, checkers.CacheOptions{})
	p := decoPortal(t, c)
	for _, pass := range []string{"right", "right", "wrong", "right"} {
		decoLogin(p, "alice", pass, cred.Mind{})
	}
	got := c.Stats()
	want := checkers.CacheStats{Hits: 2, Misses: 2, Entries: 1}
	if got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
}

func TestCacheForgetsWhenTheStoreChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, s *decoStore)
		pass   string
		wantOK bool
	}{
		{"a changed password refuses the old one though it was cached",
			func(t *testing.T, s *decoStore) { s.set(t, "alice", "new") }, "right", false},
		{"a changed password accepts the new one",
			func(t *testing.T, s *decoStore) { s.set(t, "alice", "new") }, "new", true},
		{"a password set again to the same value is rehashed with a new salt and verified afresh",
			func(t *testing.T, s *decoStore) {
				before, _, _ := s.LookupPasswordHash(context.Background(), "alice")
				s.set(t, "alice", "right")
				if after, _, _ := s.LookupPasswordHash(context.Background(), "alice"); after == before || after == "" {
					t.Fatalf("the stored hash did not change: %q", after)
				}
			}, "right", true},
		{"a removed user is refused though their login was cached",
			func(t *testing.T, s *decoStore) { s.remove("alice") }, "right", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right"})
			p := decoPortal(t, newDecoCache(t, store, checkers.CacheOptions{}))
			if _, err := decoLogin(p, "alice", "right", cred.Mind{}); err != nil {
				t.Fatal(err)
			}
			tt.change(t, store)
			before := store.verified.Load()
			_, err := decoLogin(p, "alice", tt.pass, cred.Mind{})
			if (err == nil) != tt.wantOK {
				t.Fatalf("err = %v, want success %v", err, tt.wantOK)
			}
			if store.verified.Load() == before {
				t.Fatal("the login after the change was answered from the cache")
			}
		})
	}
}

func TestCacheEntriesExpire(t *testing.T) {
	clock := newDecoClock()
	store := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right"})
	c := newDecoCache(t, store, checkers.CacheOptions{TTL: time.Minute, Now: clock.Now})
	p := decoPortal(t, c)
	tests := []struct {
		name       string
		advance    time.Duration
		wantHashed bool
	}{
		{"the first login is verified", 0, true},
		{"a login just before the TTL is a hit", time.Minute - time.Second, false},
		{"a login at the TTL is verified again", time.Second, true},
		{"the fresh entry is a hit again", 30 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.advance)
			before := store.verified.Load()
			if _, err := decoLogin(p, "alice", "right", cred.Mind{}); err != nil {
				t.Fatal(err)
			}
			if hashed := store.verified.Load() > before; hashed != tt.wantHashed {
				t.Fatalf("store verified = %v, want %v", hashed, tt.wantHashed)
			}
		})
	}
}

func TestCacheIsBounded(t *testing.T) {
	users := map[string]string{}
	for _, u := range []string{"u0", "u1", "u2", "u3", "u4"} {
		users[u] = "pw-" + u
	}
	store := newDecoStore(t, bcrypt.MinCost, users)
	c := newDecoCache(t, store, checkers.CacheOptions{MaxEntries: 3})
	p := decoPortal(t, c)
	for _, u := range []string{"u0", "u1", "u2", "u3", "u4"} {
		if _, err := decoLogin(p, u, "pw-"+u, cred.Mind{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("no more than MaxEntries are held", func(t *testing.T) {
		if n := c.Stats().Entries; n != 3 {
			t.Fatalf("Entries = %d, want 3", n)
		}
	})
	tests := []struct {
		user       string
		wantHashed bool
	}{
		{"u4", false}, {"u3", false}, {"u2", false}, {"u0", true},
	}
	for _, tt := range tests {
		name := "the newest entry " + tt.user + " is kept"
		if tt.wantHashed {
			name = "the oldest entry " + tt.user + " was evicted"
		}
		t.Run(name, func(t *testing.T) {
			before := store.verified.Load()
			if _, err := decoLogin(p, tt.user, "pw-"+tt.user, cred.Mind{}); err != nil {
				t.Fatal(err)
			}
			if hashed := store.verified.Load() > before; hashed != tt.wantHashed {
				t.Fatalf("store verified = %v, want %v", hashed, tt.wantHashed)
			}
		})
	}
}

func TestNewCacheValidates(t *testing.T) {
	noLookup := cred.NewCheckerFunc(func(context.Context, cred.Credentials, cred.Mind) (cred.AvatarID, error) {
		return cred.AvatarID{}, cred.ErrUnauthorizedLogin
	}, cred.UsernamePasswordType)
	store := newDecoStore(t, bcrypt.MinCost, nil)
	tests := []struct {
		name  string
		inner cred.Checker
		opts  checkers.CacheOptions
		want  string // in the error; empty for success
	}{
		{"a checker without a hash lookup is refused, naming its type", noLookup, checkers.CacheOptions{}, "*cred.CheckerFunc"},
		{"a limit over a checker without a hash lookup is refused", checkers.NewLimit(noLookup, 1), checkers.CacheOptions{}, "PasswordHashLookup"},
		{"a chain with no hash lookup is refused", checkers.NewChain(noLookup), checkers.CacheOptions{}, "PasswordHashLookup"},
		{"a negative TTL is refused by name", store, checkers.CacheOptions{TTL: -1}, "CacheOptions.TTL"},
		{"a negative MaxEntries is refused by name", store, checkers.CacheOptions{MaxEntries: -1}, "CacheOptions.MaxEntries"},
		{"a store with a hash lookup is accepted", store, checkers.CacheOptions{}, ""},
		{"a limit over a store with a hash lookup is accepted", checkers.NewLimit(store, 1), checkers.CacheOptions{}, ""},
		{"a throttle inside the cache is refused, since hits would bypass its lockout", checkers.NewThrottle(store, checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{}), checkers.CacheOptions{}, "put the Throttle outside the Cache"},
		{"a throttle inside a limit inside the cache is refused", checkers.NewLimit(checkers.NewThrottle(store, checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{}), 1), checkers.CacheOptions{}, "put the Throttle outside the Cache"},
		{"a chain holding a store with a hash lookup is accepted", checkers.NewChain(noLookup, store), checkers.CacheOptions{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkers.NewCache(tt.inner, tt.opts)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCacheReportsLookupFailuresAsInternal(t *testing.T) {
	failing := &failingLookup{decoStore: newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right"})}
	p := decoPortal(t, newDecoCache(t, failing, checkers.CacheOptions{}))
	_, err := decoLogin(p, "alice", "right", cred.Mind{})
	if cred.OutcomeOf(err) != cred.OutcomeError {
		t.Fatalf("err = %v (%v), want an internal error", err, cred.OutcomeOf(err))
	}
	if strings.Contains(err.Error(), "right") || strings.Contains(err.Error(), "$2a$") {
		t.Fatalf("error text %q shows a secret", err)
	}
}

type failingLookup struct{ *decoStore }

func (f *failingLookup) LookupPasswordHash(context.Context, string) (string, bool, error) {
	return "", false, errors.New("store unreachable")
}

func TestCachePassesOtherCredentialsThrough(t *testing.T) {
	var got cred.Credentials
	inner := &hashLookupFunc{CheckerFunc: cred.NewCheckerFunc(func(ctx context.Context, c cred.Credentials, m cred.Mind) (cred.AvatarID, error) {
		got = c
		return cred.AnonymousID, nil
	}, cred.AnonymousType)}
	c := newDecoCache(t, inner, checkers.CacheOptions{})
	if !reflect.DeepEqual(c.CredentialInterfaces(), []reflect.Type{cred.AnonymousType}) {
		t.Fatalf("CredentialInterfaces = %v", c.CredentialInterfaces())
	}
	id, err := c.RequestAvatarID(context.Background(), cred.AnonymousCredentials{}, cred.Mind{})
	if err != nil || id != cred.AnonymousID || got != (cred.AnonymousCredentials{}) {
		t.Fatalf("id, err = %v, %v; inner got %v", id, err, got)
	}
	if s := c.Stats(); s.Hits+s.Misses != 0 {
		t.Fatalf("non-password credentials were counted: %+v", s)
	}
}

type hashLookupFunc struct{ *cred.CheckerFunc }

func (hashLookupFunc) LookupPasswordHash(context.Context, string) (string, bool, error) {
	return "", false, nil
}

func TestCacheIsSafeForConcurrentUse(t *testing.T) {
	store := newDecoStore(t, bcrypt.MinCost, map[string]string{"alice": "right", "bob": "pw"})
	c := newDecoCache(t, store, checkers.CacheOptions{MaxEntries: 2})
	p := decoPortal(t, c)
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				user, pass := "alice", "right"
				if (i+j)%2 == 0 {
					user, pass = "bob", "pw"
				}
				if j%5 == 0 {
					pass = "bad"
				}
				_, err := decoLogin(p, user, pass, cred.Mind{})
				if (err == nil) == (pass == "bad") {
					wrong.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if wrong.Load() != 0 {
		t.Fatalf("%d logins had the wrong outcome", wrong.Load())
	}
}

// A Cache as a member of a Chain under another Cache is seen through: the
// outer cache's key holds what the inner cache's store holds, so a
// password changed or removed there is not accepted from the outer cache.
func TestCacheOverAChainSeesANestedCache(t *testing.T) {
	slow := checkers.NewMemory(checkers.Bcrypt{Cost: 4})
	other := checkers.NewMemory(checkers.Bcrypt{Cost: 4})
	for store, pw := range map[*checkers.Memory]string{slow: "old-pw", other: "legacy-pw"} {
		if err := store.Add("alice", pw); err != nil {
			t.Fatal(err)
		}
	}
	inner, err := checkers.NewCache(slow, checkers.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	outer, err := checkers.NewCache(checkers.NewChain(checkers.NewLimit(inner, 4), other), checkers.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	login := func(pw string) error {
		_, err := outer.RequestAvatarID(context.Background(), cred.NewUsernamePassword("alice", pw), cred.Mind{})
		return err
	}
	if err := login("old-pw"); err != nil {
		t.Fatal(err)
	}
	if err := slow.Add("alice", "new-pw"); err != nil {
		t.Fatal(err)
	}
	if err := login("old-pw"); err == nil {
		t.Errorf("the old password is accepted after the change (stats %+v)", outer.Stats())
	}
	if err := login("new-pw"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	slow.Remove("alice")
	for _, pw := range []string{"old-pw", "new-pw"} {
		if err := login(pw); err == nil {
			t.Errorf("%s is accepted after alice was removed from its store", pw)
		}
	}
	if err := login("legacy-pw"); err != nil {
		t.Errorf("the other store's password: %v", err)
	}
}
