package checkers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"reflect"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gocred/gocred/checkers"
	"github.com/gocred/gocred/cred"
)

// benchLogin logs in through p b.N times and fails the benchmark on an
// unexpected outcome.
func benchLogin(b *testing.B, p *cred.Portal, user, pass string, mind cred.Mind, want cred.Outcome) {
	b.Helper()
	creds := cred.NewUsernamePassword(user, pass)
	iface := reflect.TypeFor[http.Handler]()
	b.ReportAllocs()
	for b.Loop() {
		s, err := p.Login(context.Background(), creds, mind, iface)
		if got := cred.OutcomeOf(err); got != want {
			b.Fatalf("outcome %v (%v), want %v", got, err, want)
		}
		if err == nil {
			s.Logout()
		}
	}
}

func benchBcryptStore(b *testing.B) *checkers.Memory {
	users := checkers.NewMemory(checkers.Bcrypt{Cost: bcrypt.DefaultCost})
	if err := users.Add("alice", "correct horse"); err != nil {
		b.Fatal(err)
	}
	return users
}

var benchMind = cred.Mind{Protocol: "http", RemoteAddr: netip.MustParseAddrPort("192.0.2.1:40000")}

// BenchmarkLoginBcryptCold is the baseline: every login verifies a bcrypt
// cost-10 hash.
func BenchmarkLoginBcryptCold(b *testing.B) {
	benchLogin(b, decoPortal(b, benchBcryptStore(b)), "alice", "correct horse", benchMind, cred.OutcomeSuccess)
}

// BenchmarkLoginBcryptCached is the same login answered from a warm Cache.
func BenchmarkLoginBcryptCached(b *testing.B) {
	cache, err := checkers.NewCache(benchBcryptStore(b), checkers.CacheOptions{})
	if err != nil {
		b.Fatal(err)
	}
	p := decoPortal(b, cache)
	if _, err := decoLogin(p, "alice", "correct horse", benchMind); err != nil {
		b.Fatal(err)
	}
	benchLogin(b, p, "alice", "correct horse", benchMind, cred.OutcomeSuccess)
	if s := cache.Stats(); s.Misses != 1 {
		b.Fatalf("cache missed %d times, want only the warm-up", s.Misses)
	}
}

// BenchmarkLoginBcryptCachedParallel measures the cache's locking under
// concurrent hits on many users: one shard (caches under 1024 entries)
// against sixteen (larger caches), in the same run.
func BenchmarkLoginBcryptCachedParallel(b *testing.B) {
	for _, bc := range []struct {
		name       string
		maxEntries int
	}{{"one shard", 1000}, {"sixteen shards", 10000}} {
		b.Run(bc.name, func(b *testing.B) {
			users := checkers.NewMemory(checkers.Bcrypt{Cost: bcrypt.MinCost})
			const n = 64
			creds := make([]*cred.PasswordCredentials, n)
			for i := range n {
				creds[i] = cred.NewUsernamePassword(fmt.Sprint("user", i), "pw")
				users.Add(creds[i].User, "pw")
			}
			cache, err := checkers.NewCache(users, checkers.CacheOptions{MaxEntries: bc.maxEntries})
			if err != nil {
				b.Fatal(err)
			}
			p := decoPortal(b, cache)
			for _, c := range creds {
				if _, err := decoLogin(p, c.User, c.Password(), benchMind); err != nil {
					b.Fatal(err)
				}
			}
			iface := reflect.TypeFor[http.Handler]()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					s, err := p.Login(context.Background(), creds[i%n], benchMind, iface)
					if err != nil {
						b.Error(err)
						return
					}
					s.Logout()
					i++
				}
			})
		})
	}
}

// benchThrottlePolicy never locks out, so the benchmark measures the
// bookkeeping of every login.
var benchThrottlePolicy = checkers.ThrottlePolicy{MaxUserFailures: 1 << 30, MaxAddrFailures: 1 << 30}

func cheapStore() *checkers.InsecurePlaintext {
	return checkers.NewInsecurePlaintext(map[string]string{"alice": "correct horse"})
}

// BenchmarkThrottleBaselineSuccess is a cheap checker's successful login
// without a Throttle: the baseline for BenchmarkThrottleSuccess.
func BenchmarkThrottleBaselineSuccess(b *testing.B) {
	benchLogin(b, decoPortal(b, cheapStore()), "alice", "correct horse", benchMind, cred.OutcomeSuccess)
}

// BenchmarkThrottleSuccess is the same login through a Throttle with a
// memory store: Attempt, then Reset and Forgive.
func BenchmarkThrottleSuccess(b *testing.B) {
	th := checkers.NewThrottle(cheapStore(), checkers.NewMemoryThrottleStore(), benchThrottlePolicy)
	benchLogin(b, decoPortal(b, th), "alice", "correct horse", benchMind, cred.OutcomeSuccess)
}

// BenchmarkThrottleBaselineFailure is a cheap checker's refusal without a
// Throttle: the baseline for BenchmarkThrottleFailure.
func BenchmarkThrottleBaselineFailure(b *testing.B) {
	benchLogin(b, decoPortal(b, cheapStore()), "alice", "wrong", benchMind, cred.OutcomeUnauthorized)
}

// BenchmarkThrottleFailure is the same refusal through a Throttle: one
// Attempt.
func BenchmarkThrottleFailure(b *testing.B) {
	th := checkers.NewThrottle(cheapStore(), checkers.NewMemoryThrottleStore(), benchThrottlePolicy)
	benchLogin(b, decoPortal(b, th), "alice", "wrong", benchMind, cred.OutcomeUnauthorized)
}

// BenchmarkThrottleLockedOut is a refusal of a locked-out user: no checking
// at all.
func BenchmarkThrottleLockedOut(b *testing.B) {
	th := checkers.NewThrottle(benchBcryptStore(b), checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{MaxUserFailures: 1})
	p := decoPortal(b, th)
	decoLogin(p, "alice", "wrong", benchMind)
	benchLogin(b, p, "alice", "wrong", benchMind, cred.OutcomeThrottled)
}
