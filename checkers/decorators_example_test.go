package checkers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"reflect"
	"time"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// exampleUsers returns a bcrypt store with one user. The cost is the
// minimum only to keep the examples fast; use the default in production.
func exampleUsers() *checkers.Memory {
	users := checkers.NewMemory(checkers.Bcrypt{Cost: 4})
	if err := users.Add("alice", "correct horse"); err != nil {
		panic(err)
	}
	return users
}

// exampleRealm serves every user the same handler.
var exampleRealm = cred.RealmFunc(func(ctx context.Context, id cred.AvatarID, m cred.Mind, ifs ...reflect.Type) (reflect.Type, any, func(), error) {
	return reflect.TypeFor[http.Handler](), http.NotFoundHandler(), nil, nil
})

// The recommended order: a Throttle outermost (a locked-out client costs
// nothing, and a cached success cannot bypass a lockout), then a Cache (a
// known-good login skips the slow hash and never queues), then a Limit (at
// most a few slow hashes at once), then the store.
func Example_decorators() {
	cache, err := checkers.NewCache(checkers.NewLimit(exampleUsers(), 0), checkers.CacheOptions{})
	if err != nil {
		panic(err)
	}
	checker := checkers.NewThrottle(cache, checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{})
	portal, err := cred.NewPortal(exampleRealm, checker)
	if err != nil {
		panic(err)
	}
	mind := cred.Mind{Protocol: "http", RemoteAddr: netip.MustParseAddrPort("192.0.2.1:40000")}
	for _, pass := range []string{"correct horse", "correct horse", "wrong"} {
		_, session, err := cred.Login[http.Handler](context.Background(), portal, cred.NewUsernamePassword("alice", pass), mind)
		if err != nil {
			fmt.Println("refused:", cred.OutcomeOf(err))
			continue
		}
		fmt.Println("logged in:", session.ID)
		session.Logout()
	}
	fmt.Printf("%+v\n", cache.Stats())
	// Output:
	// logged in: user "alice"
	// logged in: user "alice"
	// refused: unauthorized
	// {Hits:1 Misses:2 Entries:1}
}

func ExampleNewCache() {
	users := exampleUsers()
	cache, err := checkers.NewCache(users, checkers.CacheOptions{TTL: 10 * time.Minute, MaxEntries: 1000})
	if err != nil {
		panic(err)
	}
	creds := cred.NewUsernamePassword("alice", "correct horse")
	for range 3 {
		id, err := cache.RequestAvatarID(context.Background(), creds, cred.Mind{})
		fmt.Println(id, err)
	}
	fmt.Printf("%+v\n", cache.Stats())

	// A new password changes the stored hash, so the cached login no longer
	// matches.
	users.Add("alice", "battery staple")
	_, err = cache.RequestAvatarID(context.Background(), creds, cred.Mind{})
	fmt.Println(errors.Is(err, cred.ErrUnauthorizedLogin))
	// Output:
	// user "alice" <nil>
	// user "alice" <nil>
	// user "alice" <nil>
	// {Hits:2 Misses:1 Entries:1}
	// true
}

func ExampleNewThrottle() {
	throttle := checkers.NewThrottle(exampleUsers(), checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{
		MaxUserFailures: 3,
		LockoutDuration: 15 * time.Minute,
	})
	mind := cred.Mind{Protocol: "ftp", RemoteAddr: netip.MustParseAddrPort("[2001:db8::1]:50000")}
	for _, pass := range []string{"guess1", "guess2", "guess3", "correct horse"} {
		_, err := throttle.RequestAvatarID(context.Background(), cred.NewUsernamePassword("alice", pass), mind)
		var te *cred.ThrottledError
		if errors.As(err, &te) {
			fmt.Println("locked out; retry after", te.RetryAfter.Round(time.Minute))
			continue
		}
		fmt.Println(err)
	}
	// Output:
	// cred: unauthorized login
	// cred: unauthorized login
	// cred: unauthorized login
	// locked out; retry after 15m0s
}

func ExampleNewLimit() {
	// At most two password verifications at once; others wait, or give up
	// when their context ends.
	limit := checkers.NewLimit(exampleUsers(), 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	id, err := limit.RequestAvatarID(ctx, cred.NewUsernamePassword("alice", "correct horse"), cred.Mind{})
	fmt.Println(id, err, limit)
	// Output:
	// user "alice" <nil> limit(2, memory (bcrypt(cost=4)))
}

func ExampleNewChain() {
	staff := exampleUsers()
	guests := checkers.NewMemory(checkers.Bcrypt{Cost: 4}) // minimum cost for a fast example; use the default
	if err := guests.Add("bob", "guest pass"); err != nil {
		panic(err)
	}
	// One cache over both stores.
	cache, err := checkers.NewCache(checkers.NewChain(staff, guests), checkers.CacheOptions{})
	if err != nil {
		panic(err)
	}
	for _, c := range []*cred.PasswordCredentials{
		cred.NewUsernamePassword("alice", "correct horse"),
		cred.NewUsernamePassword("bob", "guest pass"),
		cred.NewUsernamePassword("bob", "correct horse"),
	} {
		id, err := cache.RequestAvatarID(context.Background(), c, cred.Mind{})
		fmt.Println(id, err)
	}
	// Output:
	// user "alice" <nil>
	// user "bob" <nil>
	// <none> cred: unauthorized login
}
