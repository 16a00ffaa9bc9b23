package checkers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"time"

	"github.com/gocred/gocred/cred"
)

// Throttle policy defaults, used for zero ThrottlePolicy fields.
const (
	DefaultMaxUserFailures = 10
	DefaultMaxAddrFailures = 100
	DefaultThrottleWindow  = 15 * time.Minute
	DefaultLockoutDuration = 15 * time.Minute
	DefaultIPv6PrefixBits  = 64
)

// ThrottlePolicy says how many failed logins a Throttle allows. Zero fields
// take the defaults.
type ThrottlePolicy struct {
	// MaxUserFailures is how many attempts one user name may fail in Window
	// before it is locked out; DefaultMaxUserFailures if zero, negative to
	// not count per user.
	MaxUserFailures int
	// MaxAddrFailures is the same per remote address (per IPv6 prefix),
	// across all user names, so spraying one password over many users is
	// limited too; DefaultMaxAddrFailures if zero, negative to not count
	// per address.
	MaxAddrFailures int
	// Window is how long failures are counted, from the first;
	// DefaultThrottleWindow if zero.
	Window time.Duration
	// LockoutDuration is how long a user name or address is refused once it
	// reaches its maximum; DefaultLockoutDuration if zero.
	LockoutDuration time.Duration
	// BaseDelay, if positive, adds exponential backoff before the lockout:
	// after the n-th failure the key waits BaseDelay<<(n-1), capped at
	// LockoutDuration. Zero means no backoff.
	BaseDelay time.Duration
	// IPv6PrefixBits is how much of an IPv6 address identifies a client
	// (one site usually holds a whole /64); DefaultIPv6PrefixBits if zero.
	IPv6PrefixBits int
}

// Validate reports a field that makes no sense, by name.
func (p ThrottlePolicy) Validate() error {
	switch {
	case p.Window < 0:
		return fmt.Errorf("checkers: ThrottlePolicy.Window is negative (%v)", p.Window)
	case p.LockoutDuration < 0:
		return fmt.Errorf("checkers: ThrottlePolicy.LockoutDuration is negative (%v)", p.LockoutDuration)
	case p.BaseDelay < 0:
		return fmt.Errorf("checkers: ThrottlePolicy.BaseDelay is negative (%v)", p.BaseDelay)
	case p.IPv6PrefixBits < 0 || p.IPv6PrefixBits > 128:
		return fmt.Errorf("checkers: ThrottlePolicy.IPv6PrefixBits is %d, want 1 to 128", p.IPv6PrefixBits)
	case p.MaxUserFailures < 0 && p.MaxAddrFailures < 0:
		return errors.New("checkers: ThrottlePolicy.MaxUserFailures and MaxAddrFailures are both negative: nothing would be counted")
	}
	return nil
}

// Throttle limits password guessing. It counts failed logins per user name
// and per remote address (cred.Mind.RemoteAddr; IPv6 addresses by prefix)
// in a ThrottleStore, and once either reaches its maximum, refuses further
// attempts with a *cred.ThrottledError carrying RetryAfter, without asking
// the inner checker, so a locked-out guesser costs no hashing. Behind a
// reverse proxy, the remote address must be the client's, not the
// proxy's (httpauth: Middleware.ClientAddr, ForwardedFor): else every
// client shares one address, and failures from anyone lock out everyone.
//
// Only refusals (cred.ErrUnauthorizedLogin) count as failures; an internal
// error of the inner checker, or the caller giving up, does not. A success
// takes back only its own attempt: it does not clear the failures counted
// before it, which may be a guesser's from other addresses (were they
// cleared, a user who logs in often, as a browser resending Basic
// credentials does, would reset the per-name limit for anyone guessing at
// the name). Failures are forgotten as their Window ends, or by
// UnlockUser. A lockout is a lockout: while it lasts, even
// the correct password is refused. Anyone can therefore lock a user name
// out for LockoutDuration by guessing; the per-address count limits how
// many names one client can do that to.
//
// Counting is by user name and address only, not protocol: one Throttle
// wrapping the store that HTTP and FTP share counts their failures together.
// A store error refuses the login as an internal error (fail closed).
//
// Put the Throttle outermost, outside a Cache, so a cached success cannot
// bypass a lockout; see Limit for the full order. Throttle forwards
// LookupPasswordHash to its inner checker.
type Throttle struct {
	// Now returns the current time; time.Now if nil. Tests set it before
	// first use.
	Now func() time.Time

	inner    cred.Checker
	store    ThrottleStore
	user     *ThrottleRule // nil: not counted
	addr     *ThrottleRule
	ipv6Bits int
}

// NewThrottle returns a Throttle over inner counting failures in store. It
// panics if inner or store is nil or policy.Validate fails: that is a
// configuration error to catch at startup.
func NewThrottle(inner cred.Checker, store ThrottleStore, policy ThrottlePolicy) *Throttle {
	if inner == nil || store == nil {
		panic("checkers: NewThrottle: inner checker or store is nil")
	}
	if err := policy.Validate(); err != nil {
		panic(err.Error())
	}
	if policy.Window == 0 {
		policy.Window = DefaultThrottleWindow
	}
	if policy.LockoutDuration == 0 {
		policy.LockoutDuration = DefaultLockoutDuration
	}
	if policy.IPv6PrefixBits == 0 {
		policy.IPv6PrefixBits = DefaultIPv6PrefixBits
	}
	rule := func(maxFailures, def int) *ThrottleRule {
		if maxFailures < 0 {
			return nil
		}
		if maxFailures == 0 {
			maxFailures = def
		}
		return &ThrottleRule{MaxFailures: maxFailures, Window: policy.Window, Lockout: policy.LockoutDuration, BaseDelay: policy.BaseDelay}
	}
	return &Throttle{
		inner:    inner,
		store:    store,
		user:     rule(policy.MaxUserFailures, DefaultMaxUserFailures),
		addr:     rule(policy.MaxAddrFailures, DefaultMaxAddrFailures),
		ipv6Bits: policy.IPv6PrefixBits,
	}
}

// CredentialInterfaces returns the inner checker's.
func (t *Throttle) CredentialInterfaces() []reflect.Type { return t.inner.CredentialInterfaces() }

// RequestAvatarID refuses a locked-out user name or address unchecked, and
// otherwise asks the inner checker and counts the outcome. Credentials
// without a user name (anonymous) pass through uncounted.
func (t *Throttle) RequestAvatarID(ctx context.Context, creds cred.Credentials, mind cred.Mind) (cred.AvatarID, error) {
	named, ok := creds.(interface{ Username() string })
	if !ok {
		return t.inner.RequestAvatarID(ctx, creds, mind)
	}
	keys, nUser := t.keys(named.Username(), mind.RemoteAddr.Addr())
	if len(keys) == 0 {
		return t.inner.RequestAvatarID(ctx, creds, mind)
	}
	retry, err := t.store.Attempt(ctx, keys, t.now())
	if err != nil {
		return cred.AvatarID{}, fmt.Errorf("checkers: throttle store: %w", err)
	}
	if retry > 0 {
		return cred.AvatarID{}, &cred.ThrottledError{RetryAfter: retry}
	}
	id, err := t.inner.RequestAvatarID(ctx, creds, mind)
	// Book-keeping must happen even if the client has gone away.
	bg := context.WithoutCancel(ctx)
	switch {
	case err == nil && isInconclusive(creds):
		// Accepted, yet the login will not go through (a right Digest
		// response on an expired nonce, maybe a captured one replayed):
		// the attempt is given back, as for an internal error, and the
		// user name's backoff stays.
		if err := t.store.Forgive(bg, keys, t.now()); err != nil {
			return cred.AvatarID{}, fmt.Errorf("checkers: throttle store: %w", err)
		}
		return id, nil
	case err == nil:
		// This attempt is given back and the user name's backoff ended,
		// and nothing more: the name's earlier failures, which may be
		// someone else's guesses, still count towards its lockout, and
		// the address's, which may be guesses at other names, keep
		// their backoff.
		if err := t.store.Succeed(bg, keys[:nUser], keys[nUser:], t.now()); err != nil {
			return cred.AvatarID{}, fmt.Errorf("checkers: throttle store: %w", err)
		}
		return id, nil
	case errors.Is(err, cred.ErrUnauthorizedLogin):
		return id, err // counted already, by Attempt
	case errors.As(err, new(*refusedThenFailedError)):
		// A Chain checked the password and refused it, then a later
		// member failed: the attempt stays counted.
		return id, err
	default:
		if ferr := t.store.Forgive(bg, keys, t.now()); ferr != nil {
			return cred.AvatarID{}, errors.Join(err, fmt.Errorf("checkers: throttle store: %w", ferr))
		}
		return id, err
	}
}

// UnlockUser forgets the failures counted against a user name, lifting
// its lockout: for an administrator who has verified the user.
func (t *Throttle) UnlockUser(ctx context.Context, username string) error {
	return t.store.Reset(ctx, []string{userThrottleKey(username)})
}

// LookupPasswordHash asks the inner checker. It fails if the inner checker
// cannot look up password hashes.
func (t *Throttle) LookupPasswordHash(ctx context.Context, username string) (string, bool, error) {
	lk, ok := passwordHashLookupOf(t.inner)
	if !ok {
		return "", false, fmt.Errorf("checkers: %s cannot look up password hashes", cred.DescribeChecker(t.inner))
	}
	return lk.LookupPasswordHash(ctx, username)
}

func (t *Throttle) passwordHashLookup() (PasswordHashLookup, bool) {
	return passwordHashLookupOf(t.inner)
}

// String describes the throttle and its inner checker, for error messages.
func (t *Throttle) String() string { return "throttle(" + cred.DescribeChecker(t.inner) + ")" }

func (t *Throttle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// keys returns the counters an attempt is charged to: the user name's first
// (when counted; nUser is 1 then), then the address's (when counted and
// known).
func (t *Throttle) keys(username string, addr netip.Addr) (keys []ThrottleKey, nUser int) {
	keys = make([]ThrottleKey, 0, 2)
	if t.user != nil {
		keys = append(keys, ThrottleKey{Key: userThrottleKey(username), Rule: *t.user})
		nUser = 1
	}
	if t.addr != nil && addr.IsValid() {
		keys = append(keys, ThrottleKey{Key: addrThrottleKey(addr, t.ipv6Bits), Rule: *t.addr})
	}
	return keys, nUser
}

// isInconclusive reports whether an accepted creds will not log in after
// all (see cred.Inconclusive).
func isInconclusive(creds cred.Credentials) bool {
	ic, ok := creds.(cred.Inconclusive)
	return ok && ic.Inconclusive()
}

// userThrottleKey names a user's counter. Long names are hashed, so a
// client cannot make the store hold huge keys.
func userThrottleKey(username string) string {
	if len(username) <= 64 {
		return "user:" + username
	}
	sum := sha256.Sum256([]byte(username))
	return "user#" + hex.EncodeToString(sum[:])
}

// addrThrottleKey names an address's counter: an IPv4 address (IPv4-mapped
// IPv6 counts as IPv4), or an IPv6 address's prefix of bits.
func addrThrottleKey(addr netip.Addr, bits int) string {
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		if p, err := addr.Prefix(bits); err == nil {
			return "addr:" + p.String()
		}
	}
	return "addr:" + addr.String()
}

var (
	_ cred.Checker       = (*Throttle)(nil)
	_ PasswordHashLookup = (*Throttle)(nil)
)
