package checkers

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strconv"

	"github.com/gocred/gocred/cred"
)

// Limit bounds how many verifications its inner checker runs at once, so a
// flood of bad passwords, each costing a slow hash, cannot take every CPU
// from the rest of the server. Callers over the bound wait their turn; a
// caller whose context ends while waiting gets the context's error (an
// internal outcome, not a refusal, so it is never counted as a wrong
// password).
//
// Put a Cache outside the Limit, so logins answered from the cache never
// queue behind slow hashes, and a Throttle outside both, so a locked-out
// client costs nothing at all:
//
//	cache, err := checkers.NewCache(checkers.NewLimit(users, 0), checkers.CacheOptions{})
//	if err != nil { ... }
//	checker := checkers.NewThrottle(cache, checkers.NewMemoryThrottleStore(), checkers.ThrottlePolicy{})
//
// Limit forwards LookupPasswordHash to its inner checker without waiting for
// a slot (a lookup is cheap), so a Cache can wrap it.
type Limit struct {
	inner cred.Checker
	slots chan struct{}
}

// NewLimit returns a Limit allowing at most n concurrent verifications by
// inner. n <= 0 means runtime.GOMAXPROCS(0): password hashing is CPU-bound,
// so more at once only makes each slower.
func NewLimit(inner cred.Checker, n int) *Limit {
	if inner == nil {
		panic("checkers: NewLimit: inner checker is nil")
	}
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return &Limit{inner: inner, slots: make(chan struct{}, n)}
}

// CredentialInterfaces returns the inner checker's.
func (l *Limit) CredentialInterfaces() []reflect.Type { return l.inner.CredentialInterfaces() }

// RequestAvatarID waits for a free slot, or for ctx to end, then asks the
// inner checker.
func (l *Limit) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			return cred.AvatarID{}, fmt.Errorf("checkers: waiting for a verification slot: %w", ctx.Err())
		}
	}
	defer func() { <-l.slots }()
	return l.inner.RequestAvatarID(ctx, creds, mind)
}

// InFlight returns how many verifications are running now, for metrics.
func (l *Limit) InFlight() int { return len(l.slots) }

// LookupPasswordHash asks the inner checker, without waiting for a slot. It
// fails if the inner checker cannot look up password hashes.
func (l *Limit) LookupPasswordHash(ctx context.Context, username string) (string, bool, error) {
	lk, ok := passwordHashLookupOf(l.inner)
	if !ok {
		return "", false, fmt.Errorf("checkers: %s cannot look up password hashes", cred.DescribeChecker(l.inner))
	}
	return lk.LookupPasswordHash(ctx, username)
}

func (l *Limit) passwordHashLookup() (PasswordHashLookup, bool) { return passwordHashLookupOf(l.inner) }

// String describes the limit and its inner checker, for error messages.
func (l *Limit) String() string {
	return "limit(" + strconv.Itoa(cap(l.slots)) + ", " + cred.DescribeChecker(l.inner) + ")"
}

var (
	_ cred.Checker       = (*Limit)(nil)
	_ PasswordHashLookup = (*Limit)(nil)
)
